/** The viewer's kind filters, kept in the URL as `?hide=stdout,stderr` (nothing hidden by default). */
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { CATEGORIES, type Category } from "./rows";

export function useFilters(): [ReadonlySet<Category>, (category: Category) => void] {
  const [params, setParams] = useSearchParams();
  const hide = params.get("hide") ?? "";
  const show = useMemo(() => {
    const hidden = new Set(hide.split(","));
    return new Set(CATEGORIES.filter((c) => !hidden.has(c)));
  }, [hide]);
  const toggle = (category: Category) => {
    const hidden = CATEGORIES.filter((c) => (c === category ? show.has(c) : !show.has(c)));
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        if (hidden.length > 0) out.set("hide", hidden.join(","));
        else out.delete("hide");
        return out;
      },
      { replace: true },
    );
  };
  return [show, toggle];
}

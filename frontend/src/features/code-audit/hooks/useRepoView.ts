/**
 * The repository page's URL state (see ../filters.ts). Filters and the open line replace the
 * history entry; opening another file pushes one, so Back returns to the previous file.
 */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { repoViewFromSearchParams, repoViewToSearchParams, type RepoView } from "../filters";

export type RepoViewPatch = { [K in keyof RepoView]?: RepoView[K] | undefined };

export function useRepoView(): [RepoView, (patch: RepoViewPatch, options?: { push?: boolean }) => void] {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // Keyed on the string so the object (and query keys built from it) only change with the URL.
  const view = useMemo(() => repoViewFromSearchParams(new URLSearchParams(search)), [search]);
  const update = useCallback(
    (patch: RepoViewPatch, options: { push?: boolean } = {}) => {
      setParams((prev) => repoViewToSearchParams({ ...repoViewFromSearchParams(prev), ...patch }, prev), {
        replace: !options.push,
      });
    },
    [setParams],
  );
  return [view, update];
}

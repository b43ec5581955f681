/**
 * Server-side search over the whole run (`events/search`): the match count, the matching seqs
 * (the first 10,000) and a current match moved with next/previous. The query lives in the URL
 * (`?q=`) so a search can be shared.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { searchQuery } from "./api";

export interface LogSearch {
  q: string;
  setQ: (q: string) => void;
  count: number | null;
  matches: ReadonlySet<number>;
  /** Index into the matching seqs, or null before the first jump. */
  index: number | null;
  current: number | null;
  isFetching: boolean;
  /** Moves to the next (+1) or previous (-1) match; answers its seq. */
  step: (direction: 1 | -1) => number | null;
}

export function useLogSearch(runId: string): LogSearch {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const query = useQuery(searchQuery(runId, q));
  const [position, setPosition] = useState<{ q: string; index: number } | null>(null);
  const seqs = useMemo(() => query.data?.seqs ?? [], [query.data]);
  const matches = useMemo(() => new Set(seqs), [seqs]);
  const index = position?.q === q ? position.index : null;

  const setQ = (next: string) => {
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        if (next) out.set("q", next);
        else out.delete("q");
        return out;
      },
      { replace: true },
    );
  };

  const step = (direction: 1 | -1) => {
    if (seqs.length === 0) return null;
    const next = index === null ? (direction === 1 ? 0 : seqs.length - 1) : (index + direction + seqs.length) % seqs.length;
    setPosition({ q, index: next });
    return seqs[next] ?? null;
  };

  return {
    q,
    setQ,
    count: q && query.data ? query.data.count : null,
    matches: q ? matches : new Set<number>(),
    index,
    current: index === null ? null : (seqs[index] ?? null),
    isFetching: query.isFetching,
    step,
  };
}

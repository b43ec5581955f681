/** Search over the whole run: the query, the match count, and previous/next. */
import { DebouncedInput } from "../../../components/DebouncedInput";
import type { LogSearch } from "../useLogSearch";

export function SearchBar({ search, onStep }: { search: LogSearch; onStep: (direction: 1 | -1) => void }) {
  const { count, index } = search;
  const label = count === null ? "" : count === 0 ? "no matches" : `${index === null ? "" : `${index + 1} of `}${count} ${count === 1 ? "match" : "matches"}`;
  return (
    <div className="live-search" role="search">
      <DebouncedInput
        type="search"
        aria-label="Search the log"
        placeholder="Search the whole run"
        value={search.q}
        onCommit={search.setQ}
        onKeyDown={(e) => {
          if (e.key === "Enter" && count) onStep(e.shiftKey ? -1 : 1);
        }}
      />
      <span className="muted live-search__count" data-testid="search-count">
        {search.isFetching ? "searching…" : label}
      </span>
      <button type="button" className="button button--small" disabled={!count} onClick={() => { onStep(-1); }} aria-label="Previous match">
        ↑
      </button>
      <button type="button" className="button button--small" disabled={!count} onClick={() => { onStep(1); }} aria-label="Next match">
        ↓
      </button>
    </div>
  );
}

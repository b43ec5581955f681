/** The runs list's filter bar; every value lives in the URL (see useRunFilters). */
import { DebouncedInput } from "../../../components/DebouncedInput";
import { hasFilters, type RunListFilters, type TextFilter } from "../filters";
import { StatusFilter } from "./StatusFilter";
import { TimeRangeFilter } from "./TimeRangeFilter";

interface Props {
  filters: RunListFilters;
  onChange: (patch: Partial<RunListFilters>) => void;
}

const TEXT_INPUTS: { name: Exclude<TextFilter, "since" | "until">; label: string; placeholder: string }[] = [
  { name: "q", label: "Search", placeholder: "ticket, title, reason, error" },
  { name: "ticket", label: "Ticket", placeholder: "key, e.g. LIN-123" },
  { name: "repository", label: "Repository", placeholder: "name or id" },
  { name: "provider", label: "Provider", placeholder: "e.g. command" },
];

export function RunFilters({ filters, onChange }: Props) {
  return (
    <form
      className="filters"
      role="search"
      aria-label="Filter runs"
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <StatusFilter
        value={filters.status ?? []}
        onChange={(status) => {
          onChange({ status });
        }}
      />
      <div className="filters__row">
        {TEXT_INPUTS.map(({ name, label, placeholder }) => (
          <label key={name} className="field">
            <span>{label}</span>
            <DebouncedInput
              type={name === "q" ? "search" : "text"}
              value={filters[name] ?? ""}
              placeholder={placeholder}
              onCommit={(value) => {
                onChange({ [name]: value });
              }}
            />
          </label>
        ))}
      </div>
      <TimeRangeFilter since={filters.since} until={filters.until} onChange={onChange} />
      {hasFilters(filters) ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            onChange({
              status: [],
              q: undefined,
              ticket: undefined,
              repository: undefined,
              provider: undefined,
              since: undefined,
              until: undefined,
            });
          }}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

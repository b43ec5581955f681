/** The audit list's filter bar: the API's filters, every value kept in the URL (see useAuditFilters). */
import { DebouncedInput } from "../../../components/DebouncedInput";
import { TimeRangeFilter } from "../../runs";
import {
  CHOICE_FILTERS,
  hasAuditFilters,
  NO_FILTERS,
  type AuditFilters,
  type ChoiceFilter,
  type TextFilter,
} from "../filters";

interface Props {
  filters: AuditFilters;
  onChange: (patch: AuditFilters) => void;
}

const CHOICES: { name: ChoiceFilter; label: string }[] = [
  { name: "status", label: "Status" },
  { name: "reason_code", label: "Reason" },
  { name: "validation", label: "Validation" },
  { name: "repair_ran", label: "Repair ran" },
  { name: "review_fixes_ran", label: "Review fixes ran" },
];

const TEXT_INPUTS: { name: Exclude<TextFilter, "since" | "until">; label: string; placeholder: string }[] = [
  { name: "q", label: "Search", placeholder: "ticket, title, reason" },
  { name: "ticket", label: "Ticket", placeholder: "key, e.g. LIN-123" },
  { name: "repository", label: "Repository", placeholder: "name or id" },
  { name: "branch", label: "Branch", placeholder: "mergeloom/…" },
  { name: "provider", label: "Provider", placeholder: "e.g. command" },
];

export function AuditFilterBar({ filters, onChange }: Props) {
  return (
    <form
      className="filters"
      role="search"
      aria-label="Filter audit records"
      onSubmit={(e) => {
        e.preventDefault();
      }}
    >
      <div className="filters__row">
        {CHOICES.map(({ name, label }) => (
          <label key={name} className="field">
            <span>{label}</span>
            <select
              aria-label={label}
              value={filters[name] ?? ""}
              onChange={(e) => {
                onChange({ [name]: e.target.value || undefined });
              }}
            >
              <option value="">any</option>
              {CHOICE_FILTERS[name].map((value) => (
                <option key={value} value={value}>
                  {value === "true" ? "yes" : value === "false" ? "no" : value}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
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
      <TimeRangeFilter legend="Finished" since={filters.since} until={filters.until} onChange={onChange} />
      {hasAuditFilters(filters) ? (
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            onChange(NO_FILTERS);
          }}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

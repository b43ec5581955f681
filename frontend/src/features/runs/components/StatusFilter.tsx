/** Status checkboxes for the runs list: any number may be on; none means every status. */
import { RUN_STATUSES, type RunStatus } from "../../../api/types";

interface Props {
  value: readonly RunStatus[];
  onChange: (status: RunStatus[]) => void;
}

export function StatusFilter({ value, onChange }: Props) {
  return (
    <fieldset className="filter-status" aria-label="Status">
      <legend>Status</legend>
      {RUN_STATUSES.map((status) => (
        <label key={status} className="check">
          <input
            type="checkbox"
            checked={value.includes(status)}
            onChange={(e) => {
              onChange(e.target.checked ? [...value, status] : value.filter((s) => s !== status));
            }}
          />
          {status}
        </label>
      ))}
    </fieldset>
  );
}

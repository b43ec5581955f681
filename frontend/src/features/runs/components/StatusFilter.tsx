/** Status checkboxes for the runs list: any number may be on; none means every status. */
import { useState } from "react";
import { RUN_STATUSES, type RunStatus } from "../../../api/types";

interface Props {
  value: readonly RunStatus[];
  onChange: (status: RunStatus[]) => void;
}

export function StatusFilter({ value, onChange }: Props) {
  // The URL update behind `onChange` lands in a transition; show the click at once and follow
  // the URL again whenever it changes.
  const [shown, setShown] = useState<readonly RunStatus[]>(value);
  const [synced, setSynced] = useState(value);
  if (synced !== value) {
    setSynced(value);
    setShown(value);
  }
  return (
    <fieldset className="filter-status" aria-label="Status">
      <legend>Status</legend>
      {RUN_STATUSES.map((status) => (
        <label key={status} className="check">
          <input
            type="checkbox"
            checked={shown.includes(status)}
            onChange={(e) => {
              const next = e.target.checked ? [...shown, status] : shown.filter((s) => s !== status);
              setShown(next);
              onChange(next);
            }}
          />
          {status}
        </label>
      ))}
    </fieldset>
  );
}

/** A select narrowing the runs list to one status; the choice is stored in the URL. */
import { RUN_STATUSES } from "../../../api/types";

interface Props {
  value: string | null;
  onChange: (status: string | null) => void;
}

export function StatusFilter({ value, onChange }: Props) {
  return (
    <label className="field field--inline">
      <span>Status</span>
      <select
        value={value ?? ""}
        onChange={(e) => {
          onChange(e.target.value || null);
        }}
      >
        <option value="">all</option>
        {RUN_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * One setting in the form: its input (by kind), unit, default, source and description; a locked
 * setting is shown read-only with a lock and where it was set. Client-side and server (422)
 * errors appear under the input and are announced with it.
 */
import type { SettingView } from "../../../api/types";
import { formatBytes } from "../../../lib/format";
import { choicesOf, displayValue, kindOf, toDraft } from "../model";
import { LockNote } from "../../../components/LockNote";

interface Props {
  name: string;
  view: SettingView;
  draft: string | undefined;
  error: string | undefined;
  onDraft: (name: string, text: string) => void;
}

function SettingInput({ name, view, draft, error, onDraft }: Props) {
  const kind = kindOf(name, view);
  const text = draft ?? toDraft(view.value);
  const id = `setting-${name}`;
  const describedBy = [`${id}-help`, error ? `${id}-error` : ""].filter(Boolean).join(" ");
  const common = {
    id,
    name,
    "aria-describedby": describedBy,
    "aria-invalid": error ? true : undefined,
    disabled: view.locked,
  } as const;
  switch (kind) {
    case "boolean":
      return (
        <input
          {...common}
          type="checkbox"
          checked={text === "true"}
          onChange={(e) => {
            onDraft(name, String(e.target.checked));
          }}
        />
      );
    case "choice":
      return (
        <select
          {...common}
          value={text}
          onChange={(e) => {
            onDraft(name, e.target.value);
          }}
        >
          {choicesOf(name).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      );
    case "list":
      return (
        <textarea
          {...common}
          rows={Math.min(6, Math.max(2, text.split("\n").length))}
          value={text}
          placeholder="one per line"
          onChange={(e) => {
            onDraft(name, e.target.value);
          }}
        />
      );
    case "integer":
    case "text":
      return (
        <input
          {...common}
          type="text"
          inputMode={kind === "integer" ? "numeric" : undefined}
          value={text}
          placeholder={view.default === null ? "none" : undefined}
          onChange={(e) => {
            onDraft(name, e.target.value);
          }}
        />
      );
  }
}

export function SettingField(props: Props) {
  const { name, view, error } = props;
  const id = `setting-${name}`;
  return (
    <div className={`setting${view.locked ? " setting--locked" : ""}`} data-testid={id} data-source={view.source}>
      <div className="setting__head">
        <label htmlFor={id} className="setting__name mono">
          {name}
        </label>
        {view.unit ? <span className="muted">({view.unit})</span> : null}
        {view.unit === "bytes" && typeof view.value === "number" && view.value > 0 ? (
          <span className="muted">= {formatBytes(view.value)}</span>
        ) : null}
        <span className="tag" title="Where the value comes from">
          {view.source}
        </span>
        {view.locked ? <LockNote source={view.source} /> : null}
      </div>
      <div className="setting__input">
        <SettingInput {...props} />
      </div>
      <p id={`${id}-help`} className="setting__help muted">
        {view.description} Default: <span className="mono">{displayValue(view.default)}</span>
        {view.unit ? ` ${view.unit}` : ""}
        {view.unit === "bytes" && typeof view.default === "number" && view.default > 0 ? ` (${formatBytes(view.default)})` : ""}.
      </p>
      {error ? (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

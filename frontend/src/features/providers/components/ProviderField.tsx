/**
 * One provider field in the edit form. A locked field is read-only with a lock ("set by
 * environment"); a secret field is a password input that starts empty, with a placeholder that
 * says a secret is stored (its masked tail) and a "Clear key" action.
 */
import type { ProviderItem } from "../../../api/types";
import { LockNote } from "../../../components/LockNote";
import { isLocked, isSecret, secretPlaceholder } from "../form";

const LABELS: Record<string, string> = {
  base_url: "Base URL",
  model: "Model",
  api_key: "API key",
  command: "Command",
  max_turns: "Max turns",
};

interface Props {
  item: ProviderItem;
  field: string;
  draft: string;
  error: string | undefined;
  onDraft: (field: string, value: string) => void;
  onClear: (field: string) => void;
  clearing: boolean;
}

export function ProviderField({ item, field, draft, error, onDraft, onClear, clearing }: Props) {
  const id = `provider-${item.id}-${field}`;
  const locked = isLocked(item, field);
  const secret = isSecret(item, field);
  const stored = item.settings[field] ?? null;
  const label = LABELS[field] ?? field;
  return (
    <div className={`field provider-field${locked ? " provider-field--locked" : ""}`} data-testid={id}>
      <span className="provider-field__label">
        <label htmlFor={id}>{label}</label>
        {locked ? <LockNote source="env" /> : null}
      </span>
      {locked ? (
        <input id={id} type="text" readOnly value={stored ?? ""} aria-readonly="true" className="mono" />
      ) : secret ? (
        <span className="provider-field__secret">
          <input
            id={id}
            type="password"
            autoComplete="off"
            value={draft}
            placeholder={secretPlaceholder(stored)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => {
              onDraft(field, e.target.value);
            }}
          />
          {stored ? (
            <button
              type="button"
              className="button button--small button--danger"
              disabled={clearing}
              onClick={() => {
                onClear(field);
              }}
            >
              Clear key
            </button>
          ) : null}
        </span>
      ) : (
        <input
          id={id}
          type="text"
          value={draft}
          className="mono"
          placeholder="not set"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => {
            onDraft(field, e.target.value);
          }}
        />
      )}
      {error ? (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * The retention policy: its four settings (edited with the rest of the form), compliance mode as a
 * read-only badge, a preview of what the next prune would remove under the unsaved edits, Prune
 * now, and the last and next scheduled prune.
 */
import type { SettingView } from "../../../api/types";
import { previewQuery } from "../retention";
import { PrunerState } from "./PrunerState";
import { PruneNow } from "./PruneNow";
import { RetentionPreviewPanel } from "./RetentionPreviewPanel";
import { SettingField } from "./SettingField";

interface Props {
  names: readonly string[];
  settings: Record<string, SettingView>;
  drafts: Record<string, string>;
  errors: Record<string, string>;
  onDraft: (name: string, text: string) => void;
}

function ComplianceState({ view }: { view: SettingView | undefined }) {
  if (!view) return null;
  const on = view.value === true;
  return (
    <p className={`compliance-state${on ? " compliance-state--on" : ""}`} data-testid="compliance-state">
      <span className={`badge ${on ? "badge--compliance" : "badge--off"}`}>
        {on ? "Compliance mode on — audit evidence is never pruned" : "Compliance mode off"}
      </span>{" "}
      <span className="muted">Provisioned only (flag or environment); once on, it cannot be turned off here.</span>
    </p>
  );
}

export function RetentionSection({ names, settings, drafts, errors, onDraft }: Props) {
  const query = previewQuery(settings, drafts);
  return (
    <fieldset className="panel settings-group retention" data-testid="settings-group-retention">
      <legend>
        <h2>Retention policy</h2>
      </legend>
      <ComplianceState view={settings.compliance_mode} />
      {names.map((name) => {
        const view = settings[name];
        return view ? (
          <SettingField key={name} name={name} view={view} draft={drafts[name]} error={errors[name]} onDraft={onDraft} />
        ) : null;
      })}
      <PrunerState />
      <RetentionPreviewPanel query={query} />
      <PruneNow dirty={query !== ""} />
    </fieldset>
  );
}

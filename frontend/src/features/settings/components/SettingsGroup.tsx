/** One group of settings (executor, providers, diff guard…) as a fieldset of setting fields. */
import type { SettingView } from "../../../api/types";
import { SettingField } from "./SettingField";

interface Props {
  id: string;
  title: string;
  names: readonly string[];
  settings: Record<string, SettingView>;
  drafts: Record<string, string>;
  errors: Record<string, string>;
  onDraft: (name: string, text: string) => void;
}

export function SettingsGroup({ id, title, names, settings, drafts, errors, onDraft }: Props) {
  return (
    <fieldset className="panel settings-group" data-testid={`settings-group-${id}`}>
      <legend>
        <h2>{title}</h2>
      </legend>
      {names.map((name) => {
        const view = settings[name];
        return view ? (
          <SettingField key={name} name={name} view={view} draft={drafts[name]} error={errors[name]} onDraft={onDraft} />
        ) : null;
      })}
    </fieldset>
  );
}

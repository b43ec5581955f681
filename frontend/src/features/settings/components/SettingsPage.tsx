/**
 * `/settings`: every runtime setting with its value, default, unit, source, lock and description,
 * grouped (executor, providers, diff guard, retention, compliance). Edits are drafts until Save,
 * which sends only the changed names in one atomic PUT; client-side errors block the save, and
 * the server's 422 field errors and 409 lock messages are shown where they belong. The retention
 * group comes with the prune preview and Prune now; the settings history closes the page.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { conflictMessage, fieldErrorsOf } from "../../../lib/fieldErrors";
import type { SettingsDoc } from "../../../api/types";
import { saveSettings, settingsQuery } from "../api";
import { changeSet, groupSettings } from "../model";
import { RetentionSection } from "./RetentionSection";
import { SettingsGroup } from "./SettingsGroup";
import { SettingsHistoryTable } from "./SettingsHistoryTable";

function SettingsForm({ doc }: { doc: SettingsDoc }) {
  const queryClient = useQueryClient();
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (changes: Record<string, unknown>) => saveSettings(queryClient, changes),
    onSuccess: () => {
      setDrafts({});
    },
  });
  const { changes, errors } = changeSet(doc.settings, drafts);
  const serverErrors = fieldErrorsOf(save.error);
  const conflict = conflictMessage(save.error);
  const shownErrors = { ...serverErrors, ...errors };
  const count = Object.keys(changes).length;
  const invalid = Object.keys(errors).length;

  const onDraft = (name: string, text: string) => {
    setDrafts((prev) => ({ ...prev, [name]: text }));
    if (save.isSuccess) save.reset();
  };
  const onSubmit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (count > 0 && invalid === 0) save.mutate(changes);
  };

  const groups = groupSettings(Object.keys(doc.settings));
  return (
    <form className="settings-form" onSubmit={onSubmit} aria-label="Runtime settings" noValidate>
      {groups.map((group) =>
        group.id === "retention" || group.id === "compliance" ? null : (
          <SettingsGroup
            key={group.id}
            id={group.id}
            title={group.title}
            names={group.names}
            settings={doc.settings}
            drafts={drafts}
            errors={shownErrors}
            onDraft={onDraft}
          />
        ),
      )}
      <RetentionSection
        names={groups.find((g) => g.id === "retention")?.names ?? []}
        settings={doc.settings}
        drafts={drafts}
        errors={shownErrors}
        onDraft={onDraft}
      />
      <div className="settings-save" role="group" aria-label="Save settings">
        <button type="submit" className="button button--primary" disabled={count === 0 || invalid > 0 || save.isPending} data-testid="settings-save">
          {save.isPending ? "Saving…" : count > 0 ? `Save ${count} change${count === 1 ? "" : "s"}` : "Save"}
        </button>
        <button
          type="button"
          className="button"
          disabled={Object.keys(drafts).length === 0}
          onClick={() => {
            setDrafts({});
            save.reset();
          }}
        >
          Discard
        </button>
        <span role="status" className="muted" data-testid="settings-save-status">
          {invalid > 0
            ? `${invalid} setting${invalid === 1 ? " is" : "s are"} not valid`
            : save.isSuccess
              ? "Saved."
              : count > 0
                ? "Unsaved changes"
                : ""}
        </span>
        {conflict ? (
          <p className="form-error" role="alert" data-testid="settings-conflict">
            {conflict}
          </p>
        ) : save.isError && Object.keys(serverErrors).length === 0 ? (
          <ErrorNotice error={save.error} title="Could not save the settings" />
        ) : null}
      </div>
    </form>
  );
}

export function SettingsPage() {
  const settings = useQuery(settingsQuery());
  return (
    <section className="page settings-page">
      <header className="page__header">
        <h1>Settings</h1>
        <p className="page__lede muted">
          Runtime configuration. Settings given by flag or environment are locked here; the others apply to runs that
          start after a save.
        </p>
      </header>
      {settings.isPending ? (
        <Loading label="Loading settings…" />
      ) : settings.isError ? (
        <ErrorNotice error={settings.error} title="Could not load the settings" />
      ) : (
        <SettingsForm doc={settings.data} />
      )}
      <SettingsHistoryTable />
    </section>
  );
}

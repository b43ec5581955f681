/**
 * A provider's edit form: sends only changed fields (a secret only when typed), shows client-side
 * and server (422) errors next to their fields and a 409 (locked field) above the buttons. A
 * provisioned provider, whose fields are all locked, shows them read-only with no Save.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import type { ProviderItem } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { conflictMessage, fieldErrorsOf } from "../../../lib/fieldErrors";
import { updateProvider } from "../api";
import { draftErrors, fieldsOf, initialDrafts, isLocked, providerPatch, type Drafts } from "../form";
import { ProviderField } from "./ProviderField";

export function ProviderForm({ item }: { item: ProviderItem }) {
  const queryClient = useQueryClient();
  const [drafts, setDrafts] = useState<Drafts>(() => initialDrafts(item));
  const save = useMutation({
    mutationFn: (settings: Record<string, string>) => updateProvider(queryClient, item.id, settings),
    onSuccess: (next) => {
      setDrafts(initialDrafts(next));
    },
  });
  const clear = useMutation({
    mutationFn: (field: string) => updateProvider(queryClient, item.id, { [field]: "" }),
  });

  const fields = fieldsOf(item);
  const editable = fields.some((f) => !isLocked(item, f));
  const patch = providerPatch(item, drafts);
  const clientErrors = draftErrors(item, drafts);
  const lastError = save.error ?? clear.error;
  const errors = { ...fieldErrorsOf(lastError, "settings."), ...clientErrors };
  const conflict = conflictMessage(lastError);
  const changed = Object.keys(patch).length;

  const onSubmit = (e: SyntheticEvent) => {
    e.preventDefault();
    if (changed > 0 && Object.keys(clientErrors).length === 0) save.mutate(patch);
  };

  return (
    <form className="provider-form" onSubmit={onSubmit} aria-label={`${item.label} settings`} noValidate>
      {fields.map((field) => (
        <ProviderField
          key={field}
          item={item}
          field={field}
          draft={drafts[field] ?? ""}
          error={errors[field]}
          clearing={clear.isPending}
          onDraft={(f, v) => {
            setDrafts((prev) => ({ ...prev, [f]: v }));
            if (save.isSuccess) save.reset();
          }}
          onClear={(f) => {
            save.reset();
            clear.mutate(f);
          }}
        />
      ))}
      {conflict ? (
        <p className="form-error" role="alert" data-testid="provider-conflict">
          {conflict}
        </p>
      ) : lastError && Object.keys(fieldErrorsOf(lastError)).length === 0 ? (
        <ErrorNotice error={lastError} title="Could not save the provider" />
      ) : null}
      {editable ? (
        <div className="actions">
          <button type="submit" className="button button--primary" disabled={changed === 0 || save.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </button>
          <span role="status" className="muted">
            {save.isSuccess ? "Saved." : clear.isSuccess ? "Key cleared." : ""}
          </span>
        </div>
      ) : (
        <p className="muted">Provisioned: every field is set by the environment and read-only here.</p>
      )}
    </form>
  );
}

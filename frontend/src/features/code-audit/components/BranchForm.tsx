/**
 * The tracked branch (the one reconciliation follows, first-parent): shown, and editable in place
 * with `PATCH …/{id}`. Clearing it goes back to the remote's default branch.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { codeAuditKeys, setTrackedBranch } from "../api";
import type { CodeRepo } from "../../../api/types";

export function BranchForm({ repo }: { repo: CodeRepo }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const save = useMutation({
    mutationFn: (branch: string | null) => setTrackedBranch(repo.id, branch),
    onSuccess: (updated) => {
      queryClient.setQueryData<CodeRepo>(codeAuditKeys.detail(repo.id), (cached) => (cached ? { ...cached, ...updated } : cached));
      void queryClient.invalidateQueries({ queryKey: codeAuditKeys.repo(repo.id) });
      void queryClient.invalidateQueries({ queryKey: codeAuditKeys.repos() });
      setEditing(false);
    },
  });

  if (!editing) {
    return (
      <span className="code-branch">
        {repo.default_branch ? (
          <code data-testid="code-tracked-branch">{repo.default_branch}</code>
        ) : (
          <span className="muted" data-testid="code-tracked-branch">
            not detected yet
          </span>
        )}
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            setDraft(repo.default_branch ?? "");
            save.reset();
            setEditing(true);
          }}
        >
          Change
        </button>
      </span>
    );
  }

  const branch = draft.trim();
  return (
    <form
      className="code-branch code-branch--editing"
      aria-label="Tracked branch"
      onSubmit={(e) => {
        e.preventDefault();
        if (branch !== "") save.mutate(branch);
      }}
    >
      <input
        aria-label="Branch name"
        value={draft}
        placeholder="e.g. main"
        autoFocus
        spellCheck={false}
        onChange={(e) => {
          setDraft(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
        }}
      />
      <button type="submit" className="button button--small button--primary" disabled={save.isPending || branch === ""}>
        {save.isPending ? "Saving…" : "Save"}
      </button>
      <button
        type="button"
        className="button button--small"
        disabled={save.isPending}
        title="Follow the remote's default branch"
        onClick={() => {
          save.mutate(null);
        }}
      >
        Use the remote&apos;s default
      </button>
      <button
        type="button"
        className="button button--small"
        onClick={() => {
          setEditing(false);
        }}
      >
        Cancel
      </button>
      {save.error ? (
        <span className="form-error" role="alert">
          {save.error.message}
        </span>
      ) : null}
    </form>
  );
}

/** A repository's latest reconciliation: its status badge, and the error in full when it failed. */
import { StatusBadge } from "../../../components/StatusBadge";
import type { CodeRepo } from "../../../api/types";

export function ReconciliationState({ state, showError = true }: { state: CodeRepo["reconciliation"]; showError?: boolean }) {
  if (!state.status) return <span className="muted">none yet</span>;
  return (
    <>
      <StatusBadge status={state.status} />
      {showError && state.status === "failed" && state.error ? (
        <p className="code-error" role="note" data-testid="code-reconciliation-error">
          {state.error}
        </p>
      ) : null}
    </>
  );
}

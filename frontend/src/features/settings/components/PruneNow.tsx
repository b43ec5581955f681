/**
 * Prune now: a confirmation dialog (native modal <dialog>: focus moves in and Escape cancels),
 * then `POST /api/v1/retention/prune` and its report — what was removed, bytes given back, time.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { formatBytes, formatDuration } from "../../../lib/format";
import { pruneNow } from "../retentionApi";
import { RetentionFigures } from "./RetentionFigures";

export function PruneNow({ dirty }: { dirty: boolean }) {
  const queryClient = useQueryClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const prune = useMutation({ mutationFn: () => pruneNow(queryClient) });
  return (
    <div className="prune-now">
      <div className="actions">
        <button
          type="button"
          className="button button--danger"
          disabled={prune.isPending}
          onClick={() => {
            dialog.current?.showModal();
          }}
        >
          {prune.isPending ? "Pruning…" : "Prune now"}
        </button>
        {dirty ? <span className="muted">Prune now applies the saved policy, not unsaved edits.</span> : null}
      </div>
      <dialog ref={dialog} className="prune-dialog" aria-labelledby="prune-dialog-title">
        <h3 id="prune-dialog-title">Prune now?</h3>
        <p>
          Everything the saved retention policy marks as expired is deleted now: run events and raw output, audit records
          and code-audit evidence past their days. This cannot be undone.
        </p>
        <div className="actions">
          <button
            type="button"
            className="button button--danger"
            onClick={() => {
              dialog.current?.close();
              prune.mutate();
            }}
          >
            Yes, prune now
          </button>
          <button
            type="button"
            className="button"
            autoFocus
            onClick={() => {
              dialog.current?.close();
            }}
          >
            Cancel
          </button>
        </div>
      </dialog>
      {prune.isError ? <ErrorNotice error={prune.error} title="Could not prune" /> : null}
      {prune.isSuccess ? (
        <section className="retention-report" role="status" aria-labelledby="prune-report-title" data-testid="prune-report">
          <h3 id="prune-report-title">Pruned</h3>
          <RetentionFigures figures={prune.data} testId="prune-report-figures" />
          <p className="muted">
            Database space given back: {formatBytes(prune.data.vacuumed_bytes)} · took {formatDuration(prune.data.duration_ms)}
          </p>
        </section>
      ) : null}
    </div>
  );
}

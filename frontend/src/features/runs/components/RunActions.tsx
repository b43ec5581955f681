/**
 * Cancel (while queued or running, after an inline confirmation) and Retry (once terminal, then
 * opens the new run). Failures show next to the buttons.
 */
import { useState } from "react";
import { isActiveStatus, type Run } from "../../../api/types";
import { useCancelRun, useRetryRun } from "../hooks/useRunActions";

function ActionError({ error }: { error: Error | null }) {
  return error ? (
    <span className="form-error" role="alert">
      {error.message}
    </span>
  ) : null;
}

/** Cancel behind an inline confirmation; `small` for toolbars (the live page uses it too). */
export function CancelAction({ run, small = false }: { run: Run; small?: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const cancel = useCancelRun(run);
  const size = small ? " button--small" : "";
  if (!confirming) {
    return (
      <>
        <button
          type="button"
          className={`button button--danger${size}`}
          onClick={() => {
            setConfirming(true);
          }}
        >
          Cancel run
        </button>
        <ActionError error={cancel.error} />
      </>
    );
  }
  return (
    <span className="confirm" role="group" aria-label="Confirm cancel">
      <span>Cancel this run? Its processes are stopped.</span>
      <button
        type="button"
        className={`button button--danger${size}`}
        disabled={cancel.isPending}
        onClick={() => {
          cancel.mutate(undefined, {
            onSettled: () => {
              setConfirming(false);
            },
          });
        }}
      >
        Yes, cancel run
      </button>
      <button
        type="button"
        className={`button${size}`}
        onClick={() => {
          setConfirming(false);
        }}
      >
        Keep running
      </button>
    </span>
  );
}

function RetryAction({ run }: { run: Run }) {
  const retry = useRetryRun(run);
  return (
    <>
      <button
        type="button"
        className="button"
        disabled={retry.isPending}
        onClick={() => {
          retry.mutate();
        }}
      >
        {retry.isPending ? "Retrying…" : "Retry"}
      </button>
      <ActionError error={retry.error} />
    </>
  );
}

export function RunActions({ run }: { run: Run }) {
  return <div className="actions">{isActiveStatus(run.status) ? <CancelAction run={run} /> : <RetryAction run={run} />}</div>;
}

/** Cancel for an active run, behind an inline confirmation (the runs feature's cancel mutation). */
import { useState } from "react";
import { isActiveStatus, type Run } from "../../../api/types";
import { useCancelRun } from "../../runs";

export function CancelButton({ run }: { run: Run }) {
  const [confirming, setConfirming] = useState(false);
  const cancel = useCancelRun(run);
  if (!isActiveStatus(run.status)) return null;
  if (!confirming) {
    return (
      <>
        <button
          type="button"
          className="button button--danger button--small"
          onClick={() => {
            setConfirming(true);
          }}
        >
          Cancel run
        </button>
        {cancel.error ? (
          <span className="form-error" role="alert">
            {cancel.error.message}
          </span>
        ) : null}
      </>
    );
  }
  return (
    <span className="confirm" role="group" aria-label="Confirm cancel">
      <span>Cancel this run?</span>
      <button
        type="button"
        className="button button--danger button--small"
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
        className="button button--small"
        onClick={() => {
          setConfirming(false);
        }}
      >
        Keep running
      </button>
    </span>
  );
}

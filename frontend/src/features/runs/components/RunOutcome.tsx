/** Why a run ended (outcome reason code, sentence, failed stage) and any worker-side error. */
import type { Run } from "../../../api/types";

export function RunOutcome({ run }: { run: Run }) {
  if (!run.outcome && !run.error) return null;
  return (
    <section className="panel">
      <h2>Outcome</h2>
      {run.outcome ? (
        <p>
          <code>{run.outcome.reason_code}</code>
          {run.outcome.failed_stage ? (
            <span className="muted"> at stage {run.outcome.failed_stage}</span>
          ) : null}
          {run.outcome.reason ? <span> — {run.outcome.reason}</span> : null}
        </p>
      ) : null}
      {run.error ? (
        <div className="notice notice--error">
          <strong>{run.error.message}</strong>
          {run.error.detail ? <pre className="pre">{run.error.detail}</pre> : null}
        </div>
      ) : null}
    </section>
  );
}

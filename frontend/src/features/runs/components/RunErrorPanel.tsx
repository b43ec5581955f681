/** The worker-side error of a run (`run.error`), shown prominently near the top of its page. */
import type { Run } from "../../../api/types";

export function RunErrorPanel({ error }: { error: Run["error"] }) {
  if (!error) return null;
  return (
    <section className="notice notice--error run-error" role="alert" aria-label="Worker error">
      <strong>Worker error: {error.message}</strong>
      {error.detail ? <pre className="pre">{error.detail}</pre> : null}
    </section>
  );
}

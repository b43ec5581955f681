/**
 * Shown on Home while the worker has no runs at all: what the worker does and a one-click sample
 * job (no AI provider, no network) that opens its run page once submitted.
 */
import { useMutation } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { runSample } from "../../runs";

export function FirstRunPanel() {
  const navigate = useNavigate();
  const sample = useMutation({
    mutationFn: runSample,
    onSuccess: ({ run }) => {
      void navigate(`/runs/${run.id}`);
    },
  });
  return (
    <section className="panel first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">Run your first job</h2>
      <p>
        This worker has no runs yet. The sample job fixes a small bug in a bundled Python repository with a scripted
        agent — no AI provider or network needed — and goes through every stage: validation fails once, the agent
        repairs it, validation passes, and the change is committed on a branch.
      </p>
      <p className="muted">
        Real jobs arrive through <code>POST /api/v1/jobs</code>.
      </p>
      <button
        type="button"
        className="button button--primary"
        disabled={sample.isPending}
        onClick={() => {
          sample.mutate();
        }}
      >
        {sample.isPending ? "Starting…" : "Run the sample job"}
      </button>
      {sample.isError ? <ErrorNotice error={sample.error} title="Could not start the sample job" /> : null}
    </section>
  );
}

/** The remaining facts of a run (the header has the rest): attempt, commits, validation, times, events. */
import type { ReactNode } from "react";
import type { Run } from "../../../api/types";
import { elapsedMs, formatAbsolute, formatDuration } from "../../../lib/format";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function RunFacts({ run, now }: { run: Run; now: number }) {
  const elapsed = elapsedMs(run, now);
  return (
    <section className="panel">
      <dl className="facts">
        <Fact label="Attempt">{run.attempt}</Fact>
        <Fact label="Repository URL">
          <code>{run.repository.url}</code>
        </Fact>
        <Fact label="Commits">
          {run.base_commit ? <code>{run.base_commit.slice(0, 12)}</code> : "—"}
          {run.head_commit ? (
            <>
              {" → "}
              <code>{run.head_commit.slice(0, 12)}</code>
            </>
          ) : null}
        </Fact>
        <Fact label="Validation">
          {run.validation.mode}
          {run.validation.passed === true ? ", passed" : run.validation.passed === false ? ", failed" : ""}
        </Fact>
        <Fact label="Created">{formatAbsolute(run.created_at)}</Fact>
        <Fact label="Started">{run.started_at ? formatAbsolute(run.started_at) : "—"}</Fact>
        <Fact label="Finished">{run.finished_at ? formatAbsolute(run.finished_at) : "—"}</Fact>
        <Fact label="Duration">{elapsed === null ? "—" : formatDuration(elapsed)}</Fact>
        <Fact label="Events">{run.event_count}</Fact>
        <Fact label="Pushed">{run.pushed ? "yes" : "no"}</Fact>
        <Fact label="Job">
          <code>{run.job_id}</code>
        </Fact>
      </dl>
    </section>
  );
}

/**
 * The top of a run's page: ticket (linked to its tracker when it has an http(s) URL), status,
 * the sample tag, actions, and the summary an operator reads first — repository, branch,
 * provider/model, executor, and why it ended.
 */
import type { ReactNode } from "react";
import type { Run } from "../../../api/types";
import { SampleBadge } from "../../../components/SampleBadge";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatProvider } from "../../../lib/format";
import { RunActions } from "./RunActions";

/** Only http(s) links are rendered: a ticket URL is job input and must not become `javascript:`. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function Item({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="summary__item" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function RunHeader({ run }: { run: Run }) {
  const ticketHref = safeHref(run.ticket.url);
  return (
    <header className="run-header">
      <div className="page__header">
        <h1>
          {ticketHref ? (
            <a className="ticket-key" href={ticketHref} target="_blank" rel="noreferrer noopener">
              {run.ticket.key}
            </a>
          ) : (
            <span className="ticket-key">{run.ticket.key}</span>
          )}{" "}
          {run.ticket.title}
        </h1>
        <span className="run-header__badges">
          <span data-testid="run-status">
            <StatusBadge status={run.status} />
          </span>
          <SampleBadge sample={run.sample} />
        </span>
        <RunActions run={run} />
      </div>
      <dl className="summary">
        <Item label="Repository">
          <span title={run.repository.url}>{run.repository.name}</span>
        </Item>
        <Item label="Branch">{run.branch ? <code>{run.branch}</code> : "—"}</Item>
        <Item label="Provider / model">{formatProvider(run.provider)}</Item>
        <Item label="Executor">{run.executor ? (run.executor.name ?? run.executor.id) : "—"}</Item>
        <Item label="Stage">{run.stage ?? "—"}</Item>
        {run.outcome ? (
          <Item label="Outcome" testId="run-outcome">
            <code>{run.outcome.reason_code}</code>
            {run.outcome.reason ? <span> — {run.outcome.reason}</span> : null}
          </Item>
        ) : null}
        {run.outcome?.failed_stage ? (
          <Item label="Failed stage">
            <code>{run.outcome.failed_stage}</code>
          </Item>
        ) : null}
      </dl>
    </header>
  );
}

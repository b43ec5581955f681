/** The first three answers: which ticket ran, which repository was changed, which provider/model path. */
import { formatAbsolute, formatDuration } from "../../../lib/format";
import { safeHref } from "../format";
import type { TicketAudit } from "../../../api/types";
import { AuditSection, Commit, Fact } from "./AuditSection";

export function TicketSection({ audit }: { audit: TicketAudit }) {
  const { ticket, run } = audit;
  const href = safeHref(ticket.url);
  return (
    <AuditSection id="audit-ticket" title="Which ticket ran">
      <dl className="facts">
        <Fact label="Ticket" testId="audit-ticket-key">
          <span className="ticket-key">{ticket.key}</span>
        </Fact>
        <Fact label="Title" testId="audit-ticket-title">
          {ticket.title}
        </Fact>
        <Fact label="Link">{href ? <a href={href} rel="noreferrer noopener" target="_blank">{ticket.url}</a> : <span className="muted">{ticket.url ?? "—"}</span>}</Fact>
        <Fact label="Source">{ticket.source ?? "—"}</Fact>
        <Fact label="Run">
          <code>{run.id}</code> · attempt {run.attempt}
        </Fact>
        <Fact label="Job">
          <code>{run.job_id}</code>
        </Fact>
        <Fact label="Created">{formatAbsolute(run.created_at)}</Fact>
        <Fact label="Started">{run.started_at ? formatAbsolute(run.started_at) : "—"}</Fact>
        <Fact label="Finished">{run.finished_at ? formatAbsolute(run.finished_at) : "—"}</Fact>
        <Fact label="Duration">{run.duration_ms === null || run.duration_ms === undefined ? "—" : formatDuration(run.duration_ms)}</Fact>
      </dl>
    </AuditSection>
  );
}

export function RepositorySection({ audit }: { audit: TicketAudit }) {
  const { repository } = audit;
  return (
    <AuditSection id="audit-repository" title="Which repository was changed">
      <dl className="facts">
        <Fact label="Repository" testId="audit-repository-name">
          {repository.name}
        </Fact>
        <Fact label="URL">
          <code>{repository.url}</code>
        </Fact>
        <Fact label="Base">
          {repository.base_ref ? <code>{repository.base_ref}</code> : "—"} at <Commit sha={repository.base_commit} />
        </Fact>
        <Fact label="Branch" testId="audit-repository-branch">
          {repository.branch ? <code>{repository.branch}</code> : <span className="muted">none</span>}
        </Fact>
        <Fact label="Head commit">
          <Commit sha={repository.head_commit} />
        </Fact>
        <Fact label="Pushed">{repository.pushed ? "yes" : "no (the branch is local to the worker)"}</Fact>
      </dl>
    </AuditSection>
  );
}

export function ProviderSection({ audit }: { audit: TicketAudit }) {
  const { provider } = audit;
  return (
    <AuditSection id="audit-provider" title="Which provider and model path">
      <dl className="facts">
        <Fact label="Provider" testId="audit-provider-id">
          {provider.id ?? <span className="muted">not decided (the run ended before it started)</span>}
        </Fact>
        <Fact label="Kind">{provider.kind ?? "—"}</Fact>
        <Fact label="Model" testId="audit-provider-model">
          {provider.model ?? <span className="muted">none (the provider picks, or does not use one)</span>}
        </Fact>
        <Fact label="Version">{provider.version ?? "—"}</Fact>
      </dl>
    </AuditSection>
  );
}

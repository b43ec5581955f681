/**
 * `/audit/:runId`: one run's Ticket Audit record for engineering and security review. One section
 * per question of the seed, in its order (ticket, repository, provider, stages, validation,
 * repair/review, files and commands, why it ended), then diff guard, cost and retention. A record
 * removed by retention (410 `gone`) and an unknown run (404) get pages of their own.
 */
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { ApiError } from "../../../api/client";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { auditDetailQuery, auditRecordPath } from "../api";
import type { TicketAudit } from "../../../api/types";
import { InvolvedSection } from "./InvolvedSection";
import { ProviderSection, RepositorySection, TicketSection } from "./IdentitySections";
import {
  DiffGuardSection,
  OutcomeCallout,
  OutcomeSection,
  RetentionSection,
  UsageSection,
} from "./OutcomeSections";
import { RepairReviewSection } from "./RepairReviewSection";
import { StagesSection } from "./StagesSection";
import { ValidationSection } from "./ValidationSection";
import { ComplianceBadge } from "../../settings";

const CONTENTS = [
  ["audit-ticket", "Ticket"],
  ["audit-repository", "Repository"],
  ["audit-provider", "Provider"],
  ["audit-stages", "Stages"],
  ["audit-validation", "Validation"],
  ["audit-repair", "Repair and review"],
  ["audit-files", "Files and commands"],
  ["audit-outcome", "Outcome"],
  ["audit-diff-guard", "Diff guard"],
  ["audit-usage", "Tokens and cost"],
  ["audit-retention", "Retention"],
] as const;

function BackLink() {
  return (
    <p>
      <Link to="/audit">← Ticket Audit</Link>
    </p>
  );
}

function Unavailable({ runId, error }: { runId: string; error: unknown }) {
  if (error instanceof ApiError && error.status === 410) {
    return (
      <section className="page">
        <BackLink />
        <div className="notice" role="alert" data-testid="audit-gone">
          <strong>This audit record was removed by the retention policy</strong>
          <p>
            The Ticket Audit of run <code>{runId}</code> has expired and was deleted, together with its diffs and
            command output. <Link to={`/runs/${runId}`}>The run</Link> may still show what remains.
          </p>
        </div>
      </section>
    );
  }
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <section className="page">
      <BackLink />
      {notFound ? (
        <div className="notice notice--error" role="alert" data-testid="audit-not-found">
          <strong>Audit record not found</strong>
          <p>
            There is no audit record for <code>{runId}</code>. Only runs that have finished (completed, blocked,
            failed or cancelled) have one.
          </p>
        </div>
      ) : (
        <ErrorNotice error={error} title="Could not load the audit record" />
      )}
    </section>
  );
}

function AuditHeader({ audit }: { audit: TicketAudit }) {
  const { run, ticket, retention } = audit;
  return (
    <header className="panel audit-header">
      <div className="page__header">
        <h1>
          <span className="ticket-key">{ticket.key}</span> {ticket.title}
        </h1>
        <ComplianceBadge />
        <nav className="actions" aria-label="Audit links">
          <Link className="button button--small" to={`/runs/${run.id}`}>
            Run detail
          </Link>
          {retention.events_retained ? (
            <Link className="button button--small" to={`/live/${run.job_id}`}>
              Live stream
            </Link>
          ) : null}
          <a className="button button--small" href={auditRecordPath(run.id, true)} download>
            Download JSON
          </a>
        </nav>
      </div>
      <OutcomeCallout outcome={audit.outcome} testId="audit-explanation" />
      <nav className="audit-contents" aria-label="Sections">
        {CONTENTS.map(([id, label]) => (
          <a key={id} href={`#${id}`}>
            {label}
          </a>
        ))}
      </nav>
    </header>
  );
}

export function AuditDetailPage() {
  const { runId = "" } = useParams();
  const { data: audit, isPending, isError, error } = useQuery(auditDetailQuery(runId));

  if (isPending) return <Loading label="Loading the audit record…" />;
  if (isError) return <Unavailable runId={runId} error={error} />;

  return (
    <article className="page audit" aria-label="Ticket audit">
      <BackLink />
      <AuditHeader audit={audit} />
      <TicketSection audit={audit} />
      <RepositorySection audit={audit} />
      <ProviderSection audit={audit} />
      <StagesSection audit={audit} />
      <ValidationSection audit={audit} />
      <RepairReviewSection audit={audit} />
      <InvolvedSection audit={audit} />
      <OutcomeSection audit={audit} />
      <DiffGuardSection audit={audit} />
      <UsageSection audit={audit} />
      <RetentionSection audit={audit} />
    </article>
  );
}

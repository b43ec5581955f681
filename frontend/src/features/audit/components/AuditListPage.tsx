/**
 * `/audit`: Ticket Audit for reviewers — terminal runs with their outcome, validation, repair,
 * review, change size and cost. Filters live in the URL and are the API's own; the export links
 * download every matching run (streamed by the server), not only the loaded pages.
 */
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { auditExportPath, hasAuditFilters } from "../filters";
import { useAuditFilters } from "../hooks/useAuditFilters";
import { useAuditList } from "../hooks/useAuditList";
import { AuditFilterBar } from "./AuditFilterBar";
import { AuditTable } from "./AuditTable";
import { ComplianceBadge } from "../../settings";

export function AuditListPage() {
  const [filters, setFilters] = useAuditFilters();
  const { items, isPending, isError, error, hasNextPage, fetchNextPage, isFetchingNextPage } = useAuditList(filters);

  return (
    <section className="page">
      <header className="page__header">
        <h1>Ticket Audit</h1>
        <ComplianceBadge />
        <nav className="actions" aria-label="Export">
          <a className="button button--small" href={auditExportPath(filters, "csv")} download>
            Export CSV
          </a>
          <a className="button button--small" href={auditExportPath(filters, "ndjson")} download>
            Export NDJSON
          </a>
        </nav>
      </header>
      <AuditFilterBar filters={filters} onChange={setFilters} />
      {isPending ? (
        <Loading label="Loading audit records…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load audit records" />
      ) : items.length === 0 ? (
        <p className="empty">
          {hasAuditFilters(filters)
            ? "No audit records match these filters."
            : "No audit records yet: a run gets one when it completes, blocks, fails or is cancelled."}
        </p>
      ) : (
        <>
          <AuditTable items={items} />
          {hasNextPage ? (
            <button
              type="button"
              className="button"
              disabled={isFetchingNextPage}
              onClick={() => {
                void fetchNextPage();
              }}
            >
              {isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

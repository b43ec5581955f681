/**
 * `/runs`: the operational run history. Filters live in the URL; pages load by cursor ("Load
 * more") and only loaded pages are rendered; the worker stream keeps loaded rows current.
 */
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { hasFilters } from "../filters";
import { useRunFilters } from "../hooks/useRunFilters";
import { useRunsList } from "../hooks/useRunsList";
import { RunFilters } from "./RunFilters";
import { RunsTable } from "./RunsTable";

export function RunsPage() {
  const [filters, setFilters] = useRunFilters();
  const { runs, isPending, isError, error, hasNextPage, fetchNextPage, isFetchingNextPage } = useRunsList(filters);

  return (
    <section className="page">
      <header className="page__header">
        <h1>Runs</h1>
      </header>
      <RunFilters filters={filters} onChange={setFilters} />
      {isPending ? (
        <Loading label="Loading runs…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load runs" />
      ) : runs.length === 0 ? (
        <p className="empty">
          {hasFilters(filters) ? "No runs match these filters." : "No runs yet. Submit a job with POST /api/v1/jobs."}
        </p>
      ) : (
        <>
          <RunsTable runs={runs} />
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

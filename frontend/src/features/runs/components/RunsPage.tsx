/** `/runs`: the operational run history, live-updated by the worker stream, with cursor paging. */
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useRunsList } from "../hooks/useRunsList";
import { useStatusFilter } from "../hooks/useStatusFilter";
import { RunsTable } from "./RunsTable";
import { StatusFilter } from "./StatusFilter";

export function RunsPage() {
  const [filters, setStatus] = useStatusFilter();
  const { runs, isPending, isError, error, hasNextPage, fetchNextPage, isFetchingNextPage } = useRunsList(filters);

  return (
    <section className="page">
      <header className="page__header">
        <h1>Runs</h1>
        <StatusFilter value={filters.status?.[0] ?? null} onChange={setStatus} />
      </header>
      {isPending ? (
        <Loading label="Loading runs…" />
      ) : isError ? (
        <ErrorNotice error={error} title="Could not load runs" />
      ) : runs.length === 0 ? (
        <p className="empty">
          {filters.status ? "No runs with this status." : "No runs yet. Submit a job with POST /api/v1/jobs."}
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

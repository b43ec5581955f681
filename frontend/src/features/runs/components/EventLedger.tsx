/**
 * The event ledger of a run: events in seq order, 100 per page, filtered by kind and stage (kept
 * in the URL as `kind` and `stage`). While the run is active and the ledger is at its end, newer
 * events are fetched as the run reports progress (up to a cap; then on request).
 */
import { useEffect, useMemo } from "react";
import { useSearchParams } from "react-router";
import { isActiveStatus, type Run } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { EventsNotRetained } from "../../settings";
import type { EventFilters as Filters } from "../api";
import { useRunEvents } from "../hooks/useRunEvents";
import { EventFilters } from "./EventFilters";
import { EventRow } from "./EventRow";

/** Beyond this many loaded events the ledger stops following on its own (the live page is for that). */
const FOLLOW_CAP = 2000;

function useEventFilters(): [Filters, (next: Filters) => void] {
  const [params, setParams] = useSearchParams();
  const kind = params.get("kind") ?? undefined;
  const stage = params.get("stage") ?? undefined;
  const filters = useMemo<Filters>(() => ({ ...(kind ? { kind } : {}), ...(stage ? { stage } : {}) }), [kind, stage]);
  const set = (next: Filters) => {
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        for (const name of ["kind", "stage"] as const) {
          const value = next[name];
          if (value) out.set(name, value);
          else out.delete(name);
        }
        return out;
      },
      { replace: true },
    );
  };
  return [filters, set];
}

export function EventLedger({ run }: { run: Run }) {
  const [filters, setFilters] = useEventFilters();
  const ledger = useRunEvents(run.id, filters, run.retention.events_retained);
  const { events, hasNextPage, isFetchingNextPage, fetchNextPage, loadNewer, loadingNewer, lastSeq, isSuccess } = ledger;
  const active = isActiveStatus(run.status);
  const stages = useMemo(() => [...new Set((run.stages ?? []).map((s) => s.name))], [run.stages]);
  const behind = run.last_event_seq > lastSeq;
  const follow = run.retention.events_retained && isSuccess && !hasNextPage && behind && events.length < FOLLOW_CAP;

  useEffect(() => {
    if (follow) void loadNewer();
  }, [follow, run.last_event_seq, loadNewer]);

  return (
    <section className="panel" aria-labelledby="ledger-title">
      <header className="page__header">
        <h2 id="ledger-title">Event ledger</h2>
        <span className="muted">
          {events.length} shown · {run.event_count} recorded
        </span>
      </header>
      <EventFilters filters={filters} stages={stages} onChange={setFilters} />
      {!run.retention.events_retained ? (
        <EventsNotRetained />
      ) : ledger.isPending ? (
        <Loading label="Loading events…" />
      ) : ledger.isError ? (
        <ErrorNotice error={ledger.error} title="Could not load events" />
      ) : events.length === 0 ? (
        <p className="muted">No events{filters.kind || filters.stage ? " match these filters" : ""}.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--compact ledger" aria-label="Events">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Seq
                </th>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">Stage</th>
                <th scope="col">Stream</th>
                <th scope="col">Text</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <EventRow key={event.seq} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        {hasNextPage ? (
          <button
            type="button"
            className="button"
            disabled={isFetchingNextPage}
            onClick={() => {
              void fetchNextPage();
            }}
          >
            {isFetchingNextPage ? "Loading…" : "Load more events"}
          </button>
        ) : isSuccess && (active || behind) ? (
          <button
            type="button"
            className="button"
            disabled={loadingNewer}
            onClick={() => {
              void loadNewer();
            }}
          >
            {loadingNewer ? "Loading…" : "Load newer events"}
          </button>
        ) : null}
      </div>
    </section>
  );
}

/** The settings history: when, which setting, old and new value, and who changed it; newest first. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { RelativeTime } from "../../../components/RelativeTime";
import { useNow } from "../../../lib/useNow";
import { settingsHistoryQuery } from "../api";
import { displayValue } from "../model";

export function SettingsHistoryTable() {
  const now = useNow(60_000);
  const history = useInfiniteQuery(settingsHistoryQuery());
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="panel" aria-labelledby="settings-history-title">
      <h2 id="settings-history-title">Settings history</h2>
      {history.isPending ? (
        <Loading label="Loading history…" />
      ) : history.isError ? (
        <ErrorNotice error={history.error} title="Could not load the settings history" />
      ) : items.length === 0 ? (
        <p className="empty">No setting has been changed from the UI or API yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--compact" aria-label="Settings history" data-testid="settings-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Setting</th>
                <th scope="col">Old</th>
                <th scope="col">New</th>
                <th scope="col">Who</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">
                    <RelativeTime iso={entry.changed_at} now={now} />
                  </td>
                  <td className="mono">{entry.name}</td>
                  <td className="mono">{displayValue(entry.old_value)}</td>
                  <td className="mono">{displayValue(entry.new_value)}</td>
                  <td>{entry.who}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {history.hasNextPage ? (
        <button
          type="button"
          className="button"
          disabled={history.isFetchingNextPage}
          onClick={() => {
            void history.fetchNextPage();
          }}
        >
          {history.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </section>
  );
}

/**
 * Shown instead of a run's log viewer or event ledger once the retention policy removed its
 * events: says so, with the policy's number of days when it is known.
 */
import { useSetting } from "../hooks";

export function EventsNotRetained() {
  const days = useSetting("retention_events_days")?.value;
  const policy = typeof days === "number" && days > 0 ? ` (policy: ${days} days)` : "";
  return (
    <div className="notice" role="status" data-testid="events-not-retained">
      <strong>Live stream no longer retained{policy}</strong>
      <p>This run's events and raw output were removed by the retention policy. Its outcome and stages remain.</p>
    </div>
  );
}

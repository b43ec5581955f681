/** The pruner's state: the last prune (when, what triggered it, what it removed) and the next one. */
import { useQuery } from "@tanstack/react-query";
import { RelativeTime } from "../../../components/RelativeTime";
import { formatBytes } from "../../../lib/format";
import { useNow } from "../../../lib/useNow";
import { formatCount } from "../../audit";
import { retentionStatusQuery } from "../retentionApi";

export function PrunerState() {
  const now = useNow(30_000);
  const status = useQuery(retentionStatusQuery());
  if (!status.data) return null;
  const { last_prune: last, next_prune_at: next, running, interval_seconds: interval } = status.data;
  return (
    <dl className="facts" data-testid="pruner-state">
      <dt>Last prune</dt>
      <dd data-testid="last-prune">
        {last ? (
          <>
            <RelativeTime iso={last.finished_at} now={now} /> ({last.trigger}): {formatCount(last.events.runs)} runs' events,{" "}
            {formatBytes(last.events.bytes)}; {formatCount(last.audit.runs)} audit records;{" "}
            {formatCount(last.code_audit.evidence)} evidence sets
          </>
        ) : (
          "none since the worker started"
        )}
      </dd>
      <dt>Next prune</dt>
      <dd data-testid="next-prune">
        {running ? "running now" : next ? <RelativeTime iso={next} now={now} /> : interval === 0 ? "only on demand" : "not scheduled"}
      </dd>
    </dl>
  );
}

/** A provider's readiness: each check with its result and message, and when it was checked. */
import type { ProviderReadiness } from "../../../api/types";
import { RelativeTime } from "../../../components/RelativeTime";
import { checkResult } from "../form";

export function ReadinessChecks({ readiness, now }: { readiness: ProviderReadiness; now: number }) {
  return (
    <div className="provider-readiness">
      {readiness.checks.length === 0 ? (
        <p className="muted">No readiness checks.</p>
      ) : (
        <ul className="check-list" aria-label="Readiness checks">
          {readiness.checks.map((c) => {
            const result = checkResult(c.ok);
            return (
              <li key={c.name} className={`check-list__item check-list__item--${result}`} data-testid={`readiness-${c.name}`} data-result={result}>
                <span className={`badge badge--${result}`}>{result}</span>
                <span className="mono">{c.name}</span>
                <span>{c.message}</span>
              </li>
            );
          })}
        </ul>
      )}
      <p className="muted">
        checked <RelativeTime iso={readiness.checked_at} now={now} />
      </p>
    </div>
  );
}

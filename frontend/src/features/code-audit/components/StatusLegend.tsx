/** What each line status means, with the colour its gutter marker uses. */
import { LINE_STATUSES, STATUS_HELP, STATUS_LABEL } from "../status";

export function StatusLegend() {
  return (
    <details className="code-legend">
      <summary>What the line statuses mean</summary>
      <dl className="facts">
        {LINE_STATUSES.map((status) => (
          <div key={status} className="code-legend__item">
            <dt>
              <span className={`code-swatch code-swatch--${status}`} aria-hidden="true" /> {STATUS_LABEL[status]}
            </dt>
            <dd>{STATUS_HELP[status]}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/**
 * The stage timeline: one bar per stage attempt on a shared time axis, coloured by status, with
 * its duration alongside; skipped stages are thin markers. Layout math lives in ../timeline.ts.
 */
import type { Stage } from "../../../api/types";
import { formatAbsolute, formatDuration } from "../../../lib/format";
import { axisTicks, layoutTimeline, type TimelineBar } from "../timeline";

function barTitle(bar: TimelineBar): string {
  const when = new Date(bar.startMs).toISOString();
  const parts = [`${bar.label}: ${bar.status}`, formatAbsolute(when)];
  if (bar.durationMs !== null) parts.push(formatDuration(bar.durationMs));
  if (bar.summary) parts.push(bar.summary);
  return parts.join(" · ");
}

function Bar({ bar }: { bar: TimelineBar }) {
  return (
    <li className="timeline__row" data-stage={bar.key} data-status={bar.status}>
      <span className="timeline__label">{bar.label}</span>
      <span className="timeline__track">
        <span
          className={`timeline__bar timeline__bar--${bar.status}${bar.marker ? " timeline__bar--marker" : ""}`}
          style={{ left: `${bar.left}%`, width: bar.marker ? undefined : `${bar.width}%` }}
          title={barTitle(bar)}
        />
      </span>
      <span className="timeline__duration">
        {bar.durationMs === null ? bar.status : formatDuration(bar.durationMs)}
      </span>
    </li>
  );
}

export function StageTimeline({ stages, now }: { stages: Stage[]; now: number }) {
  const layout = layoutTimeline(stages, now);
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Stage timeline</h2>
      {layout.bars.length === 0 ? (
        <p className="muted">No stage has started yet.</p>
      ) : (
        <div className="timeline">
          <div className="timeline__axis" aria-hidden="true">
            <span />
            <span className="timeline__ticks">
              {axisTicks(layout.spanMs).map((tick) => (
                <span key={tick.at} className="timeline__tick" style={{ left: `${tick.at}%` }}>
                  {tick.label}
                </span>
              ))}
            </span>
            <span />
          </div>
          <ol className="timeline__rows" aria-label="Stage timeline">
            {layout.bars.map((bar) => (
              <Bar key={bar.key} bar={bar} />
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

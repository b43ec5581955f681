/** A check's last hour as one thin bar: a coloured span per status, gaps where nothing was known. */
import type { CheckTimeline } from "../../../api/types";
import { formatAbsolute } from "../../../lib/format";
import { segments } from "../timeline";

export function StatusTimeline({ line, since, until }: { line: CheckTimeline; since: string; until: string }) {
  const parts = segments(line.points, Date.parse(since), Date.parse(until));
  const label = `${line.name} over the last hour: ${line.points.map((p) => `${p.status} from ${formatAbsolute(p.at)}`).join(", ")}`;
  return (
    <div>
    <svg className="health-timeline" viewBox="0 0 1000 12" preserveAspectRatio="none" role="img" aria-label={label} data-testid={`timeline-${line.name}`}>
      <rect className="health-timeline__track" x="0" y="0" width="1000" height="12" />
      {parts.map((s) => (
        <rect
          key={s.at}
          className={`health-timeline__seg health-timeline__seg--${s.status}`}
          data-status={s.status}
          x={s.from * 1000}
          y="0"
          width={Math.max(1, (s.to - s.from) * 1000)}
          height="12"
        >
          <title>{`${s.status} since ${formatAbsolute(s.at)}`}</title>
        </rect>
      ))}
    </svg>
      <div className="health-timeline-axis" aria-hidden="true">
        <span>1 h ago</span>
        <span>now</span>
      </div>
    </div>
  );
}

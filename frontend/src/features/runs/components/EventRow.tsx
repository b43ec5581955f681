/** One ledger row. Text is rendered as text (never HTML) in monospace. */
import { memo } from "react";
import type { Event } from "../../../api/types";
import { formatClock } from "../../../lib/format";

export const EventRow = memo(function EventRow({ event }: { event: Event }) {
  return (
    <tr data-seq={event.seq} data-kind={event.kind}>
      <td className="num">{event.seq}</td>
      <td className="mono nowrap">
        <time dateTime={event.ts} title={event.ts}>
          {formatClock(event.ts)}
        </time>
      </td>
      <td className="mono nowrap">{event.kind}</td>
      <td className="mono nowrap">
        {event.stage ? `${event.stage}${event.attempt ? `#${event.attempt}` : ""}` : ""}
      </td>
      <td className={`mono nowrap stream--${event.stream ?? "none"}`}>{event.stream ?? ""}</td>
      <td className="mono event-text">{event.text ?? ""}</td>
    </tr>
  );
});

/**
 * One row of the live log, one fixed height: a section header, an output line, a command or tool
 * card, or a placeholder for a line not loaded yet. The seq gutter is the line's permalink.
 */
import type { Event } from "../../../api/types";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatClock, formatDuration, parseTimestamp } from "../../../lib/format";
import { dataField, type CommandRow, type Row, type ToolRow } from "../rows";
import type { Section } from "../sections";
import { AnsiText } from "./AnsiText";

export type TimeMode = "absolute" | "relative";

export interface RowContext {
  timeMode: TimeMode;
  /** Epoch ms the relative times count from. */
  origin: number | null;
  sections: ReadonlyMap<string, Section>;
  onToggleSection: (key: string) => void;
  onToggleCommand: (id: string) => void;
}

function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const seconds = ((abs % 60_000) / 1000).toFixed(3).padStart(6, "0");
  return `${sign}${minutes}:${seconds}`;
}

function Time({ event, ctx }: { event: Event; ctx: RowContext }) {
  let label = formatClock(event.ts);
  if (ctx.timeMode === "relative" && ctx.origin !== null) {
    const at = parseTimestamp(event.ts);
    if (at !== null) label = formatOffset(at - ctx.origin);
  }
  return (
    <time className="log-row__time" dateTime={event.ts} title={event.ts}>
      {label}
    </time>
  );
}

function Gutter({ seq }: { seq: number }) {
  return (
    <a className="log-row__seq" href={`#seq-${seq}`} title="Link to this line">
      {seq}
    </a>
  );
}

function argvText(event: Event): string {
  const argv = dataField(event, "argv");
  if (Array.isArray(argv)) return argv.map((a) => (typeof a === "string" && /[\s'"]/.test(a) ? JSON.stringify(a) : String(a))).join(" ");
  return event.text ?? "";
}

function CommandCard({ row, ctx }: { row: CommandRow; ctx: RowContext }) {
  const exit = row.finish ? dataField(row.finish, "exit_code") : undefined;
  const timedOut = row.finish ? dataField(row.finish, "timed_out") === true : false;
  const duration = row.finish ? dataField(row.finish, "duration_ms") : undefined;
  const status = !row.finish ? "running" : timedOut ? "timed out" : `exit ${typeof exit === "number" ? exit : "?"}`;
  const ok = row.finish && exit === 0 && !timedOut;
  return (
    <>
      <span className="log-card__prompt">$</span>
      <span className="log-card__argv">{argvText(row.start)}</span>
      <span className={`log-card__status ${!row.finish ? "is-running" : ok ? "is-ok" : "is-failed"}`} data-testid="command-status">
        {status}
      </span>
      {typeof duration === "number" ? <span className="muted">{formatDuration(duration)}</span> : null}
      {row.lines > 0 ? (
        <button
          type="button"
          className="log-card__toggle"
          aria-expanded={row.expanded}
          onClick={() => {
            ctx.onToggleCommand(row.id);
          }}
        >
          {row.expanded ? "▾" : "▸"} {row.lines} {row.lines === 1 ? "line" : "lines"}
        </button>
      ) : null}
    </>
  );
}

function ToolCard({ row }: { row: ToolRow }) {
  const name = dataField(row.start, "name") ?? dataField(row.start, "tool");
  const args = dataField(row.start, "input") ?? dataField(row.start, "args") ?? dataField(row.start, "arguments");
  const status = row.end ? (dataField(row.end, "status") ?? (dataField(row.end, "is_error") === true ? "error" : "done")) : row.start.kind === "tool.completed" ? "done" : "running";
  const output = row.end?.text ?? (row.start.kind === "tool.completed" ? row.start.text : null);
  return (
    <>
      <span className="log-card__prompt">⚙</span>
      <span className="log-card__argv">{typeof name === "string" ? name : (row.start.text ?? "tool")}</span>
      {args !== undefined ? <span className="muted log-card__args">{typeof args === "string" ? args : JSON.stringify(args)}</span> : null}
      <span className="log-card__status">{typeof status === "string" ? status : JSON.stringify(status)}</span>
      {output ? (
        <span className="muted log-card__args" title={output}>
          {output.slice(0, 120)}
        </span>
      ) : null}
    </>
  );
}

function SectionHeader({ sectionKey, open, ctx }: { sectionKey: string; open: boolean; ctx: RowContext }) {
  const section = ctx.sections.get(sectionKey);
  if (!section) return null;
  return (
    <button
      type="button"
      className="log-section__toggle"
      aria-expanded={open}
      data-testid="log-section"
      data-section={section.key}
      onClick={() => {
        ctx.onToggleSection(section.key);
      }}
    >
      <span>{open ? "▾" : "▸"}</span>
      <strong>
        {section.name}
        {section.attempt !== null && section.attempt > 1 ? ` #${section.attempt}` : ""}
      </strong>
      {section.status ? <StatusBadge status={section.status} /> : null}
      {section.summary ? <span className="muted">{section.summary}</span> : null}
    </button>
  );
}

function rowClass(row: Row): string {
  if (row.type === "line") {
    const stream = row.event.kind === "log" ? (row.event.stream ?? "stdout") : row.event.kind.replace(/[^a-z]/g, "-");
    return `log-row--line log-row--${stream} log-cat--${row.category}`;
  }
  return `log-row--${row.type}`;
}

export function LogRow({ row, ctx, flags }: { row: Row; ctx: RowContext; flags: string }) {
  const className = `log-row ${rowClass(row)}${flags}`;
  if (row.type === "section") {
    return (
      <div className={className} data-seq={row.seq}>
        <SectionHeader sectionKey={row.key} open={row.open} ctx={ctx} />
      </div>
    );
  }
  if (row.type === "gap") {
    return (
      <div className={className} data-seq={row.seq} data-placeholder="">
        <Gutter seq={row.seq} />
        <span className="muted">…</span>
      </div>
    );
  }
  const event = row.type === "line" ? row.event : row.start;
  return (
    <div className={className} data-seq={row.seq} data-seqs={row.seqs.length > 1 ? row.seqs.join(",") : undefined}>
      <Gutter seq={row.seq} />
      <Time event={event} ctx={ctx} />
      <span className="log-row__body" style={row.type === "line" && row.depth > 0 ? { paddingLeft: `${row.depth * 1.5}rem` } : undefined}>
        {row.type === "line" ? (
          <>
            {row.event.kind !== "log" ? <span className="log-row__kind">{row.event.kind}</span> : null}
            <AnsiText text={row.text} />
          </>
        ) : row.type === "command" ? (
          <CommandCard row={row} ctx={ctx} />
        ) : (
          <ToolCard row={row} />
        )}
      </span>
    </div>
  );
}

/**
 * Turns the events of one section into display rows: output lines (a partial chunk joined with
 * the chunks that continue it on the same stream), command cards (`command.started` paired with
 * its `command.finished` by `command_id`, the command's output under it, collapsible), tool cards
 * (`tool.started` paired with `tool.completed`), and one row for any other event. Kind filters
 * drop rows here. A builder can keep appending live events without rebuilding what it made.
 */
import type { Event } from "../../api/types";

/** The kind filters of the viewer. */
export const CATEGORIES = ["stdout", "stderr", "tool", "lifecycle", "errors"] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_LABEL: Record<Category, string> = {
  stdout: "stdout",
  stderr: "stderr",
  tool: "tool activity",
  lifecycle: "lifecycle",
  errors: "errors",
};

const TOOL_KINDS = new Set(["tool.started", "tool.completed", "command.started", "command.finished", "file.changed"]);

export function categoryOf(event: Event): Category {
  if (event.kind === "log") return event.stream === "stderr" ? "stderr" : "stdout";
  if (event.kind === "message" || event.kind === "reasoning") return "stdout";
  if (event.kind === "error" || event.kind === "warning") return "errors";
  if (TOOL_KINDS.has(event.kind)) return "tool";
  return "lifecycle";
}

export function dataField(event: Event, name: string): unknown {
  const data: unknown = event.data;
  if (typeof data !== "object" || data === null) return undefined;
  return (data as Record<string, unknown>)[name];
}

export interface LineRow {
  type: "line";
  seq: number;
  seqs: number[];
  /** The joined text of the line's chunks. */
  text: string;
  event: Event;
  category: Category;
  depth: number;
  /** Still waiting for a continuation chunk. */
  open: boolean;
}

export interface CommandRow {
  type: "command";
  seq: number;
  seqs: number[];
  id: string;
  start: Event;
  finish: Event | null;
  /** Output lines under the command (shown only when expanded). */
  lines: number;
  expanded: boolean;
  /** Seqs of output hidden because the card is collapsed. */
  hidden: number[];
}

export interface ToolRow {
  type: "tool";
  seq: number;
  seqs: number[];
  start: Event;
  end: Event | null;
}

export interface SectionRow {
  type: "section";
  seq: number;
  seqs: number[];
  key: string;
  open: boolean;
}

export interface GapRow {
  type: "gap";
  /** The first unloaded seq this placeholder stands for. */
  seq: number;
  seqs: number[];
}

export type Row = LineRow | CommandRow | ToolRow | SectionRow | GapRow;

export interface BuildOptions {
  show: ReadonlySet<Category>;
  /** Command ids whose default open state the user flipped. */
  toggled: ReadonlySet<string>;
  /** Ids of commands known to have failed (see `failedCommandIds`), which open by default. */
  failed: ReadonlySet<string>;
}

function commandFailed(finish: Event): boolean {
  return dataField(finish, "exit_code") !== 0 || dataField(finish, "timed_out") === true;
}

/** The ids of the failed commands among `events`, so a build knows before it meets their output. */
export function failedCommandIds(events: Iterable<Event>): Set<string> {
  const out = new Set<string>();
  for (const event of events) {
    if (event.kind !== "command.finished" || !commandFailed(event)) continue;
    const id = commandId(event);
    if (id !== null) out.add(id);
  }
  return out;
}

function commandId(event: Event): string | null {
  const id = dataField(event, "command_id");
  return typeof id === "number" || typeof id === "string" ? String(id) : null;
}

function toolId(event: Event): string | null {
  for (const name of ["id", "tool_id", "call_id", "tool_use_id"]) {
    const id = dataField(event, name);
    if (typeof id === "number" || typeof id === "string") return String(id);
  }
  return null;
}

/**
 * Builds rows for events fed in seq order. `rows` grows as events are appended; rows already
 * emitted may be updated in place (a line gets its continuation, a card its finish), which is why
 * the model bumps a version rather than relying on identity.
 */
export class RowBuilder {
  readonly rows: Row[] = [];
  private readonly openLines = new Map<string, LineRow>();
  private readonly openCommands: CommandRow[] = [];
  private readonly commands = new Map<string, CommandRow>();
  private readonly tools = new Map<string, ToolRow>();
  lastSeq = 0;
  /** Set when appending cannot express a change (a command failed): rebuild the section. */
  needsRebuild = false;

  constructor(private readonly options: BuildOptions) {}

  append(event: Event): void {
    this.lastSeq = event.seq;
    const kind = event.kind;
    if (kind === "command.started") this.commandStarted(event);
    else if (kind === "command.finished") this.commandFinished(event);
    else if (kind === "tool.started" || kind === "tool.completed") this.tool(event);
    else if (kind === "log") this.log(event);
    else if (this.options.show.has(categoryOf(event))) this.rows.push(this.line(event, 0, false));
  }

  private line(event: Event, depth: number, open: boolean): LineRow {
    return { type: "line", seq: event.seq, seqs: [event.seq], text: event.text ?? "", event, category: categoryOf(event), depth, open };
  }

  private visible(category: Category): boolean {
    return this.options.show.has(category);
  }

  /** The innermost running command this output belongs to (same source when both say). */
  private ownerOf(event: Event): CommandRow | null {
    const source = dataField(event, "source");
    for (let i = this.openCommands.length - 1; i >= 0; i--) {
      const command = this.openCommands[i];
      if (!command) continue;
      const commandSource = dataField(command.start, "source");
      if (source === undefined || commandSource === undefined || source === commandSource) return command;
    }
    return null;
  }

  private log(event: Event): void {
    const stream = event.stream ?? "stdout";
    const pending = this.openLines.get(stream);
    const partial = dataField(event, "partial") === true;
    if (pending) {
      pending.seqs.push(event.seq);
      pending.text += event.text ?? "";
      pending.open = partial;
      if (!partial) this.openLines.delete(stream);
      return;
    }
    const category = categoryOf(event);
    const owner = this.ownerOf(event);
    const showCard = owner !== null && this.visible("tool");
    const row = this.line(event, showCard ? 1 : 0, partial);
    if (partial) this.openLines.set(stream, row);
    if (!this.visible(category)) return;
    if (owner && showCard) {
      owner.lines += 1;
      if (!owner.expanded) {
        // Keep following continuation chunks into the hidden list too.
        owner.hidden.push(event.seq);
        if (partial) this.openLines.set(stream, { ...row, seqs: owner.hidden });
        return;
      }
    }
    this.rows.push(row);
  }

  private commandStarted(event: Event): void {
    const id = commandId(event) ?? `seq-${event.seq}`;
    // The agent's own output and failed commands show; other commands' output is folded.
    const byDefault = dataField(event, "source") === "provider" || this.options.failed.has(id);
    const expanded = byDefault !== this.options.toggled.has(id);
    const row: CommandRow = { type: "command", seq: event.seq, seqs: [event.seq], id, start: event, finish: null, lines: 0, expanded, hidden: [] };
    this.commands.set(id, row);
    this.openCommands.push(row);
    if (this.visible("tool")) this.rows.push(row);
  }

  private commandFinished(event: Event): void {
    const id = commandId(event);
    const row = id === null ? undefined : this.commands.get(id);
    if (!row) {
      if (this.visible("tool")) this.rows.push(this.line(event, 0, false));
      return;
    }
    row.finish = event;
    row.seqs.push(event.seq);
    const at = this.openCommands.indexOf(row);
    if (at !== -1) this.openCommands.splice(at, 1);
    // A command that just failed opens by default: its hidden output must be rebuilt into rows.
    if (commandFailed(event) && !this.options.failed.has(row.id)) this.needsRebuild = true;
  }

  private tool(event: Event): void {
    if (!this.visible("tool")) return;
    const id = toolId(event);
    if (event.kind === "tool.completed" && id !== null) {
      const started = this.tools.get(id);
      if (started && !started.end) {
        started.end = event;
        started.seqs.push(event.seq);
        return;
      }
    }
    const row: ToolRow = { type: "tool", seq: event.seq, seqs: [event.seq], start: event, end: null };
    if (event.kind === "tool.started" && id !== null) this.tools.set(id, row);
    this.rows.push(row);
  }
}

import { describe, expect, it } from "vitest";
import type { Stage } from "../../api/types";
import { LogModel } from "./logModel";
import type { Category, Row } from "./rows";
import { ev, logs } from "./testEvents";

function stage(name: string, first: number, last: number | null, status: string, attempt = 1): Stage {
  return { name, attempt, status, first_seq: first, last_seq: last, started_at: null, finished_at: null, summary: null };
}

function rows(model: LogModel): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < model.rowCount; i++) {
    const row = model.rowAt(i);
    if (row) out.push(row);
  }
  return out;
}

function describeRows(model: LogModel): string[] {
  return rows(model).map((r) => {
    if (r.type === "section") return `[${r.key}${r.open ? "" : " +"}]`;
    if (r.type === "line") return `${"  ".repeat(r.depth)}${r.text}`;
    if (r.type === "command") return `$ ${r.start.text ?? ""}${r.finish ? ` (${r.finish.text ?? ""})` : ""}${r.expanded ? "" : ` +${r.lines}`}`;
    if (r.type === "gap") return `… ${r.seq}`;
    return `tool ${r.start.text ?? ""}`;
  });
}

/** A small run: setup (ok, a git command), implement (running, agent output), a stray stage event. */
function sampleRun(): { model: LogModel; stages: Stage[] } {
  const model = new LogModel();
  const stages = [stage("setup", 2, 6, "succeeded"), stage("implement", 7, null, "running")];
  model.setStages(stages);
  model.ingest([
    ev(1, { kind: "run.state", stream: null, text: "submitted" }),
    ev(2, { kind: "stage.started", stage: "setup", attempt: 1, stream: null, text: "setup #1 started" }),
    ev(3, { kind: "command.started", stream: null, text: "git fetch", data: { command_id: 1, source: "worker" } }),
    ev(4, { text: "fetched", data: { source: "worker" } }),
    ev(5, { kind: "command.finished", stream: null, text: "exited 0", data: { command_id: 1, exit_code: 0 } }),
    ev(6, { kind: "stage.finished", stage: "setup", attempt: 1, stream: null, text: "ok", data: { status: "succeeded" } }),
    ev(7, { kind: "stage.started", stage: "implement", attempt: 1, stream: null, text: "implement #1 started" }),
    ev(8, { kind: "command.started", stream: null, text: "python3 agent.py", data: { command_id: 2, source: "provider" } }),
    ev(9, { text: "thinking", data: { source: "provider" } }),
    ev(10, { stream: "stderr", text: "warn: <script>", data: { source: "provider" } }),
  ]);
  return { model, stages };
}

describe("LogModel sections", () => {
  it("groups rows by stage, with the running stage open and finished ones collapsed", () => {
    const { model } = sampleRun();
    expect(describeRows(model)).toEqual([
      "[run +]",
      "[setup#1 +]",
      "[implement#1]",
      "implement #1 started",
      "$ python3 agent.py",
      "  thinking",
      "  warn: <script>",
    ]);
  });

  it("expands and collapses all, folding a command's output under its card", () => {
    const { model } = sampleRun();
    model.setAllSections(true);
    expect(describeRows(model).slice(0, 8)).toEqual([
      "[run]",
      "submitted",
      "[setup#1]",
      "setup #1 started",
      "$ git fetch (exited 0) +1",
      "ok",
      "[implement#1]",
      "implement #1 started",
    ]);
    model.toggleCommand("1");
    expect(describeRows(model)[5]).toBe("  fetched");
    model.setAllSections(false);
    expect(describeRows(model)).toEqual(["[run +]", "[setup#1 +]", "[implement#1 +]"]);
  });

  it("opens a section for a stage seen on the stream before the run is refetched", () => {
    const { model } = sampleRun();
    model.ingest([
      ev(11, { kind: "command.finished", stream: null, text: "exited 1", data: { command_id: 2, exit_code: 1 } }),
      ev(12, { kind: "stage.finished", stage: "implement", attempt: 1, stream: null, text: "failed", data: { status: "failed" } }),
      ev(13, { kind: "stage.started", stage: "validate", attempt: 1, stream: null, text: "validate #1 started" }),
      ev(14, { text: "testing" }),
    ]);
    expect(model.sections.map((s) => `${s.key}:${s.status}:${s.first}-${s.last}`)).toEqual([
      "run::1-1",
      "setup#1:succeeded:2-6",
      "implement#1:failed:7-12",
      "validate#1:running:13-Infinity",
    ]);
    expect(describeRows(model).slice(-3)).toEqual(["[validate#1]", "validate #1 started", "testing"]);
  });

  it("filters by kind", () => {
    const { model } = sampleRun();
    model.setFilters(new Set<Category>(["stderr"]));
    expect(describeRows(model)).toEqual(["[run +]", "[setup#1 +]", "[implement#1]", "warn: <script>"]);
    model.setFilters(new Set<Category>(["lifecycle"]));
    expect(describeRows(model)).toEqual(["[run +]", "[setup#1 +]", "[implement#1]", "implement #1 started"]);
  });
});

describe("LogModel lines", () => {
  it("joins partial chunks of a stream, even with the other stream between them", () => {
    const model = new LogModel();
    model.ingest([
      ev(1, { text: "Downloading 10%", data: { partial: true } }),
      ev(2, { stream: "stderr", text: "note" }),
      ev(3, { text: "\r100%", data: { partial: true } }),
      ev(4, { text: " ok" }),
      ev(5, { text: "next" }),
    ]);
    const lines = rows(model).flatMap((r) => (r.type === "line" ? [[r.text, r.seqs]] : []));
    expect(lines).toEqual([
      ["Downloading 10%\r100% ok", [1, 3, 4]],
      ["note", [2]],
      ["next", [5]],
    ]);
  });

  it("shows unloaded stretches as placeholders and finds rows by seq", () => {
    const model = new LogModel();
    model.ingest(logs(1, 5));
    model.ingest(logs(96, 100));
    expect(model.rowCount).toBe(1 + 5 + 90 + 5);
    expect(model.rowAt(6)).toEqual({ type: "gap", seq: 6, seqs: [] });
    expect(model.indexOfSeq(50)).toBe(50);
    expect(model.indexOfSeq(97)).toBe(97);
    model.ingest(logs(6, 95));
    expect(model.rowCount).toBe(101);
    expect(model.rowSeqs()).toEqual(logs(1, 100).map((e) => e.seq));
  });

  it("shows an open section before the loaded tail as placeholders (a finished run opened at its end)", () => {
    const model = new LogModel();
    model.setStages([stage("implement", 1, 10, "succeeded"), stage("validate", 11, 20, "failed"), stage("publish", 21, 30, "succeeded")]);
    model.ingest(logs(26, 30));
    expect(describeRows(model)).toEqual(["[implement#1 +]", "[validate#1]", ...logs(11, 20).map((e) => `… ${e.seq}`), "[publish#1 +]"]);
    model.ingest(logs(11, 20));
    expect(describeRows(model).slice(2, 4)).toEqual(["line 11", "line 12"]);
  });

  it("appends live events to the open section without losing or repeating any", () => {
    const model = new LogModel();
    model.ingest(logs(1, 10));
    model.ingest([...logs(8, 12), ...logs(11, 15)]);
    expect(model.rowSeqs()).toEqual(logs(1, 15).map((e) => e.seq));
    expect(model.received).toBe(15);
  });

  it("reveals a line in a collapsed section and a folded command", () => {
    const { model } = sampleRun();
    expect(model.isSectionOpen("setup#1")).toBe(false);
    expect(model.reveal(4)).toBe(true);
    expect(model.isSectionOpen("setup#1")).toBe(true);
    const row = model.rowAt(model.indexOfSeq(4));
    expect(row?.type === "line" ? row.text : null).toBe("fetched");
    expect(model.reveal(4)).toBe(false);
  });
});

describe("LogModel following", () => {
  it("keeps the section the operator watched open when its stage succeeds", () => {
    const { model, stages } = sampleRun();
    expect(model.isSectionOpen("implement#1")).toBe(true);
    model.ingest([ev(11, { kind: "stage.finished", stage: "implement", attempt: 1, stream: null, text: "done", data: { status: "succeeded" } })]);
    model.setStages(stages.map((s) => (s.name === "implement" ? { ...s, status: "succeeded", last_seq: 11 } : s)));
    expect(model.isSectionOpen("implement#1")).toBe(true);
    expect(model.isSectionOpen("setup#1")).toBe(false);
  });
});

/**
 * The benchmark's result table: one row per figure, with its target and PASS/FAIL where there is
 * one (a miss is reported, never a failed test). Printed to stdout and written to
 * bench/results.txt.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Figure {
  group: string;
  name: string;
  value: string;
  target?: string;
  /** Whether the target is met; undefined for figures without one. */
  pass?: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
export const resultsFile = join(here, "results.txt");
/**
 * Figures so far, kept on disk: Playwright restarts its worker process after a failed test, and
 * the table printed at the end must still hold the figures of the tests before it.
 */
const partialFile = join(here, "..", "test-results", "bench-figures.json");

interface Partial {
  figures: Figure[];
  notes: string[];
}

function load(): Partial {
  try {
    return JSON.parse(readFileSync(partialFile, "utf8")) as Partial;
  } catch {
    return { figures: [], notes: [] };
  }
}

function save(partial: Partial): void {
  mkdirSync(dirname(partialFile), { recursive: true });
  writeFileSync(partialFile, JSON.stringify(partial));
}

/** Forgets the figures of an earlier invocation (called from the config's globalSetup). */
export function reset(): void {
  save({ figures: [], notes: [] });
}

export function record(figure: Figure): void {
  const partial = load();
  partial.figures.push(figure);
  save(partial);
}

export function note(text: string): void {
  const partial = load();
  partial.notes.push(text);
  save(partial);
}

export const ms = (x: number): string => `${x.toFixed(0)} ms`;
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - text.length));
}

export function table(): string {
  const { figures, notes } = load();
  const head = ["group", "figure", "value", "target", "result"];
  const rows = figures.map((f) => [f.group, f.name, f.value, f.target ?? "", f.pass === undefined ? "" : f.pass ? "PASS" : "FAIL"]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i] ?? 0)).join(" | ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  const cpu = cpus();
  const header = [
    `mergeloom-worker browser bench — ${new Date().toISOString()}`,
    `machine: ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} (other jobs may be running: figures are noisy)`,
    "",
  ];
  return [...header, line(head), rule, ...rows.map(line), "", ...notes.map((n) => `- ${n}`)].join("\n");
}

export function publish(): void {
  if (load().figures.length === 0) return;
  const text = table();
  console.log(`\n${text}\n`);
  writeFileSync(resultsFile, `${text}\n`);
}

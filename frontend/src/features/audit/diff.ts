/**
 * Unified diffs as the audit's diff viewer needs them: a parser for one file's `git diff` text
 * (`/audit/runs/{id}/diff?path=`) into hunks of numbered lines, the side-by-side pairing for the
 * split view, and the "new lines only" filter. Pure functions; the viewer renders their text as
 * text, never as HTML.
 */

export type DiffLineKind = "context" | "add" | "del";

export interface DiffLine {
  kind: DiffLineKind;
  /** The line without its leading marker. */
  text: string;
  /** Line number in the base file; null for added lines. */
  oldNo: number | null;
  /** Line number in the head file; null for deleted lines. */
  newNo: number | null;
  /** Followed by "\ No newline at end of file". */
  noNewline: boolean;
}

export interface DiffHunk {
  /** The whole `@@ -a,b +c,d @@ section` line. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface ParsedDiff {
  /** Lines before the first hunk (`diff --git`, `index`, `---`, `+++`, mode and rename lines). */
  headers: string[];
  hunks: DiffHunk[];
  /** `Binary files … differ` or `GIT binary patch`: there are no lines to show. */
  binary: boolean;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Parses unified diff text. Lines it does not understand outside hunks are kept as headers. */
export function parseUnifiedDiff(text: string): ParsedDiff {
  const result: ParsedDiff = { headers: [], hunks: [], binary: false };
  const lines = text.split("\n");
  // A trailing newline ends the last line; it does not start an empty one.
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let hunk: DiffHunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  for (const raw of lines) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const header = HUNK_HEADER.exec(line);
    if (header) {
      oldNo = Number(header[1]);
      newNo = Number(header[3]);
      hunk = {
        header: line,
        oldStart: oldNo,
        oldLines: header[2] === undefined ? 1 : Number(header[2]),
        newStart: newNo,
        newLines: header[4] === undefined ? 1 : Number(header[4]),
        lines: [],
      };
      result.hunks.push(hunk);
      continue;
    }
    if (hunk === null || line.startsWith("diff --git ")) {
      // Before the first hunk, or a second file's headers: not diff lines.
      hunk = null;
      result.headers.push(line);
      if (line.startsWith("Binary files ") || line === "GIT binary patch") result.binary = true;
      continue;
    }
    const marker = line.charAt(0);
    const body = line.slice(1);
    if (marker === "\\") {
      const last = hunk.lines[hunk.lines.length - 1];
      if (last) last.noNewline = true;
    } else if (marker === "+") {
      hunk.lines.push({ kind: "add", text: body, oldNo: null, newNo: newNo++, noNewline: false });
    } else if (marker === "-") {
      hunk.lines.push({ kind: "del", text: body, oldNo: oldNo++, newNo: null, noNewline: false });
    } else if (marker === " " || line === "") {
      // Some tools strip the space of an empty context line.
      hunk.lines.push({ kind: "context", text: body, oldNo: oldNo++, newNo: newNo++, noNewline: false });
    } else {
      hunk = null;
      result.headers.push(line);
    }
  }
  return result;
}

/** One row of the split view: base on the left, head on the right; either may be empty. */
export interface SplitRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

/**
 * Pairs a hunk's lines for the split view: context lines sit on both sides; a block of deletions
 * followed by additions is paired row by row (the longer side continues against blanks).
 */
export function pairSplitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) {
      rows.push({ left: dels[k] ?? null, right: adds[k] ?? null });
    }
    dels = [];
    adds = [];
  };
  for (const line of lines) {
    if (line.kind === "context") {
      flush();
      rows.push({ left: line, right: line });
    } else if (line.kind === "del") {
      // A deletion after additions starts a new change block.
      if (adds.length > 0) flush();
      dels.push(line);
    } else {
      adds.push(line);
    }
  }
  flush();
  return rows;
}

/** The diff with only its added lines, for "new lines only"; hunks left empty are dropped. */
export function onlyNewLines(diff: ParsedDiff): ParsedDiff {
  const hunks = diff.hunks
    .map((hunk) => ({ ...hunk, lines: hunk.lines.filter((line) => line.kind === "add") }))
    .filter((hunk) => hunk.lines.length > 0);
  return { ...diff, hunks };
}

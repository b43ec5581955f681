/**
 * Terminal output → styled text spans. SGR sequences (16 and 256 colours, truecolor, bold, dim,
 * italic, underline, inverse, strikethrough) become span styles; every other escape sequence is
 * dropped. The result is plain data rendered as React text, so output is never interpreted as HTML.
 * A carriage return moves back to the start of the line and what follows overwrites what was there
 * (progress bars); an erase-line sequence after it clears the rest.
 */

export interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface Span {
  text: string;
  style: Style | null;
}

/** The 16 base colours map to CSS variables so the theme can tune them. */
function paletteColor(index: number): string {
  return `var(--ansi-${index})`;
}

/** xterm's 256-colour table: 0–15 the palette, 16–231 a 6×6×6 cube, 232–255 a grey ramp. */
export function color256(index: number): string | undefined {
  if (!Number.isInteger(index) || index < 0 || index > 255) return undefined;
  if (index < 16) return paletteColor(index);
  if (index < 232) {
    const n = index - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(n / 36))},${level(Math.floor(n / 6) % 6)},${level(n % 6)})`;
  }
  const grey = 8 + (index - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
}

function isEmptyStyle(style: Style): boolean {
  for (const value of Object.values(style)) if (value !== undefined && value !== false) return false;
  return true;
}

/** Reads an extended colour (`38;5;n`, `38;2;r;g;b`) starting at params[i]; answers [colour, params used]. */
function extendedColor(params: number[], i: number): [string | undefined, number] {
  const mode = params[i + 1];
  if (mode === 5) return [color256(params[i + 2] ?? -1), 3];
  if (mode === 2) {
    const [r, g, b] = [params[i + 2], params[i + 3], params[i + 4]];
    const ok = [r, g, b].every((v) => v !== undefined && v >= 0 && v <= 255);
    return [ok ? `rgb(${r ?? 0},${g ?? 0},${b ?? 0})` : undefined, 5];
  }
  return [undefined, 2];
}

/** Applies one SGR parameter list to a style, answering the new style. */
export function applySgr(style: Style, paramText: string): Style {
  // `38:2::r:g:b` (colon form, with an optional colour-space id) is read like `38;2;r;g;b`.
  const params = paramText
    .split(";")
    .flatMap((part) => {
      if (!part.includes(":")) return [part];
      const sub = part.split(":");
      if (sub[1] === "2" && sub.length >= 6) return [sub[0] ?? "", "2", ...sub.slice(-3)];
      return sub;
    })
    .map((p) => (p === "" ? 0 : Number(p)));
  let next: Style = { ...style };
  for (let i = 0; i < params.length; i++) {
    const code = params[i] ?? 0;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code === 29) delete next.strike;
    else if (code >= 30 && code <= 37) next.fg = paletteColor(code - 30);
    else if (code >= 90 && code <= 97) next.fg = paletteColor(code - 90 + 8);
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = paletteColor(code - 40);
    else if (code >= 100 && code <= 107) next.bg = paletteColor(code - 100 + 8);
    else if (code === 49) delete next.bg;
    else if (code === 38 || code === 48) {
      const [value, used] = extendedColor(params, i);
      if (value !== undefined) {
        if (code === 38) next.fg = value;
        else next.bg = value;
      }
      i += used - 1;
    }
  }
  return next;
}

interface Piece {
  spans: Span[];
  /** An erase-line sequence appeared: what an earlier overwrite left beyond this piece goes. */
  erases: boolean;
}

// ESC [ params final | ESC ] … (BEL | ESC \) | ESC + one char | other C0 controls except tab.
// eslint-disable-next-line no-control-regex
const TOKEN = /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f]/g;

function parsePiece(input: string, start: Style): { piece: Piece; style: Style } {
  const spans: Span[] = [];
  let style = start;
  let erases = false;
  let last = 0;
  const push = (text: string) => {
    if (text === "") return;
    const s = isEmptyStyle(style) ? null : style;
    const prev = spans[spans.length - 1];
    if (prev?.style === s) prev.text += text;
    else spans.push({ text, style: s });
  };
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(input); m !== null; m = TOKEN.exec(input)) {
    push(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === "m") style = applySgr(style, m[1] ?? "");
    else if (m[2] === "K") erases = true;
  }
  push(input.slice(last));
  return { piece: { spans, erases }, style };
}

function spansLength(spans: Span[]): number {
  let n = 0;
  for (const s of spans) n += s.text.length;
  return n;
}

/** The spans after the first `count` characters. */
function dropChars(spans: Span[], count: number): Span[] {
  const out: Span[] = [];
  let skip = count;
  for (const span of spans) {
    if (skip >= span.text.length) {
      skip -= span.text.length;
      continue;
    }
    out.push(skip > 0 ? { text: span.text.slice(skip), style: span.style } : span);
    skip = 0;
  }
  return out;
}

/**
 * Parses one line of output into spans, honouring carriage returns: each `\r` returns to column 0
 * and the following text overwrites the line; text left over from a longer earlier version stays
 * unless an erase-line sequence (`ESC[K`, `ESC[2K`) cleared it.
 */
export function parseAnsiLine(input: string): Span[] {
  let style: Style = {};
  let line: Span[] = [];
  const parts = input.split("\r");
  for (const part of parts) {
    const parsed = parsePiece(part, style);
    style = parsed.style;
    const { spans, erases } = parsed.piece;
    if (line.length === 0 || erases) {
      if (spans.length > 0 || erases) line = spans;
      continue;
    }
    if (spans.length === 0) continue;
    line = [...spans, ...dropChars(line, spansLength(spans))];
  }
  return line;
}

/** The visible text of a line (escapes removed, carriage returns applied): for search and copy. */
export function plainText(input: string): string {
  return parseAnsiLine(input)
    .map((s) => s.text)
    .join("");
}

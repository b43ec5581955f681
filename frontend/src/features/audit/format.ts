/** Small formatters the audit pages share: token counts, cost, yes/no answers and safe links. */
import type { Usage } from "../../api/types";

/** "12,345" (grouped in the en locale so tests and screenshots agree). */
export function formatCount(n: number): string {
  return n.toLocaleString("en");
}

/** "$0.0123", "$1.20", or "—" when unknown; "≈" marks an estimate. */
export function formatCost(usage: { cost_usd?: number | null; estimated: boolean }): string {
  const cost = usage.cost_usd;
  if (cost === null || cost === undefined) return "—";
  const text = cost >= 1 || cost === 0 ? cost.toFixed(2) : cost.toPrecision(3);
  return `${usage.estimated ? "≈ " : ""}$${text}`;
}

/** "1,200 in / 340 out". */
export function formatTokens(usage: Pick<Usage, "input_tokens" | "output_tokens">): string {
  return `${formatCount(usage.input_tokens)} in / ${formatCount(usage.output_tokens)} out`;
}

/** "yes", "no", or `unknown` for null (not decided, e.g. validation that never ran). */
export function yesNo(value: boolean | null | undefined, unknown = "—"): string {
  if (value === true) return "yes";
  if (value === false) return "no";
  return unknown;
}

/** The URL when it is http(s), else null: ticket URLs come from job submitters, not from us. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * Splits text on `backtick` spans (the explanation quotes commands and branches that way) into
 * plain and code parts, so they can be shown as <code> without ever parsing markup. An unpaired
 * backtick stays as text.
 */
export function splitInlineCode(text: string): { code: boolean; text: string }[] {
  const parts: { code: boolean; text: string }[] = [];
  const pattern = /`([^`]+)`/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push({ code: false, text: text.slice(last, match.index) });
    parts.push({ code: true, text: match[1] ?? "" });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ code: false, text: text.slice(last) });
  return parts;
}

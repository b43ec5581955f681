/** Output text with its ANSI styling, rendered as React text nodes — never as HTML. */
import { memo, useMemo, type CSSProperties } from "react";
import { parseAnsiLine, type Style } from "../ansi";

function toCss(style: Style): CSSProperties {
  const fg = style.inverse ? (style.bg ?? "var(--surface)") : style.fg;
  const bg = style.inverse ? (style.fg ?? "var(--text)") : style.bg;
  const decorations = [style.underline ? "underline" : "", style.strike ? "line-through" : ""].filter(Boolean);
  return {
    color: fg,
    backgroundColor: bg,
    fontWeight: style.bold ? 700 : undefined,
    opacity: style.dim ? 0.65 : undefined,
    fontStyle: style.italic ? "italic" : undefined,
    textDecoration: decorations.length > 0 ? decorations.join(" ") : undefined,
  };
}

export const AnsiText = memo(function AnsiText({ text }: { text: string }) {
  const spans = useMemo(() => parseAnsiLine(text.replace(/\n/g, "↵ ")), [text]);
  return (
    <>
      {spans.map((span, i) =>
        span.style ? (
          <span key={i} style={toCss(span.style)}>
            {span.text}
          </span>
        ) : (
          <span key={i}>{span.text}</span>
        ),
      )}
    </>
  );
});

/**
 * A parsed diff drawn as a table: unified (old and new line numbers, one column of text) or split
 * (base left, head right, paired by ../diff.ts). Every line is a React text node — diff text from
 * a repository is never interpreted as HTML.
 */
import { Fragment } from "react";
import { pairSplitRows, type DiffLine, type ParsedDiff } from "../diff";

const MARKER = { add: "+", del: "-", context: " " } as const;

function NoNewline({ line }: { line: DiffLine }) {
  return line.noNewline ? (
    <span className="diff__eof" title="No newline at end of file">
      {" ⏎̸ no newline at end of file"}
    </span>
  ) : null;
}

function Num({ n }: { n: number | null }) {
  return <td className="diff__num">{n ?? ""}</td>;
}

export function UnifiedDiffTable({ diff, label }: { diff: ParsedDiff; label: string }) {
  return (
    <table className="diff diff--unified" aria-label={label}>
      <tbody>
        {diff.hunks.map((hunk, h) => (
          <Fragment key={h}>
            <tr className="diff__hunk">
              <td colSpan={3}>{hunk.header}</td>
            </tr>
            {hunk.lines.map((line, i) => (
              <tr key={i} className={`diff__line diff__line--${line.kind}`} data-kind={line.kind}>
                <Num n={line.oldNo} />
                <Num n={line.newNo} />
                <td className="diff__text">
                  <span className="diff__marker">{MARKER[line.kind]}</span>
                  {line.text}
                  <NoNewline line={line} />
                </td>
              </tr>
            ))}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Side({ line, side }: { line: DiffLine | null; side: "old" | "new" }) {
  if (!line) {
    return (
      <>
        <td className="diff__num" />
        <td className="diff__text diff__text--empty" />
      </>
    );
  }
  return (
    <>
      <Num n={side === "old" ? line.oldNo : line.newNo} />
      <td className={`diff__text diff__line--${line.kind}`} data-kind={line.kind}>
        <span className="diff__marker">{MARKER[line.kind]}</span>
        {line.text}
        <NoNewline line={line} />
      </td>
    </>
  );
}

export function SplitDiffTable({ diff, label }: { diff: ParsedDiff; label: string }) {
  return (
    <table className="diff diff--split" aria-label={label}>
      <tbody>
        {diff.hunks.map((hunk, h) => (
          <Fragment key={h}>
            <tr className="diff__hunk">
              <td colSpan={4}>{hunk.header}</td>
            </tr>
            {pairSplitRows(hunk.lines).map((row, i) => (
              <tr key={i} className="diff__line">
                <Side line={row.left} side="old" />
                <Side line={row.right} side="new" />
              </tr>
            ))}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

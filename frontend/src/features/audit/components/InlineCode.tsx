/** Text whose `backtick` spans show as code (explanations and stage summaries quote commands that way). */
import { Fragment } from "react";
import { splitInlineCode } from "../format";

export function InlineCode({ text }: { text: string }) {
  return (
    <>
      {splitInlineCode(text).map((part, i) =>
        part.code ? <code key={i}>{part.text}</code> : <Fragment key={i}>{part.text}</Fragment>,
      )}
    </>
  );
}

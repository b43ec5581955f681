/** The run exactly as the API returned it, pretty-printed for support, with Copy and Download. */
import { useState } from "react";
import type { Run } from "../../../api/types";

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 0);
}

export function RawDetail({ run }: { run: Run }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const text = JSON.stringify(run, null, 2);
  return (
    <details className="panel raw-detail">
      <summary>Support / debug detail (raw run JSON)</summary>
      <div className="actions">
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            navigator.clipboard.writeText(text).then(
              () => {
                setCopied("yes");
              },
              () => {
                setCopied("failed");
              },
            );
          }}
        >
          Copy
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => {
            download(`run-${run.id}.json`, text);
          }}
        >
          Download
        </button>
        {copied ? <span className="muted">{copied === "yes" ? "Copied." : "Copy failed."}</span> : null}
      </div>
      <pre className="pre pre--block">{text}</pre>
    </details>
  );
}

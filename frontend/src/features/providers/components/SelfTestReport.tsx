/** A self-test's result: passed or failed with its message, model, each check, tokens and time. */
import type { SelfTestResult } from "../../../api/types";
import { RelativeTime } from "../../../components/RelativeTime";
import { formatDuration } from "../../../lib/format";
import { checkResult } from "../form";

export function SelfTestReport({ result, now }: { result: SelfTestResult; now: number }) {
  const verdict = result.ok ? "passed" : "failed";
  return (
    <section
      className={`self-test self-test--${result.ok ? "ok" : "failed"}`}
      aria-label="Self-test result"
      data-testid="self-test-result"
      data-ok={String(result.ok)}
    >
      <p>
        <span className={`badge badge--${verdict}`}>self-test {verdict}</span> {result.message}
      </p>
      <ul className="check-list" aria-label="Self-test checks">
        {result.checks.map((c) => {
          const r = checkResult(c.ok);
          return (
            <li key={c.name} className="check-list__item" data-testid={`self-test-${c.name}`} data-result={r}>
              <span className={`badge badge--${r}`}>{r}</span>
              <span className="mono">{c.name}</span>
              <span>{c.message}</span>
            </li>
          );
        })}
      </ul>
      <p className="muted">
        {result.model ? <span className="mono">{result.model}</span> : "no model"} · {result.usage.input_tokens} in /{" "}
        {result.usage.output_tokens} out tokens · {formatDuration(result.duration_ms)} · tested{" "}
        <RelativeTime iso={result.tested_at} now={now} />
      </p>
    </section>
  );
}

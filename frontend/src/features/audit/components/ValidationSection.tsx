/**
 * Whether validation passed: the verdict and mode, then the commands of each validation attempt
 * with exit codes, timeouts and durations; each command's output tail expands in place.
 */
import { formatDuration } from "../../../lib/format";
import type { AuditValidationCommand, TicketAudit } from "../../../api/types";
import { AuditSection } from "./AuditSection";

interface Attempt {
  key: string;
  label: string;
  commands: AuditValidationCommand[];
}

/** Commands grouped by stage attempt ("setup #1", "validate #2"), in the record's order. */
export function groupByAttempt(commands: readonly AuditValidationCommand[]): Attempt[] {
  const groups = new Map<string, Attempt>();
  for (const command of commands) {
    const key = `${command.stage}#${command.attempt}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, label: `${command.stage} #${command.attempt}`, commands: [] };
      groups.set(key, group);
    }
    group.commands.push(command);
  }
  return [...groups.values()];
}

function ExitCode({ command }: { command: AuditValidationCommand }) {
  if (command.timed_out) return <span className="verdict verdict--fail">timed out</span>;
  if (command.exit_code === null || command.exit_code === undefined) return <span className="muted">—</span>;
  return (
    <span className={`verdict ${command.exit_code === 0 ? "verdict--pass" : "verdict--fail"}`}>exit {command.exit_code}</span>
  );
}

function AttemptTable({ attempt }: { attempt: Attempt }) {
  const failed = attempt.commands.some((c) => c.timed_out || (c.exit_code ?? 0) !== 0);
  return (
    <div className="validation-attempt" data-attempt={attempt.key}>
      <h3>
        {attempt.label} <span className={`verdict ${failed ? "verdict--fail" : "verdict--pass"}`}>{failed ? "failed" : "passed"}</span>
      </h3>
      <table className="table table--compact" aria-label={`Validation ${attempt.label}`}>
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Exit code</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">Output tail</th>
          </tr>
        </thead>
        <tbody>
          {attempt.commands.map((command, i) => (
            <tr key={i} data-exit-code={command.exit_code ?? ""}>
              <td>
                <code>{command.command}</code>
              </td>
              <td className="nowrap">
                <ExitCode command={command} />
              </td>
              <td className="num">
                {command.duration_ms === null || command.duration_ms === undefined ? "—" : formatDuration(command.duration_ms)}
              </td>
              <td className="cell-output">
                {command.output_tail ? (
                  <details>
                    <summary>Show output</summary>
                    <pre className="pre pre--block">{command.output_tail}</pre>
                  </details>
                ) : (
                  <span className="muted">no output</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ValidationSection({ audit }: { audit: TicketAudit }) {
  const { validation } = audit;
  const attempts = groupByAttempt(validation.commands);
  const verdict =
    validation.passed === true ? "Passed" : validation.passed === false ? "Failed" : "Not run";
  return (
    <AuditSection id="audit-validation" title="Did validation pass">
      <p className="audit-answer">
        <span
          className={`verdict ${validation.passed === true ? "verdict--pass" : validation.passed === false ? "verdict--fail" : ""}`}
          data-testid="audit-validation-verdict"
        >
          {verdict}
        </span>{" "}
        <span className="muted">
          mode <code>{validation.mode}</code>
          {validation.mode === "advisory" ? " (failures do not block publishing)" : ""}
        </span>
      </p>
      {attempts.length === 0 ? (
        <p className="muted">No validation command ran.</p>
      ) : (
        attempts.map((attempt) => <AttemptTable key={attempt.key} attempt={attempt} />)
      )}
    </AuditSection>
  );
}

/**
 * What files and commands were involved: the changed files with their diffs, every command the
 * worker and the provider ran (stage, attempt, exit code, duration), and the provider's tool usage.
 */
import { useState } from "react";
import { formatAbsolute, formatClock, formatDuration } from "../../../lib/format";
import { formatCount } from "../format";
import type { AuditCommand, AuditTool, TicketAudit } from "../../../api/types";
import { AuditSection } from "./AuditSection";
import { DiffViewer } from "./DiffViewer";

function ExitCode({ code }: { code: number | null | undefined }) {
  if (code === null || code === undefined) return <span className="muted">—</span>;
  return <span className={`verdict ${code === 0 ? "verdict--pass" : "verdict--fail"}`}>{code}</span>;
}

const SOURCES = ["all", "provider", "worker"] as const;
type SourceFilter = (typeof SOURCES)[number];

function CommandsTable({ commands }: { commands: AuditCommand[] }) {
  const [source, setSource] = useState<SourceFilter>("all");
  if (commands.length === 0) return <p className="muted">No command ran.</p>;
  const shown = source === "all" ? commands : commands.filter((c) => c.source === source);
  const count = (s: SourceFilter) => (s === "all" ? commands.length : commands.filter((c) => c.source === s).length);
  return (
    <div className="table-scroll">
      <div className="actions" role="radiogroup" aria-label="Command source">
        {SOURCES.map((s) => (
          <label key={s} className="check">
            <input
              type="radio"
              name="command-source"
              checked={source === s}
              onChange={() => {
                setSource(s);
              }}
            />
            {s === "all" ? "All" : s === "provider" ? "Provider" : "Worker"} ({count(s)})
          </label>
        ))}
      </div>
      <table className="table table--compact" aria-label="Commands">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Stage</th>
            <th scope="col">Command</th>
            <th scope="col">Exit code</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">Started</th>
            <th scope="col">Directory</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((command, i) => (
            <tr key={i} data-source={command.source} data-exit-code={command.exit_code ?? ""}>
              <td>
                <span className={`tag tag--source-${command.source.replace(/[^a-z]/g, "")}`}>{command.source}</span>
                {command.purpose && command.purpose !== command.source ? <div className="muted">{command.purpose}</div> : null}
              </td>
              <td className="mono nowrap">
                {command.stage} #{command.attempt}
              </td>
              <td className="cell-command">
                <code>{command.command}</code>
              </td>
              <td>
                <ExitCode code={command.exit_code} />
              </td>
              <td className="num">
                {command.duration_ms === null || command.duration_ms === undefined ? "—" : formatDuration(command.duration_ms)}
              </td>
              <td className="nowrap">
                <time dateTime={command.started_at} title={formatAbsolute(command.started_at)}>
                  {formatClock(command.started_at)}
                </time>
              </td>
              <td className="mono muted">{command.cwd ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ToolsTable({ tools }: { tools: AuditTool[] }) {
  if (tools.length === 0) return <p className="muted">The provider reported no tool use.</p>;
  return (
    <table className="table table--compact table--narrow" aria-label="Tool usage">
      <thead>
        <tr>
          <th scope="col">Tool</th>
          <th scope="col" className="num">
            Calls
          </th>
          <th scope="col" className="num">
            Errors
          </th>
        </tr>
      </thead>
      <tbody>
        {tools.map((tool) => (
          <tr key={tool.name}>
            <td className="mono">{tool.name}</td>
            <td className="num">{formatCount(tool.count)}</td>
            <td className="num">{formatCount(tool.errors)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function InvolvedSection({ audit }: { audit: TicketAudit }) {
  const { files, commands, tools } = audit;
  const additions = files.reduce((sum, f) => sum + f.additions, 0);
  const deletions = files.reduce((sum, f) => sum + f.deletions, 0);
  return (
    <AuditSection id="audit-files" title="Which files and commands were involved">
      <h3>
        Files changed{" "}
        <span className="muted" data-testid="audit-files-summary">
          {files.length} file{files.length === 1 ? "" : "s"}, <span className="diffstat diffstat--add">+{formatCount(additions)}</span>{" "}
          <span className="diffstat diffstat--del">−{formatCount(deletions)}</span>
        </span>
      </h3>
      {files.length === 0 ? <p className="muted">No file was changed.</p> : <DiffViewer runId={audit.run.id} files={files} />}
      <h3>Commands</h3>
      <CommandsTable commands={commands} />
      <h3>Tool usage</h3>
      <ToolsTable tools={tools} />
    </AuditSection>
  );
}

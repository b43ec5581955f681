/**
 * The audit list's table: one row per terminal run, newest finished first, answering at a glance
 * what ran where, how it ended and what it cost. The ticket links to the full record.
 */
import { Link } from "react-router";
import { StatusBadge } from "../../../components/StatusBadge";
import { formatDuration, formatProvider } from "../../../lib/format";
import { formatCost, formatCount, formatTokens } from "../format";
import type { AuditListItem } from "../../../api/types";

function Validation({ passed }: { passed: boolean | null | undefined }) {
  if (passed === true) return <span className="verdict verdict--pass">passed</span>;
  if (passed === false) return <span className="verdict verdict--fail">failed</span>;
  return <span className="muted">none</span>;
}

function AuditRow({ item }: { item: AuditListItem }) {
  const { outcome, usage } = item;
  return (
    <tr data-run-id={item.run_id} data-status={outcome.status}>
      <td className="cell-ticket">
        <Link to={`/audit/${item.run_id}`} className="ticket-key">
          {item.ticket.key}
        </Link>
        <span className="ticket-title" title={item.ticket.title}>
          {item.ticket.title}
        </span>
        {item.attempt > 1 ? <span className="muted"> · attempt {item.attempt}</span> : null}
      </td>
      <td title={item.repository.url}>
        {item.repository.name}
        {item.branch ? <div className="muted mono">{item.branch}</div> : null}
      </td>
      <td>{formatProvider(item.provider)}</td>
      <td data-col="outcome">
        <StatusBadge status={outcome.status} />{" "}
        {outcome.reason_code ? <code title={outcome.reason ?? undefined}>{outcome.reason_code}</code> : null}
        {outcome.failed_stage ? <div className="muted">in {outcome.failed_stage}</div> : null}
      </td>
      <td data-col="validation">
        <Validation passed={item.validation_passed} />
      </td>
      <td className="num" data-col="repair">
        {item.repair_attempts}
      </td>
      <td data-col="review" className="nowrap">{item.review_fixes_ran ? "fixes ran" : <span className="muted">no fixes</span>}</td>
      <td className="num" data-col="files">
        {item.files_changed} <span className="diffstat diffstat--add">+{formatCount(item.additions)}</span>{" "}
        <span className="diffstat diffstat--del">−{formatCount(item.deletions)}</span>
      </td>
      <td className="num">{item.duration_ms === null || item.duration_ms === undefined ? "—" : formatDuration(item.duration_ms)}</td>
      <td className="num" data-col="usage">
        {formatTokens(usage)}
        <div className="muted">{formatCost(usage)}</div>
      </td>
    </tr>
  );
}

export function AuditTable({ items }: { items: AuditListItem[] }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Audit records">
        <thead>
          <tr>
            <th scope="col">Ticket</th>
            <th scope="col">Repository</th>
            <th scope="col">Provider / model</th>
            <th scope="col">Outcome</th>
            <th scope="col">Validation</th>
            <th scope="col" className="num">
              Repair attempts
            </th>
            <th scope="col">Review</th>
            <th scope="col" className="num">
              Files (+/−)
            </th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Tokens / cost
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <AuditRow key={item.run_id} item={item} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

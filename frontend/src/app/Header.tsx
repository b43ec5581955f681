/** The shell header: worker identity (name and version), navigation and the live-stream state. */
import { Link, NavLink, useLocation } from "react-router";
import { useWorkerInfo } from "../features/worker";
import { useStreamState } from "./streamState";

const STREAM_LABEL = {
  open: "live",
  connecting: "connecting",
  reconnecting: "reconnecting",
  closed: "offline",
} as const;

function WorkerIdentity() {
  const { data } = useWorkerInfo();
  if (!data) return null;
  return (
    <span className="identity" data-testid="worker-identity" title={`role ${data.role}, started ${data.started_at}`}>
      <span className="identity__name">{data.name}</span>
      <span className="identity__version">v{data.version}</span>
    </span>
  );
}

/** Whether `pathname` is `base` or below it. */
function within(pathname: string, base: string): boolean {
  return pathname === base || pathname.startsWith(`${base}/`);
}

export function Header() {
  const stream = useStreamState();
  const { pathname } = useLocation();
  // `/audit/code…` is Code Audit, not a Ticket Audit record, though both live under `/audit`.
  const ticketAudit = within(pathname, "/audit") && !within(pathname, "/audit/code");
  return (
    <header className="app-header">
      <Link className="brand" to="/">
        MergeLoom worker
      </Link>
      <WorkerIdentity />
      <nav className="nav" aria-label="Main">
        <NavLink to="/" end>
          Home
        </NavLink>
        <NavLink to="/runs">Runs</NavLink>
        <Link to="/audit" className={ticketAudit ? "active" : undefined} aria-current={ticketAudit ? "page" : undefined}>
          Audit
        </Link>
        <NavLink to="/audit/code">Code Audit</NavLink>
        <NavLink to="/health">Health</NavLink>
        <NavLink to="/providers">Providers</NavLink>
        <NavLink to="/settings">Settings</NavLink>
      </nav>
      <span className={`stream-state stream-state--${stream}`} data-testid="stream-state" title="Worker event stream">
        {STREAM_LABEL[stream]}
      </span>
    </header>
  );
}

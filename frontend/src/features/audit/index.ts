/** The Ticket Audit feature's public surface: its two pages for the router, and one file's diff of a run (Code Audit shows it too). */
export { AuditListPage } from "./components/AuditListPage";
export { AuditDetailPage } from "./components/AuditDetailPage";
export { FileDiffBody, type DiffMode } from "./components/DiffFile";
export { formatCount } from "./format";

/** The Ticket Audit feature's public surface: its two pages for the router. */
export { AuditListPage } from "./components/AuditListPage";
export { AuditDetailPage } from "./components/AuditDetailPage";

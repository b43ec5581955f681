/** The Code Audit feature's public surface: its two pages for the router. */
export { CodeAuditListPage } from "./components/CodeAuditListPage";
export { CodeAuditRepoPage } from "./components/CodeAuditRepoPage";

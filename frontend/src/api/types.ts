/**
 * Named API types. Everything here is re-exported from the types generated out of the backend's
 * OpenAPI document (src/api/schema.d.ts, `npm run gen:api`), so the shapes are never written twice.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Run = Schemas["Run"];
export type RunList = Schemas["RunList"];
export type Job = Schemas["Job"];
export type JobCreated = Schemas["JobCreated"];
export type Event = Schemas["Event"];
export type EventList = Schemas["EventList"];
export type EventSearch = Schemas["EventSearch"];
export type Executor = Schemas["Executor"];
export type ExecutorList = Schemas["ExecutorList"];
export type WorkerInfo = Schemas["WorkerInfo"];
export type ErrorEnvelope = Schemas["ErrorEnvelope"];
export type AuditList = Schemas["AuditList"];
export type AuditListItem = Schemas["AuditListItem"];
export type TicketAudit = Schemas["TicketAudit"];
export type AuditStage = Schemas["AuditStage"];
export type AuditValidationCommand = Schemas["AuditValidationCommand"];
export type AuditFile = Schemas["AuditFile"];
export type AuditCommand = Schemas["AuditCommand"];
export type AuditTool = Schemas["AuditTool"];
export type AuditRecordOutcome = Schemas["AuditRecordOutcome"];
export type Usage = Schemas["Usage"];
export type HealthReport = Schemas["HealthReport"];
export type HealthCheck = Schemas["HealthCheck"];
export type HealthStatus = Schemas["Status"];
export type WorkerHealth = Schemas["WorkerHealth"];
export type HealthHistory = Schemas["HealthHistory"];
export type CheckTimeline = Schemas["CheckTimeline"];
export type StatusPoint = Schemas["StatusPoint"];
export type StateChange = NonNullable<Run["state_history"]>[number];
export type Stage = NonNullable<Run["stages"]>[number];

/** Run statuses in lifecycle order (API.md); the API serialises them as plain strings. */
export const RUN_STATUSES = ["queued", "running", "completed", "blocked", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Whether a status string is one of the known run statuses. */
export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

/** A run is active while queued or running; every other status is terminal. */
export function isActiveStatus(status: string): boolean {
  return status === "queued" || status === "running";
}

/** The terminal run statuses, for "recent outcomes". */
export const TERMINAL_STATUSES = ["completed", "blocked", "failed", "cancelled"] as const satisfies readonly RunStatus[];

/** Code Audit (API.md "Code Audit"). */
export type LineStatus = Schemas["LineStatus"];
export type StatusCounts = Schemas["StatusCounts"];
export type CodeRepo = Schemas["CodeRepo"];
export type CodeRepoList = Schemas["CodeRepoList"];
export type CodeRepoHistoryPoint = Schemas["HistoryPoint"];
export type CodeFile = Schemas["CodeFile"];
export type CodeFileList = Schemas["CodeFileList"];
export type CodeFileView = Schemas["FileView"];
export type CodeFileLine = Schemas["FileLine"];
export type LineEvidence = Schemas["LineEvidence"];
export type EvidenceSet = Schemas["EvidenceSet"];
export type EvidenceSetList = Schemas["EvidenceSetList"];
export type Reconciliation = Schemas["Reconciliation"];
export type ReconciliationList = Schemas["ReconciliationList"];

/**
 * Runtime settings (API.md "settings"). The OpenAPI document types setting values as objects
 * (they are any JSON: numbers, strings, lists, booleans, null), so `value`, `default` and the
 * history's old and new values are widened to `unknown` here and narrowed where they are read.
 */
export type SettingView = Omit<Schemas["SettingView"], "value" | "default"> & { value: unknown; default: unknown };
export type SettingsDoc = Omit<Schemas["SettingsDoc"], "settings"> & { settings: Record<string, SettingView> };
export type SettingsHistoryEntry = Omit<Schemas["HistoryEntry"], "old_value" | "new_value"> & {
  old_value: unknown;
  new_value: unknown;
};
export type SettingsHistory = Omit<Schemas["SettingsHistory"], "items"> & { items: SettingsHistoryEntry[] };

/** Providers (API.md "providers"). */
export type ProviderItem = Schemas["ProviderItem"];
export type ProviderList = Schemas["ProviderList"];
export type ProviderCheck = Schemas["ProviderCheck"];
export type ProviderReadiness = Schemas["ProviderReadiness"];

/** Retention (`GET /api/v1/retention`, its preview and prune). */
export type RetentionStatus = Schemas["RetentionStatus"];
export type RetentionPreview = Schemas["RetentionPreview"];
export type PruneReport = Schemas["PruneReport"];
export type SelfTestResult = Schemas["SelfTestResult"];

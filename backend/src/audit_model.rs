//! The Ticket Audit shapes (`API.md`, "Ticket Audit"): the list item and the
//! `mergeloom.ticket-audit.v1` record.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{ProviderRef, RepositoryRef, TicketRef, Usage};

/// The record's schema name.
pub const SCHEMA: &str = "mergeloom.ticket-audit.v1";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditOutcome {
    pub status: String,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub failed_stage: Option<String>,
}

/// One row of `GET /audit/runs`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditListItem {
    pub run_id: String,
    pub job_id: String,
    pub attempt: i32,
    pub ticket: TicketRef,
    pub repository: RepositoryRef,
    pub branch: Option<String>,
    pub provider: ProviderRef,
    pub outcome: AuditOutcome,
    pub validation_passed: Option<bool>,
    pub repair_attempts: i32,
    pub review_fixes_ran: bool,
    pub files_changed: i64,
    pub additions: i64,
    pub deletions: i64,
    pub duration_ms: Option<i64>,
    pub usage: Usage,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// A page of audit rows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditListItem>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditRun {
    pub id: String,
    pub job_id: String,
    pub attempt: i32,
    pub status: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditTicket {
    pub key: String,
    pub title: String,
    pub url: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditRepository {
    pub id: String,
    pub name: String,
    pub url: String,
    pub base_ref: Option<String>,
    pub base_commit: Option<String>,
    pub head_commit: Option<String>,
    pub branch: Option<String>,
    pub pushed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditProvider {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub model: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditStage {
    pub name: String,
    pub attempt: i32,
    pub status: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditValidationCommand {
    pub command: String,
    pub stage: String,
    pub attempt: i32,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub duration_ms: Option<i64>,
    pub output_tail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditValidation {
    pub mode: String,
    pub passed: Option<bool>,
    pub commands: Vec<AuditValidationCommand>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditRepair {
    pub max_attempts: i32,
    pub attempts: i32,
    pub ran: bool,
    pub succeeded: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditFinding {
    pub severity: String,
    pub message: String,
    pub path: Option<String>,
    pub line: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditReview {
    pub ran: bool,
    pub approved: Option<bool>,
    pub findings: Vec<AuditFinding>,
    pub fixes_ran: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditFlag {
    pub rule: String,
    pub path: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditDiffGuard {
    pub ran: bool,
    pub passed: Option<bool>,
    pub flags: Vec<AuditFlag>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditFile {
    pub path: String,
    pub old_path: Option<String>,
    /// `added`, `modified`, `deleted` or `renamed`.
    pub change: String,
    pub additions: i64,
    pub deletions: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditCommand {
    /// `worker` or `provider`.
    pub source: String,
    pub stage: String,
    pub attempt: i32,
    pub command: String,
    pub cwd: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<i64>,
    pub started_at: String,
    /// What it was for: `setup`, `validation`, `provider`, `worker` (the worker's git calls).
    pub purpose: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditTool {
    pub name: String,
    pub count: i64,
    pub errors: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditRecordOutcome {
    pub status: String,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub failed_stage: Option<String>,
    /// A plain-language sentence built from the record.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditRetention {
    pub events_retained: bool,
    pub audit_expires_at: Option<String>,
}

/// The `mergeloom.ticket-audit.v1` record of one terminal run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TicketAudit {
    pub schema: String,
    pub run: AuditRun,
    pub ticket: AuditTicket,
    pub repository: AuditRepository,
    pub provider: AuditProvider,
    pub stages: Vec<AuditStage>,
    pub validation: AuditValidation,
    pub repair: AuditRepair,
    pub review: AuditReview,
    pub diff_guard: AuditDiffGuard,
    pub files: Vec<AuditFile>,
    pub commands: Vec<AuditCommand>,
    pub tools: Vec<AuditTool>,
    pub usage: Usage,
    pub outcome: AuditRecordOutcome,
    pub retention: AuditRetention,
    /// Whether the worker runs in compliance mode (audit evidence is never pruned).
    #[serde(default)]
    pub compliance_mode: bool,
}

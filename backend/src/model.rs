//! The JSON shapes of the API (`API.md`): what handlers return and what the OpenAPI document
//! describes. Storage rows live in `db`; these are built from them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Run statuses. `queued` and `running` are active; the rest are terminal.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const COMPLETED: &str = "completed";
    pub const BLOCKED: &str = "blocked";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
    pub const ALL: [&str; 6] = [QUEUED, RUNNING, COMPLETED, BLOCKED, FAILED, CANCELLED];

    /// Whether a status is terminal (the run will never change again).
    #[must_use]
    pub fn is_terminal(s: &str) -> bool {
        matches!(s, COMPLETED | BLOCKED | FAILED | CANCELLED)
    }
}

/// The pipeline stages, in order.
pub const STAGES: [&str; 10] = [
    "setup",
    "context",
    "implement",
    "validate",
    "repair",
    "review",
    "review_fix",
    "diff_guard",
    "publish",
    "finalize",
];

/// Position of a stage in the pipeline (unknown names sort last).
#[must_use]
pub fn stage_position(name: &str) -> i32 {
    STAGES
        .iter()
        .position(|s| *s == name)
        .map_or(STAGES.len() as i32, |p| p as i32)
}

/// The closed table of reason codes, with the status each belongs to.
pub const REASON_CODES: [(&str, &str); 17] = [
    ("published", status::COMPLETED),
    ("published_with_advisory_failures", status::COMPLETED),
    ("command_not_allowed", status::BLOCKED),
    ("provider_not_ready", status::BLOCKED),
    ("diff_guard", status::BLOCKED),
    ("no_changes", status::BLOCKED),
    ("setup_failed", status::FAILED),
    ("provider_error", status::FAILED),
    ("provider_timeout", status::FAILED),
    ("validation_failed", status::FAILED),
    ("command_timeout", status::FAILED),
    ("output_limit", status::FAILED),
    ("publish_failed", status::FAILED),
    ("worker_restarted", status::FAILED),
    ("worker_shutdown", status::FAILED),
    ("internal_error", status::FAILED),
    ("cancelled_by_user", status::CANCELLED),
];

/// A collection page: every list endpoint answers this shape.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque keyset cursor for the next page, or null at the end.
    pub next_cursor: Option<String>,
}

/// The error envelope.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (`not_found`, `validation_failed`, …).
    pub code: String,
    pub message: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TicketRef {
    pub key: String,
    pub title: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    pub key: String,
    pub title: String,
    pub body: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RepositoryRef {
    pub id: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobRepository {
    pub id: String,
    pub name: String,
    pub url: String,
    pub base_ref: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ProviderRef {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub model: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExecutorRef {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    pub status: String,
    pub reason_code: String,
    pub reason: Option<String>,
    pub failed_stage: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunError {
    pub message: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Usage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cost_usd: f64,
    pub estimated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunValidation {
    pub mode: String,
    pub passed: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Retention {
    pub events_retained: bool,
    pub audit_retained: bool,
    pub audit_expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunLinks {
    #[serde(rename = "self")]
    pub self_: String,
    pub events: String,
    pub stream: String,
    pub audit: String,
    pub live: String,
    pub patch: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StateChange {
    pub status: String,
    pub stage: Option<String>,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    pub name: String,
    pub attempt: i32,
    /// `running`, `succeeded`, `failed`, `skipped` or `cancelled`.
    pub status: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub summary: Option<String>,
}

/// One attempt of a job. `GET /runs/{id}` adds `state_history` and `stages`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Run {
    pub id: String,
    pub job_id: String,
    pub attempt: i32,
    pub status: String,
    pub stage: Option<String>,
    pub ticket: TicketRef,
    pub repository: RepositoryRef,
    pub provider: ProviderRef,
    pub executor: Option<ExecutorRef>,
    pub branch: Option<String>,
    pub base_commit: Option<String>,
    pub head_commit: Option<String>,
    pub pushed: bool,
    pub sample: bool,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub outcome: Option<Outcome>,
    pub error: Option<RunError>,
    pub usage: Usage,
    pub validation: RunValidation,
    pub event_count: i64,
    pub last_event_seq: i64,
    pub retention: Retention,
    pub links: RunLinks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_history: Option<Vec<StateChange>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<Stage>>,
}

/// A submitted job and its runs (oldest attempt first).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: String,
    pub ticket: Ticket,
    pub repository: JobRepository,
    /// The latest run's status.
    pub status: String,
    pub sample: bool,
    pub created_at: String,
    pub runs: Vec<Run>,
}

/// Answer to `POST /jobs`, `POST /jobs/{id}/retry` and `POST /samples/run`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobCreated {
    pub job: Job,
    pub run: Run,
}

/// One event of a run's stream. `seq` starts at 1 and increases by exactly 1.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub ts: String,
    pub kind: String,
    pub stage: Option<String>,
    pub attempt: Option<i32>,
    pub stream: Option<String>,
    pub text: Option<String>,
    #[schema(value_type = Option<std::collections::HashMap<String, serde_json::Value>>)]
    pub data: Option<serde_json::Value>,
}

/// Answer to `GET /runs/{id}/events/search`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventSearch {
    pub count: i64,
    /// The first 10,000 matching seqs, ascending.
    pub seqs: Vec<i64>,
}

/// `GET /api/v1/worker`: who this worker is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkerInfo {
    pub name: String,
    pub version: String,
    /// `gateway` (serve) or `executor`.
    pub role: String,
    pub started_at: String,
    pub uptime_s: i64,
    pub auth_required: bool,
    pub executors: u16,
}

/// `POST /api/v1/session` body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    pub token: String,
}

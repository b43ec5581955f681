//! The JSON shapes of `GET /api/v1/health` and `GET /api/v1/health/history` (`API.md`), and the
//! status order that makes "overall = worst check" a `max`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A check's status; the derived order is from best to worst.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Degraded,
    Down,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Degraded => "degraded",
            Self::Down => "down",
        }
    }
}

/// One check's latest result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct HealthCheck {
    /// `gateway`, `executors`, `storage`, `providers` or `controller`.
    pub name: String,
    /// `gateway`, `executor`, `storage`, `provider` or `controller`.
    pub component: String,
    pub status: Status,
    /// One line for people.
    pub message: String,
    /// What the check measured (sizes, ages, errors), for support.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// What the operator should do next, when the check is not ok.
    pub action: Option<String>,
    pub latency_ms: i64,
    pub checked_at: String,
}

/// The worker's activity and, when idle, why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct WorkerHealth {
    pub name: String,
    pub role: String,
    pub version: String,
    pub uptime_s: i64,
    /// `idle` or `busy`.
    pub state: String,
    /// Null while busy; else `no_queued_jobs`, `no_executors`, `no_ready_provider` or
    /// `storage_down` (the first that holds, most fundamental first).
    pub idle_reason: Option<String>,
    /// Every idle reason that holds now except `no_queued_jobs`, most fundamental first: what keeps
    /// queued jobs from running.
    pub blockers: Vec<String>,
    /// One sentence: why the worker is idle (or what it runs).
    pub explanation: String,
    /// Runs waiting for an executor (as of the last check run).
    pub queued_runs: i64,
    /// Runs an executor is running now.
    pub running_runs: i64,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthReport {
    /// The worst status of any check.
    pub status: Status,
    /// When the checks last ran (the oldest `checked_at` among them).
    pub checked_at: String,
    pub worker: WorkerHealth,
    pub checks: Vec<HealthCheck>,
}

/// A status change on a check's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StatusPoint {
    pub at: String,
    pub status: Status,
}

/// One check's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckTimeline {
    pub name: String,
    pub component: String,
    /// The status at `since` (or when the check first ran), then every change, oldest first.
    pub points: Vec<StatusPoint>,
}

/// `GET /api/v1/health/history`: each check's status over the last hour (kept in memory, so it
/// starts with the process).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthHistory {
    pub since: String,
    pub until: String,
    pub checks: Vec<CheckTimeline>,
}

/// `GET /livez` and `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Liveness {
    /// Always `ok`: the process serves.
    pub status: String,
}

/// `GET /readyz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// `ok`, or `down` when the gateway or storage is down.
    pub status: String,
    pub gateway: Status,
    pub storage: Status,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_is_the_maximum() {
        let all = [Status::Ok, Status::Down, Status::Degraded];
        assert_eq!(all.iter().max(), Some(&Status::Down));
        assert_eq!(
            [Status::Ok, Status::Degraded].iter().max(),
            Some(&Status::Degraded)
        );
        assert_eq!(
            serde_json::to_value(Status::Degraded).expect("json"),
            "degraded"
        );
    }
}

//! Diesel row types: one `Queryable` and, where rows are inserted, one `Insertable` per table.

use diesel::prelude::*;

use crate::schema::{commands, events, file_changes, jobs, repositories, run_states, runs, stages};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = repositories)]
pub struct RepositoryRow {
    pub id: String,
    pub url: String,
    pub name: String,
    pub default_branch: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
pub struct JobRow {
    pub id: String,
    pub repository_id: String,
    pub ticket_key: String,
    pub ticket_title: String,
    pub ticket_body: Option<String>,
    pub ticket_url: Option<String>,
    pub ticket_source: Option<String>,
    pub spec: String,
    pub is_sample: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = runs, treat_none_as_default_value = false)]
pub struct RunRow {
    pub id: String,
    pub job_id: String,
    pub attempt: i32,
    pub status: String,
    pub stage: Option<String>,
    pub repository_id: String,
    pub ticket_key: String,
    pub ticket_title: String,
    pub ticket_url: Option<String>,
    pub provider_id: Option<String>,
    pub provider_model: Option<String>,
    pub executor_id: Option<String>,
    pub executor_name: Option<String>,
    pub branch: Option<String>,
    pub base_commit: Option<String>,
    pub head_commit: Option<String>,
    pub pushed: bool,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub failed_stage: Option<String>,
    pub error_message: Option<String>,
    pub error_detail: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cost_usd: f64,
    pub usage_estimated: bool,
    pub validation_mode: String,
    pub validation_passed: Option<bool>,
    pub event_count: i64,
    pub last_event_seq: i64,
    pub events_retained: bool,
    pub audit_retained: bool,
    pub audit_expires_at: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = run_states)]
pub struct RunStateRow {
    pub id: i32,
    pub run_id: String,
    pub status: String,
    pub stage: Option<String>,
    pub at: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = run_states, treat_none_as_default_value = false)]
pub struct NewRunState<'a> {
    pub run_id: &'a str,
    pub status: &'a str,
    pub stage: Option<&'a str>,
    pub at: &'a str,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stages)]
pub struct StageRow {
    pub id: i32,
    pub run_id: String,
    pub name: String,
    pub position: i32,
    pub attempt: i32,
    pub status: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub run_id: String,
    pub seq: i64,
    pub ts: String,
    pub kind: String,
    pub stage: Option<String>,
    pub attempt: Option<i32>,
    pub stream: Option<String>,
    pub text: Option<String>,
    pub data: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = commands)]
pub struct CommandRow {
    pub id: i32,
    pub run_id: String,
    pub source: String,
    pub stage: String,
    pub attempt: i32,
    pub argv: String,
    pub cwd: Option<String>,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub duration_ms: Option<i64>,
    pub started_at: String,
    pub output_tail: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = file_changes)]
pub struct FileChangeRow {
    pub id: i32,
    pub run_id: String,
    pub path: String,
    pub old_path: Option<String>,
    pub change: String,
    pub additions: i64,
    pub deletions: i64,
    pub diff: Option<String>,
}

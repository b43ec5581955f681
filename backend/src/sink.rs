//! The event sink: everything an executor records about a run goes through this trait, so a
//! remote executor can implement it over HTTP later. [`LocalSink`] writes through the single
//! writer; events get their `seq` there, in order, and are broadcast only after commit.

use async_trait::async_trait;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::runs::{self, Transition};
use crate::db::{Db, DbError, events::append_in_tx};
use crate::ids::RunId;
use crate::model::Run;
use crate::schema::{commands, file_changes, runs as runs_t};

/// An event to append; the writer assigns `seq` and `ts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct NewEvent {
    pub kind: String,
    pub stage: Option<String>,
    pub attempt: Option<i32>,
    pub stream: Option<String>,
    pub text: Option<String>,
    pub data: Option<serde_json::Value>,
}

impl NewEvent {
    /// A `log` event (one chunk of a process's output).
    #[must_use]
    pub fn log(
        stage: &str,
        attempt: i32,
        stream: &str,
        source: &str,
        text: impl Into<String>,
    ) -> Self {
        Self {
            kind: "log".into(),
            stage: Some(stage.to_owned()),
            attempt: Some(attempt),
            stream: Some(stream.to_owned()),
            text: Some(text.into()),
            data: Some(serde_json::json!({ "source": source })),
        }
    }
}

/// Errors from the sink.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("storage: {0}")]
    Storage(String),
}

impl From<DbError> for SinkError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound(m) => Self::NotFound(m),
            DbError::Conflict(m) => Self::Conflict(m),
            other => Self::Storage(other.to_string()),
        }
    }
}

/// A process the worker (or a provider) started.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandStart {
    /// `worker` or `provider`.
    pub source: String,
    pub stage: String,
    pub attempt: i32,
    pub argv: Vec<String>,
    pub cwd: Option<String>,
    /// The process id (also its process group id), when it started.
    pub pid: Option<u32>,
    /// What it was for: `setup`, `validation`, `provider`, `review` or `worker` (git).
    pub purpose: Option<String>,
}

/// How a recorded process ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommandEnd {
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub duration_ms: i64,
    pub output_tail: Option<String>,
}

/// One changed file of a run's diff.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileChange {
    pub path: String,
    pub old_path: Option<String>,
    /// `added`, `modified`, `deleted` or `renamed`.
    pub change: String,
    pub additions: i64,
    pub deletions: i64,
    pub diff: Option<String>,
}

/// Run fields an executor sets as it learns them (only `Some` fields change).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunPatch {
    pub provider_id: Option<String>,
    pub provider_model: Option<String>,
    pub executor_id: Option<String>,
    pub executor_name: Option<String>,
    pub base_commit: Option<String>,
    pub head_commit: Option<String>,
    pub pushed: Option<bool>,
    pub validation_passed: Option<bool>,
    pub validation_mode: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub cache_read_tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub usage_estimated: Option<bool>,
}

/// Everything an executor records about a run.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Appends events; returns the seqs assigned (consecutive).
    async fn append(&self, run: RunId, events: Vec<NewEvent>) -> Result<Vec<i64>, SinkError>;
    /// Moves the run to another status (terminal ones need a reason code).
    async fn transition(&self, run: RunId, t: Transition) -> Result<Run, SinkError>;
    /// Starts a stage; returns its `first_seq`.
    async fn stage_started(&self, run: RunId, name: &str, attempt: i32) -> Result<i64, SinkError>;
    /// Finishes (or skips) a stage; returns its `last_seq`.
    async fn stage_finished(
        &self,
        run: RunId,
        name: &str,
        attempt: i32,
        status: &str,
        summary: Option<String>,
    ) -> Result<i64, SinkError>;
    /// Records a started process (`command.started`); returns its id for `command_finished`.
    async fn command_started(&self, run: RunId, c: CommandStart) -> Result<i32, SinkError>;
    /// Records how a process ended (`command.finished`).
    async fn command_finished(&self, run: RunId, id: i32, end: CommandEnd)
    -> Result<(), SinkError>;
    /// Records the run's changed files (replacing any earlier record of the same paths).
    async fn file_changes(&self, run: RunId, files: Vec<FileChange>) -> Result<(), SinkError>;
    /// Sets run fields.
    async fn update_run(&self, run: RunId, patch: RunPatch) -> Result<(), SinkError>;
}

/// The in-process sink: writes through the database's single writer.
#[derive(Clone)]
pub struct LocalSink {
    db: Db,
}

impl LocalSink {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl EventSink for LocalSink {
    async fn append(&self, run: RunId, events: Vec<NewEvent>) -> Result<Vec<i64>, SinkError> {
        let weight = events.len();
        let id = run.to_string();
        Ok(self
            .db
            .writer
            .exec(weight, move |c, ctx| {
                let a = append_in_tx(c, ctx, &id, events)?;
                Ok((a.first..=a.last).collect())
            })
            .await?)
    }

    async fn transition(&self, run: RunId, t: Transition) -> Result<Run, SinkError> {
        let id = run.to_string();
        Ok(self
            .db
            .writer
            .exec(4, move |c, ctx| runs::transition_in_tx(c, ctx, &id, &t))
            .await?)
    }

    async fn stage_started(&self, run: RunId, name: &str, attempt: i32) -> Result<i64, SinkError> {
        let (id, name) = (run.to_string(), name.to_owned());
        Ok(self
            .db
            .writer
            .exec(3, move |c, ctx| {
                runs::stage_started_in_tx(c, ctx, &id, &name, attempt)
            })
            .await?)
    }

    async fn stage_finished(
        &self,
        run: RunId,
        name: &str,
        attempt: i32,
        status: &str,
        summary: Option<String>,
    ) -> Result<i64, SinkError> {
        let (id, name, status) = (run.to_string(), name.to_owned(), status.to_owned());
        Ok(self
            .db
            .writer
            .exec(3, move |c, ctx| {
                runs::stage_finished_in_tx(c, ctx, &id, &name, attempt, &status, summary.as_deref())
            })
            .await?)
    }

    async fn command_started(&self, run: RunId, cmd: CommandStart) -> Result<i32, SinkError> {
        let id = run.to_string();
        Ok(self
            .db
            .writer
            .exec(2, move |c, ctx| {
                let now = crate::time::now();
                let argv = serde_json::to_string(&cmd.argv)
                    .map_err(|e| DbError::Conflict(e.to_string()))?;
                let cmd_id: i32 = diesel::insert_into(commands::table)
                    .values((
                        commands::run_id.eq(&id),
                        commands::source.eq(&cmd.source),
                        commands::stage.eq(&cmd.stage),
                        commands::attempt.eq(cmd.attempt),
                        commands::argv.eq(&argv),
                        commands::cwd.eq(&cmd.cwd),
                        commands::started_at.eq(&now),
                        commands::pid.eq(cmd.pid.map(|p| p as i32)),
                        commands::purpose.eq(&cmd.purpose),
                    ))
                    .returning(commands::id)
                    .get_result(c)?;
                append_in_tx(
                    c,
                    ctx,
                    &id,
                    vec![NewEvent {
                        kind: "command.started".into(),
                        stage: Some(cmd.stage.clone()),
                        attempt: Some(cmd.attempt),
                        text: Some(shlex::try_join(cmd.argv.iter().map(String::as_str)).unwrap_or(argv)),
                        data: Some(serde_json::json!({
                            "command_id": cmd_id, "argv": cmd.argv, "cwd": cmd.cwd, "source": cmd.source,
                        })),
                        ..NewEvent::default()
                    }],
                )?;
                Ok(cmd_id)
            })
            .await?)
    }

    async fn command_finished(
        &self,
        run: RunId,
        cmd_id: i32,
        end: CommandEnd,
    ) -> Result<(), SinkError> {
        let id = run.to_string();
        Ok(self
            .db
            .writer
            .exec(2, move |c, ctx| {
                let (stage, attempt): (String, i32) = commands::table
                    .find(cmd_id)
                    .filter(commands::run_id.eq(&id))
                    .select((commands::stage, commands::attempt))
                    .first(c)
                    .optional()?
                    .ok_or_else(|| {
                        DbError::NotFound(format!("command {cmd_id} of run {id} not found"))
                    })?;
                diesel::update(commands::table.find(cmd_id))
                    .set((
                        commands::exit_code.eq(end.exit_code),
                        commands::timed_out.eq(end.timed_out),
                        commands::duration_ms.eq(end.duration_ms),
                        commands::output_tail.eq(&end.output_tail),
                    ))
                    .execute(c)?;
                let text = if end.timed_out {
                    "timed out".to_owned()
                } else {
                    end.exit_code
                        .map_or_else(|| "killed".to_owned(), |code| format!("exited {code}"))
                };
                append_in_tx(
                    c,
                    ctx,
                    &id,
                    vec![NewEvent {
                        kind: "command.finished".into(),
                        stage: Some(stage),
                        attempt: Some(attempt),
                        text: Some(text),
                        data: Some(serde_json::json!({
                            "command_id": cmd_id, "exit_code": end.exit_code,
                            "timed_out": end.timed_out, "duration_ms": end.duration_ms,
                        })),
                        ..NewEvent::default()
                    }],
                )?;
                Ok(())
            })
            .await?)
    }

    async fn file_changes(&self, run: RunId, files: Vec<FileChange>) -> Result<(), SinkError> {
        let id = run.to_string();
        let weight = files.len();
        Ok(self
            .db
            .writer
            .exec(weight, move |c, _ctx| {
                for f in &files {
                    diesel::delete(
                        file_changes::table
                            .filter(file_changes::run_id.eq(&id))
                            .filter(file_changes::path.eq(&f.path)),
                    )
                    .execute(c)?;
                    diesel::insert_into(file_changes::table)
                        .values((
                            file_changes::run_id.eq(&id),
                            file_changes::path.eq(&f.path),
                            file_changes::old_path.eq(&f.old_path),
                            file_changes::change.eq(&f.change),
                            file_changes::additions.eq(f.additions),
                            file_changes::deletions.eq(f.deletions),
                            file_changes::diff.eq(&f.diff),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
            .await?)
    }

    async fn update_run(&self, run: RunId, p: RunPatch) -> Result<(), SinkError> {
        let id = run.to_string();
        Ok(self
            .db
            .writer
            .exec(1, move |c, ctx| {
                let Some(mut row) = runs::find_row(c, &id)? else {
                    return Err(DbError::NotFound(format!("run {id} not found")));
                };
                macro_rules! set {
                    ($($f:ident),*) => { $( if let Some(v) = p.$f.clone() { row.$f = v.into(); } )* };
                }
                set!(provider_id, provider_model, executor_id, executor_name, base_commit, head_commit);
                set!(validation_passed);
                if let Some(v) = p.pushed { row.pushed = v; }
                if let Some(v) = p.validation_mode.clone() { row.validation_mode = v; }
                if let Some(v) = p.input_tokens { row.input_tokens = v; }
                if let Some(v) = p.output_tokens { row.output_tokens = v; }
                if let Some(v) = p.cache_read_tokens { row.cache_read_tokens = v; }
                if let Some(v) = p.cost_usd { row.cost_usd = v; }
                if let Some(v) = p.usage_estimated { row.usage_estimated = v; }
                diesel::update(runs_t::table.find(&id))
                    .set((
                        runs_t::provider_id.eq(&row.provider_id),
                        runs_t::provider_model.eq(&row.provider_model),
                        runs_t::executor_id.eq(&row.executor_id),
                        runs_t::executor_name.eq(&row.executor_name),
                        runs_t::base_commit.eq(&row.base_commit),
                        runs_t::head_commit.eq(&row.head_commit),
                        runs_t::pushed.eq(row.pushed),
                        runs_t::validation_passed.eq(row.validation_passed),
                        runs_t::validation_mode.eq(&row.validation_mode),
                        runs_t::input_tokens.eq(row.input_tokens),
                        runs_t::output_tokens.eq(row.output_tokens),
                        runs_t::cache_read_tokens.eq(row.cache_read_tokens),
                        runs_t::cost_usd.eq(row.cost_usd),
                        runs_t::usage_estimated.eq(row.usage_estimated),
                    ))
                    .execute(c)?;
                runs::publish_run(c, ctx, &id)?;
                Ok(())
            })
            .await?)
    }
}

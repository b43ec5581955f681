//! One reconciliation job end to end: fetch the mirror, capture evidence of newly published runs,
//! resolve the tracked branch, run the engine, and write the result back in one transaction
//! (so a crash never leaves segments mapped past the recorded commit).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::Deps;
use super::capture;
use super::engine::{self, Evidence, Input};
use super::git::Repo;
use crate::db::code_audit::{self as store, NewEvidence};
use crate::db::rows::RepositoryRow;
use crate::schema::repositories;

/// How long a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a queued job; every outcome is recorded on the job.
pub async fn run_job(deps: &Deps, job_id: &str) {
    let id = job_id.to_owned();
    let job = match deps
        .db
        .read(move |c| store::get_reconciliation(c, &id))
        .await
    {
        Ok(j) if j.status == "pending" => j,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(job_id, error = %e, "reconciliation job not readable");
            return;
        }
    };
    let repository_id = job.repository_id.clone();
    let rid = repository_id.clone();
    let from = deps
        .db
        .read(move |c| store::repo_state(c, &rid))
        .await
        .ok()
        .flatten()
        .and_then(|s| s.last_commit);
    let (jid, f) = (job.id.clone(), from.clone());
    if let Err(e) = deps
        .db
        .writer
        .exec(1, move |c, _| store::start_job(c, &jid, f.as_deref()))
        .await
    {
        tracing::warn!(job_id, error = %e, "could not start a reconciliation job");
        return;
    }
    let started = Instant::now();
    let result = reconcile_repo(deps, &repository_id).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let rid = repository_id.clone();
    let counts = deps
        .db
        .read(move |c| counts_json(c, &rid))
        .await
        .unwrap_or_default();
    let jid = job.id.clone();
    let rid = repository_id.clone();
    let saved = match result {
        Ok((tip, stats)) => {
            let mut counts = counts;
            counts["engine"] = serde_json::to_value(&stats).unwrap_or_default();
            tracing::info!(repository_id = %repository_id, job_id, duration_ms, commits = stats.commits, "reconciled");
            deps.db
                .writer
                .exec(1, move |c, _| {
                    store::finish_job(c, &jid, Some(&tip), None, &counts, duration_ms)
                })
                .await
        }
        Err(error) => {
            tracing::warn!(repository_id = %repository_id, job_id, %error, "reconciliation failed");
            deps.db
                .writer
                .exec(1, move |c, _| {
                    store::set_failed(c, &rid, &error)?;
                    store::finish_job(c, &jid, None, Some(&error), &counts, duration_ms)
                })
                .await
        }
    };
    if let Err(e) = saved {
        tracing::warn!(job_id, error = %e, "could not record a reconciliation job");
    }
}

/// Lines per status and touched lines, as a job's counts.
fn counts_json(
    c: &mut diesel::sqlite::SqliteConnection,
    repository_id: &str,
) -> Result<serde_json::Value, crate::db::DbError> {
    let mut m = serde_json::Map::new();
    for s in super::status::LineStatus::ALL {
        m.insert(s.as_str().to_owned(), 0.into());
    }
    for (s, n) in store::status_counts(c, repository_id)? {
        m.insert(s, n.into());
    }
    m.insert(
        "touched".into(),
        store::touched_lines(c, repository_id)?.into(),
    );
    Ok(serde_json::Value::Object(m))
}

fn blocking_err(e: tokio::task::JoinError) -> String {
    format!("the reconciliation task failed: {e}")
}

/// Reconciles one repository; `Err` is the job's error message.
async fn reconcile_repo(
    deps: &Deps,
    repository_id: &str,
) -> Result<(String, engine::Stats), String> {
    let mirror = deps.layout.mirror(repository_id);
    let rid = repository_id.to_owned();
    let row: RepositoryRow = deps
        .db
        .read(move |c| {
            Ok(repositories::table
                .filter(repositories::id.eq(&rid))
                .select(RepositoryRow::as_select())
                .first(c)?)
        })
        .await
        .map_err(|e| e.to_string())?;
    if !mirror.join("HEAD").exists() {
        let rid = repository_id.to_owned();
        let _ = deps
            .db
            .writer
            .exec(1, move |c, _| store::mark_waiting(c, &rid))
            .await;
        return Err(format!(
            "the repository's local mirror ({}) is missing: its lines wait until a run of this repository creates it",
            mirror.display()
        ));
    }
    let _guard = deps.locks.lock(repository_id).await;
    let repo = Repo::new(
        &mirror,
        crate::executor::git::https_auth_env(&row.url, deps.git_token.as_deref()),
    );
    let r = repo.clone();
    tokio::task::spawn_blocking(move || r.fetch(FETCH_TIMEOUT))
        .await
        .map_err(blocking_err)?
        .map_err(|e| format!("fetch failed: {e}"))?;
    capture_runs(deps, &repo, repository_id).await?;
    let rid = repository_id.to_owned();
    let state = deps
        .db
        .read(move |c| store::repo_state(c, &rid))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the repository has no Code Audit state")?;
    let branch = match state.tracked_branch.clone().or(row.default_branch.clone()) {
        Some(b) => b,
        None => {
            let r = repo.clone();
            let detected = tokio::task::spawn_blocking(move || r.remote_head())
                .await
                .map_err(blocking_err)?
                .ok()
                .flatten()
                .ok_or("cannot tell the repository's default branch; set the tracked branch")?;
            let (rid, b) = (repository_id.to_owned(), detected.clone());
            let _ = deps
                .db
                .writer
                .exec(1, move |c, _| store::set_default_branch(c, &rid, &b))
                .await;
            detected
        }
    };
    let r = repo.clone();
    let tracked = format!("refs/remotes/origin/{branch}");
    let tip = tokio::task::spawn_blocking(move || r.commit_id(&tracked))
        .await
        .map_err(blocking_err)?
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the tracked branch {branch:?} does not exist in the repository"))?;
    let rid = repository_id.to_owned();
    let (segments, evidence) = deps
        .db
        .read(move |c| {
            Ok((
                store::open_segments(c, &rid)?,
                store::open_evidence(c, &rid)?,
            ))
        })
        .await
        .map_err(|e| e.to_string())?;
    let evidence: HashMap<String, Evidence> = evidence
        .into_iter()
        .map(|(id, origin, content_checked)| {
            (
                id.clone(),
                Evidence {
                    id,
                    origin,
                    content_checked,
                },
            )
        })
        .collect();
    let input = Input {
        last_commit: state.last_commit.clone(),
        loc_total: state.loc_total,
        tip: tip.clone(),
        evidence,
        segments,
    };
    let r = repo.clone();
    let outcome = tokio::task::spawn_blocking(move || engine::reconcile(&r, input))
        .await
        .map_err(blocking_err)?
        .map_err(|e| e.to_string())?;
    let rid = repository_id.to_owned();
    let weight = outcome.segments.iter().filter(|s| s.dirty).count() + 1;
    let stats = outcome.stats.clone();
    let t = tip.clone();
    deps.db
        .writer
        .exec(weight, move |c, _| {
            store::save_segments(c, &rid, &outcome.segments)?;
            store::mark_content_checked(c, &outcome.content_checked)?;
            store::set_reconciled(c, &rid, &t, outcome.loc_total)
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok((tip, stats))
}

/// Stores evidence for the repository's published runs that have none yet.
async fn capture_runs(deps: &Deps, repo: &Repo, repository_id: &str) -> Result<(), String> {
    let rid = repository_id.to_owned();
    let runs = deps
        .db
        .read(move |c| store::uncaptured_runs(c, &rid))
        .await
        .map_err(|e| e.to_string())?;
    for (run_id, ticket, provider, model, base, head) in runs {
        let r = repo.clone();
        let (b, h, id) = (base.clone(), head.clone(), run_id.clone());
        let files = tokio::task::spawn_blocking(move || {
            let mut blobs = r.blobs()?;
            let files = capture::added_ranges(&r, &mut blobs, &b, &h)?;
            r.keep_anchor(&id, &h)?;
            Ok::<_, super::git::GitError>(files)
        })
        .await
        .map_err(blocking_err)?;
        let files = match files {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(run_id = %run_id, error = %e, "could not capture a run's evidence");
                continue;
            }
        };
        let e = NewEvidence {
            id: uuid::Uuid::now_v7().to_string(),
            repository_id: repository_id.to_owned(),
            run_id: Some(run_id.clone()),
            external: false,
            ticket_key: ticket,
            provider,
            model,
            origin_commit: head,
            files,
        };
        deps.db
            .writer
            .exec(e.files.len() + 1, move |c, _| store::insert_evidence(c, &e))
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(run_id = %run_id, repository_id, "evidence captured");
    }
    Ok(())
}

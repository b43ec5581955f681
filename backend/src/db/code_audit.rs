//! Code Audit storage: evidence (append-only ranges), segments (where those lines are now),
//! per-repository reconciliation state and the reconciliation jobs.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::DbError;
use crate::code_audit::engine::Segment;
use crate::code_audit::status::LineStatus;
use crate::schema::{
    code_evidence as ev, code_ranges as cr, code_reconciliations as rec, code_repos as repo,
    code_segments as seg, repositories, runs,
};

/// One evidence set to store: lines a run (or an outside run) added at `origin_commit`.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub id: String,
    pub repository_id: String,
    pub run_id: Option<String>,
    pub external: bool,
    pub ticket_key: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub origin_commit: String,
    pub files: Vec<NewFile>,
}

/// Ranges of one file (1-based, inclusive), with per-line hashes when the commit was readable.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: String,
    pub ranges: Vec<NewRange>,
}

#[derive(Debug, Clone)]
pub struct NewRange {
    pub start_line: u32,
    pub end_line: u32,
    pub line_hashes: Option<Vec<u8>>,
    pub content_hash: Option<String>,
}

/// Makes sure a repository has its Code Audit row.
pub fn ensure_repo(conn: &mut SqliteConnection, repository_id: &str) -> Result<(), DbError> {
    diesel::insert_into(repo::table)
        .values(repo::repository_id.eq(repository_id))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

/// Stores an evidence set with one pending segment per range. A second set for the same run is
/// a conflict (history is append-only).
pub fn insert_evidence(conn: &mut SqliteConnection, e: &NewEvidence) -> Result<(), DbError> {
    if let Some(run_id) = &e.run_id {
        let exists: i64 = ev::table
            .filter(ev::repository_id.eq(&e.repository_id))
            .filter(ev::run_id.eq(run_id))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(DbError::Conflict(format!(
                "evidence for run {run_id} is already recorded"
            )));
        }
    }
    ensure_repo(conn, &e.repository_id)?;
    let now = crate::time::now();
    let line_count: i64 = e
        .files
        .iter()
        .flat_map(|f| &f.ranges)
        .map(|r| i64::from(r.end_line - r.start_line + 1))
        .sum();
    diesel::insert_into(ev::table)
        .values((
            ev::id.eq(&e.id),
            ev::repository_id.eq(&e.repository_id),
            ev::run_id.eq(&e.run_id),
            ev::external.eq(e.external),
            ev::ticket_key.eq(&e.ticket_key),
            ev::provider.eq(&e.provider),
            ev::model.eq(&e.model),
            ev::origin_commit.eq(&e.origin_commit),
            ev::line_count.eq(line_count),
            ev::created_at.eq(&now),
        ))
        .execute(conn)?;
    for f in &e.files {
        for r in &f.ranges {
            let range_id: i32 = diesel::insert_into(cr::table)
                .values((
                    cr::evidence_id.eq(&e.id),
                    cr::path.eq(&f.path),
                    cr::start_line.eq(i32::try_from(r.start_line).unwrap_or(i32::MAX)),
                    cr::end_line.eq(i32::try_from(r.end_line).unwrap_or(i32::MAX)),
                    cr::line_hashes.eq(&r.line_hashes),
                ))
                .returning(cr::id)
                .get_result(conn)?;
            diesel::insert_into(seg::table)
                .values((
                    seg::repository_id.eq(&e.repository_id),
                    seg::evidence_id.eq(&e.id),
                    seg::range_id.eq(range_id),
                    seg::range_offset.eq(0),
                    seg::line_count.eq(i32::try_from(r.end_line - r.start_line + 1).unwrap_or(0)),
                    seg::status.eq(LineStatus::Pending.as_str()),
                    seg::path.eq(&f.path),
                    seg::start_line.eq(i32::try_from(r.start_line).unwrap_or(i32::MAX)),
                    seg::at_commit.eq(&e.origin_commit),
                    seg::content_hash.eq(&r.content_hash),
                    seg::changed_at.eq(&now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A repository's Code Audit state.
#[derive(Debug, Clone, Queryable)]
pub struct RepoState {
    pub repository_id: String,
    pub tracked_branch: Option<String>,
    pub last_commit: Option<String>,
    pub last_reconciled_at: Option<String>,
    pub loc_total: i64,
    pub status: String,
    pub error: Option<String>,
}

/// The state row, if the repository has one.
pub fn repo_state(conn: &mut SqliteConnection, id: &str) -> Result<Option<RepoState>, DbError> {
    Ok(repo::table
        .filter(repo::repository_id.eq(id))
        .select((
            repo::repository_id,
            repo::tracked_branch,
            repo::last_commit,
            repo::last_reconciled_at,
            repo::loc_total,
            repo::status,
            repo::error,
        ))
        .first(conn)
        .optional()?)
}

/// Repositories followed by Code Audit.
pub fn repo_ids(conn: &mut SqliteConnection) -> Result<Vec<String>, DbError> {
    Ok(repo::table
        .select(repo::repository_id)
        .order(repo::repository_id)
        .load(conn)?)
}

/// Sets the tracked branch (`None` = the repository's default).
pub fn set_tracked_branch(
    conn: &mut SqliteConnection,
    id: &str,
    branch: Option<&str>,
) -> Result<(), DbError> {
    ensure_repo(conn, id)?;
    diesel::update(repo::table.filter(repo::repository_id.eq(id)))
        .set(repo::tracked_branch.eq(branch))
        .execute(conn)?;
    Ok(())
}

/// Remembers a repository's default branch once detected.
pub fn set_default_branch(
    conn: &mut SqliteConnection,
    id: &str,
    branch: &str,
) -> Result<(), DbError> {
    diesel::update(repositories::table.filter(repositories::id.eq(id)))
        .set(repositories::default_branch.eq(branch))
        .execute(conn)?;
    Ok(())
}

/// Published runs of a repository that have no evidence yet: `(run id, ticket, provider, model,
/// base, head)`.
pub type UncapturedRun = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

pub fn uncaptured_runs(
    conn: &mut SqliteConnection,
    repository_id: &str,
) -> Result<Vec<UncapturedRun>, DbError> {
    let captured = ev::table
        .filter(ev::repository_id.eq(repository_id))
        .filter(ev::run_id.is_not_null())
        .select(ev::run_id.assume_not_null());
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = runs::table
        .filter(runs::repository_id.eq(repository_id))
        .filter(runs::reason_code.eq_any(["published", "published_with_advisory_failures"]))
        .filter(runs::head_commit.is_not_null())
        .filter(runs::base_commit.is_not_null())
        .filter(runs::id.ne_all(captured))
        .select((
            runs::id,
            runs::ticket_key,
            runs::provider_id,
            runs::provider_model,
            runs::base_commit,
            runs::head_commit,
        ))
        .order(runs::created_at.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, t, p, m, b, h)| Some((id, t, p, m, b?, h?)))
        .collect())
}

/// Open segments of a repository (current, moved, pending, waiting) with their range's origin.
pub fn open_segments(
    conn: &mut SqliteConnection,
    repository_id: &str,
) -> Result<Vec<Segment>, DbError> {
    let open: Vec<&str> = LineStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    type Row = (
        i32,
        String,
        i32,
        String,
        i32,
        i32,
        i32,
        String,
        String,
        i32,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = seg::table
        .inner_join(cr::table.on(cr::id.eq(seg::range_id)))
        .filter(seg::repository_id.eq(repository_id))
        .filter(seg::status.eq_any(open))
        .select((
            seg::id,
            seg::evidence_id,
            seg::range_id,
            cr::path,
            cr::start_line,
            seg::range_offset,
            seg::line_count,
            seg::status,
            seg::path,
            seg::start_line,
            seg::at_commit,
            seg::content_hash,
        ))
        .load(conn)?;
    let u = |v: i32| u32::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|r| Segment {
            id: Some(i64::from(r.0)),
            evidence_id: r.1,
            range_id: i64::from(r.2),
            range_path: r.3,
            range_start: u(r.4),
            offset: u(r.5),
            len: u(r.6),
            status: LineStatus::parse(&r.7).unwrap_or(LineStatus::Unknown),
            path: r.8,
            start: u(r.9),
            commit: r.10,
            content_hash: r.11,
            dirty: false,
        })
        .collect())
}

/// Evidence of a repository that has open segments: `(id, origin, content_checked)`.
pub fn open_evidence(
    conn: &mut SqliteConnection,
    repository_id: &str,
) -> Result<Vec<(String, String, bool)>, DbError> {
    let open: Vec<&str> = LineStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let ids = seg::table
        .filter(seg::repository_id.eq(repository_id))
        .filter(seg::status.eq_any(open))
        .select(seg::evidence_id)
        .distinct();
    Ok(ev::table
        .filter(ev::id.eq_any(ids))
        .select((ev::id, ev::origin_commit, ev::content_checked))
        .load(conn)?)
}

/// Writes back changed segments (update by id, insert new pieces). Segments of evidence that
/// retention removed while the engine ran are dropped, not written back.
pub fn save_segments(
    conn: &mut SqliteConnection,
    repository_id: &str,
    segments: &[Segment],
) -> Result<(), DbError> {
    let now = crate::time::now();
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let kept: std::collections::HashSet<String> = ev::table
        .filter(ev::repository_id.eq(repository_id))
        .select(ev::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    for s in segments
        .iter()
        .filter(|s| s.dirty && kept.contains(&s.evidence_id))
    {
        let values = (
            seg::range_offset.eq(i(s.offset)),
            seg::line_count.eq(i(s.len)),
            seg::status.eq(s.status.as_str()),
            seg::path.eq(&s.path),
            seg::start_line.eq(i(s.start)),
            seg::at_commit.eq(&s.commit),
            seg::content_hash.eq(&s.content_hash),
            seg::changed_at.eq(&now),
        );
        match s.id {
            Some(id) => {
                diesel::update(seg::table.filter(seg::id.eq(i32::try_from(id).unwrap_or(0))))
                    .set(values)
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(seg::table)
                    .values((
                        seg::repository_id.eq(repository_id),
                        seg::evidence_id.eq(&s.evidence_id),
                        seg::range_id.eq(i32::try_from(s.range_id).unwrap_or(0)),
                        values,
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Marks segments of the repository that are pending as waiting for the mirror.
pub fn mark_waiting(conn: &mut SqliteConnection, repository_id: &str) -> Result<usize, DbError> {
    Ok(diesel::update(
        seg::table
            .filter(seg::repository_id.eq(repository_id))
            .filter(seg::status.eq(LineStatus::Pending.as_str())),
    )
    .set(seg::status.eq(LineStatus::WaitingForWorkspace.as_str()))
    .execute(conn)?)
}

/// Remembers that evidence was checked for its content at the reconciled commit.
pub fn mark_content_checked(conn: &mut SqliteConnection, ids: &[String]) -> Result<(), DbError> {
    diesel::update(ev::table.filter(ev::id.eq_any(ids)))
        .set(ev::content_checked.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Records a successful reconciliation on the repository.
pub fn set_reconciled(
    conn: &mut SqliteConnection,
    repository_id: &str,
    commit: &str,
    loc_total: i64,
) -> Result<(), DbError> {
    diesel::update(repo::table.filter(repo::repository_id.eq(repository_id)))
        .set((
            repo::last_commit.eq(commit),
            repo::last_reconciled_at.eq(crate::time::now()),
            repo::loc_total.eq(loc_total),
            repo::status.eq("succeeded"),
            repo::error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed reconciliation on the repository.
pub fn set_failed(
    conn: &mut SqliteConnection,
    repository_id: &str,
    error: &str,
) -> Result<(), DbError> {
    diesel::update(repo::table.filter(repo::repository_id.eq(repository_id)))
        .set((repo::status.eq("failed"), repo::error.eq(error)))
        .execute(conn)?;
    Ok(())
}

/// Lines per status of a repository.
pub fn status_counts(
    conn: &mut SqliteConnection,
    repository_id: &str,
) -> Result<Vec<(String, i64)>, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = BigInt)]
        lines: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT status, CAST(SUM(line_count) AS BIGINT) AS lines FROM code_segments \
         WHERE repository_id = ? GROUP BY status",
    )
    .bind::<Text, _>(repository_id)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.status, r.lines)).collect())
}

/// Every line any run ever added in the repository.
pub fn touched_lines(conn: &mut SqliteConnection, repository_id: &str) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let r: Row = diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(line_count), 0) AS BIGINT) AS n FROM code_evidence \
         WHERE repository_id = ?",
    )
    .bind::<Text, _>(repository_id)
    .get_result(conn)?;
    Ok(r.n)
}

/// A reconciliation job as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reconciliation {
    pub id: String,
    pub repository_id: String,
    /// `pending`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// What started it: `publish`, `timer`, `api`, `evidence`, `startup`.
    pub cause: String,
    pub from_commit: Option<String>,
    pub to_commit: Option<String>,
    pub error: Option<String>,
    /// Lines per status after the job (`current`, …, `touched`), plus the engine's figures under
    /// `engine`; null while the job is pending or running.
    pub counts: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
}

type RecRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn rec_from(r: RecRow) -> Reconciliation {
    Reconciliation {
        id: r.0,
        repository_id: r.1,
        status: r.2,
        cause: r.3,
        from_commit: r.4,
        to_commit: r.5,
        error: r.6,
        counts: r.7.and_then(|c| serde_json::from_str(&c).ok()),
        created_at: r.8,
        started_at: r.9,
        finished_at: r.10,
        duration_ms: r.11,
    }
}

macro_rules! rec_columns {
    () => {
        (
            rec::id,
            rec::repository_id,
            rec::status,
            rec::cause,
            rec::from_commit,
            rec::to_commit,
            rec::error,
            rec::counts,
            rec::created_at,
            rec::started_at,
            rec::finished_at,
            rec::duration_ms,
        )
    };
}

/// The repository's pending job, or a new one.
pub fn enqueue(
    conn: &mut SqliteConnection,
    repository_id: &str,
    cause: &str,
) -> Result<(Reconciliation, bool), DbError> {
    ensure_repo(conn, repository_id)?;
    if let Some(r) = rec::table
        .filter(rec::repository_id.eq(repository_id))
        .filter(rec::status.eq("pending"))
        .select(rec_columns!())
        .first::<RecRow>(conn)
        .optional()?
    {
        return Ok((rec_from(r), false));
    }
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(rec::table)
        .values((
            rec::id.eq(&id),
            rec::repository_id.eq(repository_id),
            rec::status.eq("pending"),
            rec::cause.eq(cause),
            rec::created_at.eq(crate::time::now()),
        ))
        .execute(conn)?;
    Ok((get_reconciliation(conn, &id)?, true))
}

/// One job.
pub fn get_reconciliation(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Reconciliation, DbError> {
    rec::table
        .filter(rec::id.eq(id))
        .select(rec_columns!())
        .first::<RecRow>(conn)
        .optional()?
        .map(rec_from)
        .ok_or_else(|| DbError::NotFound(format!("no reconciliation {id}")))
}

/// The repository's jobs, newest first.
pub fn reconciliations(
    conn: &mut SqliteConnection,
    repository_id: &str,
    limit: i64,
) -> Result<Vec<Reconciliation>, DbError> {
    Ok(rec::table
        .filter(rec::repository_id.eq(repository_id))
        .order((rec::created_at.desc(), rec::id.desc()))
        .limit(limit)
        .select(rec_columns!())
        .load::<RecRow>(conn)?
        .into_iter()
        .map(rec_from)
        .collect())
}

/// Jobs a previous process left behind: `running` ones fail, `pending` ones are returned.
pub fn recover_jobs(conn: &mut SqliteConnection) -> Result<Vec<(String, String)>, DbError> {
    diesel::update(rec::table.filter(rec::status.eq("running")))
        .set((
            rec::status.eq("failed"),
            rec::error.eq("the worker stopped during this reconciliation"),
            rec::finished_at.eq(crate::time::now()),
        ))
        .execute(conn)?;
    Ok(rec::table
        .filter(rec::status.eq("pending"))
        .select((rec::id, rec::repository_id))
        .load(conn)?)
}

/// Marks a job running.
pub fn start_job(
    conn: &mut SqliteConnection,
    id: &str,
    from_commit: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(rec::table.filter(rec::id.eq(id)))
        .set((
            rec::status.eq("running"),
            rec::from_commit.eq(from_commit),
            rec::started_at.eq(crate::time::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends a job.
pub fn finish_job(
    conn: &mut SqliteConnection,
    id: &str,
    to_commit: Option<&str>,
    error: Option<&str>,
    counts: &serde_json::Value,
    duration_ms: i64,
) -> Result<(), DbError> {
    diesel::update(rec::table.filter(rec::id.eq(id)))
        .set((
            rec::status.eq(if error.is_some() {
                "failed"
            } else {
                "succeeded"
            }),
            rec::to_commit.eq(to_commit),
            rec::error.eq(error),
            rec::counts.eq(counts.to_string()),
            rec::finished_at.eq(crate::time::now()),
            rec::duration_ms.eq(duration_ms),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed jobs since the repository's last successful one.
pub fn failures_since_success(
    conn: &mut SqliteConnection,
    repository_id: &str,
) -> Result<i64, DbError> {
    let last_ok: Option<String> = rec::table
        .filter(rec::repository_id.eq(repository_id))
        .filter(rec::status.eq("succeeded"))
        .select(diesel::dsl::max(rec::created_at))
        .first(conn)?;
    let mut q = rec::table
        .filter(rec::repository_id.eq(repository_id))
        .filter(rec::status.eq("failed"))
        .into_boxed();
    if let Some(t) = last_ok {
        q = q.filter(rec::created_at.gt(t));
    }
    Ok(q.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::live::Hub;

    #[test]
    fn segments_of_evidence_removed_meanwhile_are_not_written_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path(), Hub::new()).expect("open");
        let rt = tokio::runtime::Runtime::new().expect("rt");
        let gone = Segment {
            id: None,
            evidence_id: "pruned-evidence".into(),
            range_id: 1,
            range_path: "a.txt".into(),
            range_start: 1,
            offset: 0,
            len: 3,
            status: LineStatus::Current,
            path: "a.txt".into(),
            start: 1,
            commit: "0".repeat(40),
            content_hash: None,
            dirty: true,
        };
        rt.block_on(db.writer.exec(1, move |c, _| {
            save_segments(c, "no-such-repository", &[gone])
        }))
        .expect("a pruned evidence's segments are skipped, not a foreign-key failure");
        let left: i64 = rt
            .block_on(db.read(|c| Ok(seg::table.count().get_result(c)?)))
            .expect("count");
        assert_eq!(left, 0);
    }
}

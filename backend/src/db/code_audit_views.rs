//! Code Audit read models: a followed repository's summary and chart, per-file counts, a file's
//! attributed lines, evidence ranges (list and export pages) and evidence sets per run.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::DbError;
use super::code_audit::{failures_since_success, repo_state, status_counts, touched_lines};
use crate::code_audit::status::LineStatus;
use crate::schema::{
    code_evidence as ev, code_ranges as cr, code_reconciliations as rec, code_repos as repo,
    code_segments as seg, repositories,
};
/// Lines per status, every status present.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct StatusCounts {
    pub current: i64,
    pub moved: i64,
    pub superseded: i64,
    pub deleted: i64,
    pub unknown: i64,
    pub pending: i64,
    pub waiting_for_workspace: i64,
}

impl StatusCounts {
    pub fn add(&mut self, status: &str, n: i64) {
        match LineStatus::parse(status) {
            Some(LineStatus::Current) => self.current += n,
            Some(LineStatus::Moved) => self.moved += n,
            Some(LineStatus::Superseded) => self.superseded += n,
            Some(LineStatus::Deleted) => self.deleted += n,
            Some(LineStatus::Unknown) | None => self.unknown += n,
            Some(LineStatus::Pending) => self.pending += n,
            Some(LineStatus::WaitingForWorkspace) => self.waiting_for_workspace += n,
        }
    }

    #[must_use]
    pub fn get(&self, s: LineStatus) -> i64 {
        match s {
            LineStatus::Current => self.current,
            LineStatus::Moved => self.moved,
            LineStatus::Superseded => self.superseded,
            LineStatus::Deleted => self.deleted,
            LineStatus::Unknown => self.unknown,
            LineStatus::Pending => self.pending,
            LineStatus::WaitingForWorkspace => self.waiting_for_workspace,
        }
    }

    #[must_use]
    pub fn total(&self) -> i64 {
        LineStatus::ALL.iter().map(|s| self.get(*s)).sum()
    }
}

/// The state of the last reconciliation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconciliationState {
    /// `pending`, `running`, `succeeded`, `failed`, or null before the first one.
    pub status: Option<String>,
    pub error: Option<String>,
}

/// One point of the current-vs-touched chart (after a successful reconciliation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryPoint {
    pub at: String,
    pub commit: Option<String>,
    pub current_lines: i64,
    pub touched_lines: i64,
}

/// A repository followed by Code Audit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeRepo {
    pub id: String,
    pub name: String,
    pub url: String,
    /// The tracked branch (set per repository, else the repository's default branch).
    pub default_branch: Option<String>,
    pub loc_total: i64,
    /// Current + moved.
    pub current_lines: i64,
    pub touched_lines: i64,
    pub pending_lines: i64,
    /// Failed reconciliations since the last successful one.
    pub failed_reconciliations: i64,
    pub last_reconciled_commit: Option<String>,
    pub last_reconciled_at: Option<String>,
    pub reconciliation: ReconciliationState,
    /// Current and touched lines after each successful reconciliation, oldest first (≤ 200).
    pub history: Vec<HistoryPoint>,
    pub status_counts: StatusCounts,
}

/// A followed repository's summary.
pub fn code_repo(conn: &mut SqliteConnection, id: &str) -> Result<CodeRepo, DbError> {
    let state = repo_state(conn, id)?
        .ok_or_else(|| DbError::NotFound(format!("no Code Audit repository {id}")))?;
    let (name, url, default_branch): (String, String, Option<String>) = repositories::table
        .filter(repositories::id.eq(id))
        .select((
            repositories::name,
            repositories::url,
            repositories::default_branch,
        ))
        .first(conn)?;
    let mut counts = StatusCounts::default();
    for (s, n) in status_counts(conn, id)? {
        counts.add(&s, n);
    }
    let last = rec::table
        .filter(rec::repository_id.eq(id))
        .order((rec::created_at.desc(), rec::id.desc()))
        .select((rec::status, rec::error))
        .first::<(String, Option<String>)>(conn)
        .optional()?;
    let mut history: Vec<HistoryPoint> = rec::table
        .filter(rec::repository_id.eq(id))
        .filter(rec::status.eq("succeeded"))
        .order((rec::created_at.desc(), rec::id.desc()))
        .limit(200)
        .select((rec::finished_at, rec::to_commit, rec::counts))
        .load::<(Option<String>, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(at, commit, counts)| {
            let v: serde_json::Value = counts
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default();
            let n = |k: &str| v.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
            HistoryPoint {
                at: at.unwrap_or_default(),
                commit,
                current_lines: n("current") + n("moved"),
                touched_lines: n("touched"),
            }
        })
        .collect();
    history.reverse();
    Ok(CodeRepo {
        id: id.to_owned(),
        name,
        url,
        default_branch: state.tracked_branch.or(default_branch),
        loc_total: state.loc_total,
        current_lines: counts.current + counts.moved,
        touched_lines: touched_lines(conn, id)?,
        pending_lines: counts.pending + counts.waiting_for_workspace,
        failed_reconciliations: failures_since_success(conn, id)?,
        last_reconciled_commit: state.last_commit,
        last_reconciled_at: state.last_reconciled_at,
        reconciliation: ReconciliationState {
            status: last.as_ref().map(|l| l.0.clone()),
            error: last.and_then(|l| l.1),
        },
        history,
        status_counts: counts,
    })
}

/// Per-file counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeFile {
    pub path: String,
    pub touched_lines: i64,
    pub counts: StatusCounts,
}

/// Files with attributed lines (by where the lines are now), optionally only those with lines
/// of `status`, and whose path contains `q`.
pub fn files(
    conn: &mut SqliteConnection,
    id: &str,
    status: Option<LineStatus>,
    q: Option<&str>,
) -> Result<Vec<CodeFile>, DbError> {
    let mut query = seg::table
        .filter(seg::repository_id.eq(id))
        .group_by((seg::path, seg::status))
        .select((seg::path, seg::status, diesel::dsl::sum(seg::line_count)))
        .order(seg::path)
        .into_boxed();
    if let Some(q) = q.filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(seg::path.like(format!("%{escaped}%")).escape('\\'));
    }
    let rows: Vec<(String, String, Option<i64>)> = query.load(conn)?;
    let mut out: Vec<CodeFile> = Vec::new();
    for (path, st, n) in rows {
        let n = n.unwrap_or(0);
        if out.last().is_none_or(|f| f.path != path) {
            out.push(CodeFile {
                path: path.clone(),
                touched_lines: 0,
                counts: StatusCounts::default(),
            });
        }
        if let Some(f) = out.last_mut() {
            f.counts.add(&st, n);
            f.touched_lines += n;
        }
    }
    if let Some(s) = status {
        out.retain(|f| f.counts.get(s) > 0);
    }
    Ok(out)
}

/// What a gutter marker says about one line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineEvidence {
    pub evidence_id: String,
    /// Posted for a run executed elsewhere (its run id is not a run of this worker).
    pub external: bool,
    pub run_id: Option<String>,
    pub ticket_key: String,
    /// When the evidence was recorded.
    pub at: String,
    pub status: LineStatus,
    pub origin_commit: String,
}

/// Attributed runs of lines of `path`: `(first line, count, evidence)` — located segments at the
/// reconciled commit, or with `origin`, the ranges evidence recorded at that commit.
pub fn file_evidence(
    conn: &mut SqliteConnection,
    id: &str,
    path: &str,
    origin: Option<&str>,
) -> Result<Vec<(u32, u32, LineEvidence)>, DbError> {
    type Row = (
        i32,
        i32,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        bool,
    );
    let rows: Vec<Row> = match origin {
        None => seg::table
            .inner_join(ev::table.on(ev::id.eq(seg::evidence_id)))
            .filter(seg::repository_id.eq(id))
            .filter(seg::path.eq(path))
            .filter(seg::status.eq_any([LineStatus::Current.as_str(), LineStatus::Moved.as_str()]))
            .select((
                seg::start_line,
                seg::line_count,
                seg::status,
                ev::id,
                ev::run_id,
                ev::ticket_key,
                ev::created_at,
                ev::origin_commit,
                ev::external,
            ))
            .load(conn)?,
        Some(commit) => seg::table
            .inner_join(ev::table.on(ev::id.eq(seg::evidence_id)))
            .inner_join(cr::table.on(cr::id.eq(seg::range_id)))
            .filter(seg::repository_id.eq(id))
            .filter(ev::origin_commit.eq(commit))
            .filter(cr::path.eq(path))
            .select((
                cr::start_line + seg::range_offset,
                seg::line_count,
                seg::status,
                ev::id,
                ev::run_id,
                ev::ticket_key,
                ev::created_at,
                ev::origin_commit,
                ev::external,
            ))
            .load(conn)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                u32::try_from(r.0).unwrap_or(0),
                u32::try_from(r.1).unwrap_or(0),
                LineEvidence {
                    status: LineStatus::parse(&r.2).unwrap_or(LineStatus::Unknown),
                    evidence_id: r.3,
                    run_id: r.4,
                    ticket_key: r.5,
                    at: r.6,
                    origin_commit: r.7,
                    external: r.8,
                },
            )
        })
        .collect())
}

/// One attributed range as the evidence list and the exports show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceRange {
    #[serde(skip)]
    pub seq: i64,
    pub repository: String,
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    pub status: LineStatus,
    pub evidence_id: String,
    pub run_id: Option<String>,
    pub ticket_key: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub origin_commit: String,
    /// The commit the lines are reported at.
    pub commit: String,
    pub content_hash: Option<String>,
    pub reconciled_at: Option<String>,
}

/// Filters of the evidence list and exports.
#[derive(Debug, Clone, Default)]
pub struct RangeFilter {
    pub repository_ids: Option<Vec<String>>,
    pub path: Option<String>,
    pub run: Option<String>,
    pub ticket: Option<String>,
    pub status: Option<LineStatus>,
    pub evidence_id: Option<String>,
}

/// One page of ranges after segment id `after`, in id order.
pub fn ranges(
    conn: &mut SqliteConnection,
    f: &RangeFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<EvidenceRange>, DbError> {
    let mut q = seg::table
        .inner_join(ev::table.on(ev::id.eq(seg::evidence_id)))
        .inner_join(repo::table.on(repo::repository_id.eq(seg::repository_id)))
        .inner_join(repositories::table.on(repositories::id.eq(seg::repository_id)))
        .filter(seg::id.gt(i32::try_from(after).unwrap_or(i32::MAX)))
        .into_boxed();
    if let Some(ids) = &f.repository_ids {
        q = q.filter(seg::repository_id.eq_any(ids.clone()));
    }
    if let Some(p) = &f.path {
        q = q.filter(seg::path.eq(p.clone()));
    }
    if let Some(r) = &f.run {
        q = q.filter(ev::run_id.eq(r.clone()));
    }
    if let Some(t) = &f.ticket {
        q = q.filter(ev::ticket_key.eq(t.clone()));
    }
    if let Some(s) = f.status {
        q = q.filter(seg::status.eq(s.as_str()));
    }
    if let Some(e) = &f.evidence_id {
        q = q.filter(seg::evidence_id.eq(e.clone()));
    }
    type Row = (
        i32,
        String,
        String,
        i32,
        i32,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = q
        .order(seg::id.asc())
        .limit(limit)
        .select((
            seg::id,
            repositories::url,
            seg::path,
            seg::start_line,
            seg::line_count,
            seg::status,
            ev::id,
            ev::run_id,
            ev::ticket_key,
            ev::provider,
            ev::model,
            ev::origin_commit,
            seg::at_commit,
            seg::content_hash,
            repo::last_commit,
            repo::last_reconciled_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let status = LineStatus::parse(&r.5).unwrap_or(LineStatus::Unknown);
            let start = u32::try_from(r.3).unwrap_or(0);
            let len = u32::try_from(r.4).unwrap_or(0);
            EvidenceRange {
                seq: i64::from(r.0),
                repository: r.1,
                path: r.2,
                start_line: start,
                end_line: (start + len).saturating_sub(1),
                status,
                evidence_id: r.6,
                run_id: r.7,
                ticket_key: r.8,
                provider: r.9,
                model: r.10,
                origin_commit: r.11,
                commit: if status.is_located() {
                    r.14.clone().unwrap_or(r.12)
                } else {
                    r.12
                },
                content_hash: r.13,
                reconciled_at: r.15,
            }
        })
        .collect())
}

/// An evidence set (one run) with its files and where its lines stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceSet {
    pub evidence_id: String,
    pub run_id: Option<String>,
    pub external: bool,
    pub ticket_key: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub origin_commit: String,
    pub created_at: String,
    pub lines: i64,
    pub status_counts: StatusCounts,
    pub files: Vec<EvidenceFile>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceFile {
    pub path: String,
    pub lines: i64,
}

/// The repository's evidence sets, newest first (≤ `limit`).
pub fn evidence_sets(
    conn: &mut SqliteConnection,
    id: &str,
    limit: i64,
) -> Result<Vec<EvidenceSet>, DbError> {
    type Row = (
        String,
        Option<String>,
        bool,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    let rows: Vec<Row> = ev::table
        .filter(ev::repository_id.eq(id))
        .order((ev::created_at.desc(), ev::id.desc()))
        .limit(limit)
        .select((
            ev::id,
            ev::run_id,
            ev::external,
            ev::ticket_key,
            ev::provider,
            ev::model,
            ev::origin_commit,
            ev::created_at,
            ev::line_count,
        ))
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let statuses: Vec<(String, String, Option<i64>)> = seg::table
        .filter(seg::evidence_id.eq_any(&ids))
        .group_by((seg::evidence_id, seg::status))
        .select((
            seg::evidence_id,
            seg::status,
            diesel::dsl::sum(seg::line_count),
        ))
        .load(conn)?;
    let files: Vec<(String, String, i32, i32)> = cr::table
        .filter(cr::evidence_id.eq_any(&ids))
        .order((cr::evidence_id, cr::path, cr::start_line))
        .select((cr::evidence_id, cr::path, cr::start_line, cr::end_line))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut counts = StatusCounts::default();
            for (e, s, n) in statuses.iter().filter(|x| x.0 == r.0) {
                let _ = e;
                counts.add(s, n.unwrap_or(0));
            }
            let mut fs: Vec<EvidenceFile> = Vec::new();
            for (_, p, a, b) in files.iter().filter(|x| x.0 == r.0) {
                let n = i64::from(b - a + 1);
                match fs.last_mut() {
                    Some(f) if f.path == *p => f.lines += n,
                    _ => fs.push(EvidenceFile {
                        path: p.clone(),
                        lines: n,
                    }),
                }
            }
            EvidenceSet {
                evidence_id: r.0,
                run_id: r.1,
                external: r.2,
                ticket_key: r.3,
                provider: r.4,
                model: r.5,
                origin_commit: r.6,
                created_at: r.7,
                lines: r.8,
                status_counts: counts,
                files: fs,
            }
        })
        .collect())
}

/// Evidence ids of the given repositories after `after`, in id order (export paging).
pub fn evidence_ids(
    conn: &mut SqliteConnection,
    repository_ids: Option<&[String]>,
    after: &str,
    limit: i64,
) -> Result<Vec<String>, DbError> {
    let mut q = ev::table.filter(ev::id.gt(after)).into_boxed();
    if let Some(ids) = repository_ids {
        q = q.filter(ev::repository_id.eq_any(ids.to_vec()));
    }
    Ok(q.order(ev::id.asc())
        .limit(limit)
        .select(ev::id)
        .load(conn)?)
}

/// `(repository id, url, reconciled commit, file)`.
pub type FileRow = (String, String, Option<String>, CodeFile);

/// Per-file counts over the given repositories: one page of `(repository id, url, reconciled
/// commit, file)` after `(repository_id, path)`, ending on a file boundary.
pub fn file_rows(
    conn: &mut SqliteConnection,
    repository_ids: Option<&[String]>,
    after: &(String, String),
    limit: i64,
) -> Result<Vec<FileRow>, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        rid: String,
        #[diesel(sql_type = Text)]
        url: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        last_commit: Option<String>,
        #[diesel(sql_type = Text)]
        path: String,
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let only = repository_ids.map(|ids| serde_json::to_string(ids).unwrap_or_default());
    let rows: Vec<Row> = diesel::sql_query(
        "WITH files AS (SELECT DISTINCT repository_id, path FROM code_segments \
           WHERE (repository_id > ?1 OR (repository_id = ?1 AND path > ?2)) \
             AND (?3 IS NULL OR repository_id IN (SELECT value FROM json_each(?3))) \
           ORDER BY repository_id, path LIMIT ?4) \
         SELECT s.repository_id AS rid, r.url AS url, c.last_commit AS last_commit, s.path AS path, \
                s.status AS status, CAST(SUM(s.line_count) AS BIGINT) AS n \
         FROM files f JOIN code_segments s ON s.repository_id = f.repository_id AND s.path = f.path \
         JOIN repositories r ON r.id = s.repository_id JOIN code_repos c ON c.repository_id = s.repository_id \
         GROUP BY s.repository_id, s.path, s.status ORDER BY s.repository_id, s.path",
    )
    .bind::<Text, _>(&after.0)
    .bind::<Text, _>(&after.1)
    .bind::<diesel::sql_types::Nullable<Text>, _>(only)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let mut out: Vec<FileRow> = Vec::new();
    for r in rows {
        if out
            .last()
            .is_none_or(|(rid, _, _, f)| *rid != r.rid || f.path != r.path)
        {
            out.push((
                r.rid.clone(),
                r.url.clone(),
                r.last_commit.clone(),
                CodeFile {
                    path: r.path.clone(),
                    touched_lines: 0,
                    counts: StatusCounts::default(),
                },
            ));
        }
        if let Some((_, _, _, f)) = out.last_mut() {
            f.counts.add(&r.status, r.n);
            f.touched_lines += r.n;
        }
    }
    Ok(out)
}

//! Code Audit API (API.md "Code Audit"): repositories with their counts, files, a file's lines
//! with evidence, evidence ranges, evidence sets per run, reconciliation jobs, evidence from runs
//! executed elsewhere (`code_audit_evidence`), and streamed exports (`code_audit_export`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::read_json;
use super::{ApiError, AppState, params};
use crate::code_audit::lines;
use crate::code_audit::status::LineStatus;
use crate::db::code_audit::{self as store, Reconciliation};
use crate::db::code_audit_views::{
    self as views, CodeFile, CodeRepo, EvidenceRange, EvidenceSet, LineEvidence, RangeFilter,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/code-audit/repositories", web::get().to(list_repositories))
        .route(
            "/code-audit/repositories/{id}",
            web::get().to(get_repository),
        )
        .route(
            "/code-audit/repositories/{id}",
            web::patch().to(patch_repository),
        )
        .route(
            "/code-audit/repositories/{id}/files",
            web::get().to(list_files),
        )
        .route(
            "/code-audit/repositories/{id}/file",
            web::get().to(get_file),
        )
        .route(
            "/code-audit/repositories/{id}/evidence",
            web::get().to(list_evidence),
        )
        .route(
            "/code-audit/repositories/{id}/runs",
            web::get().to(list_runs),
        )
        .route(
            "/code-audit/repositories/{id}/reconcile",
            web::post().to(reconcile),
        )
        .route(
            "/code-audit/repositories/{id}/reconciliations",
            web::get().to(list_reconciliations),
        )
        .route(
            "/code-audit/evidence",
            web::post().to(super::code_audit_evidence::post_evidence),
        )
        .route(
            "/code-audit/export",
            web::get().to(super::code_audit_export::export_code_audit),
        );
}

/// Repositories followed by Code Audit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeRepoList {
    pub items: Vec<CodeRepo>,
}

pub(super) async fn repo(state: &AppState, id: &str) -> Result<CodeRepo, ApiError> {
    let id = id.to_owned();
    Ok(state.db.read(move |c| views::code_repo(c, &id)).await?)
}

#[utoipa::path(get, path = "/api/v1/code-audit/repositories", tag = "code-audit",
    responses((status = 200, body = CodeRepoList)))]
pub async fn list_repositories(
    state: web::Data<AppState>,
) -> Result<web::Json<CodeRepoList>, ApiError> {
    let items = state
        .db
        .read(|c| {
            store::repo_ids(c)?
                .into_iter()
                .map(|id| views::code_repo(c, &id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(CodeRepoList { items }))
}

#[utoipa::path(get, path = "/api/v1/code-audit/repositories/{id}", tag = "code-audit",
    params(("id" = String, Path, description = "repository id")),
    responses((status = 200, body = CodeRepo), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn get_repository(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<CodeRepo>, ApiError> {
    Ok(web::Json(repo(&state, &path).await?))
}

/// Settable fields of a followed repository.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepoPatch {
    /// The tracked branch; `null` follows the repository's default branch again.
    pub default_branch: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/code-audit/repositories/{id}", tag = "code-audit",
    params(("id" = String, Path, description = "repository id")), request_body = RepoPatch,
    responses((status = 200, body = CodeRepo), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn patch_repository(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<CodeRepo>, ApiError> {
    let body: RepoPatch = read_json(&req, payload, state.config.max_body_bytes).await?;
    if let Some(b) = &body.default_branch {
        let bad = b.is_empty()
            || b.starts_with('-')
            || b.contains("..")
            || b.chars()
                .any(|c| c.is_whitespace() || "~^:?*[\\".contains(c));
        if bad {
            return Err(ApiError::field(
                "default_branch",
                "invalid",
                "not a valid branch name",
            ));
        }
    }
    repo(&state, &path).await?;
    let (id, branch) = (path.into_inner(), body.default_branch);
    let key = id.clone();
    state
        .db
        .writer
        .exec(1, move |c, _| {
            store::set_tracked_branch(c, &key, branch.as_deref())
        })
        .await?;
    Ok(web::Json(repo(&state, &id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilesQuery {
    /// Only files with lines of this status.
    pub status: Option<String>,
    /// Path contains.
    pub q: Option<String>,
}

/// Files with attributed lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeFileList {
    pub items: Vec<CodeFile>,
}

pub(super) fn status_param(v: Option<&str>) -> Result<Option<LineStatus>, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => LineStatus::parse(s).map(Some).ok_or_else(|| {
            ApiError::field(
                "status",
                "invalid",
                format!(
                    "status must be one of {}",
                    LineStatus::ALL.map(LineStatus::as_str).join(", ")
                ),
            )
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/code-audit/repositories/{id}/files", tag = "code-audit",
    params(("id" = String, Path, description = "repository id"), FilesQuery),
    responses((status = 200, body = CodeFileList), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn list_files(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<FilesQuery>,
) -> Result<web::Json<CodeFileList>, ApiError> {
    let status = status_param(q.status.as_deref())?;
    repo(&state, &path).await?;
    let (id, text) = (path.into_inner(), q.q.clone());
    let items = state
        .db
        .read(move |c| views::files(c, &id, status, text.as_deref()))
        .await?;
    Ok(web::Json(CodeFileList { items }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FileQuery {
    pub path: Option<String>,
    /// A commit; default the reconciled commit. At an evidence set's origin commit, the lines
    /// that evidence recorded there are marked.
    #[serde(rename = "ref")]
    #[param(rename = "ref")]
    pub git_ref: Option<String>,
}

/// One line of a file view.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileLine {
    pub number: u32,
    pub text: String,
    pub evidence: Option<LineEvidence>,
}

/// A file at a commit with its attributed lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    pub path: String,
    pub commit: String,
    pub lines: Vec<FileLine>,
}

/// Lines of a file view are capped (a larger file is cut with a note in the last line).
const FILE_VIEW_MAX_BYTES: usize = 8 << 20;

#[utoipa::path(get, path = "/api/v1/code-audit/repositories/{id}/file", tag = "code-audit",
    params(("id" = String, Path, description = "repository id"), FileQuery),
    responses((status = 200, body = FileView), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 409, body = crate::model::ErrorEnvelope), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn get_file(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<FileQuery>,
) -> Result<web::Json<FileView>, ApiError> {
    let file = q
        .path
        .clone()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::field("path", "required", "path is required"))?;
    let info = repo(&state, &path).await?;
    let id = path.into_inner();
    let commit = match q.git_ref.clone().filter(|r| !r.is_empty()) {
        Some(r) if r.len() >= 4 && r.len() <= 64 && r.bytes().all(|b| b.is_ascii_hexdigit()) => r,
        Some(_) => {
            return Err(ApiError::field("ref", "invalid", "ref must be a commit id"));
        }
        None => info.last_reconciled_commit.clone().ok_or_else(|| {
            ApiError::Conflict("the repository has not been reconciled yet".into())
        })?,
    };
    let mirror = state.code_audit.deps().layout.mirror(&id);
    if !mirror.join("HEAD").exists() {
        return Err(ApiError::Conflict(
            "the repository's local mirror is missing; lines cannot be shown".into(),
        ));
    }
    let (c2, f2) = (commit.clone(), file.clone());
    let data = tokio::task::spawn_blocking(move || {
        let repo = crate::code_audit::git::Repo::new(&mirror, Vec::new());
        let mut blobs = repo.blobs()?;
        let full = repo.commit_id(&c2)?;
        match full {
            Some(full) => Ok::<_, crate::code_audit::git::GitError>(
                blobs.get(&format!("{full}:{f2}"))?.map(|d| (full, d)),
            ),
            None => Ok(None),
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some((full, data)) = data else {
        return Err(ApiError::NotFound(format!(
            "{file:?} does not exist at commit {commit}"
        )));
    };
    if lines::is_binary(&data) {
        return Err(ApiError::Conflict(format!("{file:?} is a binary file")));
    }
    let origin = (Some(&full) != info.last_reconciled_commit.as_ref()).then(|| full.clone());
    let (rid, f3) = (id.clone(), file.clone());
    let marks = state
        .db
        .read(move |c| views::file_evidence(c, &rid, &f3, origin.as_deref()))
        .await?;
    let cut = data.len() > FILE_VIEW_MAX_BYTES;
    let text = &data[..data.len().min(FILE_VIEW_MAX_BYTES)];
    let mut out: Vec<FileLine> = lines::split(text)
        .into_iter()
        .enumerate()
        .map(|(i, l)| FileLine {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text: String::from_utf8_lossy(l).into_owned(),
            evidence: None,
        })
        .collect();
    for (start, len, e) in marks {
        for n in start..start + len {
            if let Some(line) = out.get_mut(n as usize - 1) {
                line.evidence = Some(e.clone());
            }
        }
    }
    if cut {
        out.push(FileLine {
            number: 0,
            text: format!(
                "… the file is larger than {FILE_VIEW_MAX_BYTES} bytes; the rest is not shown"
            ),
            evidence: None,
        });
    }
    Ok(web::Json(FileView {
        path: file,
        commit: full,
        lines: out,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    pub path: Option<String>,
    /// Run id.
    pub run: Option<String>,
    /// Ticket key.
    pub ticket: Option<String>,
    pub status: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// A page of attributed ranges.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceList {
    pub items: Vec<EvidenceRange>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/code-audit/repositories/{id}/evidence", tag = "code-audit",
    params(("id" = String, Path, description = "repository id"), EvidenceQuery),
    responses((status = 200, body = EvidenceList), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope, description = "the run's evidence was removed by retention"),
        (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn list_evidence(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<EvidenceQuery>,
) -> Result<web::Json<EvidenceList>, ApiError> {
    let status = status_param(q.status.as_deref())?;
    let limit = params::limit(q.limit.as_deref())?;
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::field("cursor", "invalid", "cursor is not one this API gave")
        })?,
    };
    repo(&state, &path).await?;
    if let Some(run) = params::text(q.run.as_deref()) {
        let key = run.clone();
        let kept = state
            .db
            .read(move |c| crate::db::runs::code_audit_retained(c, &key))
            .await?;
        if kept == Some(false) {
            return Err(ApiError::Gone(format!(
                "the Code Audit evidence of run {run} was removed by the retention policy"
            )));
        }
    }
    let f = RangeFilter {
        repository_ids: Some(vec![path.into_inner()]),
        path: params::text(q.path.as_deref()),
        run: params::text(q.run.as_deref()),
        ticket: params::text(q.ticket.as_deref()),
        status,
        evidence_id: None,
    };
    let items = state
        .db
        .read(move |c| views::ranges(c, &f, after, limit + 1))
        .await?;
    let mut items = items;
    let next_cursor = if items.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        items.truncate(usize::try_from(limit).unwrap_or(0));
        items.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    Ok(web::Json(EvidenceList { items, next_cursor }))
}

/// Evidence sets (one per run).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceSetList {
    pub items: Vec<EvidenceSet>,
}

#[utoipa::path(get, path = "/api/v1/code-audit/repositories/{id}/runs", tag = "code-audit",
    params(("id" = String, Path, description = "repository id")),
    responses((status = 200, body = EvidenceSetList), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn list_runs(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<EvidenceSetList>, ApiError> {
    repo(&state, &path).await?;
    let id = path.into_inner();
    let items = state
        .db
        .read(move |c| views::evidence_sets(c, &id, 500))
        .await?;
    Ok(web::Json(EvidenceSetList { items }))
}

#[utoipa::path(post, path = "/api/v1/code-audit/repositories/{id}/reconcile", tag = "code-audit",
    params(("id" = String, Path, description = "repository id")),
    responses((status = 202, body = Reconciliation), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn reconcile(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    repo(&state, &path).await?;
    let job = state.code_audit.request(&path, "api").await?;
    Ok(HttpResponse::Accepted().json(job))
}

/// Reconciliation jobs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationList {
    pub items: Vec<Reconciliation>,
}

#[utoipa::path(get, path = "/api/v1/code-audit/repositories/{id}/reconciliations", tag = "code-audit",
    params(("id" = String, Path, description = "repository id")),
    responses((status = 200, body = ReconciliationList), (status = 404, body = crate::model::ErrorEnvelope)))]
pub async fn list_reconciliations(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ReconciliationList>, ApiError> {
    repo(&state, &path).await?;
    let id = path.into_inner();
    let items = state
        .db
        .read(move |c| store::reconciliations(c, &id, 100))
        .await?;
    Ok(web::Json(ReconciliationList { items }))
}

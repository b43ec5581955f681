//! Code Audit API (API.md "Code Audit"): repositories with their counts, files, a file's lines
//! with evidence, evidence ranges, evidence sets per run, reconciliation jobs, evidence from runs
//! executed elsewhere, and streamed exports (CSV ranges/files, JSON, Agent Trace).

use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::read_json;
use super::{ApiError, AppState, params};
use crate::code_audit::capture::CaptureError;
use crate::code_audit::export::{self, Format};
use crate::code_audit::lines;
use crate::code_audit::status::LineStatus;
use crate::db::code_audit::{
    self as store, CodeFile, CodeRepo, EvidenceRange, EvidenceSet, LineEvidence, RangeFilter,
    Reconciliation,
};

/// Rows per storage read while exporting.
const EXPORT_PAGE: i64 = 1000;

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
        .route("/code-audit/evidence", web::post().to(post_evidence))
        .route("/code-audit/export", web::get().to(export_code_audit));
}

/// Repositories followed by Code Audit.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeRepoList {
    pub items: Vec<CodeRepo>,
}

async fn repo(state: &AppState, id: &str) -> Result<CodeRepo, ApiError> {
    let id = id.to_owned();
    Ok(state.db.read(move |c| store::code_repo(c, &id)).await?)
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
                .map(|id| store::code_repo(c, &id))
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

fn status_param(v: Option<&str>) -> Result<Option<LineStatus>, ApiError> {
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
        .read(move |c| store::files(c, &id, status, text.as_deref()))
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
        .read(move |c| store::file_evidence(c, &rid, &f3, origin.as_deref()))
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
        .read(move |c| store::ranges(c, &f, after, limit + 1))
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
        .read(move |c| store::evidence_sets(c, &id, 500))
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

/// Evidence from a run executed elsewhere: the lines as they are at `commit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    pub repository: EvidenceRepository,
    pub run_id: Option<String>,
    pub ticket: EvidenceTicket,
    pub commit: String,
    pub provider: EvidenceProvider,
    pub files: Vec<EvidenceFileRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRepository {
    pub url: String,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceTicket {
    pub key: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceProvider {
    pub kind: String,
    pub model: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFileRequest {
    pub path: String,
    pub ranges: Vec<EvidenceRangeRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRangeRequest {
    pub start_line: u32,
    pub end_line: u32,
}

/// Stored evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceCreated {
    pub id: String,
    pub repository_id: String,
    pub run_id: Option<String>,
    pub lines: i64,
    /// Whether the commit was found in the repository's mirror (lines checked and hashed).
    pub verified: bool,
    pub reconciliation: Reconciliation,
}

/// Most ranges one submission may carry.
const MAX_RANGES: usize = 10_000;

fn validate_evidence(b: &EvidenceRequest) -> Result<(), ApiError> {
    use crate::jobspec::FieldError;
    let mut errs = Vec::new();
    let mut bad =
        |path: String, code: &str, msg: String| errs.push(FieldError::new(&path, code, msg));
    if b.repository.url.trim().is_empty() || b.repository.url.starts_with('-') {
        bad(
            "repository.url".into(),
            "invalid",
            "a repository URL is required".into(),
        );
    }
    if b.ticket.key.trim().is_empty() || b.ticket.key.len() > 200 {
        bad(
            "ticket.key".into(),
            "invalid",
            "a ticket key (1-200 characters) is required".into(),
        );
    }
    if !(7..=64).contains(&b.commit.len()) || !b.commit.bytes().all(|c| c.is_ascii_hexdigit()) {
        bad(
            "commit".into(),
            "invalid",
            "commit must be a hexadecimal commit id".into(),
        );
    }
    if b.provider.kind.trim().is_empty() {
        bad(
            "provider.kind".into(),
            "invalid",
            "provider.kind is required".into(),
        );
    }
    if b.run_id
        .as_deref()
        .is_some_and(|r| r.is_empty() || r.len() > 200)
    {
        bad(
            "run_id".into(),
            "invalid",
            "run_id must be 1-200 characters".into(),
        );
    }
    if b.files.is_empty() {
        bad(
            "files".into(),
            "required",
            "at least one file is required".into(),
        );
    }
    let total: usize = b.files.iter().map(|f| f.ranges.len()).sum();
    if total > MAX_RANGES {
        bad(
            "files".into(),
            "too_many",
            format!("at most {MAX_RANGES} ranges per submission"),
        );
    }
    for (i, f) in b.files.iter().enumerate() {
        let p = &f.path;
        let escapes = p.is_empty()
            || p.starts_with('/')
            || p.contains('\n')
            || p.split('/').any(|s| s == ".." || s == "." || s.is_empty());
        if escapes {
            bad(
                format!("files[{i}].path"),
                "invalid",
                "path must be relative, inside the repository".into(),
            );
        }
        if f.ranges.is_empty() {
            bad(
                format!("files[{i}].ranges"),
                "required",
                "at least one range is required".into(),
            );
        }
        for (j, r) in f.ranges.iter().enumerate() {
            if r.start_line == 0 || r.end_line < r.start_line {
                bad(
                    format!("files[{i}].ranges[{j}]"),
                    "invalid",
                    "ranges are 1-based with start_line <= end_line".into(),
                );
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::fields(errs))
    }
}

#[utoipa::path(post, path = "/api/v1/code-audit/evidence", tag = "code-audit", request_body = EvidenceRequest,
    responses((status = 201, body = EvidenceCreated), (status = 409, body = crate::model::ErrorEnvelope),
        (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn post_evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: EvidenceRequest = read_json(&req, payload, state.config.max_body_bytes).await?;
    validate_evidence(&body)?;
    let clean = crate::jobspec::clean_repository_url(body.repository.url.trim())
        .map_err(|m| ApiError::field("repository.url", "invalid", m))?;
    let canonical = crate::jobspec::canonical_url(&clean);
    let name = body
        .repository
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| crate::jobspec::default_name(&canonical));
    let (cu, nm) = (canonical.clone(), name.clone());
    let repository = state
        .db
        .writer
        .exec(1, move |c, _| {
            crate::db::jobs::upsert_repository(c, &cu, &nm)
        })
        .await?;
    let files: Vec<store::NewFile> = body
        .files
        .iter()
        .map(|f| store::NewFile {
            path: f.path.clone(),
            ranges: f
                .ranges
                .iter()
                .map(|r| store::NewRange {
                    start_line: r.start_line,
                    end_line: r.end_line,
                    line_hashes: None,
                    content_hash: None,
                })
                .collect(),
        })
        .collect();
    let id = uuid::Uuid::now_v7().to_string();
    let (files, verified) = crate::code_audit::submit::verify(
        state.code_audit.deps(),
        &repository,
        &body.commit,
        &id,
        files,
    )
    .await
    .map_err(|e| match e {
        CaptureError::Invalid { path, message } => {
            ApiError::field("files", "invalid", format!("{path}: {message}"))
        }
        CaptureError::Git(g) => {
            tracing::warn!(error = %g, "evidence could not be checked against the mirror");
            ApiError::Internal(format!("the repository's mirror could not be read: {g}"))
        }
    })?;
    let lines: i64 = files
        .iter()
        .flat_map(|f| &f.ranges)
        .map(|r| i64::from(r.end_line - r.start_line + 1))
        .sum();
    let e = store::NewEvidence {
        id: id.clone(),
        repository_id: repository.id.clone(),
        run_id: body.run_id.clone(),
        external: true,
        ticket_key: body.ticket.key.trim().to_owned(),
        provider: Some(body.provider.kind.clone()),
        model: body.provider.model.clone(),
        origin_commit: verified
            .clone()
            .unwrap_or_else(|| body.commit.to_ascii_lowercase()),
        files,
    };
    let weight = e.files.len() + 1;
    state
        .db
        .writer
        .exec(weight, move |c, _| store::insert_evidence(c, &e))
        .await?;
    let reconciliation = state.code_audit.request(&repository.id, "evidence").await?;
    Ok(HttpResponse::Created().json(EvidenceCreated {
        id,
        repository_id: repository.id,
        run_id: body.run_id,
        lines,
        verified: verified.is_some(),
        reconciliation,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Repository id or name; all followed repositories when absent.
    pub repository: Option<String>,
    /// `csv` (default), `json` or `agent-trace`.
    pub format: Option<String>,
    /// `ranges` (default) or `files` (CSV and JSON).
    pub level: Option<String>,
}

type Chunk = Result<web::Bytes, ApiError>;

#[utoipa::path(get, path = "/api/v1/code-audit/export", tag = "code-audit", params(ExportQuery),
    responses((status = 200, description = "a streamed CSV, JSON or Agent Trace document"),
        (status = 404, body = crate::model::ErrorEnvelope), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn export_code_audit(
    state: web::Data<AppState>,
    q: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(q.format.as_deref().unwrap_or("csv")).ok_or_else(|| {
        ApiError::field(
            "format",
            "invalid",
            "format must be csv, json or agent-trace",
        )
    })?;
    let files_level = match q.level.as_deref().unwrap_or("ranges") {
        "ranges" => false,
        "files" if format != Format::AgentTrace => true,
        "files" => {
            return Err(ApiError::field(
                "level",
                "invalid",
                "Agent Trace exports are per range; use level=ranges",
            ));
        }
        _ => {
            return Err(ApiError::field(
                "level",
                "invalid",
                "level must be ranges or files",
            ));
        }
    };
    let repository_ids = match params::text(q.repository.as_deref()) {
        None => None,
        Some(r) => {
            let ids = state
                .db
                .read(move |c| crate::db::runs::resolve_repository(c, &r))
                .await?;
            if ids.is_empty() {
                return Err(ApiError::NotFound("no such repository".into()));
            }
            Some(ids)
        }
    };
    let state = state.into_inner();
    let body: futures_util::stream::BoxStream<'static, Chunk> = match (format, files_level) {
        (Format::AgentTrace, _) => trace_stream(state, repository_ids),
        (_, false) => ranges_stream(state, repository_ids, format),
        (_, true) => files_stream(state, repository_ids, format),
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"code-audit-{stamp}.{}\"",
                format.extension()
            ),
        ))
        .streaming(body))
}

fn json_head(kind: &str) -> String {
    format!(
        "{{\"format\":\"mergeloom.code-audit.v1\",\"level\":\"{kind}\",\"generated_at\":\"{}\",\"items\":[",
        crate::time::now()
    )
}

/// Wraps a page stream with a head and a tail, and a `,` between JSON items across pages.
fn framed(
    head: String,
    pages: impl futures_util::Stream<Item = Result<Vec<String>, ApiError>> + Send + 'static,
    sep: &'static str,
    tail: &'static str,
) -> futures_util::stream::BoxStream<'static, Chunk> {
    let mut first = true;
    let body = pages.map(move |page| {
        page.map(|items| {
            let mut buf = String::new();
            for i in items {
                if !first {
                    buf.push_str(sep);
                }
                first = false;
                buf.push_str(&i);
            }
            web::Bytes::from(buf)
        })
    });
    stream::iter([Ok(web::Bytes::from(head))])
        .chain(body)
        .chain(stream::iter([Ok(web::Bytes::from_static(tail.as_bytes()))]))
        .boxed()
}

fn ranges_stream(
    state: std::sync::Arc<AppState>,
    ids: Option<Vec<String>>,
    format: Format,
) -> futures_util::stream::BoxStream<'static, Chunk> {
    let f = RangeFilter {
        repository_ids: ids,
        ..RangeFilter::default()
    };
    let pages = stream::unfold(Some(0i64), move |after| {
        let (state, f) = (state.clone(), f.clone());
        async move {
            let after = after?;
            match state
                .db
                .read(move |c| store::ranges(c, &f, after, EXPORT_PAGE))
                .await
            {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows.last().map(|r| r.seq);
                    let items = rows
                        .iter()
                        .map(|r| match format {
                            Format::Csv => export::range_csv(r),
                            _ => serde_json::to_string(r).unwrap_or_default(),
                        })
                        .collect();
                    Some((Ok(items), next))
                }
                Err(e) => Some((Err(ApiError::from(e)), None)),
            }
        }
    });
    match format {
        Format::Csv => framed(format!("{}\r\n", export::RANGES_HEADER), pages, "", ""),
        _ => framed(json_head("ranges"), pages, ",", "]}\n"),
    }
}

fn files_stream(
    state: std::sync::Arc<AppState>,
    ids: Option<Vec<String>>,
    format: Format,
) -> futures_util::stream::BoxStream<'static, Chunk> {
    let pages = stream::unfold(Some((String::new(), String::new())), move |after| {
        let (state, ids) = (state.clone(), ids.clone());
        async move {
            let after = after?;
            match state
                .db
                .read(move |c| store::file_rows(c, ids.as_deref(), &after, EXPORT_PAGE))
                .await
            {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows
                        .last()
                        .map(|(rid, _, _, f)| (rid.clone(), f.path.clone()));
                    let items = rows
                        .iter()
                        .map(|(_, url, commit, f)| match format {
                            Format::Csv => export::file_csv(url, commit.as_deref(), f),
                            _ => export::file_json(url, commit.as_deref(), f).to_string(),
                        })
                        .collect();
                    Some((Ok(items), next))
                }
                Err(e) => Some((Err(ApiError::from(e)), None)),
            }
        }
    });
    match format {
        Format::Csv => framed(format!("{}\r\n", export::FILES_HEADER), pages, "", ""),
        _ => framed(json_head("files"), pages, ",", "]}\n"),
    }
}

fn trace_stream(
    state: std::sync::Arc<AppState>,
    ids: Option<Vec<String>>,
) -> futures_util::stream::BoxStream<'static, Chunk> {
    // One evidence set at a time: a page of evidence ids, then each set's ranges.
    let pages = stream::unfold(Some(String::new()), move |after| {
        let (state, ids) = (state.clone(), ids.clone());
        async move {
            let after = after?;
            let result = state
                .db
                .read(move |c| {
                    let evs = store::evidence_ids(c, ids.as_deref(), &after, 50)?;
                    let mut records = Vec::new();
                    for e in &evs {
                        let f = RangeFilter {
                            evidence_id: Some(e.clone()),
                            ..RangeFilter::default()
                        };
                        let mut ranges = Vec::new();
                        let mut last = 0;
                        loop {
                            let page = store::ranges(c, &f, last, EXPORT_PAGE)?;
                            let Some(l) = page.last() else { break };
                            last = l.seq;
                            ranges.extend(page);
                        }
                        records.extend(
                            export::agent_trace_records(&ranges)
                                .into_iter()
                                .map(|r| r.to_string()),
                        );
                    }
                    Ok((records, evs.last().cloned()))
                })
                .await;
            match result {
                Ok((_, None)) => None,
                Ok((records, Some(next))) => Some((Ok(records), Some(next))),
                Err(e) => Some((Err(ApiError::from(e)), None)),
            }
        }
    });
    let head = format!(
        "{{\"version\":\"0.1.0\",\"generated_at\":\"{}\",\"traces\":[",
        crate::time::now()
    );
    framed(head, pages, ",", "]}\n")
}

//! `POST /api/v1/code-audit/evidence`: evidence from runs executed elsewhere — validated (every
//! problem named by its field path), checked against the repository's mirror when it has the
//! commit, stored, and followed by a reconciliation.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::body::read_json;
use super::{ApiError, AppState};
use crate::code_audit::capture::CaptureError;
use crate::db::code_audit::{self as store, Reconciliation};

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

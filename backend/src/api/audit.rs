//! Ticket Audit: `GET /audit/runs` (terminal runs, every filter), `GET /audit/runs/{id}` (the
//! `mergeloom.ticket-audit.v1` record; `?download=1` for a file), `GET /audit/runs/{id}/diff`
//! (a file's stored diff) and `GET /audit/export` (streamed CSV or NDJSON, constant memory).

use actix_web::{HttpResponse, web};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use utoipa::IntoParams;

use super::runs::run_id;
use super::{ApiError, AppState, params};
use crate::audit_model::{AuditList, AuditListItem, TicketAudit};
use crate::db::audit::{self, AuditFilter, RecordError};
use crate::db::runs::{self as run_queries, Cursor};
use crate::model::{REASON_CODES, status};

/// Rows per storage read while exporting.
const EXPORT_PAGE: i64 = 500;

/// The CSV export's header, in API.md's order.
pub const CSV_HEADER: &str = "run_id,job_id,attempt,ticket_key,ticket_title,repository,branch,provider,model,\
status,reason_code,failed_stage,validation_passed,repair_attempts,review_fixes_ran,files_changed,\
additions,deletions,input_tokens,output_tokens,cost_usd,started_at,finished_at,duration_ms";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit/runs", web::get().to(list_audit))
        .route("/audit/runs/{id}", web::get().to(get_audit))
        .route("/audit/runs/{id}/diff", web::get().to(get_diff))
        .route("/audit/export", web::get().to(export_audit));
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Comma list of terminal statuses.
    pub status: Option<String>,
    /// Comma list of reason codes.
    pub reason_code: Option<String>,
    /// `passed`, `failed` or `none`.
    pub validation: Option<String>,
    #[param(value_type = Option<bool>)]
    pub repair_ran: Option<String>,
    #[param(value_type = Option<bool>)]
    pub review_fixes_ran: Option<String>,
    pub provider: Option<String>,
    /// Repository id or name.
    pub repository: Option<String>,
    /// Ticket key.
    pub ticket: Option<String>,
    pub branch: Option<String>,
    /// Finished at or after (RFC 3339).
    pub since: Option<String>,
    /// Finished before (RFC 3339).
    pub until: Option<String>,
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Export only: `csv` or `ndjson`.
    pub format: Option<String>,
}

fn flag(name: &str, v: Option<&str>) -> Result<Option<bool>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::field(
            name,
            "invalid",
            format!("{name} must be true or false"),
        )),
    }
}

/// Validates the filters; `repository` is resolved to ids inside the read.
fn filter(q: &AuditQuery) -> Result<(AuditFilter, Option<String>), ApiError> {
    let terminal = [
        status::COMPLETED,
        status::BLOCKED,
        status::FAILED,
        status::CANCELLED,
    ];
    let codes: Vec<&str> = REASON_CODES.iter().map(|(c, _)| *c).collect();
    let validation = params::text(q.validation.as_deref());
    if let Some(v) = &validation
        && !matches!(v.as_str(), "passed" | "failed" | "none")
    {
        return Err(ApiError::field(
            "validation",
            "invalid",
            "validation must be passed, failed or none",
        ));
    }
    Ok((
        AuditFilter {
            statuses: params::list("status", q.status.as_deref(), Some(&terminal))?,
            reason_codes: params::list("reason_code", q.reason_code.as_deref(), Some(&codes))?,
            validation,
            repair_ran: flag("repair_ran", q.repair_ran.as_deref())?,
            review_fixes_ran: flag("review_fixes_ran", q.review_fixes_ran.as_deref())?,
            provider: params::text(q.provider.as_deref()),
            repository_ids: None,
            ticket: params::text(q.ticket.as_deref()),
            branch: params::text(q.branch.as_deref()),
            since: params::timestamp("since", q.since.as_deref())?,
            until: params::timestamp("until", q.until.as_deref())?,
            q: params::text(q.q.as_deref()),
        },
        params::text(q.repository.as_deref()),
    ))
}

async fn page(
    state: &AppState,
    mut f: AuditFilter,
    repository: Option<String>,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<AuditListItem>, Option<Cursor>), ApiError> {
    Ok(state
        .db
        .read(move |c| {
            if let Some(r) = repository {
                f.repository_ids = Some(run_queries::resolve_repository(c, &r)?);
            }
            audit::list(c, &f, cursor.as_ref(), limit)
        })
        .await?)
}

#[utoipa::path(get, path = "/api/v1/audit/runs", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn list_audit(
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> Result<web::Json<AuditList>, ApiError> {
    let limit = params::limit(q.limit.as_deref())?;
    let cursor = params::decode_cursor(q.cursor.as_deref())?;
    let (f, repository) = filter(&q)?;
    let (items, next) = page(&state, f, repository, cursor, limit).await?;
    Ok(web::Json(AuditList {
        items,
        next_cursor: next.as_ref().map(params::encode_cursor),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// `1` adds `Content-Disposition: attachment`.
    pub download: Option<String>,
}

async fn load_record(state: &AppState, raw: &str) -> Result<TicketAudit, ApiError> {
    let id = run_id(raw)?.to_string();
    let key = id.clone();
    let result = state.db.read(move |c| Ok(audit::record(c, &key))).await?;
    match result {
        Ok(mut r) => {
            let policy = state.retention.policy();
            r.compliance_mode = policy.compliance_mode;
            if r.retention.audit_expires_at.is_none() {
                r.retention.audit_expires_at = crate::retention::policy::audit_expires_at(
                    &policy,
                    r.run.finished_at.as_deref(),
                );
            }
            Ok(r)
        }
        Err(RecordError::NotFound) => Err(ApiError::NotFound(format!("run {id} not found"))),
        Err(RecordError::NotTerminal(s)) => Err(ApiError::Conflict(format!(
            "run {id} is {s}; its audit record exists once it ends"
        ))),
        Err(RecordError::Gone) => Err(ApiError::Gone(format!(
            "the audit record of run {id} was removed by the retention policy"
        ))),
        Err(RecordError::Db(e)) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/audit/runs/{id}", tag = "audit",
    params(("id" = String, Path, description = "run id"), DownloadQuery),
    responses((status = 200, body = TicketAudit), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 409, body = crate::model::ErrorEnvelope, description = "the run has not ended"),
        (status = 410, body = crate::model::ErrorEnvelope, description = "removed by retention")))]
pub async fn get_audit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DownloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let record = load_record(&state, &path).await?;
    let mut resp = HttpResponse::Ok();
    if q.download
        .as_deref()
        .is_some_and(|d| d == "1" || d == "true")
    {
        resp.insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"ticket-audit-{}.json\"",
                record.run.id
            ),
        ));
    }
    Ok(resp.json(record))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The file's path (its new path for renames).
    pub path: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit/runs/{id}/diff", tag = "audit",
    params(("id" = String, Path, description = "run id"), DiffQuery),
    responses((status = 200, content_type = "text/x-diff", body = String), (status = 404, body = crate::model::ErrorEnvelope),
        (status = 410, body = crate::model::ErrorEnvelope), (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn get_diff(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DiffQuery>,
) -> Result<HttpResponse, ApiError> {
    let file = params::text(q.path.as_deref())
        .ok_or_else(|| ApiError::field("path", "required", "path is required"))?;
    let record = load_record(&state, &path).await?;
    let (id, f) = (record.run.id.clone(), file.clone());
    let diff = state.db.read(move |c| audit::file_diff(c, &id, &f)).await?;
    match diff {
        Some(Some(text)) => Ok(HttpResponse::Ok()
            .content_type("text/x-diff; charset=utf-8")
            .body(text)),
        Some(None) => Err(ApiError::Gone(format!(
            "the diff of {file} is no longer stored"
        ))),
        None => Err(ApiError::NotFound(format!(
            "run {} changed no file {file:?}",
            record.run.id
        ))),
    }
}

/// A CSV cell: quoted when needed; a leading `=`, `+`, `-`, `@`, tab or CR is neutralised with `'`
/// so spreadsheets never evaluate it.
#[must_use]
pub fn csv_cell(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 3);
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        s.push('\'');
    }
    s.push_str(v);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn opt<T: ToString>(v: Option<&T>) -> String {
    v.map(ToString::to_string).unwrap_or_default()
}

/// One CSV line of an audit row.
#[must_use]
pub fn csv_line(i: &AuditListItem) -> String {
    let cells = [
        i.run_id.clone(),
        i.job_id.clone(),
        i.attempt.to_string(),
        i.ticket.key.clone(),
        i.ticket.title.clone(),
        i.repository.name.clone(),
        opt(i.branch.as_ref()),
        opt(i.provider.id.as_ref()),
        opt(i.provider.model.as_ref()),
        i.outcome.status.clone(),
        opt(i.outcome.reason_code.as_ref()),
        opt(i.outcome.failed_stage.as_ref()),
        opt(i.validation_passed.as_ref()),
        i.repair_attempts.to_string(),
        i.review_fixes_ran.to_string(),
        i.files_changed.to_string(),
        i.additions.to_string(),
        i.deletions.to_string(),
        i.usage.input_tokens.to_string(),
        i.usage.output_tokens.to_string(),
        i.usage.cost_usd.to_string(),
        opt(i.started_at.as_ref()),
        opt(i.finished_at.as_ref()),
        opt(i.duration_ms.as_ref()),
    ];
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "CSV (header per API.md) or NDJSON of audit rows"),
        (status = 422, body = crate::model::ErrorEnvelope)))]
pub async fn export_audit(
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let csv = match q.format.as_deref().unwrap_or("csv") {
        "csv" => true,
        "ndjson" => false,
        _ => {
            return Err(ApiError::field(
                "format",
                "invalid",
                "format must be csv or ndjson",
            ));
        }
    };
    let (f, repository) = filter(&q)?;
    // Resolve the repository once, then stream pages by keyset: memory stays flat.
    let mut f = f;
    if let Some(r) = repository {
        f.repository_ids = Some(
            state
                .db
                .read(move |c| run_queries::resolve_repository(c, &r))
                .await?,
        );
    }
    // Compliance mode is written into every export: a trailing CSV column, an NDJSON field.
    let compliance = state.settings.get().compliance_mode;
    let header = csv.then(|| web::Bytes::from(format!("{CSV_HEADER},compliance_mode\r\n")));
    let state = state.into_inner();
    let body = stream::unfold(Some(None::<Cursor>), move |cursor| {
        let (state, f) = (state.clone(), f.clone());
        async move {
            let cursor = cursor?;
            match page(&state, f, None, cursor, EXPORT_PAGE).await {
                Ok((items, next)) => {
                    if items.is_empty() {
                        return None;
                    }
                    let mut buf = String::with_capacity(items.len() * 256);
                    for i in &items {
                        if csv {
                            let line = csv_line(i);
                            buf.push_str(line.trim_end_matches("\r\n"));
                            buf.push_str(if compliance {
                                ",true\r\n"
                            } else {
                                ",false\r\n"
                            });
                        } else {
                            let mut v = serde_json::to_value(i).unwrap_or_default();
                            if let Some(o) = v.as_object_mut() {
                                o.insert("compliance_mode".into(), compliance.into());
                            }
                            buf.push_str(&v.to_string());
                            buf.push('\n');
                        }
                    }
                    Some((Ok::<_, ApiError>(web::Bytes::from(buf)), next.map(Some)))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    });
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let (ctype, ext) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "ndjson")
    };
    let body = stream::iter(header.map(Ok::<_, ApiError>)).chain(body);
    Ok(HttpResponse::Ok()
        .content_type(ctype)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"ticket-audit-{stamp}.{ext}\""),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("@x\ny"), "\"'@x\ny\"");
        assert_eq!(CSV_HEADER.split(',').count(), 24);
    }
}

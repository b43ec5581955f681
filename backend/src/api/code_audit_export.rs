//! `GET /api/v1/code-audit/export`: ranges or files as CSV or JSON, or Agent Trace records,
//! streamed page by page so memory stays flat whatever the number of attributed lines.

use actix_web::{HttpResponse, web};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiError, AppState, params};
use crate::code_audit::export::{self, Format};
use crate::db::code_audit_views::{self as views, RangeFilter};

/// Rows per storage read while exporting.
const EXPORT_PAGE: i64 = 1000;

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
    // Compliance mode is written into every export (a trailing CSV column, a JSON field).
    let compliance = state.settings.get().compliance_mode;
    let state = state.into_inner();
    let body: futures_util::stream::BoxStream<'static, Chunk> = match (format, files_level) {
        (Format::AgentTrace, _) => trace_stream(state, repository_ids, compliance),
        (_, false) => ranges_stream(state, repository_ids, format, compliance),
        (_, true) => files_stream(state, repository_ids, format, compliance),
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

fn json_head(kind: &str, compliance: bool) -> String {
    format!(
        "{{\"format\":\"mergeloom.code-audit.v1\",\"level\":\"{kind}\",\"generated_at\":\"{}\",\"compliance_mode\":{compliance},\"items\":[",
        crate::time::now()
    )
}

/// The CSV header with the trailing `compliance_mode` column.
fn csv_header(header: &str) -> String {
    format!("{header},compliance_mode\r\n")
}

/// A CSV line with the trailing `compliance_mode` cell.
fn with_compliance(mut line: String, compliance: bool) -> String {
    if line.ends_with("\r\n") {
        line.truncate(line.len() - 2);
    }
    line.push_str(if compliance {
        ",true\r\n"
    } else {
        ",false\r\n"
    });
    line
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
    compliance: bool,
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
                .read(move |c| views::ranges(c, &f, after, EXPORT_PAGE))
                .await
            {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows.last().map(|r| r.seq);
                    let items = rows
                        .iter()
                        .map(|r| match format {
                            Format::Csv => with_compliance(export::range_csv(r), compliance),
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
        Format::Csv => framed(csv_header(export::RANGES_HEADER), pages, "", ""),
        _ => framed(json_head("ranges", compliance), pages, ",", "]}\n"),
    }
}

fn files_stream(
    state: std::sync::Arc<AppState>,
    ids: Option<Vec<String>>,
    format: Format,
    compliance: bool,
) -> futures_util::stream::BoxStream<'static, Chunk> {
    let pages = stream::unfold(Some((String::new(), String::new())), move |after| {
        let (state, ids) = (state.clone(), ids.clone());
        async move {
            let after = after?;
            match state
                .db
                .read(move |c| views::file_rows(c, ids.as_deref(), &after, EXPORT_PAGE))
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
                            Format::Csv => with_compliance(
                                export::file_csv(url, commit.as_deref(), f),
                                compliance,
                            ),
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
        Format::Csv => framed(csv_header(export::FILES_HEADER), pages, "", ""),
        _ => framed(json_head("files", compliance), pages, ",", "]}\n"),
    }
}

fn trace_stream(
    state: std::sync::Arc<AppState>,
    ids: Option<Vec<String>>,
    compliance: bool,
) -> futures_util::stream::BoxStream<'static, Chunk> {
    // One evidence set at a time: a page of evidence ids, then each set's ranges.
    let pages = stream::unfold(Some(String::new()), move |after| {
        let (state, ids) = (state.clone(), ids.clone());
        async move {
            let after = after?;
            let result = state
                .db
                .read(move |c| {
                    let evs = views::evidence_ids(c, ids.as_deref(), &after, 50)?;
                    let mut records = Vec::new();
                    for e in &evs {
                        let f = RangeFilter {
                            evidence_id: Some(e.clone()),
                            ..RangeFilter::default()
                        };
                        let mut ranges = Vec::new();
                        let mut last = 0;
                        loop {
                            let page = views::ranges(c, &f, last, EXPORT_PAGE)?;
                            let Some(l) = page.last() else { break };
                            last = l.seq;
                            ranges.extend(page);
                        }
                        records.extend(export::agent_trace_records(&ranges).into_iter().map(
                            |mut r| {
                                r["metadata"]["mergeloom"]["compliance_mode"] =
                                    serde_json::Value::Bool(compliance);
                                r.to_string()
                            },
                        ));
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
        "{{\"version\":\"0.1.0\",\"generated_at\":\"{}\",\"compliance_mode\":{compliance},\"traces\":[",
        crate::time::now()
    );
    framed(head, pages, ",", "]}\n")
}

//! Code Audit export formats (API.md "Code Audit"): CSV of ranges or files (formula cells
//! neutralised), JSON, and Agent Trace 0.1.0 (one record per commit and run). The API streams
//! them page by page; these functions turn one page into text.

use serde_json::json;

use crate::api::audit::csv_cell;
use crate::db::code_audit_views::{CodeFile, EvidenceRange};

use super::status::LineStatus;

/// The ranges CSV header, in API.md's order.
pub const RANGES_HEADER: &str = "repository,commit,path,start_line,end_line,line_count,status,run_id,ticket_key,provider,model,origin_commit,content_hash,reconciled_at";

/// The files CSV header.
pub const FILES_HEADER: &str = "repository,commit,path,touched_lines,current,moved,superseded,deleted,unknown,pending,waiting_for_workspace";

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    AgentTrace,
}

impl Format {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "agent-trace" => Some(Self::AgentTrace),
            _ => None,
        }
    }

    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json | Self::AgentTrace => "application/json",
        }
    }

    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::AgentTrace => "agent-trace.json",
        }
    }
}

/// One CSV line of a range.
#[must_use]
pub fn range_csv(r: &EvidenceRange) -> String {
    let count = r.end_line + 1 - r.start_line;
    let cells = [
        csv_cell(&r.repository),
        csv_cell(&r.commit),
        csv_cell(&r.path),
        r.start_line.to_string(),
        r.end_line.to_string(),
        count.to_string(),
        r.status.as_str().to_owned(),
        csv_cell(r.run_id.as_deref().unwrap_or("")),
        csv_cell(&r.ticket_key),
        csv_cell(r.provider.as_deref().unwrap_or("")),
        csv_cell(r.model.as_deref().unwrap_or("")),
        csv_cell(&r.origin_commit),
        csv_cell(r.content_hash.as_deref().unwrap_or("")),
        csv_cell(r.reconciled_at.as_deref().unwrap_or("")),
    ];
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

/// One CSV line of a file's counts.
#[must_use]
pub fn file_csv(url: &str, commit: Option<&str>, f: &CodeFile) -> String {
    let mut cells = vec![
        csv_cell(url),
        csv_cell(commit.unwrap_or("")),
        csv_cell(&f.path),
        f.touched_lines.to_string(),
    ];
    cells.extend(LineStatus::ALL.iter().map(|s| f.counts.get(*s).to_string()));
    let mut line = cells.join(",");
    line.push_str("\r\n");
    line
}

/// A file's counts as a JSON item.
#[must_use]
pub fn file_json(url: &str, commit: Option<&str>, f: &CodeFile) -> serde_json::Value {
    json!({
        "repository": url,
        "commit": commit,
        "path": f.path,
        "touched_lines": f.touched_lines,
        "counts": f.counts,
    })
}

/// Agent Trace records for one evidence set's ranges: one per revision the lines are reported at
/// (the reconciled commit for current/moved lines, the origin commit for pending ones). Lines
/// that are gone (superseded, deleted, unknown) are not AI-written code at any revision and are
/// left out.
#[must_use]
pub fn agent_trace_records(ranges: &[EvidenceRange]) -> Vec<serde_json::Value> {
    let Some(first) = ranges.first() else {
        return Vec::new();
    };
    let mut by_commit: Vec<(String, Vec<&EvidenceRange>)> = Vec::new();
    for r in ranges.iter().filter(|r| {
        matches!(
            r.status,
            LineStatus::Current
                | LineStatus::Moved
                | LineStatus::Pending
                | LineStatus::WaitingForWorkspace
        )
    }) {
        match by_commit.iter_mut().find(|(c, _)| *c == r.commit) {
            Some((_, v)) => v.push(r),
            None => by_commit.push((r.commit.clone(), vec![r])),
        }
    }
    by_commit
        .into_iter()
        .map(|(commit, mut rs)| {
            rs.sort_by(|a, b| (&a.path, a.start_line).cmp(&(&b.path, b.start_line)));
            let mut files: Vec<serde_json::Value> = Vec::new();
            let mut current_path: Option<&str> = None;
            let mut ranges_json: Vec<serde_json::Value> = Vec::new();
            let flush = |path: Option<&str>, ranges: &mut Vec<serde_json::Value>, files: &mut Vec<serde_json::Value>| {
                if let Some(p) = path {
                    files.push(json!({
                        "path": p,
                        "conversations": [{
                            "contributor": {"type": "ai", "model_id": first.model.clone().unwrap_or_else(|| first.provider.clone().unwrap_or_default())},
                            "ranges": std::mem::take(ranges),
                            "related": related(first),
                        }],
                    }));
                }
            };
            for r in &rs {
                if current_path != Some(r.path.as_str()) {
                    flush(current_path, &mut ranges_json, &mut files);
                    current_path = Some(r.path.as_str());
                }
                ranges_json.push(json!({
                    "start_line": r.start_line,
                    "end_line": r.end_line,
                    "content_hash": r.content_hash,
                }));
            }
            flush(current_path, &mut ranges_json, &mut files);
            json!({
                "version": "0.1.0",
                "id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{}:{commit}", first.evidence_id).as_bytes()).to_string(),
                "timestamp": first.reconciled_at.clone().unwrap_or_else(crate::time::now),
                "vcs": {"type": "git", "revision": commit},
                "tool": {"name": "mergeloom-worker", "version": crate::VERSION},
                "files": files,
                "metadata": {
                    "mergeloom": {
                        "repository": first.repository,
                        "run_id": first.run_id,
                        "ticket_key": first.ticket_key,
                        "provider": first.provider,
                        "model": first.model,
                        "origin_commit": first.origin_commit,
                        "evidence_id": first.evidence_id,
                        "status": rs.first().map(|r| r.status.as_str()),
                    }
                },
            })
        })
        .collect()
}

fn related(r: &EvidenceRange) -> serde_json::Value {
    let mut out = vec![json!({"type": "ticket", "id": r.ticket_key})];
    if let Some(run) = &r.run_id {
        out.push(json!({"type": "run", "id": run, "url": format!("/audit/{run}")}));
    }
    serde_json::Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(status: LineStatus, commit: &str, path: &str, start: u32) -> EvidenceRange {
        EvidenceRange {
            seq: 1,
            repository: "/repo".into(),
            path: path.into(),
            start_line: start,
            end_line: start + 2,
            status,
            evidence_id: "ev".into(),
            run_id: Some("run-1".into()),
            ticket_key: "=HYPERLINK(1)".into(),
            provider: Some("command".into()),
            model: Some("m1".into()),
            origin_commit: "o".into(),
            commit: commit.into(),
            content_hash: Some("sha256:ab".into()),
            reconciled_at: Some("2026-11-26T00:00:00Z".into()),
        }
    }

    #[test]
    fn csv_has_the_api_columns_and_neutralises_formulas() {
        assert_eq!(RANGES_HEADER.split(',').count(), 14);
        let line = range_csv(&range(LineStatus::Current, "c1", "a.py", 3));
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(cells.len(), 14);
        assert_eq!(cells[3..7], ["3", "5", "3", "current"]);
        assert_eq!(cells[8], "'=HYPERLINK(1)");
    }

    #[test]
    fn agent_trace_is_one_record_per_revision_without_gone_lines() {
        let rs = vec![
            range(LineStatus::Current, "tip", "b.py", 10),
            range(LineStatus::Current, "tip", "a.py", 1),
            range(LineStatus::Pending, "origin", "a.py", 1),
            range(LineStatus::Deleted, "x", "a.py", 7),
        ];
        let recs = agent_trace_records(&rs);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0]["version"], "0.1.0");
        assert_eq!(recs[0]["vcs"]["revision"], "tip");
        assert_eq!(recs[0]["files"][0]["path"], "a.py");
        assert_eq!(recs[0]["files"][1]["path"], "b.py");
        let conv = &recs[0]["files"][0]["conversations"][0];
        assert_eq!(conv["contributor"]["type"], "ai");
        assert_eq!(conv["contributor"]["model_id"], "m1");
        assert_eq!(conv["ranges"][0]["content_hash"], "sha256:ab");
        assert_eq!(recs[0]["metadata"]["mergeloom"]["run_id"], "run-1");
        assert_eq!(recs[1]["vcs"]["revision"], "origin");
    }
}

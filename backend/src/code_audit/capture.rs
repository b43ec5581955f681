//! Evidence capture: the lines a change added, per file, as ranges at the change's head commit
//! with a hash per line — from a run's base → head, or from ranges an outside run reports.

use super::blobs::Blob;
use super::engine::hunks;
use super::git::{Blobs, GitError, Repo};
use super::lines;
use crate::db::code_audit::{NewFile, NewRange};

/// Why reported ranges cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The lines `head` added relative to `base`, per file (text files only), as ranges.
pub fn added_ranges(
    repo: &Repo,
    blobs: &mut Blobs,
    base: &str,
    head: &str,
) -> Result<Vec<NewFile>, GitError> {
    let changes = repo.diff_tree(base, head)?;
    let mut files = Vec::new();
    for ch in changes {
        if ch.status == 'D' || !ch.regular {
            continue;
        }
        let Some(new) = ch
            .new_blob
            .as_deref()
            .map(|b| blobs.get(b))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        let old = match ch.old_blob.as_deref() {
            Some(b) if ch.status != 'A' => blobs.get(b)?.unwrap_or_default(),
            _ => Blob::default(),
        };
        if lines::is_binary(&new) || lines::is_binary(&old) {
            continue;
        }
        let new_lines = lines::split(&new);
        let ranges: Vec<NewRange> = hunks(&old, &new)
            .into_iter()
            .filter(|h| !h.after.is_empty())
            .filter_map(|h| {
                let block = new_lines.get(h.after.start as usize..h.after.end as usize)?;
                Some(NewRange {
                    start_line: h.after.start + 1,
                    end_line: h.after.end,
                    line_hashes: Some(lines::pack_hashes(block)),
                    content_hash: Some(lines::content_hash(block)),
                })
            })
            .collect();
        if !ranges.is_empty() {
            files.push(NewFile {
                path: ch.new_path,
                ranges,
            });
        }
    }
    Ok(files)
}

/// Checks reported ranges against the file at `commit` and adds their hashes. `Ok(None)` when
/// the commit is not (yet) in the mirror: the ranges are stored without hashes.
pub fn reported_ranges(
    blobs: &mut Blobs,
    commit: &str,
    files: &[NewFile],
) -> Result<Vec<NewFile>, CaptureError> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let data = blobs.get(&format!("{commit}:{}", f.path))?;
        let Some(data) = data else {
            return Err(CaptureError::Invalid {
                path: f.path.clone(),
                message: format!("the file does not exist at commit {commit}"),
            });
        };
        if lines::is_binary(&data) {
            return Err(CaptureError::Invalid {
                path: f.path.clone(),
                message: "the file is binary".into(),
            });
        }
        let file_lines = lines::split(&data);
        let mut ranges = Vec::with_capacity(f.ranges.len());
        for r in &f.ranges {
            let block = file_lines
                .get(r.start_line as usize - 1..r.end_line as usize)
                .ok_or_else(|| CaptureError::Invalid {
                    path: f.path.clone(),
                    message: format!(
                        "lines {}-{} are outside the file ({} lines at {commit})",
                        r.start_line,
                        r.end_line,
                        file_lines.len()
                    ),
                })?;
            ranges.push(NewRange {
                start_line: r.start_line,
                end_line: r.end_line,
                line_hashes: Some(lines::pack_hashes(block)),
                content_hash: Some(lines::content_hash(block)),
            });
        }
        out.push(NewFile {
            path: f.path.clone(),
            ranges,
        });
    }
    Ok(out)
}

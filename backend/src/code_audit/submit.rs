//! Evidence from runs executed elsewhere: checked against the repository's mirror when the
//! commit is there (ranges inside the file, per-line hashes, an anchor ref so gc keeps the
//! commit), stored unverified otherwise (the lines stay pending, or wait for a mirror).

use std::time::Duration;

use super::Deps;
use super::capture::{self, CaptureError};
use super::git::Repo;
use crate::db::code_audit::NewFile;
use crate::db::rows::RepositoryRow;

/// Checks `files` at `commit`. Returns the files (hashed when verified) and the full commit id
/// when the mirror has the commit.
pub async fn verify(
    deps: &Deps,
    repository: &RepositoryRow,
    commit: &str,
    evidence_id: &str,
    files: Vec<NewFile>,
) -> Result<(Vec<NewFile>, Option<String>), CaptureError> {
    let mirror = deps.layout.mirror(&repository.id);
    if !mirror.join("HEAD").exists() {
        return Ok((files, None));
    }
    let _guard = deps.locks.lock(&repository.id).await;
    let repo = Repo::new(
        &mirror,
        crate::executor::git::https_auth_env(&repository.url, deps.git_token.as_deref()),
    );
    let (commit, id) = (commit.to_ascii_lowercase(), evidence_id.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut full = repo.commit_id(&commit)?;
        if full.is_none() {
            // Not fetched yet: one fetch, then look again (a failed fetch leaves it unverified).
            let _ = repo.fetch(Duration::from_secs(60));
            full = repo.commit_id(&commit)?;
        }
        let Some(full) = full else {
            return Ok((files, None));
        };
        let mut blobs = repo.blobs()?;
        let checked = capture::reported_ranges(&mut blobs, &full, &files)?;
        repo.keep_anchor(&id, &full)?;
        Ok((checked, Some(full)))
    })
    .await
    .map_err(|e| {
        CaptureError::Git(super::git::GitError::Spawn(std::io::Error::other(
            e.to_string(),
        )))
    })?
}

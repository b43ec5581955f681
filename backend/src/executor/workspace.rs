//! Workspaces: one bare mirror per repository (locked per repository, fetched before each run),
//! a fresh worktree per run on its own branch, and publishing the worktree's change as one commit
//! on top of the base — whatever the provider did to git meanwhile.
//!
//! The mirror fetches branches into `refs/remotes/origin/*`, so `fetch --prune` never touches the
//! run branches (`refs/heads/mergeloom/*`) or the kept run heads (`refs/mergeloom/runs/*`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::git::{Git, GitError, Layout, not_an_option};
use crate::sink::FileChange;

/// One lock per repository mirror: concurrent runs must not race on git's lock files.
#[derive(Clone, Default)]
pub struct RepoLocks(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

impl RepoLocks {
    pub async fn lock(&self, repository_id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let m = {
            let mut map = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(repository_id.to_owned()).or_default().clone()
        };
        m.lock_owned().await
    }
}

/// Ignored in every worktree (on top of the repository's own .gitignore): caches that running
/// tests leaves behind.
const DEFAULT_EXCLUDES: &str = "# written by mergeloom-worker: test and build caches are never part of a change\n\
__pycache__/\n*.py[cod]\n.pytest_cache/\n.mypy_cache/\n.ruff_cache/\n.tox/\nnode_modules/\n.DS_Store\n";

/// A run's checked-out worktree.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub mirror: PathBuf,
    pub worktree: PathBuf,
    pub base_ref: String,
    pub base_commit: String,
}

/// What to check out for a run.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub repository_id: &'a str,
    pub clone_url: &'a str,
    pub base_ref: Option<&'a str>,
    pub run_id: &'a str,
    pub branch: &'a str,
}

/// Fetches the mirror (creating it on first use) and adds the run's worktree on its branch.
pub async fn prepare(
    git: &Git<'_>,
    layout: &Layout,
    locks: &RepoLocks,
    target: &Target<'_>,
) -> Result<Prepared, GitError> {
    let Target {
        repository_id,
        clone_url,
        base_ref,
        run_id,
        branch,
    } = *target;
    not_an_option("repository URL", clone_url)?;
    not_an_option("branch", branch)?;
    if let Some(r) = base_ref {
        not_an_option("base ref", r)?;
    }
    let mirror = layout.mirror(repository_id);
    let worktree = layout.worktree(run_id);
    let _guard = locks.lock(repository_id).await;
    let parent = mirror.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io_failed("mkdir", &e))?;
    if worktree
        .parent()
        .is_some_and(|p| std::fs::create_dir_all(p).is_err())
    {
        return Err(GitError::Failed {
            command: "mkdir".into(),
            detail: format!("cannot create {}", worktree.display()),
        });
    }
    if !mirror.join("HEAD").exists() {
        let m = mirror.to_string_lossy().into_owned();
        git.run(parent, &["init", "--bare", "--quiet", "--", &m])
            .await?;
        git.run(&mirror, &["remote", "add", "origin", "--", clone_url])
            .await?;
        git.run(
            &mirror,
            &[
                "config",
                "remote.origin.fetch",
                "+refs/heads/*:refs/remotes/origin/*",
            ],
        )
        .await?;
    }
    // The worker's own config (remote URL included), whatever an earlier run left in it.
    sanitize(&mirror, clone_url).map_err(|e| io_failed("write config", &e))?;
    git.run(
        &mirror,
        &["fetch", "--prune", "--tags", "--quiet", "origin"],
    )
    .await?;
    let base_ref = match base_ref {
        Some(r) => r.to_owned(),
        None => default_branch(git, &mirror).await?,
    };
    let base_commit = resolve(git, &mirror, &base_ref).await?;
    let wt = worktree.to_string_lossy().into_owned();
    git.run(
        &mirror,
        &[
            "worktree",
            "add",
            "--quiet",
            "-b",
            branch,
            &wt,
            &base_commit,
        ],
    )
    .await?;
    Ok(Prepared {
        mirror,
        worktree,
        base_ref,
        base_commit,
    })
}

fn io_failed(what: &str, e: &std::io::Error) -> GitError {
    GitError::Failed {
        command: what.into(),
        detail: e.to_string(),
    }
}

/// Rewrites the mirror's git config to what the worker set, and removes per-worktree config and
/// attribute overrides: a provider edits the worktree and can reach the shared git dir, and any
/// `filter.*`, `diff.*`, `core.*` or hook setting it left there must not run in the worker's own
/// git calls. Build and test caches are excluded from every change.
pub fn sanitize(mirror: &Path, clone_url: &str) -> std::io::Result<()> {
    let quoted = clone_url.replace('\\', "\\\\").replace('"', "\\\"");
    let config = format!(
        "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n\
         [remote \"origin\"]\n\turl = \"{quoted}\"\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
    );
    std::fs::write(mirror.join("config"), config)?;
    let info = mirror.join("info");
    std::fs::create_dir_all(&info)?;
    std::fs::write(info.join("exclude"), DEFAULT_EXCLUDES)?;
    let _ = std::fs::remove_file(info.join("attributes"));
    if let Ok(entries) = std::fs::read_dir(mirror.join("worktrees")) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path().join("config.worktree"));
            let _ = std::fs::remove_file(e.path().join("info").join("attributes"));
        }
    }
    Ok(())
}

/// The remote's HEAD branch (e.g. `main`).
pub async fn default_branch(git: &Git<'_>, mirror: &Path) -> Result<String, GitError> {
    let out = git
        .run(mirror, &["ls-remote", "--symref", "origin", "HEAD"])
        .await?;
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("ref: refs/heads/")
            && let Some((name, _)) = rest.split_once('\t')
        {
            return Ok(name.to_owned());
        }
    }
    Err(GitError::Failed {
        command: "ls-remote".into(),
        detail: "the repository has no HEAD branch; give repository.base_ref".into(),
    })
}

/// Resolves a branch, tag or commit to a commit id.
async fn resolve(git: &Git<'_>, mirror: &Path, r: &str) -> Result<String, GitError> {
    for candidate in [
        format!("refs/remotes/origin/{r}^{{commit}}"),
        format!("refs/tags/{r}^{{commit}}"),
        format!("{r}^{{commit}}"),
    ] {
        if let Ok(out) = git
            .run(
                mirror,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    "--end-of-options",
                    &candidate,
                ],
            )
            .await
        {
            let id = out.trim();
            if !id.is_empty() {
                return Ok(id.to_owned());
            }
        }
    }
    Err(GitError::Failed {
        command: "rev-parse".into(),
        detail: format!("base ref {r:?} not found in the repository"),
    })
}

/// Stages everything in the worktree and returns the tree id of its current state.
pub async fn snapshot_tree(git: &Git<'_>, worktree: &Path) -> Result<String, GitError> {
    git.run(worktree, &["add", "--all", "--", "."]).await?;
    Ok(git.run(worktree, &["write-tree"]).await?.trim().to_owned())
}

/// The tree id of a commit.
pub async fn tree_of(git: &Git<'_>, dir: &Path, commit: &str) -> Result<String, GitError> {
    Ok(git
        .run(
            dir,
            &[
                "rev-parse",
                "--verify",
                "--end-of-options",
                &format!("{commit}^{{tree}}"),
            ],
        )
        .await?
        .trim()
        .to_owned())
}

/// Per-file changes between two trees or commits (renames detected).
pub async fn file_changes(
    git: &Git<'_>,
    dir: &Path,
    from: &str,
    to: &str,
) -> Result<Vec<FileChange>, GitError> {
    let status = git
        .run(
            dir,
            &[
                "diff",
                "--name-status",
                "-M",
                "-z",
                "--no-ext-diff",
                "--no-textconv",
                from,
                to,
                "--",
            ],
        )
        .await?;
    let numstat = git
        .run(
            dir,
            &[
                "diff",
                "--numstat",
                "-M",
                "-z",
                "--no-ext-diff",
                "--no-textconv",
                from,
                to,
                "--",
            ],
        )
        .await?;
    let mut counts: HashMap<String, (i64, i64)> = HashMap::new();
    let mut parts = numstat.split('\0').filter(|s| !s.is_empty()).peekable();
    while let Some(rec) = parts.next() {
        let mut f = rec.splitn(3, '\t');
        let add = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        let del = f.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        let path = match f.next() {
            Some(p) if !p.is_empty() => p.to_owned(),
            _ => {
                let _old = parts.next();
                parts.next().unwrap_or_default().to_owned()
            }
        };
        counts.insert(path, (add, del));
    }
    let mut out = Vec::new();
    let mut fields = status.split('\0').filter(|s| !s.is_empty());
    while let Some(code) = fields.next() {
        let (change, old_path, path) = match code.chars().next() {
            Some('R') => {
                let old = fields.next().unwrap_or_default().to_owned();
                (
                    "renamed",
                    Some(old),
                    fields.next().unwrap_or_default().to_owned(),
                )
            }
            Some('C') => {
                let _src = fields.next();
                ("added", None, fields.next().unwrap_or_default().to_owned())
            }
            Some('A') => ("added", None, fields.next().unwrap_or_default().to_owned()),
            Some('D') => (
                "deleted",
                None,
                fields.next().unwrap_or_default().to_owned(),
            ),
            _ => (
                "modified",
                None,
                fields.next().unwrap_or_default().to_owned(),
            ),
        };
        let (additions, deletions) = counts.get(&path).copied().unwrap_or((0, 0));
        out.push(FileChange {
            path,
            old_path,
            change: change.into(),
            additions,
            deletions,
            diff: None,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The unified diff of one file (with its old path for renames).
pub async fn file_diff(
    git: &Git<'_>,
    dir: &Path,
    from: &str,
    to: &str,
    f: &FileChange,
) -> Result<String, GitError> {
    let mut args = vec![
        "diff",
        "-M",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        from,
        to,
        "--",
    ];
    if let Some(old) = &f.old_path {
        args.push(old);
    }
    args.push(&f.path);
    git.run(dir, &args).await
}

/// Added lines per path (for the diff guard's secret scan).
pub async fn added_lines(
    git: &Git<'_>,
    dir: &Path,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String)>, GitError> {
    let diff = git
        .run(
            dir,
            &[
                "diff",
                "-U0",
                "-M",
                "--no-ext-diff",
                "--no-textconv",
                "--no-color",
                from,
                to,
                "--",
            ],
        )
        .await?;
    let mut out = Vec::new();
    let mut path = String::new();
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("+++ ") {
            path = p.strip_prefix("b/").unwrap_or(p).to_owned();
        } else if let Some(added) = line.strip_prefix('+') {
            out.push((path.clone(), added.to_owned()));
        }
    }
    Ok(out)
}

/// The commit a run publishes.
#[derive(Debug, Clone, Copy)]
pub struct CommitSpec<'a> {
    pub repository_id: &'a str,
    pub tree: &'a str,
    pub base: &'a str,
    pub message: &'a str,
    pub branch: &'a str,
    pub run_id: &'a str,
}

/// Commits the tree on top of the base with the run's message and trailers; points the run
/// branch and `refs/mergeloom/runs/<run id>` at it.
pub async fn commit(
    git: &Git<'_>,
    mirror: &Path,
    locks: &RepoLocks,
    spec: &CommitSpec<'_>,
) -> Result<String, GitError> {
    let CommitSpec {
        repository_id,
        tree,
        base,
        message,
        branch,
        run_id,
    } = *spec;
    let env = vec![
        ("GIT_AUTHOR_NAME".to_owned(), "mergeloom-worker".to_owned()),
        (
            "GIT_AUTHOR_EMAIL".to_owned(),
            "worker@mergeloom.invalid".to_owned(),
        ),
        (
            "GIT_COMMITTER_NAME".to_owned(),
            "mergeloom-worker".to_owned(),
        ),
        (
            "GIT_COMMITTER_EMAIL".to_owned(),
            "worker@mergeloom.invalid".to_owned(),
        ),
    ];
    let commit = git
        .run_env(
            mirror,
            &["commit-tree", tree, "-p", base, "-m", message],
            &env,
        )
        .await?
        .trim()
        .to_owned();
    let _guard = locks.lock(repository_id).await;
    git.run(
        mirror,
        &["update-ref", &format!("refs/heads/{branch}"), &commit],
    )
    .await?;
    git.run(
        mirror,
        &[
            "update-ref",
            &format!("refs/mergeloom/runs/{run_id}"),
            &commit,
        ],
    )
    .await?;
    Ok(commit)
}

/// Pushes the run's commit to the remote branch.
pub async fn push(
    git: &Git<'_>,
    mirror: &Path,
    commit: &str,
    branch: &str,
) -> Result<(), GitError> {
    git.run(
        mirror,
        &[
            "push",
            "--quiet",
            "--no-verify",
            "origin",
            &format!("{commit}:refs/heads/{branch}"),
        ],
    )
    .await
    .map(|_| ())
}

/// The run's change as `git format-patch` text.
pub async fn format_patch(
    git: &Git<'_>,
    mirror: &Path,
    base: &str,
    commit: &str,
) -> Result<String, GitError> {
    git.run(
        mirror,
        &[
            "format-patch",
            "--stdout",
            "--no-color",
            &format!("{base}..{commit}"),
        ],
    )
    .await
}

/// Removes a run's worktree (the branch and run ref stay in the mirror).
pub async fn remove_worktree(
    git: &Git<'_>,
    mirror: &Path,
    locks: &RepoLocks,
    repository_id: &str,
    worktree: &Path,
) -> Result<(), GitError> {
    let _guard = locks.lock(repository_id).await;
    let wt = worktree.to_string_lossy().into_owned();
    let result = git
        .run(mirror, &["worktree", "remove", "--force", "--force", &wt])
        .await;
    if worktree.exists() {
        let _ = std::fs::remove_dir_all(worktree);
    }
    let _ = git.run(mirror, &["worktree", "prune"]).await;
    result.map(|_| ())
}

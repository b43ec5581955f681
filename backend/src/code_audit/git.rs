//! The engine's git access, outside any run: the same hardening as the executor's git calls
//! (hooks and fsmonitor off, no prompts, credentials only for fetch), blobs read through one
//! long-lived `git cat-file --batch`, and the first-parent walk read from one `git log` stream.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use super::blobs::Blobs;

/// A git failure in Code Audit.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git {command} failed: {detail}")]
    Failed { command: String, detail: String },
    #[error("cannot run git: {0}")]
    Spawn(#[from] std::io::Error),
    #[error("git {0} did not finish within its time limit")]
    TimedOut(String),
    #[error("unexpected git output: {0}")]
    Parse(String),
}

/// A bare mirror the engine reads.
#[derive(Debug, Clone)]
pub struct Repo {
    pub dir: PathBuf,
    auth_env: Vec<(String, String)>,
}

/// The empty tree's id (for diffs against nothing).
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

impl Repo {
    #[must_use]
    pub fn new(dir: &Path, auth_env: Vec<(String, String)>) -> Self {
        Self {
            dir: dir.to_path_buf(),
            auth_env,
        }
    }

    fn command(&self, args: &[&str], network: bool) -> Command {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&self.dir);
        let env = crate::executor::git::config_env(if network { &self.auth_env } else { &[] });
        cmd.envs(env)
            .env("GIT_ASKPASS", "/bin/false")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        cmd
    }

    /// Runs git; returns stdout, or the failure with stderr.
    pub fn run(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        self.run_input(args, None)
    }

    /// Runs git with `input` on stdin.
    pub fn run_input(&self, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, GitError> {
        let mut cmd = self.command(args, false);
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            let data = data.to_vec();
            // Written from another thread so a large stdout cannot deadlock against stdin.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&data);
            });
        }
        let out = child.wait_with_output()?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(GitError::Failed {
                command: args.first().copied().unwrap_or_default().to_owned(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            })
        }
    }

    /// `git rev-parse --verify -q <rev>^{commit}`: the commit id, or `None`.
    pub fn commit_id(&self, rev: &str) -> Result<Option<String>, GitError> {
        if rev.starts_with('-') {
            return Ok(None);
        }
        let spec = format!("{rev}^{{commit}}");
        match self.run(&["rev-parse", "--verify", "-q", &spec]) {
            Ok(out) => Ok(Some(String::from_utf8_lossy(&out).trim().to_owned())),
            Err(GitError::Failed { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `a` is an ancestor of (or equal to) `b`.
    pub fn is_ancestor(&self, a: &str, b: &str) -> Result<bool, GitError> {
        let status = self
            .command(&["merge-base", "--is-ancestor", a, b], false)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .status()?;
        match status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(GitError::Failed {
                command: "merge-base".into(),
                detail: format!("--is-ancestor {a} {b} exited {status}"),
            }),
        }
    }

    /// The merge base of two commits, if they share history.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>, GitError> {
        match self.run(&["merge-base", a, b]) {
            Ok(out) => Ok(Some(String::from_utf8_lossy(&out).trim().to_owned())),
            Err(GitError::Failed { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Commits reachable from `tip` and not from `not`, each with its parents (one
    /// `git rev-list --parents`): the commit graph the engine answers ancestry questions from.
    pub fn reachable(
        &self,
        tip: &str,
        not: Option<&str>,
    ) -> Result<std::collections::HashMap<String, Vec<String>>, GitError> {
        let exclude = not.map(|n| format!("^{n}"));
        let mut args = vec!["rev-list", "--parents", tip];
        if let Some(x) = &exclude {
            args.push(x);
        }
        let out = self.run(&args)?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|line| {
                let mut ids = line.split_whitespace().map(str::to_owned);
                ids.next().map(|c| (c, ids.collect()))
            })
            .collect())
    }

    /// The first parent of a commit (`None` for a root commit).
    pub fn first_parent(&self, commit: &str) -> Result<Option<String>, GitError> {
        let out = self.run(&["rev-list", "--parents", "-n", "1", commit])?;
        let text = String::from_utf8_lossy(&out);
        Ok(text.split_whitespace().nth(1).map(str::to_owned))
    }

    /// Fetches the mirror's remote (with credentials, bounded in time).
    pub fn fetch(&self, timeout: Duration) -> Result<(), GitError> {
        let mut child = self
            .command(&["fetch", "--prune", "--quiet", "origin"], true)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait()? {
                if status.success() {
                    return Ok(());
                }
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                return Err(GitError::Failed {
                    command: "fetch".into(),
                    detail: err.trim().to_owned(),
                });
            }
            if std::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(GitError::TimedOut("fetch".into()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The remote's HEAD branch (`git ls-remote --symref origin HEAD`, with credentials).
    pub fn remote_head(&self) -> Result<Option<String>, GitError> {
        let out = self
            .command(&["ls-remote", "--symref", "origin", "HEAD"], true)
            .stdin(Stdio::null())
            .output()?;
        if !out.status.success() {
            return Err(GitError::Failed {
                command: "ls-remote".into(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            l.strip_prefix("ref: refs/heads/")
                .and_then(|r| r.split_once('\t'))
                .map(|(name, _)| name.to_owned())
        }))
    }

    /// Points `refs/mergeloom/runs/<name>` at `commit` so gc never drops an evidence anchor.
    pub fn keep_anchor(&self, name: &str, commit: &str) -> Result<(), GitError> {
        self.run(&["update-ref", &format!("refs/mergeloom/runs/{name}"), commit])
            .map(|_| ())
    }

    /// Starts a blob reader.
    pub fn blobs(&self) -> Result<Blobs, GitError> {
        let child = self
            .command(&["cat-file", "--batch"], false)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        Blobs::start(child)
    }

    /// The raw changes between two commits (`git diff-tree -r -M`).
    pub fn diff_tree(&self, from: &str, to: &str) -> Result<Vec<Change>, GitError> {
        let out = self.run(&["diff-tree", "-r", "-M", "-z", "--no-abbrev", from, to])?;
        let mut tokens = out.split(|b| *b == 0).peekable();
        let mut changes = Vec::new();
        while let Some(tok) = tokens.next() {
            if tok.is_empty() {
                continue;
            }
            let change = parse_raw(tok, &mut tokens)?;
            changes.push(change);
        }
        Ok(changes)
    }

    /// For each `(commit, base)` pair, the raw changes from `base` to `commit` with renames
    /// detected (for a merge and its side parent: what the merge brought onto the side branch),
    /// from one `git diff-tree --stdin` run. A commit with no changes maps to an empty list.
    pub fn diffs_from(
        &self,
        pairs: &[(String, String)],
    ) -> Result<HashMap<String, Vec<Change>>, GitError> {
        let mut out: HashMap<String, Vec<Change>> = pairs
            .iter()
            .map(|(merge, _)| (merge.clone(), Vec::new()))
            .collect();
        if pairs.is_empty() {
            return Ok(out);
        }
        let mut stdin = Vec::new();
        for (merge, side) in pairs {
            // `<commit> <parent>` compares the parent with the commit: side → merge.
            stdin.extend_from_slice(format!("{merge} {side}\n").as_bytes());
        }
        let raw = self.run_input(
            &["diff-tree", "--stdin", "-r", "-M", "-z", "--no-abbrev"],
            Some(&stdin),
        )?;
        let mut tokens = raw.split(|b| *b == 0).peekable();
        let mut current: Option<String> = None;
        while let Some(tok) = tokens.next() {
            let tok = tok.strip_prefix(b"\n").unwrap_or(tok);
            if tok.is_empty() {
                continue;
            }
            if tok.starts_with(b":") {
                let change = parse_raw(tok, &mut tokens)?;
                let merge = current
                    .as_ref()
                    .ok_or_else(|| GitError::Parse("diff-tree changes before a header".into()))?;
                out.entry(merge.clone()).or_default().push(change);
            } else {
                let header = String::from_utf8_lossy(tok);
                current = header.split_whitespace().next().map(str::to_owned);
            }
        }
        Ok(out)
    }
}

/// One file change of a commit (git's raw diff format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `A`, `M`, `D`, `R`, `T`, `C`.
    pub status: char,
    pub old_path: String,
    pub new_path: String,
    pub old_blob: Option<String>,
    pub new_blob: Option<String>,
    /// Whether both sides are regular files (`100644`/`100755`).
    pub regular: bool,
}

fn parse_raw<'a>(
    meta: &[u8],
    tokens: &mut impl Iterator<Item = &'a [u8]>,
) -> Result<Change, GitError> {
    let meta = String::from_utf8_lossy(meta);
    let meta = meta.trim_start_matches('\n');
    let fields: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
    let [old_mode, new_mode, old_blob, new_blob, status] = fields[..] else {
        return Err(GitError::Parse(format!("raw line {meta:?}")));
    };
    let status = status.chars().next().unwrap_or('M');
    let mut path = || {
        tokens
            .next()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .ok_or_else(|| GitError::Parse("raw line without a path".into()))
    };
    let old_path = path()?;
    let new_path = if matches!(status, 'R' | 'C') {
        path()?
    } else {
        old_path.clone()
    };
    let blob = |b: &str| (!b.bytes().all(|c| c == b'0')).then(|| b.to_owned());
    let regular_mode = |m: &str| m == "100644" || m == "100755" || m == "000000";
    Ok(Change {
        status,
        old_path,
        new_path,
        old_blob: blob(old_blob),
        new_blob: blob(new_blob),
        regular: regular_mode(old_mode) && regular_mode(new_mode),
    })
}

/// A commit of the first-parent walk with its changes against its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkCommit {
    pub id: String,
    pub parent: Option<String>,
    pub changes: Vec<Change>,
}

/// Every commit reachable from `tip` and not from `exclude`, by id, each with its raw changes
/// against its first parent (renames detected), from one `git log` run: the tracked branch's
/// first-parent chain and the side branches its merges brought in. The log is read as git
/// writes it, oldest commit first, and `seen` is called with each commit as it arrives (to ask
/// for its files while git is still diffing the later ones).
pub fn log_all(
    repo: &Repo,
    tip: &str,
    exclude: &[String],
    mut seen: impl FnMut(&WalkCommit) -> Result<(), GitError>,
) -> Result<HashMap<String, WalkCommit>, GitError> {
    let mut stdin = Vec::new();
    for e in exclude {
        stdin.extend_from_slice(format!("^{e}\n").as_bytes());
    }
    let args = [
        "log",
        "--reverse",
        "--diff-merges=first-parent",
        "-M",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x01%H %P",
        tip,
        "--stdin",
    ];
    let mut child = repo
        .command(&args, false)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        // A few lines: git reads them all before it writes anything.
        input.write_all(&stdin)?;
    }
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| GitError::Parse("no stdout".into()))?;
    let mut commits = HashMap::new();
    let read = read_log(std::io::BufReader::new(stdout), |c| {
        seen(&c)?;
        commits.insert(c.id.clone(), c);
        Ok(())
    });
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(GitError::Failed {
            command: "log".into(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    read?;
    Ok(commits)
}

/// Reads a `git log --raw -z` stream one commit at a time.
fn read_log(
    mut out: impl BufRead,
    mut each: impl FnMut(WalkCommit) -> Result<(), GitError>,
) -> Result<(), GitError> {
    let mut commit: Vec<u8> = Vec::new();
    let mut token: Vec<u8> = Vec::new();
    loop {
        token.clear();
        let n = out.read_until(0, &mut token)?;
        let header = token
            .strip_prefix(b"\n")
            .unwrap_or(&token)
            .starts_with(b"\x01");
        if (n == 0 || header) && !commit.is_empty() {
            for c in parse_walk(&commit)? {
                each(c)?;
            }
            commit.clear();
        }
        if n == 0 {
            return Ok(());
        }
        commit.extend_from_slice(&token);
    }
}

/// The first-parent chain of `log` ending at `tip`, oldest first (it stops where the log's
/// range does).
#[must_use]
pub fn first_parent_chain<'a>(
    log: &'a HashMap<String, WalkCommit>,
    tip: &str,
) -> Vec<&'a WalkCommit> {
    let mut chain = Vec::new();
    let mut at = log.get(tip);
    while let Some(c) = at {
        chain.push(c);
        at = c.parent.as_deref().and_then(|p| log.get(p));
    }
    chain.reverse();
    chain
}

fn parse_walk(out: &[u8]) -> Result<Vec<WalkCommit>, GitError> {
    let mut commits: Vec<WalkCommit> = Vec::new();
    let mut tokens = out.split(|b| *b == 0).peekable();
    while let Some(raw) = tokens.next() {
        let tok = raw.strip_prefix(b"\n").unwrap_or(raw);
        if tok.is_empty() {
            continue;
        }
        if let Some(header) = tok.strip_prefix(b"\x01") {
            let header = String::from_utf8_lossy(header);
            let mut parts = header.split_whitespace();
            let id = parts
                .next()
                .ok_or_else(|| GitError::Parse("commit header".into()))?
                .to_owned();
            commits.push(WalkCommit {
                id,
                parent: parts.next().map(str::to_owned),
                changes: Vec::new(),
            });
            continue;
        }
        let Some(commit) = commits.last_mut() else {
            return Err(GitError::Parse("changes before a commit header".into()));
        };
        if tok.starts_with(b":") {
            let change = parse_raw(tok, &mut tokens)?;
            commit.changes.push(change);
        } else {
            return Err(GitError::Parse(format!(
                "unexpected log line {:?}",
                String::from_utf8_lossy(tok)
            )));
        }
    }
    Ok(commits)
}

/// The ids of the blobs (files and symlinks) in `commit`'s whole tree, one per path.
pub fn tree_blobs(repo: &Repo, commit: &str) -> Result<Vec<String>, GitError> {
    let out = repo.run(&["ls-tree", "-r", "-z", "--full-tree", commit])?;
    Ok(out
        .split(|b| *b == 0)
        .filter_map(|entry| {
            // `<mode> SP <type> SP <id> TAB <path>`
            let meta = entry.split(|b| *b == b'\t').next()?;
            let mut f = meta.split(|b| *b == b' ');
            let (_mode, kind, id) = (f.next()?, f.next()?, f.next()?);
            (kind == b"blob").then(|| String::from_utf8_lossy(id).into_owned())
        })
        .collect())
}

/// A running `git diff --numstat` of two trees: lines of text added minus removed from `from` to
/// `to` (from the empty tree it is the `loc_total` of `to`). Binary files count nothing.
pub struct LocDelta {
    child: Child,
    args: String,
}

/// Starts counting; [`LocDelta::finish`] reads the result.
pub fn loc_delta_start(repo: &Repo, from: &str, to: &str) -> Result<LocDelta, GitError> {
    let args = [
        "diff",
        "--numstat",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        from,
        to,
    ];
    let child = repo
        .command(&args, false)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    Ok(LocDelta {
        child,
        args: format!("{from}..{to}"),
    })
}

impl LocDelta {
    pub fn finish(self) -> Result<i64, GitError> {
        let out = self.child.wait_with_output()?;
        if !out.status.success() {
            return Err(GitError::Failed {
                command: "diff --numstat".into(),
                detail: format!(
                    "{}: {}",
                    self.args,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            });
        }
        Ok(out
            .stdout
            .split(|b| *b == 0)
            .filter_map(|t| {
                let t = String::from_utf8_lossy(t.strip_prefix(b"\n").unwrap_or(t)).into_owned();
                let mut f = t.split('\t');
                let added = f.next()?.parse::<i64>().ok()?;
                let removed = f.next()?.parse::<i64>().ok()?;
                Some(added - removed)
            })
            .sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_log_stream_one_commit_at_a_time() {
        let real = b"\x01aaa ppp\0\n:000000 100644 0000000000000000000000000000000000000000 de98 A\0f\0\x01bbb aaa\0\n:100644 100644 de98 2155 R075\0f\0g\0:000000 100644 0000000000000000000000000000000000000000 3e75 A\0h\0\x01ccc bbb\0";
        // A tiny buffer: tokens arrive in pieces.
        let mut seen = Vec::new();
        read_log(std::io::BufReader::with_capacity(3, &real[..]), |c| {
            seen.push(c);
            Ok(())
        })
        .expect("reads");
        assert_eq!(seen, parse_walk(real).expect("parses"));
        assert_eq!(seen.len(), 3);
        assert!(seen[2].changes.is_empty());
        assert!(read_log(&b"\n:100644 100644 a b M\0f\0"[..], |_| Ok(())).is_err());
    }

    #[test]
    fn parses_a_walk_with_renames() {
        // The shape `git log --raw -z` prints (checked against git 2.47).
        let real = b"\x01aaa ppp\0\n:000000 100644 0000000000000000000000000000000000000000 de98 A\0f\0\x01bbb aaa\0\n:100644 100644 de98 2155 R075\0f\0g\0:000000 100644 0000000000000000000000000000000000000000 3e75 A\0h\0";
        let commits = parse_walk(real).expect("parses");
        assert_eq!(commits.len(), 2);
        assert_eq!(commits[0].changes[0].status, 'A');
        assert_eq!(commits[1].parent.as_deref(), Some("aaa"));
        assert_eq!(commits[1].changes[0].status, 'R');
        assert_eq!(commits[1].changes[0].old_path, "f");
        assert_eq!(commits[1].changes[0].new_path, "g");
        assert_eq!(commits[1].changes[1].new_path, "h");
    }
}

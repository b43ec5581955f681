//! The diff guard: flags a change that is too large, touches protected paths, or adds lines that
//! look like secrets. Any flag blocks the run (`blocked/diff_guard`); every flag is recorded.

use serde::{Deserialize, Serialize};

use super::redact::Redactor;
use crate::sink::FileChange;

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// `max_files`, `max_lines`, `protected_path` or `secret`.
    pub rule: String,
    pub path: Option<String>,
    pub message: String,
}

/// The limits in effect for a run.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_files: u32,
    pub max_lines: u32,
    pub protected_paths: Vec<String>,
}

/// Whether `path` matches a protected-path pattern: `*` within a segment, `**` across segments,
/// a trailing `/` (or a plain directory name) covers everything below.
#[must_use]
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern
        .trim()
        .trim_start_matches("./")
        .trim_start_matches('/');
    if pattern.is_empty() {
        return false;
    }
    if let Some(dir) = pattern.strip_suffix('/') {
        return path == dir
            || path.starts_with(&format!("{dir}/"))
            || glob(&format!("{dir}/**"), path);
    }
    glob(pattern, path) || (!pattern.contains('*') && path.starts_with(&format!("{pattern}/")))
}

fn glob(pattern: &str, path: &str) -> bool {
    fn rec(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len())
                    .any(|i| (i == 0 || s[i - 1] == b'/' || rest.is_empty()) && rec(rest, &s[i..]))
            }
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| rec(&p[1..], &s[i..])),
            Some(b'?') => !s.is_empty() && s[0] != b'/' && rec(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && rec(&p[1..], &s[1..]),
        }
    }
    rec(pattern.as_bytes(), path.as_bytes())
}

/// Checks a change; returns every flag.
#[must_use]
pub fn check(
    files: &[FileChange],
    added: &[(String, String)],
    limits: &Limits,
    redactor: &Redactor,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    if files.len() > limits.max_files as usize {
        flags.push(Flag {
            rule: "max_files".into(),
            path: None,
            message: format!(
                "{} files changed; the limit is {}",
                files.len(),
                limits.max_files
            ),
        });
    }
    let lines: i64 = files.iter().map(|f| f.additions + f.deletions).sum();
    if lines > i64::from(limits.max_lines) {
        flags.push(Flag {
            rule: "max_lines".into(),
            path: None,
            message: format!("{lines} lines changed; the limit is {}", limits.max_lines),
        });
    }
    for f in files {
        for p in [Some(&f.path), f.old_path.as_ref()].into_iter().flatten() {
            if let Some(pattern) = limits
                .protected_paths
                .iter()
                .find(|pat| path_matches(pat, p))
            {
                flags.push(Flag {
                    rule: "protected_path".into(),
                    path: Some(p.clone()),
                    message: format!("{p} is protected (pattern {pattern:?})"),
                });
                break;
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (path, line) in added {
        if redactor.redact(line) != *line && seen.insert(path.clone()) {
            flags.push(Flag {
                rule: "secret".into(),
                path: Some(path.clone()),
                message: format!("an added line in {path} looks like a secret (key or token)"),
            });
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_gitignore() {
        assert!(path_matches(".github/", ".github/workflows/ci.yml"));
        assert!(path_matches(".github", ".github/workflows/ci.yml"));
        assert!(path_matches("*.lock", "Cargo.lock"));
        assert!(!path_matches("*.lock", "sub/Cargo.lock"));
        assert!(path_matches("**/*.pem", "a/b/key.pem"));
        assert!(path_matches("**/*.pem", "key.pem"));
        assert!(!path_matches("src", "srcs/x"));
    }

    #[test]
    fn flags_size_paths_and_secrets() {
        let files = vec![
            FileChange {
                path: "a".into(),
                old_path: None,
                change: "added".into(),
                additions: 5,
                deletions: 0,
                diff: None,
            },
            FileChange {
                path: "secrets/k".into(),
                old_path: None,
                change: "added".into(),
                additions: 1,
                deletions: 0,
                diff: None,
            },
        ];
        let added = vec![(
            "secrets/k".to_owned(),
            "-----BEGIN OPENSSH PRIVATE KEY-----".to_owned(),
        )];
        let limits = Limits {
            max_files: 1,
            max_lines: 3,
            protected_paths: vec!["secrets/".into()],
        };
        let rules: Vec<String> = check(&files, &added, &limits, &Redactor::new(Vec::new()))
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(
            rules,
            vec!["max_files", "max_lines", "protected_path", "secret"]
        );
    }
}

//! Secret redaction for everything a process prints, applied before anything is stored or
//! broadcast: the worker's own secrets (provider keys, tokens, values of `--redact-env`
//! variables) and well-known token shapes.
//!
//! A secret may arrive split across two reads. The line reader therefore never flushes the tail of
//! a partial line that could be the start of a secret ([`Redactor::holdback`]); it waits for more
//! output, so redaction always sees the whole secret.

use std::sync::LazyLock;

use regex::Regex;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// Shortest literal secret worth redacting (shorter values would mangle ordinary output).
const MIN_SECRET_LEN: usize = 6;

/// Token shapes: private-key headers, cloud keys, common API-key and bearer-token forms.
const PATTERNS: &str = concat!(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"|\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}",
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}",
    r"|\bgithub_pat_[A-Za-z0-9_]{30,}",
    r"|\bglpat-[A-Za-z0-9_\-]{20,}",
    r"|\bxox[abprs]-[A-Za-z0-9\-]{10,}",
    r"|\bAIza[0-9A-Za-z_\-]{35}",
    r"|(?i:bearer)\s+[A-Za-z0-9._\-]{20,}",
);

/// Redacts known secrets and token shapes.
#[derive(Debug, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
    shapes: &'static Regex,
}

static SHAPES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PATTERNS).expect("the constant token patterns compile"));

impl Redactor {
    /// A redactor for these literal secrets (short or empty values are ignored).
    #[must_use]
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect();
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self {
            secrets,
            shapes: &SHAPES,
        }
    }

    /// The worker's secrets from its environment: known secret names plus `extra_env` names.
    #[must_use]
    pub fn from_env(extra_env: &[String]) -> Self {
        let mut names: Vec<String> = [
            "JCA_WORKER_AUTH_TOKEN",
            "JCA_WORKER_GIT_TOKEN",
            "JCA_WORKER_CLUSTER_TOKEN",
            "JCA_OPENAI_API_KEY",
            "JCA_ANTHROPIC_API_KEY",
            "JCA_WORKER_CLAUDE_CODE_API_KEY",
            "JCA_WORKER_CODEX_API_KEY",
            "JCA_WORKER_GEMINI_API_KEY",
            "ANTHROPIC_API_KEY",
            "OPENAI_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "CODEX_API_KEY",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        names.extend(extra_env.iter().cloned());
        Self::new(names.iter().filter_map(|n| std::env::var(n).ok()))
    }

    /// Adds more literal secrets (e.g. a configured access token).
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// The text with every secret masked.
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        match self.shapes.replace_all(&out, MASK) {
            std::borrow::Cow::Borrowed(_) => out,
            std::borrow::Cow::Owned(o) => o,
        }
    }

    /// How many trailing bytes of a partial line to hold back because they could be the start
    /// of a secret that the next read completes.
    #[must_use]
    pub fn holdback(&self, partial: &str) -> usize {
        let mut keep = 0;
        // A literal secret's prefix at the end of the text.
        for s in &self.secrets {
            for len in (1..s.len().min(partial.len() + 1)).rev() {
                if partial.is_char_boundary(partial.len() - len)
                    && s.is_char_boundary(len)
                    && partial.ends_with(&s[..len])
                {
                    keep = keep.max(len);
                    break;
                }
            }
        }
        // A trailing run of token characters may be an unfinished token shape.
        let token_run = partial
            .bytes()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        let run_start = partial.len() - token_run;
        // Include a preceding "Bearer " so the pair is matched together.
        let with_prefix = partial[..run_start]
            .to_ascii_lowercase()
            .strip_suffix("bearer ")
            .map_or(token_run, |_| token_run + 7);
        keep = keep.max(with_prefix.min(512));
        keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_secrets_and_shapes_are_masked() {
        let r = Redactor::new(vec!["hunter2-secret".to_owned(), "x".to_owned()]);
        assert_eq!(r.redact("pw=hunter2-secret!"), "pw=[REDACTED]!");
        assert_eq!(
            r.redact("key AKIAABCDEFGHIJKLMNOP end"),
            "key [REDACTED] end"
        );
        assert!(r.redact("-----BEGIN RSA PRIVATE KEY-----").contains(MASK));
        assert_eq!(r.redact("x marks"), "x marks", "short secrets are ignored");
    }

    #[test]
    fn holdback_covers_a_split_secret() {
        let r = Redactor::new(vec!["hunter2-secret".to_owned()]);
        let first = "password is hunter";
        let keep = r.holdback(first);
        assert!(keep >= "hunter".len());
        let joined = format!("{}2-secret\n", &first[first.len() - keep..]);
        assert!(r.redact(&joined).contains(MASK));
        assert_eq!(r.holdback("done. "), 0);
    }
}

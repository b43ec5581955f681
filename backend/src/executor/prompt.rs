//! Prompts for provider steps: the ticket, the first context file found in the repository
//! (MERGELOOM.md, AGENTS.md, CLAUDE.md, CODEX.md), and the stage's instruction.

use std::path::Path;

use crate::jobspec::SpecTicket;

/// Context files, in the order they are looked for.
pub const CONTEXT_FILES: [&str; 4] = ["MERGELOOM.md", "AGENTS.md", "CLAUDE.md", "CODEX.md"];
/// Most of a context file included in prompts.
const CONTEXT_LIMIT: usize = 64 * 1024;

/// The first context file in the worktree root, with its (capped) content.
#[must_use]
pub fn find_context(worktree: &Path) -> Option<(String, String)> {
    CONTEXT_FILES.iter().find_map(|name| {
        let p = worktree.join(name);
        let meta = std::fs::symlink_metadata(&p).ok()?;
        if !meta.is_file() {
            return None;
        }
        let bytes = std::fs::read(&p).ok()?;
        let mut text =
            String::from_utf8_lossy(&bytes[..bytes.len().min(CONTEXT_LIMIT)]).into_owned();
        if bytes.len() > CONTEXT_LIMIT {
            text.push_str("\n… [truncated]\n");
        }
        Some(((*name).to_owned(), text))
    })
}

/// Builds a step's prompt.
#[must_use]
pub fn build(ticket: &SpecTicket, context: Option<&(String, String)>, instruction: &str) -> String {
    let mut p = format!("# Ticket {}: {}\n", ticket.key, ticket.title);
    if let Some(url) = &ticket.url {
        p.push_str(&format!("{url}\n"));
    }
    if let Some(body) = ticket.body.as_deref().filter(|b| !b.trim().is_empty()) {
        p.push('\n');
        p.push_str(body.trim_end());
        p.push('\n');
    }
    if let Some((name, text)) = context {
        p.push_str(&format!(
            "\n## Repository instructions ({name})\n\n{}\n",
            text.trim_end()
        ));
    }
    p.push_str("\n## Task\n\n");
    p.push_str(instruction.trim_end());
    p.push('\n');
    p
}

/// The implement step's instruction.
pub const IMPLEMENT: &str = "Implement the ticket in this repository by editing files in the current \
working directory. Do not commit or push: the worker commits your change and runs validation.";

/// The repair step's instruction for the failing validation output.
#[must_use]
pub fn repair(output: &str) -> String {
    format!(
        "Validation failed after your change. Fix the code so that the validation commands pass. \
The failing commands and their output are in $MERGELOOM_VALIDATION_OUTPUT_FILE; the end of it:\n\n```\n{}\n```",
        tail(output, 16 * 1024)
    )
}

/// The review step's instruction over the change's diff.
#[must_use]
pub fn review(diff: &str) -> String {
    format!(
        "Review the change below for correctness, security and fit with the ticket. Do not edit files. \
Write your verdict as JSON to the file named by $MERGELOOM_REVIEW_FILE: \
{{\"approved\": true|false, \"findings\": [{{\"severity\": \"high|medium|low\", \"message\": \"…\", \"path\": \"…\", \"line\": 1}}]}}.\n\n```diff\n{}\n```",
        tail(diff, 64 * 1024)
    )
}

/// The review-fix step's instruction for the findings.
#[must_use]
pub fn review_fix(findings: &str) -> String {
    format!(
        "A review of your change asked for fixes. Apply these findings by editing files; do not commit:\n\n{findings}"
    )
}

fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

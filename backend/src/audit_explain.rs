//! The plain-language outcome sentence of a Ticket Audit record, built from the record itself,
//! e.g. "Failed in repair: `npm test` still exited 1 after 2 of 2 repair attempts."

use crate::audit_model::{AuditValidationCommand, TicketAudit};

fn last_failure(r: &TicketAudit) -> Option<&AuditValidationCommand> {
    r.validation
        .commands
        .iter()
        .rev()
        .find(|c| c.timed_out || c.exit_code != Some(0))
}

fn failure_text(c: &AuditValidationCommand) -> String {
    failure(c, "")
}

/// "`cmd` exited 1", or with `still`: "`cmd` still exited 1".
fn failure(c: &AuditValidationCommand, still: &str) -> String {
    if c.timed_out {
        format!("`{}` {still}timed out", c.command)
    } else {
        match c.exit_code {
            Some(code) => format!("`{}` {still}exited {code}", c.command),
            None => format!("`{}` was {still}killed", c.command),
        }
    }
}

/// Explains why the run ended as it did.
#[must_use]
pub fn explain(r: &TicketAudit) -> String {
    let stage = r.outcome.failed_stage.as_deref().unwrap_or("the run");
    let reason = r
        .outcome
        .reason
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('.');
    let files = r.files.len();
    let branch = r.repository.branch.as_deref().unwrap_or("its branch");
    match r.outcome.reason_code.as_deref() {
        Some("published") => {
            let pushed = if r.repository.pushed {
                " and pushed"
            } else {
                ""
            };
            let validation = match (r.validation.passed, r.repair.attempts) {
                (Some(true), 0) => "validation passed".to_owned(),
                (Some(true), n) => format!(
                    "validation passed after {n} repair attempt{}",
                    if n == 1 { "" } else { "s" }
                ),
                _ => "no validation ran".to_owned(),
            };
            format!(
                "Completed and published: {validation}; {files} file{} committed{pushed} on `{branch}`.",
                if files == 1 { "" } else { "s" }
            )
        }
        Some("published_with_advisory_failures") => {
            let what = last_failure(r).map_or_else(|| "validation failed".to_owned(), failure_text);
            format!(
                "Completed with advisory failures: {what}, but validation is advisory; published `{branch}`."
            )
        }
        Some("validation_failed") => {
            let what = last_failure(r).map_or_else(|| "validation failed".to_owned(), failure_text);
            match stage {
                "repair" => format!(
                    "Failed in repair: {} after {} of {} repair attempts.",
                    last_failure(r).map_or_else(
                        || "validation still failed".to_owned(),
                        |c| failure(c, "still ")
                    ),
                    r.repair.attempts,
                    r.repair.max_attempts
                ),
                "review_fix" => format!("Failed in review_fix: {what} after the review fixes."),
                _ => format!("Failed in validate: {what} and no repair attempts were allowed."),
            }
        }
        Some("command_timeout") => {
            let what =
                last_failure(r).map_or_else(|| "a command timed out".to_owned(), failure_text);
            format!("Failed in {stage}: {what} and no repair was left.")
        }
        Some("diff_guard") => {
            let flags: Vec<&str> = r
                .diff_guard
                .flags
                .iter()
                .map(|f| f.message.as_str())
                .collect();
            format!("Blocked by the diff guard: {}.", flags.join("; "))
        }
        Some("no_changes") => {
            "Blocked: the provider changed nothing, so there was nothing to publish.".into()
        }
        Some("command_not_allowed" | "provider_not_ready") => {
            format!("Blocked before any command ran: {reason}.")
        }
        Some("cancelled_by_user") => format!("Cancelled by a user during {stage}."),
        Some("worker_restarted") => format!(
            "Failed: the worker stopped unexpectedly during {stage} and closed the run when it restarted."
        ),
        Some("worker_shutdown") => format!("Failed: the worker was shut down during {stage}."),
        Some(_) => format!("{} in {stage}: {reason}.", capitalise(&r.outcome.status)),
        None => format!("{} in {stage}.", capitalise(&r.outcome.status)),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

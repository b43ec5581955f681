//! The runtime settings by name (PRODUCT.md's list): unit, description, default, and how a JSON
//! value is validated and applied to [`RuntimeSettings`]. The API, storage and UI all go through
//! these names.

use serde_json::{Value, json};

use super::RuntimeSettings;
use crate::config::Config;

/// Every runtime setting, in the order the API and UI list them.
pub const NAMES: [&str; 17] = [
    "allowed_commands",
    "command_timeout_seconds",
    "provider_timeout_seconds",
    "max_repair_attempts",
    "heartbeat_interval_seconds",
    "default_provider",
    "default_validation_mode",
    "keep_workspaces",
    "output_limit_bytes_per_run",
    "diff_guard_max_files",
    "diff_guard_max_lines",
    "diff_guard_protected_paths",
    "retention_events_days",
    "retention_audit_days",
    "retention_code_audit_days",
    "retention_events_max_bytes",
    "compliance_mode",
];

/// Why a value cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("{0} is not a runtime setting")]
    Unknown(String),
    #[error("{0}")]
    Invalid(String),
}

impl SettingError {
    /// The field error code the API reports.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unknown(_) => "unknown_setting",
            Self::Invalid(_) => "invalid",
        }
    }
}

/// Whether a setting can only be provisioned (flag or environment), never set from the UI/API.
#[must_use]
pub fn provisioned_only(name: &str) -> bool {
    name == "compliance_mode"
}

/// The unit a setting's value is in, if it has one.
#[must_use]
pub fn unit(name: &str) -> Option<&'static str> {
    Some(match name {
        "command_timeout_seconds" | "provider_timeout_seconds" | "heartbeat_interval_seconds" => {
            "seconds"
        }
        "max_repair_attempts" => "attempts",
        "output_limit_bytes_per_run" | "retention_events_max_bytes" => "bytes",
        "diff_guard_max_files" => "files",
        "diff_guard_max_lines" => "lines",
        "retention_events_days" | "retention_audit_days" | "retention_code_audit_days" => "days",
        _ => return None,
    })
}

/// What a setting does, for the API and the settings page.
#[must_use]
pub fn description(name: &str) -> &'static str {
    match name {
        "allowed_commands" => {
            "Program basenames that setup, validation and provider commands may run."
        }
        "command_timeout_seconds" => "Timeout of each setup and validation command.",
        "provider_timeout_seconds" => "Timeout of each provider step.",
        "max_repair_attempts" => {
            "Repair attempts after a failed validation, for jobs that set none."
        }
        "heartbeat_interval_seconds" => {
            "How often executors report a heartbeat; three missed periods make one stale."
        }
        "default_provider" => "Provider used by jobs that name none.",
        "default_validation_mode" => {
            "Validation mode (off, advisory, required) of jobs that name none."
        }
        "keep_workspaces" => "Keep run worktrees after runs end (for debugging).",
        "output_limit_bytes_per_run" => {
            "Output a run may produce before it is stopped (failed/output_limit)."
        }
        "diff_guard_max_files" => "Most files a run may change, for jobs that set no limit.",
        "diff_guard_max_lines" => "Most changed lines a run may make, for jobs that set no limit.",
        "diff_guard_protected_paths" => "Paths (globs) that no run may change.",
        "retention_events_days" => {
            "Days live stream events and raw output are kept after a run ends (0 = keep)."
        }
        "retention_audit_days" => "Days Ticket Audit records and stored diffs are kept (0 = keep).",
        "retention_code_audit_days" => "Days Code Audit evidence is kept (0 = keep).",
        "retention_events_max_bytes" => {
            "Most bytes of events kept over all runs; the oldest ended runs' events go first (0 = no cap)."
        }
        "compliance_mode" => {
            "Audit and code-audit evidence is never pruned. Provisioned only; cannot be turned off from the UI or API."
        }
        _ => "",
    }
}

/// The settings with nothing provisioned and nothing set in the UI.
#[must_use]
pub fn defaults() -> RuntimeSettings {
    RuntimeSettings::from_config(&Config::for_data_dir(std::path::PathBuf::new()))
}

/// The current value of `name` as JSON (`Null` for an unknown name).
#[must_use]
pub fn value(s: &RuntimeSettings, name: &str) -> Value {
    match name {
        "allowed_commands" => json!(s.allowed_commands),
        "command_timeout_seconds" => json!(s.command_timeout_seconds),
        "provider_timeout_seconds" => json!(s.provider_timeout_seconds),
        "max_repair_attempts" => json!(s.max_repair_attempts),
        "heartbeat_interval_seconds" => json!(s.heartbeat_interval_seconds),
        "default_provider" => json!(s.default_provider),
        "default_validation_mode" => json!(s.default_validation_mode),
        "keep_workspaces" => json!(s.keep_workspaces),
        "output_limit_bytes_per_run" => json!(s.output_limit_bytes_per_run),
        "diff_guard_max_files" => json!(s.diff_guard_max_files),
        "diff_guard_max_lines" => json!(s.diff_guard_max_lines),
        "diff_guard_protected_paths" => json!(s.diff_guard_protected_paths),
        "retention_events_days" => json!(s.retention_events_days),
        "retention_audit_days" => json!(s.retention_audit_days),
        "retention_code_audit_days" => json!(s.retention_code_audit_days),
        "retention_events_max_bytes" => json!(s.retention_events_max_bytes),
        "compliance_mode" => json!(s.compliance_mode),
        _ => Value::Null,
    }
}

const DAY_SECONDS: u64 = 86_400;
const MAX_DAYS: u32 = 36_500;

fn uint(v: &Value, min: u64, max: u64) -> Result<u64, SettingError> {
    v.as_u64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| SettingError::Invalid(format!("must be an integer from {min} to {max}")))
}

fn uint32(v: &Value, min: u32, max: u32) -> Result<u32, SettingError> {
    uint(v, u64::from(min), u64::from(max)).map(|n| u32::try_from(n).unwrap_or(max))
}

fn boolean(v: &Value) -> Result<bool, SettingError> {
    v.as_bool()
        .ok_or_else(|| SettingError::Invalid("must be true or false".into()))
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, SettingError> {
    let items = v
        .as_array()
        .ok_or_else(|| SettingError::Invalid(format!("must be a list of {what}")))?;
    if items.len() > 200 {
        return Err(SettingError::Invalid("at most 200 entries".into()));
    }
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let text = item
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.contains('\0'))
            .ok_or_else(|| SettingError::Invalid(format!("must be a list of non-empty {what}")))?;
        if !out.iter().any(|o| o == text) {
            out.push(text.to_owned());
        }
    }
    Ok(out)
}

/// Validates `v` for `name` and applies it to `s`; on error `s` is unchanged.
pub fn set(s: &mut RuntimeSettings, name: &str, v: &Value) -> Result<(), SettingError> {
    match name {
        "allowed_commands" => {
            let list = strings(v, "program names")?;
            if let Some(bad) = list
                .iter()
                .find(|e| e.contains('/') || e.contains(char::is_whitespace))
            {
                return Err(SettingError::Invalid(format!(
                    "{bad:?} is not a program basename"
                )));
            }
            s.allowed_commands = list;
        }
        "command_timeout_seconds" => s.command_timeout_seconds = uint(v, 1, DAY_SECONDS)?,
        "provider_timeout_seconds" => s.provider_timeout_seconds = uint(v, 1, 7 * DAY_SECONDS)?,
        "max_repair_attempts" => s.max_repair_attempts = uint32(v, 0, 10)?,
        "heartbeat_interval_seconds" => s.heartbeat_interval_seconds = uint(v, 1, 3600)?,
        "default_provider" => {
            s.default_provider = match v {
                Value::Null => None,
                Value::String(p) if crate::jobspec::PROVIDER_KINDS.contains(&p.as_str()) => {
                    Some(p.clone())
                }
                _ => {
                    return Err(SettingError::Invalid(format!(
                        "must be null or one of {}",
                        crate::jobspec::PROVIDER_KINDS.join(", ")
                    )));
                }
            };
        }
        "default_validation_mode" => {
            s.default_validation_mode = match v.as_str() {
                Some(m @ ("off" | "advisory" | "required")) => m.to_owned(),
                _ => {
                    return Err(SettingError::Invalid(
                        "must be off, advisory or required".into(),
                    ));
                }
            };
        }
        "keep_workspaces" => s.keep_workspaces = boolean(v)?,
        "output_limit_bytes_per_run" => s.output_limit_bytes_per_run = uint(v, 1024, 1 << 40)?,
        "diff_guard_max_files" => s.diff_guard_max_files = uint32(v, 1, 1_000_000)?,
        "diff_guard_max_lines" => s.diff_guard_max_lines = uint32(v, 1, 100_000_000)?,
        "diff_guard_protected_paths" => s.diff_guard_protected_paths = strings(v, "paths")?,
        "retention_events_days" => s.retention_events_days = uint32(v, 0, MAX_DAYS)?,
        "retention_audit_days" => s.retention_audit_days = uint32(v, 0, MAX_DAYS)?,
        "retention_code_audit_days" => {
            s.retention_code_audit_days = uint32(v, 0, MAX_DAYS)?;
        }
        "retention_events_max_bytes" => s.retention_events_max_bytes = uint(v, 0, 1 << 50)?,
        "compliance_mode" => s.compliance_mode = boolean(v)?,
        other => return Err(SettingError::Unknown(other.to_owned())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_round_trips_its_default() {
        let d = defaults();
        for name in NAMES {
            let mut s = d.clone();
            let v = value(&d, name);
            set(&mut s, name, &v).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(value(&s, name), v, "{name}");
            assert!(!description(name).is_empty(), "{name} has a description");
        }
        assert_eq!(value(&d, "command_timeout_seconds"), json!(300));
        assert_eq!(value(&d, "retention_events_days"), json!(30));
        assert_eq!(
            value(&d, "output_limit_bytes_per_run"),
            json!(256 * 1024 * 1024)
        );
    }

    #[test]
    fn invalid_values_leave_the_settings_unchanged() {
        let mut s = defaults();
        for (name, v) in [
            ("command_timeout_seconds", json!(0)),
            ("max_repair_attempts", json!(11)),
            ("max_repair_attempts", json!("2")),
            ("allowed_commands", json!(["/bin/sh"])),
            ("allowed_commands", json!("git")),
            ("default_provider", json!("nope")),
            ("default_validation_mode", json!("sometimes")),
            ("keep_workspaces", json!(1)),
            ("retention_events_days", json!(-1)),
        ] {
            assert!(set(&mut s, name, &v).is_err(), "{name} = {v}");
        }
        assert_eq!(value(&s, "max_repair_attempts"), json!(2));
        assert!(matches!(
            set(&mut s, "nope", &json!(1)),
            Err(SettingError::Unknown(_))
        ));
    }
}

//! The provider settings catalogue: which fields each provider kind has, which of them are
//! secrets, how a value is validated, where a provisioned value comes from (flags and
//! environment, via [`Config`]) and how an effective value lands in [`RuntimeSettings`].

use crate::config::Config;
use crate::providers::cli::CliKind;
use crate::settings::{ApiSettings, CliSettings, RuntimeSettings, Secret};

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A model name.
    Model,
    /// An `http(s)://` base URL.
    Url,
    /// A command line, split shell-style (never run through a shell).
    Command,
    /// A secret: stored encrypted, never returned.
    Secret,
    /// A whole number from 1 to [`MAX_COUNT`].
    Count,
}

/// Largest accepted [`FieldKind::Count`] value.
pub const MAX_COUNT: u32 = 1000;

/// One settings field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
}

const MODEL: Field = Field {
    name: "model",
    kind: FieldKind::Model,
};
const BASE_URL: Field = Field {
    name: "base_url",
    kind: FieldKind::Url,
};
const API_KEY: Field = Field {
    name: "api_key",
    kind: FieldKind::Secret,
};
const MAX_TURNS: Field = Field {
    name: "max_turns",
    kind: FieldKind::Count,
};
const COMMAND: Field = Field {
    name: "command",
    kind: FieldKind::Command,
};

/// A provider kind as the Providers page shows it.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    pub id: &'static str,
    pub label: &'static str,
    pub fields: &'static [Field],
}

/// Every provider kind, in `PROVIDER_KINDS` order.
pub const KINDS: [KindSpec; 6] = [
    KindSpec {
        id: "command",
        label: "Command",
        fields: &[COMMAND],
    },
    KindSpec {
        id: "claude-code-cli",
        label: "Claude Code CLI",
        fields: &[MODEL, BASE_URL, API_KEY],
    },
    KindSpec {
        id: "codex-cli",
        label: "Codex CLI",
        fields: &[MODEL, BASE_URL, API_KEY],
    },
    KindSpec {
        id: "gemini-cli",
        label: "Gemini CLI",
        fields: &[MODEL, BASE_URL, API_KEY],
    },
    KindSpec {
        id: "openai-compatible",
        label: "OpenAI-compatible API",
        fields: &[BASE_URL, MODEL, API_KEY, MAX_TURNS],
    },
    KindSpec {
        id: "anthropic",
        label: "Anthropic API",
        fields: &[BASE_URL, MODEL, API_KEY, MAX_TURNS],
    },
];

/// The spec of a kind.
#[must_use]
pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.id == kind)
}

impl KindSpec {
    #[must_use]
    pub fn field(&self, name: &str) -> Option<Field> {
        self.fields.iter().copied().find(|f| f.name == name)
    }
}

/// Longest accepted value of any field.
pub const MAX_VALUE_LEN: usize = 4096;

/// Checks a new, non-empty value for a field; `Err` is the reason.
pub fn validate(field: Field, value: &str) -> Result<(), String> {
    if value.len() > MAX_VALUE_LEN {
        return Err(format!("must be at most {MAX_VALUE_LEN} bytes"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    match field.kind {
        FieldKind::Model | FieldKind::Secret => {
            if value.chars().any(char::is_whitespace) {
                return Err("must not contain whitespace".into());
            }
            Ok(())
        }
        FieldKind::Url => crate::health::controller::Target::parse(value)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        FieldKind::Command => crate::jobspec::split_command_line(value).map(|_| ()),
        FieldKind::Count => match value.parse::<u32>() {
            Ok(n) if (1..=MAX_COUNT).contains(&n) => Ok(()),
            _ => Err(format!("must be a whole number from 1 to {MAX_COUNT}")),
        },
    }
}

/// The value of a field given by flag or environment (which makes it locked), if any.
#[must_use]
pub fn provisioned(config: &Config, kind: &str, field: &str) -> Option<String> {
    if kind == "command" {
        return config
            .command_provider
            .as_ref()
            .filter(|_| field == "command")
            .map(|argv| shlex::try_join(argv.iter().map(String::as_str)).unwrap_or_default());
    }
    if let Some(cli) = CliKind::from_id(kind) {
        let s = match cli {
            CliKind::ClaudeCode => &config.claude_code,
            CliKind::Codex => &config.codex,
            CliKind::Gemini => &config.gemini,
        };
        return match field {
            "model" => s.model.clone(),
            "base_url" => s.base_url.clone(),
            "api_key" => s.api_key.as_ref().map(|k| k.0.clone()),
            _ => None,
        };
    }
    let s = api_of(kind, config)?;
    match field {
        "model" => s.model.clone(),
        "base_url" => s.base_url.clone(),
        "api_key" => s.api_key.as_ref().map(|k| k.0.clone()),
        "max_turns" => s.max_turns.map(|n| n.to_string()),
        _ => None,
    }
}

fn api_of<'a>(kind: &str, c: &'a Config) -> Option<&'a ApiSettings> {
    match kind {
        "openai-compatible" => Some(&c.openai),
        "anthropic" => Some(&c.anthropic),
        _ => None,
    }
}

/// Sets a UI-managed (unlocked) field's effective value in the runtime settings; `None` unsets.
pub fn apply(s: &mut RuntimeSettings, kind: &str, field: &str, value: Option<&str>) {
    let owned = value.map(str::to_owned);
    if kind == "command" {
        if field == "command" {
            s.command_provider = value.and_then(|v| crate::jobspec::split_command_line(v).ok());
        }
        return;
    }
    if let Some(cli) = CliKind::from_id(kind) {
        let c: &mut CliSettings = match cli {
            CliKind::ClaudeCode => &mut s.claude_code,
            CliKind::Codex => &mut s.codex,
            CliKind::Gemini => &mut s.gemini,
        };
        match field {
            "model" => c.model = owned,
            "base_url" => c.base_url = owned,
            "api_key" => {
                c.api_key_source = owned.as_ref().map(|_| "providers page".to_owned());
                c.api_key = owned.map(Secret);
            }
            _ => {}
        }
        return;
    }
    let a = match kind {
        "openai-compatible" => &mut s.openai,
        "anthropic" => &mut s.anthropic,
        _ => return,
    };
    match field {
        "model" => a.model = owned,
        "base_url" => a.base_url = owned,
        "api_key" => a.api_key = owned.map(Secret),
        "max_turns" => a.max_turns = value.and_then(|v| v.parse().ok()),
        _ => {}
    }
}

/// A secret as the API shows it: `"…"` and its last 4 characters (only `"…"` for a secret
/// shorter than 12 characters, so that a short one is not mostly revealed).
#[must_use]
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n < 12 {
        return "…".to_owned();
    }
    let tail: String = secret.chars().skip(n - 4).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_at_most_the_last_four() {
        assert_eq!(mask("sk-abcdefghijkl1234"), "…1234");
        assert_eq!(mask("short"), "…");
    }

    #[test]
    fn values_are_validated_per_kind() {
        assert!(validate(BASE_URL, "http://127.0.0.1:9/v1").is_ok());
        assert!(validate(BASE_URL, "ftp://x").is_err());
        assert!(validate(MODEL, "gpt 4").is_err());
        assert!(validate(API_KEY, "sk-\n1").is_err());
        assert!(validate(COMMAND, "python3 agent.py").is_ok());
        assert!(validate(COMMAND, "a && b").is_err());
        assert!(validate(MAX_TURNS, "40").is_ok());
        assert!(validate(MAX_TURNS, "0").is_err());
        assert!(validate(MAX_TURNS, "x").is_err());
    }

    #[test]
    fn apply_and_provisioned_agree() {
        let mut config = Config::for_data_dir("d".into());
        config.openai.model = Some("m1".into());
        assert_eq!(
            provisioned(&config, "openai-compatible", "model").as_deref(),
            Some("m1")
        );
        assert_eq!(provisioned(&config, "anthropic", "model"), None);
        let mut s = RuntimeSettings::from_config(&config);
        apply(&mut s, "anthropic", "api_key", Some("k-123"));
        apply(&mut s, "command", "command", Some("python3 a.py"));
        assert_eq!(s.anthropic.api_key, Some(Secret("k-123".into())));
        assert_eq!(
            s.command_provider,
            Some(vec!["python3".to_owned(), "a.py".to_owned()])
        );
        apply(&mut s, "anthropic", "api_key", None);
        assert_eq!(s.anthropic.api_key, None);
    }
}

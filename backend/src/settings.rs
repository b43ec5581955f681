//! Runtime settings that components read when a run starts or a request arrives. Issue-level
//! persistence (UI-set values, history) layers on this; today they come from flags/environment and
//! defaults.

use std::sync::{Arc, RwLock};

use crate::config::Config;

/// The settings in effect now.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    pub allowed_commands: Vec<String>,
    pub default_validation_mode: String,
    pub max_repair_attempts: u32,
    /// `JCA_WORKER_COMMAND_PROVIDER`, split into argv, when set.
    pub command_provider: Option<Vec<String>>,
}

impl RuntimeSettings {
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        let command_provider = std::env::var("JCA_WORKER_COMMAND_PROVIDER")
            .ok()
            .and_then(|s| shlex::split(&s))
            .filter(|v| !v.is_empty());
        Self {
            allowed_commands: config.allowed_commands.clone(),
            default_validation_mode: "required".into(),
            max_repair_attempts: 2,
            command_provider,
        }
    }
}

/// Shared, swappable settings.
#[derive(Debug, Clone)]
pub struct SharedSettings(Arc<RwLock<RuntimeSettings>>);

impl SharedSettings {
    #[must_use]
    pub fn new(s: RuntimeSettings) -> Self {
        Self(Arc::new(RwLock::new(s)))
    }

    /// A snapshot of the current settings.
    #[must_use]
    pub fn get(&self) -> RuntimeSettings {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

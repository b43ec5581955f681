//! How a setting's layers combine: a provisioned value (flag or environment) is locked and wins;
//! otherwise a value set in the UI (stored) wins over the default. Also the API's view of each.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::RuntimeSettings;
use super::registry::{self, NAMES};
use crate::config::Provisioned;

/// One setting as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingView {
    #[schema(value_type = Object)]
    pub value: Value,
    #[schema(value_type = Object)]
    pub default: Value,
    /// `default`, `ui`, `env` or `flag`.
    pub source: String,
    /// Locked settings cannot be changed from the UI or API.
    pub locked: bool,
    pub unit: Option<String>,
    pub description: String,
}

/// Whether `name` cannot be changed from the UI or API.
#[must_use]
pub fn is_locked(name: &str, provisioned: &BTreeMap<String, Provisioned>) -> bool {
    registry::provisioned_only(name) || provisioned.contains_key(name)
}

/// Applies stored UI values to `s`, skipping locked names and values that are no longer valid.
pub fn apply_stored(
    s: &mut RuntimeSettings,
    stored: &[(String, Value)],
    provisioned: &BTreeMap<String, Provisioned>,
) {
    for (name, value) in stored {
        if is_locked(name, provisioned) {
            continue;
        }
        if let Err(e) = registry::set(s, name, value) {
            tracing::warn!(setting = %name, error = %e, "ignoring a stored setting");
        }
    }
}

/// Every setting's view, given the settings in effect and the names set in the UI.
#[must_use]
pub fn views(
    s: &RuntimeSettings,
    stored: &BTreeSet<String>,
    provisioned: &BTreeMap<String, Provisioned>,
) -> BTreeMap<String, SettingView> {
    let defaults = registry::defaults();
    NAMES
        .iter()
        .map(|name| {
            let source = match provisioned.get(*name) {
                Some(p) => p.as_str(),
                None if stored.contains(*name) && !registry::provisioned_only(name) => "ui",
                None => "default",
            };
            let view = SettingView {
                value: registry::value(s, name),
                default: registry::value(&defaults, name),
                source: source.to_owned(),
                locked: is_locked(name, provisioned),
                unit: registry::unit(name).map(str::to_owned),
                description: registry::description(name).to_owned(),
            };
            ((*name).to_owned(), view)
        })
        .collect()
}

//! Provider configuration: one provider per kind, with settings from two places. Fields given by
//! flag or environment are *provisioned* and locked; in `JCA_PROVIDER_CONFIG_MODE=ui` the others
//! are managed on the Providers page and stored in the database (secrets sealed by [`secrets`]),
//! in `provisioned` mode every field is locked. [`ProviderStore`] loads the stored fields at
//! start, applies them to the shared [`RuntimeSettings`](crate::settings::RuntimeSettings) (runs
//! that start afterwards see them), answers the API's views (secrets masked) and applies
//! partial updates atomically.

pub mod fields;
pub mod secrets;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::{Config, ProviderConfigMode};
use crate::db::providers::FieldWrite;
use crate::db::{Db, DbError};
use crate::jobspec::FieldError;
use crate::providers::Readiness;
use crate::settings::SharedSettings;
use fields::{FieldKind, KindSpec};
use secrets::{SecretBox, SecretError};

/// Where a provider's settings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderSource {
    /// Managed on the Providers page (no field given by flag or environment).
    Ui,
    /// Given (wholly or partly) by flags or environment; those fields are locked.
    Provisioned,
}

/// A provider as `GET /api/v1/providers` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderItem {
    /// The provider id (its kind: one provider per kind).
    pub id: String,
    pub kind: String,
    pub label: String,
    pub source: ProviderSource,
    /// Fields given by flag or environment (all of them in `provisioned` mode): read-only.
    pub locked_fields: Vec<String>,
    /// Fields that are secrets: shown masked as `"…"` + their last 4 characters.
    pub secret_fields: Vec<String>,
    /// Every field of the kind with its effective value (`null` when unset).
    pub settings: BTreeMap<String, Option<String>>,
    pub readiness: Readiness,
    /// Jobs that name no provider run with this one (`default_provider`, else the command
    /// provider when it has a command).
    pub is_default: bool,
}

/// Why an update was refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("no provider {0}")]
    NotFound(String),
    #[error("locked fields cannot be changed here (provisioned by flag or environment): {}", .0.join(", "))]
    Locked(Vec<String>),
    #[error("invalid provider settings")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// Why the store cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// UI-managed provider settings and their application to the runtime settings.
#[derive(Clone)]
pub struct ProviderStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: SharedSettings,
    config: Arc<Config>,
    secrets: SecretBox,
    /// The stored UI values, secrets in plain text (memory only), by (kind, field).
    ui: tokio::sync::Mutex<BTreeMap<(String, String), String>>,
}

impl ProviderStore {
    /// Opens (or creates) the key file, loads the stored fields and applies them to `settings`.
    pub async fn load(
        db: Db,
        settings: SharedSettings,
        config: Arc<Config>,
    ) -> Result<Self, LoadError> {
        let secrets = SecretBox::open_or_create(&config.provider_secret_key_path)?;
        let rows = db.read(|c| crate::db::providers::all(c)).await?;
        let mut ui = BTreeMap::new();
        for row in rows {
            let value = match (row.value, row.secret) {
                (Some(v), _) => v,
                (None, Some(blob)) => secrets.open(&format!("{}/{}", row.kind, row.name), &blob)?,
                (None, None) => continue,
            };
            ui.insert((row.kind, row.name), value);
        }
        let store = Self {
            inner: Arc::new(Inner {
                db,
                settings,
                config,
                secrets,
                ui: tokio::sync::Mutex::new(ui),
            }),
        };
        let ui = store.inner.ui.lock().await;
        for spec in &fields::KINDS {
            store.apply_kind(spec, &ui);
        }
        drop(ui);
        Ok(store)
    }

    fn mode(&self) -> ProviderConfigMode {
        self.inner.config.provider_config_mode
    }

    fn is_locked(&self, kind: &str, field: &str) -> bool {
        self.mode() == ProviderConfigMode::Provisioned
            || fields::provisioned(&self.inner.config, kind, field).is_some()
    }

    /// The effective value of a field: provisioned when locked, else the stored UI value.
    fn effective(
        &self,
        ui: &BTreeMap<(String, String), String>,
        kind: &str,
        field: &str,
    ) -> Option<String> {
        if self.is_locked(kind, field) {
            fields::provisioned(&self.inner.config, kind, field)
        } else {
            ui.get(&(kind.to_owned(), field.to_owned())).cloned()
        }
    }

    /// Applies a kind's unlocked fields to the runtime settings (locked ones already hold their
    /// provisioned values).
    fn apply_kind(&self, spec: &KindSpec, ui: &BTreeMap<(String, String), String>) {
        let values: Vec<(&str, Option<String>)> = spec
            .fields
            .iter()
            .filter(|f| !self.is_locked(spec.id, f.name))
            .map(|f| (f.name, self.effective(ui, spec.id, f.name)))
            .collect();
        self.inner.settings.update(|s| {
            for (name, v) in &values {
                fields::apply(s, spec.id, name, v.as_deref());
            }
        });
    }

    /// Every provider, in `PROVIDER_KINDS` order, with its readiness now.
    pub async fn list(&self) -> Vec<ProviderItem> {
        let mut out = Vec::new();
        for spec in &fields::KINDS {
            out.push(self.view(spec).await);
        }
        out
    }

    /// One provider with its readiness now.
    pub async fn get(&self, id: &str) -> Option<ProviderItem> {
        Some(self.view(fields::spec(id)?).await)
    }

    async fn view(&self, spec: &KindSpec) -> ProviderItem {
        let ui = self.inner.ui.lock().await.clone();
        let locked_fields: Vec<String> = spec
            .fields
            .iter()
            .filter(|f| self.is_locked(spec.id, f.name))
            .map(|f| f.name.to_owned())
            .collect();
        let provisioned_any = spec
            .fields
            .iter()
            .any(|f| fields::provisioned(&self.inner.config, spec.id, f.name).is_some());
        let source = if self.mode() == ProviderConfigMode::Provisioned || provisioned_any {
            ProviderSource::Provisioned
        } else {
            ProviderSource::Ui
        };
        let settings = spec
            .fields
            .iter()
            .map(|f| {
                let v = self.effective(&ui, spec.id, f.name);
                let shown = match f.kind {
                    FieldKind::Secret => v.as_deref().map(fields::mask),
                    _ => v,
                };
                (f.name.to_owned(), shown)
            })
            .collect();
        let runtime = self.inner.settings.get();
        let is_default =
            crate::providers::default_provider_id(&runtime).as_deref() == Some(spec.id);
        let readiness = readiness(spec.id, &runtime).await;
        ProviderItem {
            id: spec.id.to_owned(),
            kind: spec.id.to_owned(),
            label: spec.label.to_owned(),
            source,
            secret_fields: spec
                .fields
                .iter()
                .filter(|f| f.kind == FieldKind::Secret)
                .map(|f| f.name.to_owned())
                .collect(),
            locked_fields,
            settings,
            readiness,
            is_default,
        }
    }

    /// The runtime settings in effect now (for the self-test).
    #[must_use]
    pub fn runtime(&self) -> crate::settings::RuntimeSettings {
        self.inner.settings.get()
    }

    /// Applies a partial update: a secret that is absent or equal to its masked value is kept,
    /// `""` (or `null`) clears a field; any locked field refuses the whole update, any invalid
    /// value too. All-or-nothing.
    pub async fn update(
        &self,
        id: &str,
        patch: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<ProviderItem, UpdateError> {
        let spec = fields::spec(id).ok_or_else(|| UpdateError::NotFound(id.to_owned()))?;
        let mut ui = self.inner.ui.lock().await;
        let mut errors = Vec::new();
        let mut locked = Vec::new();
        let mut changes: Vec<(String, Option<String>)> = Vec::new();
        for (name, raw) in patch {
            let path = format!("settings.{name}");
            let Some(field) = spec.field(name) else {
                errors.push(FieldError::new(
                    &path,
                    "unknown_field",
                    format!("{} has no setting {name}", spec.label),
                ));
                continue;
            };
            if self.is_locked(id, name) {
                locked.push(name.clone());
                continue;
            }
            let value = match raw {
                serde_json::Value::Null => "",
                serde_json::Value::String(s) => s.as_str(),
                _ => {
                    errors.push(FieldError::new(&path, "type", "must be a string or null"));
                    continue;
                }
            };
            let current = ui.get(&(id.to_owned(), name.clone()));
            if field.kind == FieldKind::Secret && value.starts_with('…') {
                if current.is_some_and(|c| fields::mask(c) == value) {
                    continue; // the masked echo keeps the stored secret
                }
                errors.push(FieldError::new(
                    &path,
                    "masked_value",
                    "does not match the stored secret's masked value; give the full secret",
                ));
                continue;
            }
            if value.is_empty() {
                changes.push((name.clone(), None));
                continue;
            }
            match fields::validate(field, value) {
                Ok(()) => changes.push((name.clone(), Some(value.to_owned()))),
                Err(reason) => errors.push(FieldError::new(&path, "invalid", reason)),
            }
        }
        if !errors.is_empty() {
            return Err(UpdateError::Invalid(errors));
        }
        if !locked.is_empty() {
            return Err(UpdateError::Locked(locked));
        }
        let mut writes = Vec::with_capacity(changes.len());
        for (name, v) in &changes {
            let w = match (v, spec.field(name).map(|f| f.kind)) {
                (None, _) => FieldWrite::Clear,
                (Some(v), Some(FieldKind::Secret)) => {
                    FieldWrite::Sealed(self.inner.secrets.seal(&format!("{id}/{name}"), v)?)
                }
                (Some(v), _) => FieldWrite::Value(v.clone()),
            };
            writes.push((name.clone(), w));
        }
        let kind = id.to_owned();
        self.inner
            .db
            .writer
            .exec(writes.len().max(1), move |c, _| {
                crate::db::providers::write(c, &kind, &writes)
            })
            .await?;
        for (name, v) in changes {
            let key = (id.to_owned(), name);
            match v {
                Some(v) => ui.insert(key, v),
                None => ui.remove(&key),
            };
        }
        self.apply_kind(spec, &ui);
        drop(ui);
        Ok(self.view(spec).await)
    }
}

/// A provider kind's readiness now (see [`crate::providers::readiness_of`]).
pub async fn readiness(kind: &str, s: &crate::settings::RuntimeSettings) -> Readiness {
    match crate::providers::readiness_of(kind, s).await {
        Some(r) => r,
        None => Readiness::from_checks(vec![crate::providers::Check::fail(
            "implementation",
            format!("{kind} is not implemented by this worker"),
        )]),
    }
}

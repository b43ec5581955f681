//! The JSON API under `/api/v1` and the probes: shared state, route table, and one module per
//! area. Handlers are free `async fn`s taking typed extractors and returning
//! `Result<_, ApiError>`; queries live in `db`.

pub mod audit;
pub mod body;
pub mod code_audit;
pub mod code_audit_evidence;
pub mod code_audit_export;
pub mod error;
pub mod events;
pub mod executors;
pub mod health;
pub mod jobs;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod probes;
pub mod providers;
pub mod retention;
pub mod runs;
pub mod samples;
pub mod session;
pub mod settings;
pub mod stream;
pub mod worker;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::db::Db;
use crate::live::Hub;
use crate::settings::SharedSettings;
use crate::sink::LocalSink;

pub use error::ApiError;

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hub: Hub,
    pub config: Arc<Config>,
    pub settings: SharedSettings,
    pub sink: LocalSink,
    pub executors: crate::executor::Pool,
    pub code_audit: crate::code_audit::CodeAudit,
    pub health: crate::health::Health,
    pub providers: crate::providers::config::ProviderStore,
    pub retention: crate::retention::Retention,
    pub started_at: DateTime<Utc>,
}

/// Mounts `/api/v1/*` and the probes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(jobs::configure)
            .configure(runs::configure)
            .configure(events::configure)
            .configure(stream::configure)
            .configure(session::configure)
            .configure(worker::configure)
            .configure(executors::configure)
            .configure(health::configure)
            .configure(providers::configure)
            .configure(samples::configure)
            .configure(settings::configure)
            .configure(retention::configure)
            .configure(audit::configure)
            .configure(code_audit::configure)
            .configure(openapi::configure)
            .default_service(web::to(api_not_found)),
    )
    .configure(probes::configure)
    .configure(metrics::configure);
}

/// Unknown `/api/...` paths answer the JSON 404, never the SPA.
pub async fn api_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no API endpoint {} {}",
        req.method(),
        req.path()
    )))
}

//! The OpenAPI document, generated from the handlers and types with utoipa, served at
//! `/api/v1/openapi.json`. The committed copy (`backend/openapi.json`) must match it byte for byte
//! (a test checks); `make openapi` regenerates it and the frontend's types.

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(serve));
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mergeloom-worker API", description = "JSON API of the mergeloom worker (see API.md)."),
    paths(
        super::jobs::create_job, super::jobs::get_job, super::jobs::retry_job,
        super::runs::list_runs, super::runs::get_run, super::runs::cancel_run, super::runs::run_patch,
        super::executors::list_executors, super::samples::run_sample,
        super::audit::list_audit, super::audit::get_audit, super::audit::get_diff, super::audit::export_audit,
        super::events::list_events, super::events::search_events, super::events::log_text,
        super::events::events_ndjson, super::stream::run_stream, super::stream::worker_stream,
        super::session::create_session, super::session::delete_session,
        super::worker::worker_info, super::probes::live, super::probes::ready,
        super::code_audit::list_repositories, super::code_audit::get_repository,
        super::code_audit::patch_repository, super::code_audit::list_files, super::code_audit::get_file,
        super::code_audit::list_evidence, super::code_audit::list_runs, super::code_audit::reconcile,
        super::code_audit::list_reconciliations, super::code_audit_evidence::post_evidence,
        super::code_audit_export::export_code_audit,
        super::health::get_health, super::health::get_history, super::metrics::metrics,
        super::providers::list_providers, super::providers::put_provider, super::providers::check_provider, super::providers::self_test_provider,
        super::settings::get_settings, super::settings::put_settings, super::settings::get_history,
        super::retention::get_retention, super::retention::preview, super::retention::prune_now,
    ),
    components(schemas(
        crate::model::Run, crate::model::Job, crate::model::JobCreated, crate::model::Event,
        crate::model::EventSearch, crate::model::ErrorEnvelope, crate::model::WorkerInfo,
        crate::model::Stage, crate::model::StateChange, super::runs::RunList, super::events::EventList,
        crate::jobspec::JobRequest, crate::jobspec::FieldError, crate::executor::Executor,
        super::executors::ExecutorList, crate::audit_model::TicketAudit, crate::audit_model::AuditList,
        crate::audit_model::AuditListItem,
        crate::db::code_audit_views::CodeRepo, crate::db::code_audit_views::CodeFile, crate::db::code_audit_views::StatusCounts,
        crate::db::code_audit_views::EvidenceRange, crate::db::code_audit_views::EvidenceSet,
        crate::db::code_audit_views::LineEvidence, crate::db::code_audit::Reconciliation,
        crate::code_audit::status::LineStatus, super::code_audit::CodeRepoList, super::code_audit::CodeFileList,
        super::code_audit::FileView, super::code_audit::EvidenceList, super::code_audit::EvidenceSetList,
        super::code_audit::ReconciliationList, super::code_audit_evidence::EvidenceRequest,
        super::code_audit_evidence::EvidenceCreated, super::code_audit::RepoPatch,
        crate::health::model::HealthReport,
        crate::health::model::HealthCheck, crate::health::model::WorkerHealth,
        crate::health::model::Status, crate::health::model::HealthHistory,
        crate::health::model::CheckTimeline, crate::health::model::StatusPoint,
        crate::health::model::Readiness, crate::health::model::Liveness,
        super::providers::ProviderList, super::providers::ProviderUpdate,
        crate::providers::config::ProviderItem, crate::providers::config::ProviderSource,
        crate::providers::Readiness, crate::providers::Check, crate::providers::ReadyStatus,
        crate::providers::api::selftest::SelfTestResult, crate::providers::api::selftest::SelfTestUsage,
        super::settings::SettingsDoc, super::settings::SettingsHistory, crate::db::settings::HistoryEntry,
        crate::settings::layers::SettingView,
        crate::retention::RetentionStatus, crate::retention::RetentionPreview, crate::retention::PruneReport,
        crate::retention::policy::Policy, crate::retention::plan::EventFigures,
        crate::retention::plan::AuditFigures, crate::retention::plan::CodeAuditFigures,
    )),
    tags(
        (name = "jobs"), (name = "runs"), (name = "events"), (name = "session"), (name = "worker"), (name = "executors"), (name = "audit"), (name = "code-audit"), (name = "health"), (name = "probes"), (name = "providers"), (name = "settings"), (name = "retention"),
    )
)]
pub struct ApiDoc;

/// The document as served (pretty JSON with a trailing newline), built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = crate::VERSION.to_owned();
        let mut s = doc
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    })
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "worker", responses((status = 200, description = "this document")))]
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}

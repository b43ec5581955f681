//! mergeloom-worker: a self-hosted worker for AI coding jobs, with a local UI and JSON API.
//!
//! The crate is a library (so integration tests and benchmarks drive the real components) plus a
//! thin binary in `main.rs`. Layout follows `ARCHITECTURE.md`: `db` owns storage and the single
//! writer, `live` the broadcast hub, `sink` the executor-facing event sink, `api` the HTTP handlers,
//! `security` the Host/Origin/token guard, `web` the embedded single-page app.

pub mod api;
pub mod audit_explain;
pub mod audit_model;
pub mod code_audit;
pub mod config;
pub mod db;
pub mod executor;
pub mod health;
pub mod ids;
pub mod jobspec;
pub mod live;
pub mod metrics;
pub mod model;
pub mod providers;
pub mod retention;
pub mod samples;
pub mod schema;
pub mod security;
pub mod seed;
pub mod server;
pub mod settings;
pub mod sink;
pub mod time;
pub mod web;

/// The worker's version, as built.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

//! Integration tests for mergeloom-worker: the real server, in process (or as a child process for
//! `process`), driven over HTTP.
//!
//! - `contract`: the JSON API as `API.md` describes it (jobs, runs, events, errors, probes).
//! - `security`: Host allowlist, same-origin writes, access token and session cookie.
//! - `stream`: SSE resume with no gap and no duplicate, lagging clients, the worker-wide stream.
//! - `health`: health checks, probes, idle reasons and `/metrics`.
//! - `process`: the binary itself (data-directory lock, SIGTERM, non-loopback without a token).
//! - `api_providers`: the OpenAI-compatible and Anthropic API providers (the worker's own agent
//!   loop) through the pipeline, against `model_server`.
//! - `cli_providers`: the real Claude Code and Codex CLIs through the pipeline, against
//!   `model_server`, the scripted model server.

mod api_providers;
mod audit;
mod cli_providers;
mod code_audit;
mod code_audit_engine;
mod contract;
mod executor;
mod health;
mod model_server;
mod process;
mod providers;
mod retention;
mod security;
mod settings;
mod stream;
mod support;
mod web;

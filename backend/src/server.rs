//! Starting and stopping a `serve` process: the data-directory lock, storage, recovery of runs a
//! dead process left running, the HTTP server, and graceful shutdown (live streams end first).

use std::fs::File;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, middleware, web};
use fs4::fs_std::FileExt;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{Db, DbError, runs};
use crate::live::Hub;
use crate::model::status;
use crate::settings::{RuntimeSettings, SharedSettings};
use crate::sink::LocalSink;

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "data directory {0} is in use by another mergeloom-worker process (lock file {0}/lock is held); stop that process or use another --data-dir"
    )]
    Locked(String),
    #[error("cannot lock the data directory: {0}")]
    Lock(std::io::Error),
    #[error(transparent)]
    Storage(#[from] DbError),
    #[error("provider settings: {0}")]
    Providers(#[from] crate::providers::config::LoadError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// A running server.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _lock: File,
}

impl RunningServer {
    /// The base URL clients use.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the executors (their runs end `failed/worker_shutdown`, processes killed), ends live
    /// streams, stops accepting, and waits (bounded) for in-flight requests.
    pub async fn stop(self) {
        self.state.health.stop().await;
        self.state
            .executors
            .shutdown(Duration::from_millis(3500))
            .await;
        self.state.code_audit.stop();
        self.state.retention.stop();
        self.state.hub.shut_down();
        self.handle.stop(true).await;
        let _ = tokio::time::timeout(Duration::from_secs(4), self.task).await;
    }
}

fn lock_data_dir(config: &Config) -> Result<File, StartError> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("lock"))
        .map_err(StartError::Lock)?;
    match file.try_lock_exclusive() {
        Ok(true) => Ok(file),
        Ok(false) => Err(StartError::Locked(dir.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
            Err(StartError::Locked(dir.display().to_string()))
        }
        Err(e) => Err(StartError::Lock(e)),
    }
}

/// Closes runs that a previous process left `running` as `failed/worker_restarted`, killing any
/// of their process groups that survived.
async fn recover_orphans(db: &Db, layout: crate::executor::git::Layout) -> Result<usize, DbError> {
    db.writer
        .exec(16, move |c, ctx| {
            use crate::schema::{commands as cm, runs as r};
            use diesel::prelude::*;
            let ids: Vec<String> = r::table
                .filter(r::status.eq(status::RUNNING))
                .select(r::id)
                .load(c)?;
            let open: Vec<(String, Option<i32>)> = cm::table
                .filter(cm::run_id.eq_any(&ids))
                .filter(cm::exit_code.is_null())
                .filter(cm::duration_ms.is_null())
                .select((cm::run_id, cm::pid))
                .load(c)?;
            for (run_id, pid) in open {
                if let Some(pgid) = pid {
                    crate::executor::process::kill_orphan_group(pgid, &run_id);
                }
            }
            // Their worktrees and private files go too (git prunes the worktree entries later).
            for id in &ids {
                let _ = std::fs::remove_dir_all(layout.worktree(id));
                let _ = std::fs::remove_dir_all(layout.run_files(id));
            }
            for id in &ids {
                let t = runs::Transition {
                    status: status::FAILED.into(),
                    note: Some("worker restarted".into()),
                    reason_code: Some("worker_restarted".into()),
                    reason: Some("The worker stopped while this run was running; it was closed at the next start.".into()),
                    ..runs::Transition::default()
                };
                runs::transition_in_tx(c, ctx, id, &t)?;
            }
            Ok(ids.len())
        })
        .await
}

/// Starts the server: lock, storage, recovery, HTTP.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    let lock = lock_data_dir(&config)?;
    let hub = Hub::new();
    let dir = config.data_dir.clone();
    let hub2 = hub.clone();
    let db = tokio::task::spawn_blocking(move || Db::open(&dir, hub2))
        .await
        .map_err(|e| DbError::Pool(e.to_string()))??;
    let layout = crate::executor::git::Layout {
        root: std::path::absolute(&config.workspace_root)
            .unwrap_or_else(|_| config.workspace_root.clone()),
    };
    let recovered = recover_orphans(&db, layout.clone()).await?;
    if recovered > 0 {
        tracing::warn!(
            count = recovered,
            "closed runs left running by a previous process"
        );
    }
    let mut runtime = RuntimeSettings::from_config(&config);
    let stored = crate::db::settings::load(&db).await?;
    crate::settings::layers::apply_stored(&mut runtime, &stored, &config.setting_sources);
    let settings = SharedSettings::new(runtime);
    let config = Arc::new(config);
    // Stored provider settings apply before any executor can start a run.
    let providers =
        crate::providers::config::ProviderStore::load(db.clone(), settings.clone(), config.clone())
            .await?;
    let sink = LocalSink::new(db.clone());
    let mut redactor = crate::executor::redact::Redactor::from_env(&config.redact_env);
    if let Some(t) = &config.auth_token {
        redactor.add(t);
    }
    let locks = crate::executor::workspace::RepoLocks::default();
    let code_audit = crate::code_audit::CodeAudit::start(
        crate::code_audit::Deps {
            db: db.clone(),
            layout: layout.clone(),
            locks: locks.clone(),
            git_token: config.git_token.clone(),
        },
        Duration::from_secs(config.code_audit_interval_seconds),
    );
    let services = crate::executor::pipeline::Services {
        db: db.clone(),
        sink: Arc::new(sink.clone()),
        layout,
        locks,
        redactor: Arc::new(redactor),
        git_token: config.git_token.clone(),
        code_audit: Some(code_audit.clone()),
    };
    let executors = crate::executor::Pool::start(
        config.executors,
        &config.name,
        services,
        settings.clone(),
        hub.clone(),
    );
    let started_at = chrono::Utc::now();
    let health = crate::health::Health::new(crate::health::Deps {
        db: db.clone(),
        hub: hub.clone(),
        executors: executors.clone(),
        settings: settings.clone(),
        config: config.clone(),
        started_at,
    });
    let retention = crate::retention::Retention::new(
        db.clone(),
        settings.clone(),
        Duration::from_secs(config.retention_interval_seconds),
    );
    retention.start();
    let state = AppState {
        retention,
        providers,
        executors,
        code_audit,
        health,
        sink,
        db,
        hub,
        settings,
        config,
        started_at,
    };
    let app_state = state.clone();
    let addr_text = format!("{}:{}", state.config.host, state.config.port);
    let server =
        HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(app_state.clone()))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    api::ApiError::BadRequest(format!("bad query string: {e}")).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    api::ApiError::NotFound(format!("not found: {e}")).into()
                }))
                .wrap(middleware::from_fn(crate::security::guard::guard))
                .wrap(middleware::Compress::default())
                .configure(api::configure)
                .default_service(web::to(crate::web::serve))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(3)
        .bind((state.config.host, state.config.port))
        .map_err(|source| StartError::Bind {
            addr: addr_text.clone(),
            source,
        })?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| StartError::Bind {
            addr: addr_text,
            source: std::io::Error::other("no address bound"),
        })?;
    // The first round of health checks runs before the first request, so probes answer from it.
    state.health.start(addr).await;
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    tracing::info!(%addr, name = %state.config.name, "serving");
    Ok(RunningServer {
        addr,
        state,
        handle,
        task,
        _lock: lock,
    })
}

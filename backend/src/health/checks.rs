//! The individual checks. Each returns a [`Found`] (status, message, details, advice); the caller
//! times it, bounds it with the check timeout and stamps it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use serde_json::json;

use super::disk::{self, DiskProbe};
use super::model::Status;
use crate::config::{Config, HealthConfig};
use crate::db::{DB_FILE, Db, DbError, MIGRATIONS};
use crate::executor::Executor;
use crate::settings::RuntimeSettings;

/// What a check found, before it is timed and stamped.
#[derive(Debug, Clone)]
pub struct Found {
    pub status: Status,
    pub message: String,
    pub details: serde_json::Value,
    pub action: Option<String>,
}

impl Found {
    fn new(status: Status, message: impl Into<String>, details: serde_json::Value) -> Self {
        Self {
            status,
            message: message.into(),
            details,
            action: None,
        }
    }

    fn advise(mut self, action: impl Into<String>) -> Self {
        if self.status != Status::Ok {
            self.action = Some(action.into());
        }
        self
    }
}

/// The gateway: it serves (this code runs), with version, uptime, bind address and build.
#[must_use]
pub fn gateway(
    config: &Config,
    started_at: chrono::DateTime<chrono::Utc>,
    bound: Option<std::net::SocketAddr>,
) -> Found {
    let uptime = (chrono::Utc::now() - started_at).num_seconds();
    let bind = bound.map_or_else(
        || format!("{}:{}", config.host, config.port),
        |a| a.to_string(),
    );
    Found::new(
        Status::Ok,
        format!("serving on {bind}, up {}", human_duration(uptime)),
        json!({
            "version": crate::VERSION,
            "uptime_s": uptime,
            "started_at": crate::time::format(started_at),
            "bind": bind,
            "auth_required": config.auth_token.is_some(),
            "build": {
                "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
                "os": std::env::consts::OS,
                "arch": std::env::consts::ARCH,
            },
        }),
    )
}

/// Executors: each one's heartbeat age; degraded when any is stale or offline, down when none is
/// alive (or none is configured).
#[must_use]
pub fn executors(list: &[Executor], heartbeat_interval_seconds: u64) -> Found {
    let now = chrono::Utc::now();
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|e| {
            let age_ms = e
                .last_heartbeat_at
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| (now - t.with_timezone(&chrono::Utc)).num_milliseconds());
            json!({
                "id": e.id, "name": e.name, "status": e.status,
                "current_run_id": e.current_run_id, "heartbeat_age_ms": age_ms,
            })
        })
        .collect();
    // A stale executor is late, not presumed dead: it still counts as alive.
    let alive = list.iter().filter(|e| e.status != "offline").count();
    let stale: Vec<&str> = list
        .iter()
        .filter(|e| !matches!(e.status.as_str(), "idle" | "busy"))
        .map(|e| e.name.as_str())
        .collect();
    let details = json!({
        "executors": items,
        "heartbeat_interval_s": heartbeat_interval_seconds,
        "stale_after_s": crate::executor::STALE_AFTER_INTERVALS as u64 * heartbeat_interval_seconds,
        "offline_after_s": crate::executor::OFFLINE_AFTER_INTERVALS as u64 * heartbeat_interval_seconds,
    });
    if list.is_empty() {
        return Found::new(
            Status::Down,
            "no executors: this process runs the gateway only, so queued jobs wait",
            details,
        )
        .advise("Start the worker with --executors 1 (or more), or start a remote executor for this gateway.");
    }
    if alive == 0 {
        return Found::new(
            Status::Down,
            format!("no executor is alive: {} stopped sending heartbeats", stale.join(", ")),
            details,
        )
        .advise("The executors stopped heartbeating: look for a hung provider or command in the worker's logs (RUST_LOG=debug) and restart the worker if it does not recover.");
    }
    if !stale.is_empty() {
        return Found::new(
            Status::Degraded,
            format!("{} of {} executors reporting on time; late heartbeat: {}", list.len() - stale.len(), list.len(), stale.join(", ")),
            details,
        )
        .advise("An executor's heartbeat is late: check the worker's logs for it; runs on it may be stuck.");
    }
    let busy = list.iter().filter(|e| e.status == "busy").count();
    Found::new(
        Status::Ok,
        format!(
            "{alive} executor{} reporting, {busy} busy",
            if alive == 1 { "" } else { "s" }
        ),
        details,
    )
}

/// Why the storage write/read round trip failed.
#[derive(Debug, thiserror::Error)]
pub enum RoundTripError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the value read back ({read:?}) is not the one written")]
    Mismatch { read: Option<String> },
}

/// Writes a fresh token through the single writer and reads it back through the read pool.
pub async fn round_trip(db: &Db) -> Result<(), RoundTripError> {
    use crate::schema::health_probes as hp;
    let token = uuid::Uuid::now_v7().to_string();
    let written = token.clone();
    db.writer
        .exec(1, move |c, _| {
            diesel::replace_into(hp::table)
                .values((
                    hp::id.eq(1),
                    hp::token.eq(&written),
                    hp::written_at.eq(crate::time::now()),
                ))
                .execute(c)?;
            Ok(())
        })
        .await?;
    let read: Option<String> = db
        .read(|c| {
            hp::table
                .find(1)
                .select(hp::token)
                .first(c)
                .optional()
                .map_err(DbError::from)
        })
        .await?;
    if read.as_deref() == Some(token.as_str()) {
        Ok(())
    } else {
        Err(RoundTripError::Mismatch { read })
    }
}

/// Migrations the binary has and the database lacks, and ones the database has that the binary
/// does not know (a newer binary migrated it).
pub async fn migrations(db: &Db) -> Result<(usize, usize), DbError> {
    use diesel_migrations::MigrationHarness;
    db.read(|c| {
        let conn: &mut diesel::sqlite::SqliteConnection = c;
        let applied = conn
            .applied_migrations()
            .map_err(|e| DbError::Migration(e.to_string()))?;
        let known: Vec<String> =
            diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&MIGRATIONS)
                .map_err(|e| DbError::Migration(e.to_string()))?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect();
        let applied: Vec<String> = applied.iter().map(ToString::to_string).collect();
        let pending = known.iter().filter(|v| !applied.contains(v)).count();
        let unknown = applied.iter().filter(|v| !known.contains(v)).count();
        Ok((pending, unknown))
    })
    .await
}

/// Whether `dir` takes a new file. As root, permission bits do not stop writes, so a directory
/// whose mode grants no write permission at all counts as read-only too: the operator made it so.
pub fn writable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let meta = std::fs::metadata(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mode = meta.permissions().mode();
    if mode & 0o222 == 0 {
        return Err(format!(
            "{} is read-only (mode {:o})",
            dir.display(),
            mode & 0o7777
        ));
    }
    let probe = dir.join(format!(".mergeloom-health-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    std::fs::remove_file(&probe)
        .map_err(|e| format!("cannot remove a file in {}: {e}", dir.display()))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// Storage: write/read round trip through the writer, migrations, free disk, sizes, writable
/// data directory and workspace root.
pub async fn storage(
    db: &Db,
    config: &Config,
    health: &HealthConfig,
    disk_probe: std::sync::Arc<dyn DiskProbe>,
    policy: crate::retention::policy::Policy,
) -> Found {
    let mut problems: Vec<(Status, String, &'static str)> = Vec::new();
    let mut details = json!({"data_dir": config.data_dir.display().to_string()});

    let t = std::time::Instant::now();
    match round_trip(db).await {
        Ok(()) => details["round_trip_ms"] = json!(t.elapsed().as_millis() as u64),
        Err(e) => {
            details["round_trip_error"] = json!(e.to_string());
            problems.push((
                Status::Down,
                format!("write/read round trip failed: {e}"),
                ACTION_DB,
            ));
        }
    }
    match migrations(db).await {
        Ok((pending, unknown)) => {
            details["migrations"] = json!({"pending": pending, "unknown": unknown});
            if pending > 0 {
                problems.push((
                    Status::Down,
                    format!("{pending} migration(s) not applied"),
                    ACTION_MIGRATIONS,
                ));
            }
            if unknown > 0 {
                problems.push((
                    Status::Degraded,
                    format!("the database has {unknown} migration(s) this binary does not know (a newer version ran here)"),
                    ACTION_MIGRATIONS,
                ));
            }
        }
        Err(e) => problems.push((
            Status::Down,
            format!("cannot read migrations: {e}"),
            ACTION_DB,
        )),
    }

    let data_dir = config.data_dir.clone();
    let workspace_root = config.workspace_root.clone();
    let (degraded_under, down_under) = (health.disk_degraded_bytes, health.disk_down_bytes);
    let files = tokio::task::spawn_blocking(move || {
        let free = disk_probe.available_bytes(&data_dir);
        let db_bytes = file_size(&data_dir.join(DB_FILE));
        let wal_bytes = file_size(&PathBuf::from(format!(
            "{}-wal",
            data_dir.join(DB_FILE).display()
        )));
        (
            free,
            db_bytes,
            wal_bytes,
            writable(&data_dir),
            writable(&workspace_root),
        )
    })
    .await;
    match files {
        Ok((free, db_bytes, wal_bytes, data_ok, ws_ok)) => {
            details["database_bytes"] = json!(db_bytes);
            details["wal_bytes"] = json!(wal_bytes);
            details["disk_degraded_under_bytes"] = json!(degraded_under);
            details["disk_down_under_bytes"] = json!(down_under);
            match free {
                Ok(free) => {
                    details["disk_free_bytes"] = json!(free);
                    let s = disk::classify(free, degraded_under, down_under);
                    if s != Status::Ok {
                        problems.push((
                            s,
                            format!("only {} free under the data directory", disk::human(free)),
                            ACTION_DISK,
                        ));
                    }
                }
                Err(e) => problems.push((
                    Status::Degraded,
                    format!("cannot measure free disk: {e}"),
                    ACTION_DISK,
                )),
            }
            details["data_dir_writable"] = json!(data_ok.is_ok());
            if let Err(e) = data_ok {
                problems.push((
                    Status::Down,
                    format!("data directory not writable: {e}"),
                    ACTION_WRITABLE,
                ));
            }
            details["workspace_root"] = json!(config.workspace_root.display().to_string());
            details["workspace_root_writable"] = json!(ws_ok.is_ok());
            if let Err(e) = ws_ok {
                problems.push((
                    Status::Down,
                    format!("workspace root not writable: {e}"),
                    ACTION_WRITABLE,
                ));
            }
        }
        Err(e) => problems.push((Status::Down, format!("file checks failed: {e}"), ACTION_DB)),
    }

    details["retention"] = retention_details(db, policy).await;

    problems.sort_by_key(|p| std::cmp::Reverse(p.0));
    match problems.first() {
        Some((status, message, action)) => {
            let more = problems.len() - 1;
            let message = if more > 0 {
                format!("{message} (+{more} more)")
            } else {
                message.clone()
            };
            details["problems"] = json!(problems.iter().map(|p| &p.1).collect::<Vec<_>>());
            Found::new(*status, message, details).advise(*action)
        }
        None => {
            let free = details["disk_free_bytes"]
                .as_u64()
                .map_or_else(|| "?".into(), disk::human);
            let db_size = details["database_bytes"]
                .as_u64()
                .map_or_else(|| "?".into(), disk::human);
            let rt = details["round_trip_ms"].as_u64().unwrap_or(0);
            Found::new(
                Status::Ok,
                format!("SQLite round trip {rt} ms; database {db_size}; {free} free"),
                details,
            )
        }
    }
}

/// What the next prune would free (the retention preview's figures), bounded in time: a slow
/// plan is reported as not computed rather than slowing the storage check.
async fn retention_details(db: &Db, policy: crate::retention::policy::Policy) -> serde_json::Value {
    let now = chrono::Utc::now();
    let plan = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        db.read(move |c| crate::retention::plan::plan(c, &policy, now)),
    )
    .await;
    match plan {
        Ok(Ok(p)) => json!({
            "policy": policy,
            "would_free": {
                "events": p.event_figures(),
                "audit": p.audit_figures(),
                "code_audit": p.code_audit_figures(),
                "bytes": p.event_figures().bytes + p.audit_figures().bytes,
            },
            "blocked_by_compliance": p.blocked_by_compliance,
        }),
        Ok(Err(e)) => json!({"policy": policy, "error": e.to_string()}),
        Err(_) => json!({"policy": policy, "error": "the retention preview took too long"}),
    }
}

const ACTION_DB: &str = "Storage does not answer: check the worker's logs for SQLite errors, that the data directory's file system is mounted and not full, and restart the worker.";
const ACTION_MIGRATIONS: &str = "Run the binary that matches this data directory (it migrates at start-up), or point --data-dir at a directory of this version.";
const ACTION_DISK: &str = "Free disk under the data directory (old workspaces, logs), lower retention, or move --data-dir to a larger volume.";
const ACTION_WRITABLE: &str = "Make the data directory and workspace root writable by the worker's user (check the volume is not mounted read-only), then refresh.";

/// One configured provider's readiness.
#[derive(Debug, Clone)]
pub struct ProviderReadiness {
    pub id: String,
    pub ready: Result<(), String>,
}

/// Asks each configured provider whether it is ready (the same readiness a run checks at its
/// start; CLI providers run `--version` and their auth status, never spending tokens).
pub async fn provider_readiness(settings: &RuntimeSettings) -> Vec<ProviderReadiness> {
    crate::providers::readiness_all(settings)
        .await
        .into_iter()
        .map(|(id, r)| {
            let failed: Vec<String> = r
                .checks
                .iter()
                .filter(|c| c.ok == Some(false))
                .map(|c| format!("{}: {}", c.name, c.message))
                .collect();
            ProviderReadiness {
                id: id.to_owned(),
                ready: if failed.is_empty() {
                    Ok(())
                } else {
                    Err(failed.join("; "))
                },
            }
        })
        .collect()
}

/// Providers: every configured provider must be ready (degraded when some are not, down when none
/// is). With none configured jobs bring their own command, which is checked per run.
#[must_use]
pub fn providers(readiness: &[ProviderReadiness], default_provider: Option<&str>) -> Found {
    let items: Vec<serde_json::Value> = readiness
        .iter()
        .map(|p| match &p.ready {
            Ok(()) => json!({"id": p.id, "ready": true}),
            Err(e) => json!({"id": p.id, "ready": false, "error": e}),
        })
        .collect();
    let details = json!({"providers": items, "default_provider": default_provider});
    if readiness.is_empty() {
        return Found::new(
            Status::Ok,
            "no provider configured: each job must name its provider command",
            details,
        );
    }
    let failing: Vec<String> = readiness
        .iter()
        .filter_map(|p| p.ready.as_ref().err().map(|e| format!("{}: {e}", p.id)))
        .collect();
    let action = "Fix the provider's configuration: install its program or add its basename to --allowed-commands, then refresh.";
    if failing.len() == readiness.len() {
        Found::new(
            Status::Down,
            format!("no provider is ready ({})", failing.join("; ")),
            details,
        )
        .advise(action)
    } else if !failing.is_empty() {
        Found::new(
            Status::Degraded,
            format!("not ready: {}", failing.join("; ")),
            details,
        )
        .advise(action)
    } else {
        let ids: Vec<&str> = readiness.iter().map(|p| p.id.as_str()).collect();
        Found::new(Status::Ok, format!("ready: {}", ids.join(", ")), details)
    }
}

/// `90` → `1 min 30 s`, `7200` → `2 h 0 min`.
#[must_use]
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        3600..86400 => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
        _ => format!("{} d {} h", secs / 86400, (secs % 86400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn executor(name: &str, status: &str) -> Executor {
        Executor {
            id: name.into(),
            name: name.into(),
            kind: "local".into(),
            status: status.into(),
            current_run_id: None,
            last_heartbeat_at: Some(crate::time::now()),
            version: "0".into(),
            host: "h".into(),
        }
    }

    #[test]
    fn executor_statuses() {
        assert_eq!(executors(&[], 15).status, Status::Down);
        assert_eq!(executors(&[executor("a", "idle")], 15).status, Status::Ok);
        let mixed = executors(&[executor("a", "busy"), executor("b", "stale")], 15);
        assert_eq!(mixed.status, Status::Degraded);
        assert!(mixed.message.contains('b'), "{}", mixed.message);
        assert!(mixed.action.is_some());
        assert_eq!(
            executors(&[executor("a", "offline")], 15).status,
            Status::Down
        );
        assert_eq!(
            executors(&[executor("a", "stale")], 15).status,
            Status::Degraded
        );
    }

    #[test]
    fn provider_statuses() {
        let ok = ProviderReadiness {
            id: "a".into(),
            ready: Ok(()),
        };
        let bad = ProviderReadiness {
            id: "b".into(),
            ready: Err("missing".into()),
        };
        assert_eq!(providers(&[], None).status, Status::Ok);
        assert_eq!(
            providers(std::slice::from_ref(&ok), None).status,
            Status::Ok
        );
        assert_eq!(providers(&[ok, bad.clone()], None).status, Status::Degraded);
        let down = providers(&[bad], None);
        assert_eq!(down.status, Status::Down);
        assert!(down.message.contains("missing"));
    }

    #[test]
    fn a_directory_without_write_bits_is_read_only_even_for_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(writable(dir.path()).is_ok());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555))
            .expect("chmod");
        let err = writable(dir.path()).expect_err("read-only");
        assert!(err.contains("read-only"), "{err}");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod back");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(5), "5 s");
        assert_eq!(human_duration(90), "1 min 30 s");
        assert_eq!(human_duration(7260), "2 h 1 min");
    }
}

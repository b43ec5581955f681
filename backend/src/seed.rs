//! `mergeloom-worker seed-run`: stores one finished run with many log events by direct SQL, for
//! benchmarks of the live viewer and the event APIs (1,000,000 events in seconds, where the API
//! would take minutes). The run looks like a real one: stages with seq ranges, ANSI colour,
//! progress lines with carriage returns, a failing validation and its repair.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::db::{DB_FILE, Db, DbError};
use crate::ids::{JobId, RepositoryId, RunId};
use crate::jobspec::{
    JobSpec, SpecDiffGuard, SpecProvider, SpecRepository, SpecTicket, SpecValidation,
};
use crate::live::Hub;

/// Stage names and their share of the events, in order.
const STAGES: [(&str, u64); 6] = [
    ("setup", 2),
    ("context", 1),
    ("implement", 60),
    ("validate", 20),
    ("repair", 15),
    ("publish", 2),
];

/// Creates the run; returns (job id, run id).
pub fn seed_run(data_dir: &Path, events: u64) -> Result<(String, String), DbError> {
    std::fs::create_dir_all(data_dir).map_err(|e| DbError::Pool(e.to_string()))?;
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(data_dir.join("lock"))
        .map_err(|e| DbError::Pool(e.to_string()))?;
    if !fs4::fs_std::FileExt::try_lock_exclusive(&lock).unwrap_or(false) {
        return Err(DbError::Conflict(format!(
            "data directory {} is in use by a running worker; stop it first",
            data_dir.display()
        )));
    }
    // Open through the normal path once so the schema is migrated, then write directly.
    drop(Db::open(data_dir, Hub::new())?);
    let mut c = SqliteConnection::establish(&data_dir.join(DB_FILE).to_string_lossy())?;
    c.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA synchronous = OFF;")?;
    let (repo, job, run) = (RepositoryId::new(), JobId::new(), RunId::new());
    let now = crate::time::now();
    let total = events.max(STAGES.len() as u64 * 2);
    let url = format!("/bench/seed-{repo}");
    let spec = JobSpec {
        ticket: SpecTicket {
            key: "SEED-1".into(),
            title: format!("Seeded run with {total} events"),
            body: None,
            url: None,
            source: Some("seed".into()),
        },
        repository: SpecRepository {
            clone_url: url.clone(),
            canonical_url: url.clone(),
            name: "bench/seed".into(),
            base_ref: Some("main".into()),
        },
        provider: SpecProvider {
            id: Some("command".into()),
            model: None,
            command: None,
        },
        validation: SpecValidation {
            mode: Some("required".into()),
            setup_commands: Vec::new(),
            commands: Vec::new(),
        },
        max_repair_attempts: None,
        review_enabled: false,
        diff_guard: SpecDiffGuard {
            max_files: None,
            max_lines: None,
            protected_paths: Vec::new(),
        },
        push: false,
    };
    // A JSON string literal for SQL: single quotes doubled.
    let spec_sql = serde_json::to_string(&spec)
        .map_err(|e| DbError::Conflict(e.to_string()))?
        .replace('\'', "''");
    let mut sql = format!(
        "BEGIN;
         INSERT INTO repositories (id, url, name, created_at) VALUES ('{repo}', '{url}', 'bench/seed', '{now}');
         INSERT INTO jobs (id, repository_id, ticket_key, ticket_title, ticket_source, spec, created_at)
           VALUES ('{job}', '{repo}', 'SEED-1', 'Seeded run with {total} events', 'seed', '{spec_sql}', '{now}');
         INSERT INTO runs (id, job_id, attempt, status, stage, repository_id, ticket_key, ticket_title, provider_id,
                           branch, created_at, started_at, finished_at, reason_code, reason, validation_mode,
                           validation_passed, event_count, last_event_seq)
           VALUES ('{run}', '{job}', 1, 'completed', 'finalize', '{repo}', 'SEED-1', 'Seeded run with {total} events',
                   'command', 'mergeloom/seed-1', '{now}', '{now}', '{now}', 'published', 'Published the branch.',
                   'required', 1, {total}, {total});"
    );
    let share: u64 = STAGES.iter().map(|(_, s)| s).sum();
    let mut first = 1_u64;
    for (i, (name, part)) in STAGES.iter().enumerate() {
        let last = if i + 1 == STAGES.len() {
            total
        } else {
            (first + total * part / share).min(total).max(first + 1)
        };
        let status = if *name == "validate" {
            "failed"
        } else {
            "succeeded"
        };
        // One stage.started, the log lines, one stage.finished.
        sql.push_str(&format!(
            "INSERT INTO stages (run_id, name, position, attempt, status, started_at, finished_at, duration_ms,
                                 first_seq, last_seq, summary)
               VALUES ('{run}', '{name}', {pos}, 1, '{status}', '{now}', '{now}', 1000, {first}, {last}, '{name} (seeded)');
             INSERT INTO events (run_id, seq, ts, kind, stage, attempt, stream, text, data)
               WITH RECURSIVE s(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM s WHERE i < {last})
               SELECT '{run}', i, '{now}',
                      CASE WHEN i = {first} THEN 'stage.started' WHEN i = {last} THEN 'stage.finished' ELSE 'log' END,
                      '{name}', 1,
                      CASE WHEN i IN ({first}, {last}) THEN NULL WHEN i % 17 = 0 THEN 'stderr' ELSE 'stdout' END,
                      CASE WHEN i = {first} THEN '{name} #1 started'
                           WHEN i = {last} THEN '{name} #1 {status}'
                           WHEN i % 97 = 0 THEN printf(char(27) || '[1;31merror' || char(27) || '[0m: line %d failed an assertion', i)
                           WHEN i % 13 = 0 THEN printf('progress %d%%' || char(13) || 'progress %d%%', i % 50, i % 100)
                           ELSE printf(char(27) || '[32m%s' || char(27) || '[0m line %d: compiling module_%d ... ok (%d ms)', '{name}', i, i % 1000, i % 37)
                      END,
                      CASE WHEN i IN ({first}, {last}) THEN NULL ELSE '{{\"source\":\"provider\"}}' END
               FROM s;",
            pos = crate::model::stage_position(name),
        ));
        first = last + 1;
        if first > total {
            break;
        }
    }
    sql.push_str("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);");
    c.batch_execute(&sql)?;
    Ok((job.to_string(), run.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_run_is_a_readable_job_with_every_event() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (job, run) = seed_run(dir.path(), 1000).expect("seed");
        let db = Db::open(dir.path(), Hub::new()).expect("open");
        let rt = tokio::runtime::Runtime::new().expect("rt");
        let (j, r, n) = rt
            .block_on(db.read(move |c| {
                let j = crate::db::jobs::find(c, &job)?;
                let r = crate::db::runs::detail(c, &run)?;
                let n: i64 = crate::schema::events::table
                    .filter(crate::schema::events::run_id.eq(&run))
                    .count()
                    .get_result(c)?;
                Ok((j, r, n))
            }))
            .expect("read");
        assert_eq!(j.expect("job").ticket.key, "SEED-1");
        let r = r.expect("run");
        assert_eq!((r.last_event_seq, n), (1000, 1000));
        let stages = r.stages.expect("stages");
        assert_eq!(stages.first().and_then(|s| s.first_seq), Some(1));
        assert_eq!(stages.last().and_then(|s| s.last_seq), Some(1000));
    }
}

//! Storage: the SQLite database under the data directory, its pragmas and migrations, a read pool
//! for handlers, and the single [`writer::Writer`] through which every write goes.
//!
//! Handlers never build SQL: each aggregate (`runs`, `events`, `jobs`) has its own module of
//! queries, and reads run on the blocking pool through [`Db::read`].

pub mod artifacts;
pub mod audit;
pub mod code_audit;
pub mod code_audit_views;
pub mod events;
pub mod jobs;
pub mod providers;
pub mod rows;
pub mod runs;
pub mod schema_check;
pub mod settings;
pub mod writer;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::live::Hub;

pub use writer::Writer;

/// The migrations, embedded at build time and run at start-up.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// The database file name inside the data directory.
pub const DB_FILE: &str = "mergeloom.sqlite3";

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("could not open the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("the storage writer has stopped")]
    WriterGone,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Pool(e.to_string())
    }
}

/// Per-connection pragmas; `busy_timeout` first so the rest never fail on a busy database.
pub const CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;";

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(CONNECTION_PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A read connection from the pool.
pub type ReadConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// The storage handle shared by handlers, the executor and the live hub.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<SqliteConnection>>,
    pub writer: Writer,
}

impl Db {
    /// Opens (creating when new) the database in `data_dir`, runs migrations and starts the writer.
    pub fn open(data_dir: &Path, hub: Hub) -> Result<Self, DbError> {
        let path = data_dir.join(DB_FILE);
        let url = path.to_string_lossy().into_owned();
        let mut conn = open_connection(&url)?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| DbError::Migration(e.to_string()))?;
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(Pragmas))
            .build(ConnectionManager::<SqliteConnection>::new(url.clone()))?;
        let writer = Writer::start(conn, hub);
        start_checkpointer(&url, writer.liveness())?;
        Ok(Self { pool, writer })
    }

    /// Runs a read on the blocking pool with a pooled connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut ReadConn) -> Result<T, DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| DbError::Pool(format!("read task failed: {e}")))?
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.read(|c| {
            diesel::sql_query("SELECT 1")
                .execute(c)
                .map_err(DbError::from)
        })
        .await
        .is_ok()
    }
}

/// The writer connection's journal settings: WAL, and no automatic checkpoint inside commits.
pub const WRITER_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;";

/// How often the checkpointer moves the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Checkpoints the WAL from its own connection and thread, so the fsyncs of a checkpoint never
/// stall the writer's commits (the writer has `wal_autocheckpoint = 0`). Passive checkpoints never
/// block the writer or readers; the thread stops when the writer is gone.
fn start_checkpointer(url: &str, alive: std::sync::Weak<()>) -> Result<(), DbError> {
    let mut conn = SqliteConnection::establish(url)?;
    conn.batch_execute(CONNECTION_PRAGMAS)?;
    std::thread::Builder::new()
        .name("db-checkpoint".into())
        .spawn(move || {
            while alive.upgrade().is_some() {
                std::thread::sleep(CHECKPOINT_EVERY);
                if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        })
        .map_err(|e| DbError::Pool(format!("cannot start the checkpointer: {e}")))?;
    Ok(())
}

/// Opens the writer connection. A new database file gets WAL and incremental auto-vacuum before
/// anything else is written (auto_vacuum cannot be changed cheaply later).
fn open_connection(url: &str) -> Result<SqliteConnection, DbError> {
    let is_new = !Path::new(url).exists();
    let mut conn = SqliteConnection::establish(url)?;
    if is_new {
        conn.batch_execute("PRAGMA auto_vacuum = INCREMENTAL;")?;
    }
    conn.batch_execute(CONNECTION_PRAGMAS)?;
    conn.batch_execute(WRITER_PRAGMAS)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_database_gets_wal_and_incremental_vacuum() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::open(dir.path(), Hub::new()).expect("open");
        let rt = tokio::runtime::Runtime::new().expect("rt");
        let (mode, vacuum) = rt
            .block_on(db.read(|c| {
                #[derive(QueryableByName)]
                struct Mode {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    journal_mode: String,
                }
                #[derive(QueryableByName)]
                struct Vac {
                    #[diesel(sql_type = diesel::sql_types::Integer)]
                    auto_vacuum: i32,
                }
                let m: Mode = diesel::sql_query("PRAGMA journal_mode").get_result(c)?;
                let v: Vac = diesel::sql_query("PRAGMA auto_vacuum").get_result(c)?;
                Ok((m.journal_mode, v.auto_vacuum))
            }))
            .expect("read");
        assert_eq!(mode, "wal");
        assert_eq!(vacuum, 2, "auto_vacuum=INCREMENTAL");
    }
}

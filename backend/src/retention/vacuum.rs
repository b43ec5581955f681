//! Giving disk space back after a prune: `PRAGMA incremental_vacuum(N)` in steps of
//! [`STEP_PAGES`] pages through the writer (the database is created with
//! `auto_vacuum = INCREMENTAL`), so the writer is held for one short step at a time. The file
//! itself shrinks when the WAL is next checkpointed.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::sqlite::SqliteConnection;

use crate::db::{Db, DbError};

/// Pages freed per writer command.
pub const STEP_PAGES: i64 = 256;
/// Free pages below which a vacuum is not worth it.
pub const MIN_FREE_PAGES: i64 = 64;
/// An upper bound on steps per vacuum (a safety net if freeing stops making progress).
const MAX_STEPS: usize = 100_000;

#[derive(QueryableByName)]
struct Pages {
    #[diesel(sql_type = BigInt)]
    freelist_count: i64,
}

#[derive(QueryableByName)]
struct PageSize {
    #[diesel(sql_type = BigInt)]
    page_size: i64,
}

fn free_pages(c: &mut SqliteConnection) -> Result<i64, DbError> {
    let p: Pages = diesel::sql_query("PRAGMA freelist_count").get_result(c)?;
    Ok(p.freelist_count)
}

/// The database's free pages and page size.
pub fn free_space(c: &mut SqliteConnection) -> Result<(i64, i64), DbError> {
    let s: PageSize = diesel::sql_query("PRAGMA page_size").get_result(c)?;
    Ok((free_pages(c)?, s.page_size))
}

/// Frees the database's free pages in steps; returns the bytes given back.
pub async fn vacuum(db: &Db) -> Result<u64, DbError> {
    let (before, page_size) = db.writer.exec(1, |c, _| free_space(c)).await?;
    if before < MIN_FREE_PAGES {
        return Ok(0);
    }
    let mut last = before;
    for _ in 0..MAX_STEPS {
        let left = db
            .writer
            .exec(usize::try_from(STEP_PAGES).unwrap_or(512), |c, _| {
                // sqlite3_exec steps the pragma to completion (one page per step).
                c.batch_execute(&format!("PRAGMA incremental_vacuum({STEP_PAGES});"))?;
                free_pages(c)
            })
            .await?;
        if left == 0 || left >= last {
            last = left;
            break;
        }
        last = left;
        tokio::task::yield_now().await;
    }
    let freed = u64::try_from((before - last).max(0) * page_size).unwrap_or(0);
    tracing::info!(bytes = freed, "retention gave disk space back");
    Ok(freed)
}

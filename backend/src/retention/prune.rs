//! Executes a [`Plan`] through the single writer in small commands (at most [`BATCH_ROWS`] rows
//! each), so the writer is never held long and live runs keep ingesting during a prune.
//!
//! Events: the chosen runs are first marked `events_retained = false` (from that commit on every
//! events endpoint answers 410), then their rows are deleted in seq ranges — a run keeps all its
//! events or none, never a gap. Audit: a run's commands, file changes (with their stored diffs),
//! review findings and diff-guard flags are deleted and its patch cleared in the same command that
//! marks it `audit_retained = false`. Code Audit: an evidence set's segments and ranges go in
//! batches, then the set itself. Every command re-checks that a run is terminal.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::plan::{EventRun, Plan, TERMINAL};
use super::policy::{Policy, audit_expires_at};
use crate::db::writer::WriterCtx;
use crate::db::{Db, DbError};
use crate::live::LiveEffect;
use crate::schema::{
    code_evidence, code_ranges, code_segments, commands, diff_guard_flags, events, file_changes,
    review_findings, run_artifacts, runs,
};

/// The most rows one writer command deletes.
pub const BATCH_ROWS: i64 = 2000;
/// Runs marked per writer command.
const MARK_RUNS: usize = 50;
/// Audit records removed per writer command.
const AUDIT_RUNS: usize = 10;

/// A slice of one run's events: `seq` in `(after, upto]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SeqRange {
    run_id: String,
    after: i64,
    upto: i64,
}

/// Splits the runs' seq spans into commands of at most `rows` rows each (small runs share one).
fn chunk_ranges(list: &[EventRun], rows: i64) -> Vec<Vec<SeqRange>> {
    let mut out: Vec<Vec<SeqRange>> = Vec::new();
    let mut current: Vec<SeqRange> = Vec::new();
    let mut weight = 0;
    for r in list {
        let mut after = 0;
        while after < r.last_seq {
            let take = (rows - weight).min(r.last_seq - after);
            current.push(SeqRange {
                run_id: r.id.clone(),
                after,
                upto: after + take,
            });
            after += take;
            weight += take;
            if weight >= rows {
                out.push(std::mem::take(&mut current));
                weight = 0;
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Marks the runs' events as gone. Returns the ids actually marked (terminal, still retained).
async fn mark_events_gone(db: &Db, ids: Vec<String>) -> Result<Vec<String>, DbError> {
    let weight = ids.len();
    db.writer
        .exec(weight, move |c, ctx| {
            let marked: Vec<String> = runs::table
                .filter(runs::id.eq_any(&ids))
                .filter(runs::status.eq_any(TERMINAL))
                .filter(runs::events_retained.eq(true))
                .select(runs::id)
                .load(c)?;
            diesel::update(runs::table.filter(runs::id.eq_any(&marked)))
                .set(runs::events_retained.eq(false))
                .execute(c)?;
            for id in &marked {
                ctx.last_seq.remove(id);
                publish_run(c, ctx, id)?;
            }
            Ok(marked)
        })
        .await
}

/// Tells live clients (the worker-wide stream's `run.updated`) what retention changed on a run.
fn publish_run(c: &mut SqliteConnection, ctx: &mut WriterCtx, id: &str) -> Result<(), DbError> {
    if let Some(run) = crate::db::runs::find(c, id)? {
        ctx.publish(LiveEffect::Run {
            run: Box::new(run),
            created: false,
        });
    }
    Ok(())
}

fn delete_ranges(c: &mut SqliteConnection, ranges: &[SeqRange]) -> Result<usize, DbError> {
    let mut n = 0;
    for r in ranges {
        n += diesel::delete(
            events::table
                .filter(events::run_id.eq(&r.run_id))
                .filter(events::seq.gt(r.after))
                .filter(events::seq.le(r.upto)),
        )
        .execute(c)?;
    }
    Ok(n)
}

/// Deletes the stored events of runs already marked gone; returns the rows deleted.
async fn delete_events(db: &Db, list: &[EventRun], rows: i64) -> Result<u64, DbError> {
    let mut deleted = 0_u64;
    for chunk in chunk_ranges(list, rows) {
        let weight = usize::try_from(rows).unwrap_or(usize::MAX);
        deleted += db
            .writer
            .exec(weight, move |c, _| {
                // Only runs marked gone: a run whose marking failed keeps its events.
                let ids: Vec<String> = chunk.iter().map(|r| r.run_id.clone()).collect();
                let gone: Vec<String> = runs::table
                    .filter(runs::id.eq_any(&ids))
                    .filter(runs::events_retained.eq(false))
                    .select(runs::id)
                    .load(c)?;
                let ranges: Vec<SeqRange> = chunk
                    .into_iter()
                    .filter(|r| gone.contains(&r.run_id))
                    .collect();
                delete_ranges(c, &ranges)
            })
            .await? as u64;
        tokio::task::yield_now().await;
    }
    let ids: Vec<String> = list.iter().map(|r| r.id.clone()).collect();
    for part in ids.chunks(MARK_RUNS) {
        let part = part.to_vec();
        db.writer
            .exec(part.len(), move |c, _| {
                diesel::update(
                    runs::table
                        .filter(runs::id.eq_any(&part))
                        .filter(runs::events_retained.eq(false)),
                )
                .set(runs::event_bytes.eq(0))
                .execute(c)?;
                Ok(())
            })
            .await?;
    }
    Ok(deleted)
}

/// Removes the runs' events; returns the runs actually pruned (others were skipped).
pub async fn prune_events(db: &Db, plan: &Plan, rows: i64) -> Result<Vec<EventRun>, DbError> {
    let mut pruned: Vec<EventRun> = Vec::new();
    for part in plan.events.chunks(MARK_RUNS) {
        let marked = mark_events_gone(db, part.iter().map(|r| r.id.clone()).collect()).await?;
        pruned.extend(part.iter().filter(|r| marked.contains(&r.id)).cloned());
    }
    let mut all = plan.leftover_events.clone();
    all.extend(pruned.iter().cloned());
    let deleted = delete_events(db, &all, rows).await?;
    tracing::info!(
        runs = pruned.len(),
        rows = deleted,
        "retention removed events"
    );
    Ok(pruned)
}

/// Removes the runs' audit records and stored diffs; returns how many runs were pruned.
pub async fn prune_audit(db: &Db, plan: &Plan, policy: Policy) -> Result<i64, DbError> {
    let mut pruned = 0_i64;
    for part in plan.audit.chunks(AUDIT_RUNS) {
        let part = part.to_vec();
        pruned += db
            .writer
            .exec(part.len() * 64, move |c, ctx| {
                let mut n = 0_i64;
                for run in &part {
                    let terminal: bool = runs::table
                        .find(&run.id)
                        .filter(runs::status.eq_any(TERMINAL))
                        .filter(runs::audit_retained.eq(true))
                        .count()
                        .get_result::<i64>(c)?
                        > 0;
                    if !terminal {
                        continue;
                    }
                    let id = run.id.as_str();
                    diesel::delete(file_changes::table.filter(file_changes::run_id.eq(id)))
                        .execute(c)?;
                    diesel::delete(commands::table.filter(commands::run_id.eq(id))).execute(c)?;
                    diesel::delete(review_findings::table.filter(review_findings::run_id.eq(id)))
                        .execute(c)?;
                    diesel::delete(diff_guard_flags::table.filter(diff_guard_flags::run_id.eq(id)))
                        .execute(c)?;
                    diesel::update(run_artifacts::table.find(id))
                        .set(run_artifacts::patch.eq(None::<String>))
                        .execute(c)?;
                    let expired =
                        audit_expires_at(&policy, run.finished_at.as_deref()).or_else(|| {
                            // Expired now if the policy changed meanwhile.
                            Some(crate::time::now())
                        });
                    diesel::update(runs::table.find(id))
                        .set((
                            runs::audit_retained.eq(false),
                            runs::audit_expires_at.eq(expired),
                        ))
                        .execute(c)?;
                    publish_run(c, ctx, id)?;
                    n += 1;
                }
                Ok(n)
            })
            .await?;
        tokio::task::yield_now().await;
    }
    tracing::info!(runs = pruned, "retention removed audit records");
    Ok(pruned)
}

/// Removes Code Audit evidence sets with their ranges and segments.
pub async fn prune_code_audit(db: &Db, plan: &Plan, rows: i64) -> Result<i64, DbError> {
    let mut removed = 0_i64;
    for (evidence_id, run_id) in plan.evidence.clone() {
        // Segments, then ranges, in batches; then the set and the run's flag.
        loop {
            let id = evidence_id.clone();
            let n = db
                .writer
                .exec(usize::try_from(rows).unwrap_or(usize::MAX), move |c, _| {
                    let seg: Vec<i32> = code_segments::table
                        .filter(code_segments::evidence_id.eq(&id))
                        .select(code_segments::id)
                        .limit(rows)
                        .load(c)?;
                    if !seg.is_empty() {
                        return Ok(diesel::delete(
                            code_segments::table.filter(code_segments::id.eq_any(seg)),
                        )
                        .execute(c)?);
                    }
                    let ranges: Vec<i32> = code_ranges::table
                        .filter(code_ranges::evidence_id.eq(&id))
                        .select(code_ranges::id)
                        .limit(rows)
                        .load(c)?;
                    Ok(
                        diesel::delete(code_ranges::table.filter(code_ranges::id.eq_any(ranges)))
                            .execute(c)?,
                    )
                })
                .await?;
            if n == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        let id = evidence_id.clone();
        removed += db
            .writer
            .exec(2, move |c, _| {
                let n = diesel::delete(code_evidence::table.find(&id)).execute(c)?;
                if let Some(run) = run_id {
                    diesel::update(runs::table.find(run))
                        .set(runs::code_audit_retained.eq(false))
                        .execute(c)?;
                }
                Ok(n as i64)
            })
            .await?;
    }
    tracing::info!(evidence = removed, "retention removed code audit evidence");
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, last_seq: i64) -> EventRun {
        EventRun {
            id: id.into(),
            last_seq,
            events: last_seq,
            bytes: last_seq * 10,
        }
    }

    #[test]
    fn ranges_never_exceed_the_batch_and_cover_every_seq() {
        let list = [run("a", 5), run("b", 12), run("c", 0), run("d", 3)];
        let chunks = chunk_ranges(&list, 4);
        for c in &chunks {
            let rows: i64 = c.iter().map(|r| r.upto - r.after).sum();
            assert!(rows <= 4, "{c:?}");
        }
        for r in &list {
            let mut covered: Vec<(i64, i64)> = chunks
                .iter()
                .flatten()
                .filter(|s| s.run_id == r.id)
                .map(|s| (s.after, s.upto))
                .collect();
            covered.sort_unstable();
            let mut next = 0;
            for (a, u) in covered {
                assert_eq!(a, next);
                next = u;
            }
            assert_eq!(next, r.last_seq, "{}", r.id);
        }
    }
}

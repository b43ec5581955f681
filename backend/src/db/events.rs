//! Event queries: appending in the writer (seq assignment), and the reads behind the events list,
//! search, replay for live streams, and the text/NDJSON downloads.
//!
//! Search uses `LIKE` over one run's rows (the primary key `(run_id, seq)` bounds the scan to the
//! run) rather than an FTS5 index: it keeps ingest at full speed, and a scan of a million-line run
//! stays well under a second.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::DbError;
use super::rows::EventRow;
use super::runs::like_pattern;
use super::writer::WriterCtx;
use crate::live::LiveEffect;
use crate::model::Event;
use crate::schema::{events, runs};
use crate::sink::NewEvent;

/// How many seqs a search returns at most.
pub const SEARCH_SEQ_LIMIT: i64 = 10_000;

/// The seqs an append assigned: `first..=last` (empty when `first > last`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub first: i64,
    pub last: i64,
}

/// Appends events to a run inside the writer, assigning consecutive seqs, and queues them for
/// broadcast (one message for the batch) after commit.
pub fn append_in_tx(
    conn: &mut SqliteConnection,
    ctx: &mut WriterCtx,
    run_id: &str,
    new_events: Vec<NewEvent>,
) -> Result<Appended, DbError> {
    let last = match ctx.last_seq.get(run_id) {
        Some(s) => *s,
        None => {
            let (last, retained): (i64, bool) = runs::table
                .find(run_id)
                .select((runs::last_event_seq, runs::events_retained))
                .first(conn)
                .optional()?
                .ok_or_else(|| DbError::NotFound(format!("run {run_id} not found")))?;
            if !retained {
                return Err(DbError::Conflict(format!(
                    "run {run_id}'s events were removed by retention"
                )));
            }
            last
        }
    };
    if new_events.is_empty() {
        return Ok(Appended {
            first: last + 1,
            last,
        });
    }
    let ts = crate::time::now();
    let mut published = Vec::with_capacity(new_events.len());
    let mut seq = last;
    let mut bytes = 0_i64;
    for e in new_events {
        seq += 1;
        let row = EventRow {
            run_id: run_id.to_owned(),
            seq,
            ts: ts.clone(),
            kind: e.kind,
            stage: e.stage,
            attempt: e.attempt,
            stream: e.stream,
            text: e.text,
            data: e.data.as_ref().map(serde_json::Value::to_string),
        };
        bytes += event_bytes(&row);
        diesel::insert_into(events::table)
            .values(&row)
            .execute(conn)?;
        published.push(Event {
            seq,
            ts: row.ts,
            kind: row.kind,
            stage: row.stage,
            attempt: row.attempt,
            stream: row.stream,
            text: row.text,
            data: e.data,
        });
    }
    let added = seq - last;
    diesel::update(runs::table.find(run_id))
        .set((
            runs::last_event_seq.eq(seq),
            runs::event_count.eq(runs::event_count + added),
            runs::event_bytes.eq(runs::event_bytes + bytes),
        ))
        .execute(conn)?;
    ctx.last_seq.insert(run_id.to_owned(), seq);
    ctx.publish(LiveEffect::events(run_id.to_owned(), published));
    Ok(Appended {
        first: last + 1,
        last: seq,
    })
}

/// The bytes an event counts for the retention size cap: every stored field plus a fixed 16 for
/// the key and row overhead (the retention migration backfills with the same formula).
#[must_use]
pub fn event_bytes(row: &EventRow) -> i64 {
    let len = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let n = row.ts.len()
        + row.kind.len()
        + len(&row.stage)
        + len(&row.stream)
        + len(&row.text)
        + len(&row.data)
        + 16;
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Turns a stored row into the API's Event.
#[must_use]
pub fn to_model(row: EventRow) -> Event {
    Event {
        seq: row.seq,
        ts: row.ts,
        kind: row.kind,
        stage: row.stage,
        attempt: row.attempt,
        stream: row.stream,
        text: row.text,
        data: row.data.and_then(|d| serde_json::from_str(&d).ok()),
    }
}

/// Filters for listing and searching events.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub kinds: Vec<String>,
    pub stage: Option<String>,
    pub q: Option<String>,
}

/// Events of a run in seq order. With `before`, the `limit` events just before it (still
/// ascending). Returns the page and whether more follow in the paging direction.
pub fn list(
    conn: &mut SqliteConnection,
    run_id: &str,
    f: &EventFilter,
    limit: i64,
) -> Result<(Vec<Event>, bool), DbError> {
    let mut query = events::table
        .filter(events::run_id.eq(run_id))
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(a) = f.after {
        query = query.filter(events::seq.gt(a));
    }
    if let Some(b) = f.before {
        query = query.filter(events::seq.lt(b));
    }
    if !f.kinds.is_empty() {
        query = query.filter(events::kind.eq_any(f.kinds.clone()));
    }
    if let Some(s) = &f.stage {
        query = query.filter(events::stage.eq(s.clone()));
    }
    if let Some(q) = &f.q {
        query = query.filter(events::text.like(like_pattern(q)).escape('\\'));
    }
    let backwards = f.before.is_some() && f.after.is_none();
    query = if backwards {
        query.order(events::seq.desc())
    } else {
        query.order(events::seq.asc())
    };
    let mut rows: Vec<EventRow> = query.limit(limit + 1).load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if backwards {
        rows.reverse();
    }
    Ok((rows.into_iter().map(to_model).collect(), more))
}

/// Counts matching events and returns the first [`SEARCH_SEQ_LIMIT`] seqs.
pub fn search(
    conn: &mut SqliteConnection,
    run_id: &str,
    q: &str,
    kinds: &[String],
) -> Result<(i64, Vec<i64>), DbError> {
    let pattern = like_pattern(q);
    let mut count_q = events::table
        .filter(events::run_id.eq(run_id))
        .filter(events::text.like(pattern.clone()).escape('\\'))
        .into_boxed();
    let mut seq_q = events::table
        .filter(events::run_id.eq(run_id))
        .filter(events::text.like(pattern).escape('\\'))
        .select(events::seq)
        .into_boxed();
    if !kinds.is_empty() {
        count_q = count_q.filter(events::kind.eq_any(kinds.to_vec()));
        seq_q = seq_q.filter(events::kind.eq_any(kinds.to_vec()));
    }
    let count: i64 = count_q.count().get_result(conn)?;
    let seqs: Vec<i64> = seq_q
        .order(events::seq.asc())
        .limit(SEARCH_SEQ_LIMIT)
        .load(conn)?;
    Ok((count, seqs))
}

/// Renders an event as one line of the plain-text log.
#[must_use]
pub fn as_text_line(e: &Event) -> String {
    let text = e.text.as_deref().unwrap_or("");
    let mut line = if e.kind == "log" {
        text.to_owned()
    } else {
        format!("[{}] {text}", e.kind)
    };
    if !line.ends_with('\n') {
        line.push('\n');
    }
    line
}

//! Runtime settings set from the UI or API, stored as JSON values by name, and their history.
//! A change and its history rows commit together in one writer command.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{Db, DbError};
use crate::schema::{settings, settings_history};

/// One setting's change.
#[derive(Debug, Clone)]
pub struct Change {
    pub name: String,
    pub old: Value,
    pub new: Value,
}

/// One entry of the settings history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    /// When the change was made (RFC 3339).
    pub changed_at: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub old_value: Value,
    #[schema(value_type = Object)]
    pub new_value: Value,
    /// The token id of the caller, or `loopback` for a worker without a token.
    pub who: String,
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The stored values, by name.
pub async fn load(db: &Db) -> Result<Vec<(String, Value)>, DbError> {
    db.read(|c| {
        let rows: Vec<(String, String)> = settings::table
            .select((settings::name, settings::value))
            .order(settings::name)
            .load(c)?;
        Ok(rows.into_iter().map(|(n, v)| (n, parse(&v))).collect())
    })
    .await
}

/// Stores `changes` and a history row for each that changes the value, all or nothing.
pub async fn store(db: &Db, changes: Vec<Change>, who: String) -> Result<(), DbError> {
    let weight = changes.len() * 2;
    db.writer
        .exec(weight, move |c, _| {
            let at = crate::time::now();
            for ch in &changes {
                let text = ch.new.to_string();
                let changed = ch.old != ch.new;
                diesel::insert_into(settings::table)
                    .values((
                        settings::name.eq(&ch.name),
                        settings::value.eq(&text),
                        settings::updated_at.eq(&at),
                    ))
                    .on_conflict(settings::name)
                    .do_update()
                    .set((settings::value.eq(&text), settings::updated_at.eq(&at)))
                    .execute(c)?;
                if !changed {
                    continue;
                }
                diesel::insert_into(settings_history::table)
                    .values((
                        settings_history::changed_at.eq(&at),
                        settings_history::name.eq(&ch.name),
                        settings_history::old_value.eq(ch.old.to_string()),
                        settings_history::new_value.eq(&text),
                        settings_history::who.eq(&who),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .await
}

/// History entries newest first, at most `limit`, older than the entry `before` when given.
pub async fn history(
    db: &Db,
    limit: i64,
    before: Option<i64>,
) -> Result<Vec<HistoryEntry>, DbError> {
    db.read(move |c| {
        let mut q = settings_history::table
            .select((
                settings_history::id,
                settings_history::changed_at,
                settings_history::name,
                settings_history::old_value,
                settings_history::new_value,
                settings_history::who,
            ))
            .order(settings_history::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(b) = before {
            q = q.filter(settings_history::id.lt(i32::try_from(b).unwrap_or(i32::MAX)));
        }
        let rows: Vec<(i32, String, String, String, String, String)> = q.load(c)?;
        Ok(rows
            .into_iter()
            .map(|(id, changed_at, name, old, new, who)| HistoryEntry {
                id: i64::from(id),
                changed_at,
                name,
                old_value: parse(&old),
                new_value: parse(&new),
                who,
            })
            .collect())
    })
    .await
}

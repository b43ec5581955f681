//! Queries of the `provider_settings` table: UI-managed provider fields, a plain value or a
//! sealed secret per (kind, field). Sealing and opening happen in `providers::config`.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::DbError;
use crate::schema::provider_settings as ps;

/// A stored field.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ps)]
pub struct StoredField {
    pub kind: String,
    pub name: String,
    pub value: Option<String>,
    pub secret: Option<Vec<u8>>,
}

/// What to store for one field: a plain value, a sealed secret, or nothing (delete the row).
#[derive(Debug, Clone)]
pub enum FieldWrite {
    Value(String),
    Sealed(Vec<u8>),
    Clear,
}

/// Every stored field.
pub fn all(c: &mut SqliteConnection) -> Result<Vec<StoredField>, DbError> {
    Ok(ps::table
        .select(StoredField::as_select())
        .order((ps::kind, ps::name))
        .load(c)?)
}

/// Applies the writes of one update (the writer's transaction makes them all-or-nothing).
pub fn write(
    c: &mut SqliteConnection,
    kind: &str,
    writes: &[(String, FieldWrite)],
) -> Result<(), DbError> {
    let now = crate::time::now();
    for (name, w) in writes {
        let row = ps::table.filter(ps::kind.eq(kind).and(ps::name.eq(name)));
        match w {
            FieldWrite::Clear => {
                diesel::delete(row).execute(c)?;
            }
            FieldWrite::Value(v) => {
                diesel::replace_into(ps::table)
                    .values((
                        ps::kind.eq(kind),
                        ps::name.eq(name),
                        ps::value.eq(Some(v)),
                        ps::secret.eq(None::<Vec<u8>>),
                        ps::updated_at.eq(&now),
                    ))
                    .execute(c)?;
            }
            FieldWrite::Sealed(blob) => {
                diesel::replace_into(ps::table)
                    .values((
                        ps::kind.eq(kind),
                        ps::name.eq(name),
                        ps::value.eq(None::<String>),
                        ps::secret.eq(Some(blob)),
                        ps::updated_at.eq(&now),
                    ))
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

//! Renders `schema.rs` from the migrated database the way `diesel print-schema` does, so a test can
//! prove the committed `schema.rs` matches the migrations without needing diesel_cli installed.
//! `make schema` (a test run with `MERGELOOM_WRITE_SCHEMA=1`) rewrites the file.

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::SqliteConnection;

use super::DbError;

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    ty: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct ForeignKey {
    #[diesel(sql_type = Text, column_name = "table")]
    parent: String,
    #[diesel(sql_type = Text, column_name = "from")]
    from: String,
}

fn diesel_type(sql: &str) -> &'static str {
    match sql.to_ascii_uppercase().as_str() {
        "INTEGER" | "INT" => "Integer",
        "BIGINT" => "BigInt",
        "BOOLEAN" | "BOOL" => "Bool",
        "DOUBLE" | "REAL" | "FLOAT" => "Double",
        "BLOB" | "BINARY" => "Binary",
        _ => "Text",
    }
}

/// The `schema.rs` text for the database's current tables.
pub fn render(conn: &mut SqliteConnection) -> Result<String, DbError> {
    let tables: Vec<TableName> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name != '__diesel_schema_migrations' ORDER BY name",
    )
    .load(conn)?;
    let mut out = String::from("// @generated automatically by Diesel CLI.\n");
    let mut joins = Vec::new();
    for t in &tables {
        let cols: Vec<Column> =
            diesel::sql_query(format!("PRAGMA table_info(\"{}\")", t.name)).load(conn)?;
        let mut pks: Vec<&Column> = cols.iter().filter(|c| c.pk > 0).collect();
        pks.sort_by_key(|c| c.pk);
        let pk_list: Vec<&str> = pks.iter().map(|c| c.name.as_str()).collect();
        out.push_str(&format!(
            "\ndiesel::table! {{\n    {} ({}) {{\n",
            t.name,
            pk_list.join(", ")
        ));
        for c in &cols {
            let ty = diesel_type(&c.ty);
            let ty = if c.notnull == 0 && c.pk == 0 {
                format!("Nullable<{ty}>")
            } else {
                ty.to_owned()
            };
            out.push_str(&format!("        {} -> {ty},\n", c.name));
        }
        out.push_str("    }\n}\n");
        let fks: Vec<ForeignKey> =
            diesel::sql_query(format!("PRAGMA foreign_key_list(\"{}\")", t.name)).load(conn)?;
        for fk in fks {
            joins.push(format!(
                "diesel::joinable!({} -> {} ({}));\n",
                t.name, fk.parent, fk.from
            ));
        }
    }
    joins.sort();
    joins.dedup();
    out.push('\n');
    for j in &joins {
        out.push_str(j);
    }
    out.push_str("\ndiesel::allow_tables_to_appear_in_same_query!(\n");
    for t in &tables {
        out.push_str(&format!("    {},\n", t.name));
    }
    out.push_str(");\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Hub;

    #[test]
    fn committed_schema_matches_the_migrations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _db = super::super::Db::open(dir.path(), Hub::new()).expect("open");
        let mut conn =
            SqliteConnection::establish(&dir.path().join(super::super::DB_FILE).to_string_lossy())
                .expect("connect");
        let rendered = render(&mut conn).expect("render");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/schema.rs");
        if std::env::var_os("MERGELOOM_WRITE_SCHEMA").is_some() {
            std::fs::write(path, &rendered).expect("write schema.rs");
        }
        let committed = std::fs::read_to_string(path).expect("read schema.rs");
        assert!(
            committed == rendered,
            "backend/src/schema.rs is stale: run make schema\n--- expected ---\n{rendered}"
        );
    }
}

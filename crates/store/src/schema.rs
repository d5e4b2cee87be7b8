//! The database schema, its version (`PRAGMA user_version`) and the migrations from every older version:
//! a newer database is refused (an older sekisho must not guess at it), an older one is migrated in place.

use rusqlite::Connection;

/// The version this build writes. Raise it with a new entry in `MIGRATIONS`.
pub const SCHEMA_VERSION: i64 = 1;

/// `MIGRATIONS[v]` takes a database from version `v` to `v + 1` (version 0 is an empty file).
const MIGRATIONS: &[&str] = &[
    // 0 → 1: one table of records keyed (part, account, region, kind, id), values serialized as JSON.
    "CREATE TABLE records (
        part TEXT NOT NULL,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (part, account, region, kind, id)
    ) WITHOUT ROWID;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('created_by', 'sekisho');",
];

/// Refuses a database written by a newer sekisho.
pub fn check_version(version: i64, what: &str) -> Result<(), String> {
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{what} was written by a newer sekisho (schema version {version}; this build knows up to \
             {SCHEMA_VERSION}); it was left untouched: run a newer sekisho on it"
        ));
    }
    if version < 0 {
        return Err(format!("{what} has an invalid schema version {version}; it was left untouched"));
    }
    Ok(())
}

/// Applies every migration from `from` to `SCHEMA_VERSION`, each in its own transaction with its version.
pub fn migrate(conn: &Connection, from: i64) -> rusqlite::Result<()> {
    for (v, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let next = v as i64 + 1;
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {next}; COMMIT;"))?;
    }
    Ok(())
}

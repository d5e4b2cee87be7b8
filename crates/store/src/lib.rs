//! The durable store: core's `Backend` over an embedded SQLite database in a data directory (WAL,
//! synchronous=FULL, one table of records), its schema version and migrations, the directory lock, snapshots.

mod lock;
mod schema;
#[cfg(test)]
mod tests;

use rusqlite::{Connection, OpenFlags, params};
use sekisho_core::persist::{Backend, Record, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use lock::DirLock;
pub use schema::SCHEMA_VERSION;

/// The database's file name inside the data directory (`ca/` beside it belongs to the TLS proxy).
pub const DB_FILE: &str = "sekisho.db";

/// An open data directory: the lock that keeps a second sekisho out, and the connection.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    dir: PathBuf,
    _lock: DirLock,
}

fn sql_err(context: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("{context}: {e}")
}

impl SqliteStore {
    /// Opens (creating if needed) the data directory `dir`. Refused, with the reason, when another sekisho
    /// holds it, when its database is not a sekisho database or is damaged, or when a newer sekisho wrote it.
    /// Nothing is ever deleted or emptied on a refusal.
    pub fn open(dir: &Path) -> Result<SqliteStore, String> {
        // The directory holds secrets (access keys, session credentials, MFA seeds): its owner alone reads it.
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(dir)
            .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
        let lock = DirLock::acquire(dir)?;
        let path = dir.join(DB_FILE);
        let conn = open_file(&path)?;
        Ok(SqliteStore { conn: Mutex::new(conn), dir: dir.to_path_buf(), _lock: lock })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many records the store holds.
    pub fn count(&self) -> Result<i64, String> {
        self.conn().query_row("SELECT count(*) FROM records", [], |r| r.get(0)).map_err(sql_err("counting records"))
    }
}

/// Opens a database file with sekisho's settings, migrating an older schema and refusing what it cannot use.
fn open_file(path: &Path) -> Result<Connection, String> {
    let what = || path.display().to_string();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {}: {e}", what()))?;
    // The first statement that reads the file tells a database from anything else.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| format!("{} is not a sekisho database or is damaged ({e}); it was left untouched", what()))?;
    schema::check_version(version, &what())?;
    if version > 0 {
        let verdict: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| format!("{} is damaged ({e}); it was left untouched", what()))?;
        if verdict != "ok" {
            return Err(format!("{} is damaged ({verdict}); it was left untouched", what()));
        }
    }
    // WAL: readers never block the writer, and a commit is one append to the log. synchronous=FULL: the log
    // is synced at every commit, so an acknowledged write survives a power cut as well as kill -9.
    conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| format!("{}: journal_mode: {e}", what()))?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(|e| format!("{}: synchronous: {e}", what()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| format!("{}: {e}", what()))?;
    schema::migrate(&conn, version).map_err(|e| format!("{}: migrating the schema: {e}", what()))?;
    Ok(conn)
}

fn put(tx: &rusqlite::Transaction<'_>, r: &Record) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT INTO records (part, account, region, kind, id, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (part, account, region, kind, id) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![r.part, r.account, r.region, r.kind, r.id, r.value])
}

fn read_all(conn: &Connection) -> rusqlite::Result<Vec<Record>> {
    let mut stmt = conn.prepare("SELECT part, account, region, kind, id, value FROM records")?;
    let rows = stmt.query_map([], |row| {
        Ok(Record {
            part: row.get(0)?,
            account: row.get(1)?,
            region: row.get(2)?,
            kind: row.get(3)?,
            id: row.get(4)?,
            value: row.get(5)?,
        })
    })?;
    rows.collect()
}

impl Backend for SqliteStore {
    fn write(&self, batch: &[Write]) -> Result<(), String> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(sql_err("beginning a transaction"))?;
        for w in batch {
            match w {
                Write::Put(r) => put(&tx, r).map(|_| ()),
                Write::Delete { part, account, region, kind, id } => tx
                    .prepare_cached(
                        "DELETE FROM records WHERE part = ?1 AND account = ?2 AND region = ?3 AND kind = ?4 AND id = ?5",
                    )
                    .and_then(|mut s| s.execute(params![part, account, region, kind, id]))
                    .map(|_| ()),
                Write::Prune { part, kind, below } => tx
                    .prepare_cached("DELETE FROM records WHERE part = ?1 AND account = '' AND region = '' AND kind = ?2 AND id < ?3")
                    .and_then(|mut s| s.execute(params![part, kind, below]))
                    .map(|_| ()),
            }
            .map_err(sql_err("writing a record"))?;
        }
        tx.commit().map_err(sql_err("committing"))
    }

    fn load(&self) -> Result<Vec<Record>, String> {
        read_all(&self.conn()).map_err(sql_err("reading the records"))
    }

    fn replace(&self, records: &[Record]) -> Result<(), String> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(sql_err("beginning a transaction"))?;
        tx.execute("DELETE FROM records", []).map_err(sql_err("clearing the records"))?;
        for r in records {
            put(&tx, r).map_err(sql_err("writing a record"))?;
        }
        tx.commit().map_err(sql_err("committing"))
    }
}

/// Writes `records` as a snapshot file at `path`: one SQLite database with sekisho's schema, written to a
/// temporary name beside it and renamed, so a reader never sees half a snapshot.
pub fn write_snapshot(path: &Path, records: &[Record]) -> Result<(), String> {
    let tmp = path.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    {
        let mut conn = Connection::open(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        // A file nobody reads until it is renamed: no journal, no sync per transaction; one sync at the end.
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        schema::migrate(&conn, 0).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let tx = conn.transaction().map_err(sql_err("beginning a transaction"))?;
        for r in records {
            put(&tx, r).map_err(sql_err("writing a snapshot record"))?;
        }
        tx.commit().map_err(sql_err("committing the snapshot"))?;
    }
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| format!("cannot sync {}: {e}", tmp.display()))?;
    // A snapshot holds the same secrets as the data directory.
    std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads every record of a snapshot file (or of a stopped server's database), refusing what is not one.
pub fn read_snapshot(path: &Path) -> Result<Vec<Record>, String> {
    if !path.is_file() {
        return Err(format!("{}: no such snapshot file", path.display()));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| format!("{} is not a sekisho snapshot or is damaged ({e})", path.display()))?;
    schema::check_version(version, &path.display().to_string())?;
    if version == 0 {
        return Err(format!("{} is not a sekisho snapshot (no schema)", path.display()));
    }
    if version < SCHEMA_VERSION {
        // Migrate a copy in memory: the file itself is only read.
        let mut copy = Connection::open_in_memory().map_err(sql_err("opening memory"))?;
        copy.restore(rusqlite::MAIN_DB, path, None::<fn(rusqlite::backup::Progress)>)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        schema::migrate(&copy, version).map_err(|e| format!("{}: migrating: {e}", path.display()))?;
        let _ = &mut copy;
        return read_all(&copy).map_err(|e| format!("{}: {e}", path.display()));
    }
    read_all(&conn).map_err(|e| format!("{}: {e}", path.display()))
}

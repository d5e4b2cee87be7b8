//! The store against a real file: records come back, a transaction is all or nothing, a newer or damaged
//! database and a second opener are refused and nothing is changed.

use super::*;
use sekisho_core::persist::Record;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sekisho-store-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

fn rec(id: &str, value: &str) -> Record {
    Record {
        part: "accounts".into(),
        account: "111111111111".into(),
        region: String::new(),
        kind: "iam.roles".into(),
        id: id.into(),
        value: value.as_bytes().to_vec(),
    }
}

#[test]
fn records_survive_a_reopen() {
    let d = dir();
    {
        let s = SqliteStore::open(&d).unwrap();
        s.write(&[Write::Put(rec("a", "1")), Write::Put(rec("b", "2"))]).unwrap();
        s.write(&[Write::Put(rec("a", "3"))]).unwrap();
    }
    let s = SqliteStore::open(&d).unwrap();
    let mut got = s.load().unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, vec![rec("a", "3"), rec("b", "2")]);
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let d = dir();
    let s = SqliteStore::open(&d).unwrap();
    s.write(&[Write::Put(rec("a", "1"))]).unwrap();
    // A record that breaks a constraint mid-batch: the puts before it in the batch must not stay.
    s.conn().execute_batch("CREATE TRIGGER no_bad BEFORE INSERT ON records WHEN NEW.id = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END;").unwrap();
    let err = s.write(&[
        Write::Put(rec("b", "2")),
        Write::Delete {
            part: "accounts".into(),
            account: "111111111111".into(),
            region: String::new(),
            kind: "iam.roles".into(),
            id: "a".into(),
        },
        Write::Put(rec("bad", "x")),
    ]);
    assert!(err.is_err());
    drop(s);
    let s = SqliteStore::open(&d).unwrap();
    assert_eq!(s.load().unwrap(), vec![rec("a", "1")], "all of the batch or none of it");
}

#[test]
fn an_uncommitted_transaction_is_gone_after_a_crash() {
    // The process dies between BEGIN and COMMIT: simulated by leaking the connection with an open transaction
    // (its WAL frames are never committed) and opening the directory from a fresh connection.
    let d = dir();
    let path = d.join(DB_FILE);
    {
        let s = SqliteStore::open(&d).unwrap();
        s.write(&[Write::Put(rec("a", "1"))]).unwrap();
    }
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("BEGIN; INSERT INTO records VALUES ('accounts','111111111111','','iam.roles','b',x'32');")
        .unwrap();
    std::mem::forget(conn);
    let reader = Connection::open(&path).unwrap();
    let n: i64 = reader.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "the uncommitted insert is invisible to everyone else");
}

#[test]
fn a_second_opener_is_refused() {
    let d = dir();
    let _first = SqliteStore::open(&d).unwrap();
    let err = SqliteStore::open(&d).err().unwrap();
    assert!(err.contains("in use by another sekisho"), "{err}");
}

#[test]
fn a_newer_database_is_refused_and_left_alone() {
    let d = dir();
    {
        let s = SqliteStore::open(&d).unwrap();
        s.write(&[Write::Put(rec("a", "1"))]).unwrap();
        s.conn().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    }
    let before = std::fs::read(d.join(DB_FILE)).unwrap();
    let err = SqliteStore::open(&d).err().unwrap();
    assert!(err.contains("newer sekisho"), "{err}");
    assert_eq!(std::fs::read(d.join(DB_FILE)).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let d = dir();
    let garbage = b"this is not sqlite at all, just sixty-odd bytes of text padding......".to_vec();
    std::fs::write(d.join(DB_FILE), &garbage).unwrap();
    let err = SqliteStore::open(&d).err().unwrap();
    assert!(err.contains("not a sekisho database or is damaged"), "{err}");
    assert_eq!(std::fs::read(d.join(DB_FILE)).unwrap(), garbage);
}

#[test]
fn a_snapshot_round_trips() {
    let d = dir();
    let file = d.join("snap.db");
    write_snapshot(&file, &[rec("a", "1"), rec("b", "2")]).unwrap();
    let mut got = read_snapshot(&file).unwrap();
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, vec![rec("a", "1"), rec("b", "2")]);
    let s = SqliteStore::open(&d).unwrap();
    s.replace(&got).unwrap();
    assert_eq!(s.count().unwrap(), 2);
}

#[test]
fn a_prune_deletes_only_older_records_of_its_kind() {
    let d = dir();
    let s = SqliteStore::open(&d).unwrap();
    let log = |kind: &str, id: &str| Record {
        part: "decisions".into(),
        account: String::new(),
        region: String::new(),
        kind: kind.into(),
        id: id.into(),
        value: b"{}".to_vec(),
    };
    s.write(&[Write::Put(log("call", "01")), Write::Put(log("call", "02")), Write::Put(log("refusal", "01"))]).unwrap();
    s.write(&[Write::Prune { part: "decisions".into(), kind: "call".into(), below: "02".into() }]).unwrap();
    let mut left: Vec<(String, String)> = s.load().unwrap().into_iter().map(|r| (r.kind, r.id)).collect();
    left.sort();
    assert_eq!(left, vec![("call".into(), "02".into()), ("refusal".into(), "01".into())]);
}

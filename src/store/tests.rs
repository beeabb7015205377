//! The store's own tests: opening, pragmas, migrations, read-only access.

use rusqlite_migration::{Migrations, M};

use super::fixtures::{loop_row, temp_store};
use super::*;

fn pragma_i64(store: &Store, name: &str) -> i64 {
    store
        .conn()
        .pragma_query_value(None, name, |row| row.get(0))
        .expect("pragma")
}

fn save_loop(store: &Store, name: &str) {
    let step = Step {
        upsert_loop: Some(loop_row(name, 10)),
        ..Step::default()
    };
    store.commit(&step).expect("commit");
}

#[test]
fn open_creates_the_directory_and_sets_crash_safe_pragmas() {
    let (_dir, path, store) = temp_store();
    assert!(path.is_file());
    let mode: String = store
        .conn()
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    assert_eq!(pragma_i64(&store, "synchronous"), 1, "NORMAL");
    assert_eq!(pragma_i64(&store, "foreign_keys"), 1);
    assert_eq!(pragma_i64(&store, "busy_timeout"), 5_000);
    assert_eq!(store.integrity_check().expect("integrity"), "ok");
}

#[test]
fn reopening_is_idempotent_and_keeps_data() {
    let (_dir, path, store) = temp_store();
    save_loop(&store, "pricing");
    drop(store);
    for _ in 0..2 {
        let store = Store::open(&path).expect("reopen");
        assert_eq!(
            pragma_i64(&store, "user_version"),
            schema::LATEST_VERSION as i64
        );
        assert_eq!(store.loops().expect("loops").len(), 1);
    }
}

#[test]
fn an_appended_migration_advances_the_version_and_older_andon_refuses_it() {
    let (_dir, path, store) = temp_store();
    save_loop(&store, "pricing");
    drop(store);

    let mut steps = schema::MIGRATION_STEPS.to_vec();
    steps.push(M::up("ALTER TABLE loops ADD COLUMN agent TEXT;"));
    let mut conn = Connection::open(&path).expect("raw open");
    Migrations::new(steps)
        .to_latest(&mut conn)
        .expect("migrate to the next version");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version");
    assert_eq!(version, schema::LATEST_VERSION as i64 + 1);
    let names: i64 = conn
        .query_row(
            "SELECT count(*) FROM loops WHERE agent IS NULL",
            [],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(names, 1, "the migration kept the existing loop");
    drop(conn);

    for result in [Store::open(&path), Store::open_read_only(&path)] {
        match result {
            Err(StoreError::TooNew { found, known, .. }) => {
                assert_eq!(
                    (found, known),
                    (schema::LATEST_VERSION + 1, schema::LATEST_VERSION)
                )
            }
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}

#[test]
fn read_only_open_of_a_missing_store_says_how_to_create_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".andon").join("andon.db");
    let err = Store::open_read_only(&path).expect_err("must fail");
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("andon run PLAN"), "{message}");
    assert!(!path.exists(), "a reader must never create the store");
}

#[test]
fn read_only_store_reads_beside_a_writer_and_after_it_closed() {
    let (_dir, path, store) = temp_store();
    save_loop(&store, "pricing");

    let reader = Store::open_read_only(&path).expect("open beside the writer");
    assert_eq!(reader.loops().expect("loops").len(), 1);
    save_loop(&store, "search");
    assert_eq!(reader.loops().expect("loops").len(), 2, "sees new commits");
    let step = Step {
        upsert_loop: Some(loop_row("docs", 30)),
        ..Step::default()
    };
    let err = reader.commit(&step).expect_err("read-only");
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err:?}");
    drop(reader);

    // Closing the last connection checkpoints and removes the -wal/-shm files, the state
    // `andon status` finds when no supervisor runs.
    drop(store);
    let wal = path.with_extension("db-wal");
    assert!(!wal.exists(), "{} should be gone", wal.display());
    let reader = Store::open_read_only(&path).expect("open after the writer");
    assert_eq!(reader.loops().expect("loops").len(), 2);
}

#[test]
fn read_only_open_of_an_unmigrated_file_is_outdated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("andon.db");
    Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE TABLE unrelated (x);"))
        .expect("plain sqlite file");
    match Store::open_read_only(&path) {
        Err(StoreError::Outdated {
            found, expected, ..
        }) => assert_eq!((found, expected), (0, schema::LATEST_VERSION)),
        other => panic!("expected Outdated, got {other:?}"),
    }
}

#[test]
fn a_write_lock_held_elsewhere_turns_into_busy_after_the_timeout() {
    let (_dir, path, store) = temp_store();
    let other = Connection::open(&path).expect("second connection");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("hold the lock");
    let err = store.commit(&Step::default()).expect_err("busy");
    assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
    assert!(err.to_string().contains(&path.display().to_string()));
    other.execute_batch("ROLLBACK").expect("release");
    store.commit(&Step::default()).expect("free again");
}

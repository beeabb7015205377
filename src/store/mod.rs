//! andon's persistent memory: one SQLite file (`.andon/andon.db`) holding every loop, its
//! iterations, check runs, events and incidents, and the append-only audit log.
//!
//! Crash safety is the point. andon may be SIGKILLed at any moment, and a restarted andon must
//! find every loop as it was. Hence WAL with `synchronous=NORMAL` (a commit survives the death
//! of the process; only a power cut may lose the last few), one writer connection behind a
//! mutex, and every multi-row change in one transaction ([`Store::commit`]).

pub mod audit_chain;
mod queries;
pub mod query;
pub mod queue;
mod rows;
mod schema;
pub mod schema_doc;
mod write;

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
pub(crate) mod fixtures;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

pub use rows::{
    AuditRow, CheckRunRow, EventRow, IncidentRow, IterationRow, KaizenRow, LoopRow, Step,
};

/// How long a statement waits for another process's lock before giving up with
/// [`StoreError::Busy`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle on the store. Cheap to share behind an `Arc`: all access goes through one
/// connection, so there is exactly one writer per process.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The audit chain's key (a writer's; readers verify with [`audit_chain::read_key`]).
    audit_key: Option<Vec<u8>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Why the store could not be opened, read or written. Every message names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no andon store at {} — fix: run `andon run PLAN` first", path.display())]
    Missing { path: PathBuf },

    #[error("cannot create the directory for the andon store {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("andon store {}: cannot {op}", path.display())]
    Sqlite {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "andon store {} stayed locked by another process for {}s, so andon could not {op} — \
         fix: retry, or end the other process holding it",
        path.display(),
        BUSY_TIMEOUT.as_secs()
    )]
    Busy {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    #[error("andon store {}: schema migration failed", path.display())]
    Migration {
        path: PathBuf,
        #[source]
        source: rusqlite_migration::Error,
    },

    #[error(
        "andon store {} has schema version {found}, newer than the {known} this andon knows — \
         fix: upgrade andon",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },

    #[error(
        "andon store {} has schema version {found}, older than the {expected} this andon reads — \
         fix: run `andon` once to upgrade it",
        path.display()
    )]
    Outdated {
        path: PathBuf,
        found: usize,
        expected: usize,
    },

    #[error(
        "andon store {}: SQLite refused WAL mode (journal_mode is {mode}) — \
         fix: keep the repository on a local filesystem",
        path.display()
    )]
    NoWal { path: PathBuf, mode: String },
}

/// Builds the error for a failed SQLite call, telling a lock timeout apart from the rest
/// because its fix is different.
fn sqlite_error(path: &Path, op: &'static str, source: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Busy { path, op, source }
        }
        _ => StoreError::Sqlite { path, op, source },
    }
}

/// `path` with `suffix` added to its file name (`andon.db` → `andon.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

impl Store {
    /// Opens the store for reading and writing, creating the file and its parent directory
    /// when missing and bringing the schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::own_file::dir(dir).map_err(|source| StoreError::CreateDir {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path).map_err(|e| sqlite_error(path, "open", e))?;
        // The store holds prompts, notes and output: the user's alone (SQLite gives its
        // journal files the database's own mode).
        for file in [
            path.to_path_buf(),
            with_suffix(path, "-wal"),
            with_suffix(path, "-shm"),
        ] {
            if file.exists() {
                crate::own_file::make_private(&file).map_err(|source| StoreError::CreateDir {
                    path: file.clone(),
                    source,
                })?;
            }
        }
        configure_writer(&mut conn, path)?;
        migrate(&mut conn, path)?;
        let audit_key = audit_key(&conn, path)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            audit_key: Some(audit_key),
        })
    }

    /// Opens an existing store for the read-only commands (`status`, `log`, `audit`,
    /// `kaizen`), which must work beside a running supervisor and never create a store.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| sqlite_error(path, "open read-only", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sqlite_error(path, "set the busy timeout", e))?;
        // A reader cannot migrate, so it accepts only the exact schema its queries expect.
        let found = user_version(&conn, path)?;
        let expected = schema::LATEST_VERSION;
        if found > expected {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                known: expected,
            });
        }
        if found < expected {
            return Err(StoreError::Outdated {
                path: path.to_path_buf(),
                found,
                expected,
            });
        }
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            audit_key: None,
        })
    }

    /// The database file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `PRAGMA integrity_check`; a healthy store answers `"ok"`.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        let conn = self.conn();
        let run = || -> rusqlite::Result<String> {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let lines = stmt
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(lines.join("\n"))
        };
        run().map_err(|e| self.error("check integrity", e))
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave a half-applied change behind: an open
        // transaction rolls back when it is dropped during unwinding. The connection is still
        // consistent, so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn error(&self, op: &'static str, source: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, op, source)
    }
}

/// Sets the pragmas crash safety depends on. They are per connection (except WAL, which
/// sticks to the file), so every writer connection must run this before its first write.
fn configure_writer(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sqlite_error(path, "set the busy timeout", e))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| sqlite_error(path, "switch to WAL mode", e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NoWal {
            path: path.to_path_buf(),
            mode,
        });
    }
    // In WAL mode NORMAL syncs at checkpoints only: a committed transaction survives the
    // process being killed, and only an OS crash or power cut can roll back the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| sqlite_error(path, "set synchronous=NORMAL", e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| sqlite_error(path, "enable foreign keys", e))?;
    // A deferred transaction that upgrades from reading to writing fails at once with
    // SQLITE_BUSY when another process committed meanwhile, bypassing the busy timeout.
    // Taking the write lock up front lets a second andon process wait its turn instead.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found = user_version(conn, path)?;
    if found > schema::LATEST_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known: schema::LATEST_VERSION,
        });
    }
    schema::MIGRATIONS
        .to_latest(conn)
        .map_err(|source| StoreError::Migration {
            path: path.to_path_buf(),
            source,
        })
}

fn user_version(conn: &Connection, path: &Path) -> Result<usize, StoreError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| sqlite_error(path, "read the schema version", e))?;
    // A negative user_version was written by something other than andon; treat it as
    // "newer than anything known" so andon refuses to touch it.
    Ok(usize::try_from(version).unwrap_or(usize::MAX))
}

/// The audit chain's key: the one on disk, or a new one for a trail not chained yet. A
/// chained trail whose key is gone is refused: a new key would re-sign it.
fn audit_key(conn: &Connection, path: &Path) -> Result<Vec<u8>, StoreError> {
    let key_path = audit_chain::key_path(path);
    let fail = |source| StoreError::CreateDir {
        path: key_path.clone(),
        source,
    };
    if !key_path.exists() {
        let chained: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE mac IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(|e| sqlite_error(path, "read the audit log", e))?;
        if chained > 0 {
            return Err(fail(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the audit key is gone though the trail is chained; restore it from a backup \
                 (`andon audit --verify` cannot vouch for the trail without it)",
            )));
        }
    }
    audit_chain::load_or_make_key(path).map_err(fail)
}

#[cfg(test)]
mod tests;

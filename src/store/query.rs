//! `andon query`: one read-only SQL statement over the store, for a person or an agent. It runs
//! on a connection of its own that cannot write (opened read-only, `query_only`, and refused
//! unless SQLite calls the statement read-only), within a time limit (a progress handler
//! interrupts it) and a row cap. SQLite's authorizer decides what each reader may see: a
//! person reads every table; an agent reads incidents, check runs and iterations — never the
//! loops' reasons and state, the events, the Kaizen decisions or the audit, where people's
//! notes are kept — and an incident's evidence reads as NULL (it quotes other loops' notes).
//! No one may ATTACH another database.

use std::path::Path;
use std::time::Duration;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

/// Who reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Person,
    Agent,
}

/// The tables an agent may read.
pub const AGENT_TABLES: &[&str] = &["incidents", "check_runs", "iterations"];

/// Columns an agent reads as NULL: an incident's evidence quotes other loops' human notes.
const HIDDEN_FROM_AGENTS: &[(&str, &str)] = &[("incidents", "evidence_json")];

/// How long a query may run and how many rows it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub time: Duration,
    pub rows: usize,
}

/// The largest string or blob a query may make: `zeroblob(999999999)` from an agent must not
/// make the supervisor allocate a gigabyte.
const LONGEST_VALUE: i32 = 4 * 1024 * 1024;

impl Limits {
    /// What a person gets unless they ask for more.
    pub const PERSON: Limits = Limits {
        time: Duration::from_secs(5),
        rows: 1000,
    };
    /// What an agent gets: the supervisor runs its query, so it stays short.
    pub const AGENT: Limits = Limits {
        time: Duration::from_secs(5),
        rows: 200,
    };
}

/// A query's answer: its column names and rows (values as JSON), and whether the row cap cut
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("no andon store at {0} — fix: run `andon run PLAN` first")]
    Missing(String),
    #[error("a query only reads the store: this statement would change it")]
    Writes,
    #[error("{0}")]
    Refused(String),
    #[error("the query ran longer than {}s and was cut — fix: narrow it (a WHERE, a LIMIT){}", .0.as_secs(), if *.1 { "" } else { ", or give it --time-limit" })]
    TooLong(Duration, bool),
    #[error("{0}")]
    Sql(String),
}

/// Runs `sql` on the store at `path` for `reader`, within `limits`.
pub fn run(path: &Path, sql: &str, reader: Reader, limits: Limits) -> Result<Rows, QueryError> {
    if !path.is_file() {
        return Err(QueryError::Missing(path.display().to_string()));
    }
    let conn = open(path).map_err(|e| QueryError::Sql(format!("cannot open the store: {e}")))?;
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, LONGEST_VALUE)
        .map_err(|e| QueryError::Sql(e.to_string()))?;
    let tables = tables(&conn).map_err(|e| QueryError::Sql(e.to_string()))?;
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        authorize(reader, &tables, &ctx)
    }))
    .map_err(|e| QueryError::Sql(e.to_string()))?;
    let started = crate::clock::instant_now();
    let limit = limits.time;
    conn.progress_handler(1000, Some(move || started.elapsed() > limit))
        .map_err(|e| QueryError::Sql(e.to_string()))?;
    let sql_error = |e: rusqlite::Error| explain(e, reader, limits);
    let mut stmt = conn.prepare(sql).map_err(sql_error)?;
    if !stmt.readonly() {
        return Err(QueryError::Writes);
    }
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut out = Vec::new();
    let mut truncated = false;
    while let Some(row) = rows.next().map_err(sql_error)? {
        if out.len() == limits.rows {
            truncated = true;
            break;
        }
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(json(row.get_ref(i).map_err(sql_error)?));
        }
        out.push(values);
    }
    Ok(Rows {
        columns,
        rows: out,
        truncated,
    })
}

/// A connection that cannot write, whatever it is asked.
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA query_only = ON;")?;
    Ok(conn)
}

/// The store's tables and views, and SQLite's schema tables: what a read may touch. (A common
/// table expression is read by its name too; it is no table, and what it reads is asked for
/// on its own.)
fn tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut names: Vec<String> = conn
        .prepare("SELECT lower(name) FROM sqlite_master WHERE type IN ('table', 'view')")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names.extend(
        [
            "sqlite_master",
            "sqlite_schema",
            "sqlite_temp_master",
            "sqlite_temp_schema",
        ]
        .map(str::to_string),
    );
    Ok(names)
}

/// What `reader` may do, action by action, as SQLite prepares the statement.
fn authorize(reader: Reader, tables: &[String], ctx: &AuthContext<'_>) -> Authorization {
    match (reader, &ctx.action) {
        (_, AuthAction::Attach { .. } | AuthAction::Detach { .. }) => Authorization::Deny,
        (Reader::Person, _) => Authorization::Allow,
        (
            Reader::Agent,
            AuthAction::Select | AuthAction::Function { .. } | AuthAction::Recursive,
        ) => Authorization::Allow,
        (
            Reader::Agent,
            AuthAction::Read {
                table_name,
                column_name,
            },
        ) => {
            let table = table_name.to_lowercase();
            if HIDDEN_FROM_AGENTS.contains(&(table.as_str(), *column_name)) {
                Authorization::Ignore
            } else if AGENT_TABLES.contains(&table.as_str()) {
                Authorization::Allow
            } else if tables.contains(&table)
                || ["sqlite_", "pragma_", "dbstat"]
                    .iter()
                    .any(|p| table.starts_with(p))
            {
                // The store's other tables, SQLite's own and its table-valued pragmas.
                Authorization::Deny
            } else {
                // A common table expression's own name.
                Authorization::Allow
            }
        }
        (Reader::Agent, _) => Authorization::Deny,
    }
}

/// SQLite's error, said for the reader: a refusal names what they may read.
fn explain(e: rusqlite::Error, reader: Reader, limits: Limits) -> QueryError {
    let code = e.sqlite_error_code();
    if code == Some(rusqlite::ErrorCode::OperationInterrupted) {
        return QueryError::TooLong(limits.time, reader == Reader::Agent);
    }
    if code == Some(rusqlite::ErrorCode::AuthorizationForStatementDenied) {
        return QueryError::Refused(match reader {
            Reader::Agent => format!(
                "not authorized: agents may read the {} tables only (`andon query --schema`)",
                AGENT_TABLES.join(", ")
            ),
            Reader::Person => "not authorized: andon query reads this store alone".into(),
        });
    }
    if matches!(e, rusqlite::Error::MultipleStatement) {
        return QueryError::Refused("one statement at a time".into());
    }
    QueryError::Sql(e.to_string())
}

/// A value as JSON: text as text, a blob by its size.
fn json(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => format!("<{} bytes>", b.len()).into(),
    }
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;

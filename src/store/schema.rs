//! The store's schema as an ordered list of SQL migrations.
//!
//! Migrations only ever get appended: a released migration is never edited, because its
//! position is the schema version recorded in the database's `user_version`. To change the
//! schema, push a new `M::up(...)` onto [`MIGRATION_STEPS`].

use rusqlite_migration::{Migrations, M};

/// Version 1: loops, iterations, check runs, events, incidents and the append-only audit log.
///
/// Text columns that hold vocabulary (state, lamp, status, mode, kind, category) carry no
/// CHECK lists: the vocabulary belongs to `core`, and a new state must not need a table
/// rebuild. Tables are STRICT so a mistyped bind fails loudly instead of being coerced.
///
/// The audit table has no foreign key on purpose: audit rows outlive the loop they name
/// (`Store::delete_loop` keeps them), and triggers make it append-only for every client,
/// not only for andon's own writer.
const V1: &str = r#"
CREATE TABLE loops (
    name                 TEXT    NOT NULL PRIMARY KEY,
    plan_path            TEXT    NOT NULL,
    plan_hash            TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    lamp                 TEXT    NOT NULL,
    iteration            INTEGER NOT NULL CHECK (iteration >= 0),
    consecutive_failures INTEGER NOT NULL CHECK (consecutive_failures >= 0),
    last_fingerprint     TEXT,
    last_category        TEXT,
    branch               TEXT    NOT NULL,
    worktree             TEXT    NOT NULL,
    base                 TEXT    NOT NULL,
    reason               TEXT,
    state_json           TEXT    NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX loops_by_created ON loops (created_at, name);

CREATE TABLE iterations (
    loop_name     TEXT    NOT NULL REFERENCES loops (name),
    n             INTEGER NOT NULL CHECK (n >= 1),
    mode          TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    agent_exit    INTEGER,
    changed_files INTEGER CHECK (changed_files >= 0),
    checks_passed INTEGER CHECK (checks_passed >= 0),
    checks_total  INTEGER CHECK (checks_total >= 0),
    fingerprint   TEXT,
    category      TEXT,
    confidence    REAL    CHECK (confidence BETWEEN 0.0 AND 1.0),
    snapshot      TEXT,
    prompt_path   TEXT    NOT NULL,
    note          TEXT,
    PRIMARY KEY (loop_name, n)
) STRICT;

-- The primary key orders a loop's check runs by iteration, then 'check' before 'goal'
-- (alphabetical, which is also the order they run in), then seq.
CREATE TABLE check_runs (
    loop_name   TEXT    NOT NULL,
    iteration   INTEGER NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 0),
    name        TEXT    NOT NULL,
    command     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    exit_code   INTEGER,
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    timed_out   INTEGER NOT NULL CHECK (timed_out IN (0, 1)),
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    log_path    TEXT    NOT NULL,
    PRIMARY KEY (loop_name, iteration, kind, seq),
    FOREIGN KEY (loop_name, iteration) REFERENCES iterations (loop_name, n)
) STRICT;

-- Events and incidents may belong to iteration 0 (the loop before its first iteration),
-- so they reference the loop only.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    loop_name TEXT    NOT NULL REFERENCES loops (name),
    iteration INTEGER NOT NULL CHECK (iteration >= 0),
    at        INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    lamp      TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    detail    TEXT    NOT NULL
) STRICT;
CREATE INDEX events_by_loop ON events (loop_name, id);

CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    loop_name     TEXT    NOT NULL REFERENCES loops (name),
    iteration     INTEGER NOT NULL CHECK (iteration >= 0),
    at            INTEGER NOT NULL,
    category      TEXT    NOT NULL,
    confidence    REAL    NOT NULL CHECK (confidence BETWEEN 0.0 AND 1.0),
    fingerprint   TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    evidence_json TEXT    NOT NULL,
    level         TEXT,
    status        TEXT    NOT NULL
) STRICT;
CREATE INDEX incidents_by_loop ON incidents (loop_name, id);

-- AUTOINCREMENT keeps ids strictly increasing even if the newest row were ever removed by
-- hand, so "ORDER BY id" stays insertion order for an audit trail.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    loop_name TEXT,
    iteration INTEGER CHECK (iteration >= 0),
    commit_id TEXT,
    action    TEXT    NOT NULL,
    reason    TEXT
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
"#;

/// Version 2: the Kaizen decisions — a prevention level and status per (category,
/// fingerprint) group of incidents, which outlive any one loop.
const V2: &str = r#"
CREATE TABLE kaizen (
    category    TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    level       TEXT,
    status      TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (category, fingerprint)
) STRICT;
"#;

/// Version 3: the audit chain — each row's HMAC over the previous row's and its own fields.
const V3: &str = "ALTER TABLE audit ADD COLUMN mac TEXT;";

/// Version 4: a failed iteration's normalized failure lines beside its fingerprint, so a
/// later failure is compared line by line (Seen before), and the index that finds earlier
/// failures by fingerprint or category.
const V4: &str = "
ALTER TABLE iterations ADD COLUMN failure_lines TEXT;
CREATE INDEX iterations_by_fingerprint ON iterations (fingerprint);
CREATE INDEX iterations_by_category ON iterations (category);
";

/// Version 5: the queue — plans (and resumes) waiting for the line to admit them, which
/// survive any supervisor. `after` names the plan whose loop must merge first.
const V5: &str = "
CREATE TABLE queue (
    id          INTEGER NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    plan_path   TEXT    NOT NULL,
    priority    INTEGER NOT NULL,
    after       TEXT,
    agent       TEXT,
    replaces    INTEGER NOT NULL,
    loop_name   TEXT,
    action      TEXT,
    status      TEXT    NOT NULL,
    reason      TEXT,
    added_at    INTEGER NOT NULL,
    started_at  INTEGER
) STRICT;
";

/// Every migration, oldest first; the slice index + 1 is the schema version.
pub(crate) const MIGRATION_STEPS: &[M<'static>] = &[
    M::up(V1).comment("initial schema"),
    M::up(V2).comment("kaizen decisions"),
    M::up(V3).comment("audit chain"),
    M::up(V4).comment("failure lines"),
    M::up(V5).comment("queue"),
];

/// The migrations this build of andon knows about.
pub(crate) const MIGRATIONS: Migrations<'static> = Migrations::from_slice(MIGRATION_STEPS);

/// The schema version a fully migrated store has.
pub(crate) const LATEST_VERSION: usize = MIGRATION_STEPS.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert_eq!(MIGRATIONS.validate(), Ok(()));
    }
}

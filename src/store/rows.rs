//! Plain row structs, one per table, and the [`Step`] that commits several of them at once.
//!
//! Timestamps are unix milliseconds supplied by the caller; the store never reads a clock.

use rusqlite::Row;

/// One loop: its plan, where it runs, and the summary fields `andon status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopRow {
    pub name: String,
    pub plan_path: String,
    pub plan_hash: String,
    pub state: String,
    pub lamp: String,
    pub iteration: u32,
    pub consecutive_failures: u32,
    pub last_fingerprint: Option<String>,
    pub last_category: Option<String>,
    pub branch: String,
    pub worktree: String,
    pub base: String,
    /// Why the loop stopped or ended.
    pub reason: Option<String>,
    /// The reducer's full state as serde_json; opaque to the store.
    pub state_json: String,
    /// Kept from the first insert: upserts never move a loop on the board.
    pub created_at: i64,
    pub updated_at: i64,
}

/// One iteration of a loop, keyed by `(loop_name, n)`.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationRow {
    pub loop_name: String,
    /// 1-based.
    pub n: u32,
    /// `code` or `plan`.
    pub mode: String,
    /// `running`, `passed`, `failed`, `interrupted`, `cancelled` or `stopped`.
    pub status: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub agent_exit: Option<i32>,
    pub changed_files: Option<u32>,
    pub checks_passed: Option<u32>,
    pub checks_total: Option<u32>,
    pub fingerprint: Option<String>,
    pub category: Option<String>,
    pub confidence: Option<f64>,
    /// The snapshot commit of this iteration on the loop branch.
    pub snapshot: Option<String>,
    pub prompt_path: String,
    pub note: Option<String>,
    /// A failed iteration's normalized failure lines (what its fingerprint hashed), one per
    /// line: what Seen before compares a later failure with.
    pub failure_lines: Option<String>,
}

/// One check or goal-check command run in an iteration, keyed by
/// `(loop_name, iteration, kind, seq)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRunRow {
    pub loop_name: String,
    pub iteration: u32,
    pub seq: u32,
    pub name: String,
    pub command: String,
    /// `check` or `goal`.
    pub kind: String,
    pub exit_code: Option<i32>,
    pub passed: bool,
    pub timed_out: bool,
    pub duration_ms: i64,
    pub log_path: String,
}

/// One entry of a loop's timeline. Insert-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Assigned by the store; ignored on insert.
    pub id: Option<i64>,
    pub loop_name: String,
    /// 0 for events before the first iteration.
    pub iteration: u32,
    pub at: i64,
    pub kind: String,
    pub lamp: String,
    pub state: String,
    pub detail: String,
}

/// A recorded failure. Insert-only.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    /// Assigned by the store; ignored on insert.
    pub id: Option<i64>,
    pub loop_name: String,
    pub iteration: u32,
    pub at: i64,
    pub category: String,
    pub confidence: f64,
    pub fingerprint: String,
    pub summary: String,
    pub evidence_json: String,
    /// Kaizen level `L1`..`L4`, once one is chosen.
    pub level: Option<String>,
    /// `open` when recorded.
    pub status: String,
}

/// A human (or andon) action. Append-only, enforced by the database itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Assigned by the store; ignored on insert.
    pub id: Option<i64>,
    pub at: i64,
    pub actor: String,
    pub loop_name: Option<String>,
    pub iteration: Option<u32>,
    pub commit_id: Option<String>,
    pub action: String,
    pub reason: Option<String>,
}

/// A human's Kaizen decision for one (category, fingerprint) group of incidents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KaizenRow {
    pub category: String,
    pub fingerprint: String,
    /// `L1`..`L4`, once chosen.
    pub level: Option<String>,
    /// open, doing, done or dropped.
    pub status: String,
    pub updated_at: i64,
}

/// Everything one decision of the engine persists, committed in a single transaction so a
/// crash leaves either all of it or none of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Step {
    pub upsert_loop: Option<LoopRow>,
    pub upsert_iterations: Vec<IterationRow>,
    pub check_runs: Vec<CheckRunRow>,
    pub events: Vec<EventRow>,
    pub incidents: Vec<IncidentRow>,
    pub audit: Vec<AuditRow>,
    pub kaizen: Vec<KaizenRow>,
}

// Column lists shared by the SELECTs in `queries` and the mappers below, so the two cannot
// drift apart.
pub(crate) const LOOP_COLUMNS: &str = "name, plan_path, plan_hash, state, lamp, iteration, \
     consecutive_failures, last_fingerprint, last_category, branch, worktree, base, reason, \
     state_json, created_at, updated_at";
pub(crate) const ITERATION_COLUMNS: &str = "loop_name, n, mode, status, started_at, ended_at, \
     agent_exit, changed_files, checks_passed, checks_total, fingerprint, category, confidence, \
     snapshot, prompt_path, note, failure_lines";
pub(crate) const CHECK_RUN_COLUMNS: &str = "loop_name, iteration, seq, name, command, kind, \
     exit_code, passed, timed_out, duration_ms, log_path";
pub(crate) const EVENT_COLUMNS: &str = "id, loop_name, iteration, at, kind, lamp, state, detail";
pub(crate) const INCIDENT_COLUMNS: &str = "id, loop_name, iteration, at, category, confidence, \
     fingerprint, summary, evidence_json, level, status";
pub(crate) const KAIZEN_COLUMNS: &str = "category, fingerprint, level, status, updated_at";
pub(crate) const AUDIT_COLUMNS: &str =
    "id, at, actor, loop_name, iteration, commit_id, action, reason";

impl LoopRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            name: row.get("name")?,
            plan_path: row.get("plan_path")?,
            plan_hash: row.get("plan_hash")?,
            state: row.get("state")?,
            lamp: row.get("lamp")?,
            iteration: row.get("iteration")?,
            consecutive_failures: row.get("consecutive_failures")?,
            last_fingerprint: row.get("last_fingerprint")?,
            last_category: row.get("last_category")?,
            branch: row.get("branch")?,
            worktree: row.get("worktree")?,
            base: row.get("base")?,
            reason: row.get("reason")?,
            state_json: row.get("state_json")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

impl IterationRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            loop_name: row.get("loop_name")?,
            n: row.get("n")?,
            mode: row.get("mode")?,
            status: row.get("status")?,
            started_at: row.get("started_at")?,
            ended_at: row.get("ended_at")?,
            agent_exit: row.get("agent_exit")?,
            changed_files: row.get("changed_files")?,
            checks_passed: row.get("checks_passed")?,
            checks_total: row.get("checks_total")?,
            fingerprint: row.get("fingerprint")?,
            category: row.get("category")?,
            confidence: row.get("confidence")?,
            snapshot: row.get("snapshot")?,
            prompt_path: row.get("prompt_path")?,
            note: row.get("note")?,
            failure_lines: row.get("failure_lines")?,
        })
    }
}

impl CheckRunRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            loop_name: row.get("loop_name")?,
            iteration: row.get("iteration")?,
            seq: row.get("seq")?,
            name: row.get("name")?,
            command: row.get("command")?,
            kind: row.get("kind")?,
            exit_code: row.get("exit_code")?,
            passed: row.get("passed")?,
            timed_out: row.get("timed_out")?,
            duration_ms: row.get("duration_ms")?,
            log_path: row.get("log_path")?,
        })
    }
}

impl EventRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            loop_name: row.get("loop_name")?,
            iteration: row.get("iteration")?,
            at: row.get("at")?,
            kind: row.get("kind")?,
            lamp: row.get("lamp")?,
            state: row.get("state")?,
            detail: row.get("detail")?,
        })
    }
}

impl IncidentRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            loop_name: row.get("loop_name")?,
            iteration: row.get("iteration")?,
            at: row.get("at")?,
            category: row.get("category")?,
            confidence: row.get("confidence")?,
            fingerprint: row.get("fingerprint")?,
            summary: row.get("summary")?,
            evidence_json: row.get("evidence_json")?,
            level: row.get("level")?,
            status: row.get("status")?,
        })
    }
}

impl AuditRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            at: row.get("at")?,
            actor: row.get("actor")?,
            loop_name: row.get("loop_name")?,
            iteration: row.get("iteration")?,
            commit_id: row.get("commit_id")?,
            action: row.get("action")?,
            reason: row.get("reason")?,
        })
    }
}

impl KaizenRow {
    pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            category: row.get("category")?,
            fingerprint: row.get("fingerprint")?,
            level: row.get("level")?,
            status: row.get("status")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

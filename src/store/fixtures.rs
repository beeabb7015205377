//! Sample rows for the store's tests, each one filling every column (optional ones
//! included) so a round trip through SQLite checks them all.

use std::path::PathBuf;

use tempfile::TempDir;

use super::rows::{AuditRow, CheckRunRow, EventRow, IncidentRow, IterationRow, LoopRow};
use super::Store;

/// A fresh store in its own temporary directory, nested one level down so `open` has to
/// create the parent directory, as it does for `.andon/andon.db`.
pub(crate) fn temp_store() -> (TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".andon").join("andon.db");
    let store = Store::open(&path).expect("open store");
    (dir, path, store)
}

pub(crate) fn loop_row(name: &str, created_at: i64) -> LoopRow {
    LoopRow {
        name: name.to_string(),
        plan_path: format!("plans/{name}.md"),
        plan_hash: "sha256:0f1e2d".to_string(),
        state: "running".to_string(),
        lamp: "yellow".to_string(),
        iteration: 2,
        consecutive_failures: 1,
        last_fingerprint: Some("fp-1234".to_string()),
        last_category: Some("test_failure".to_string()),
        branch: format!("loop/{name}"),
        worktree: format!("../repo.worktrees/{name}"),
        base: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".to_string(),
        reason: Some("repeating".to_string()),
        state_json: r#"{"phase":"agent"}"#.to_string(),
        created_at,
        updated_at: created_at + 5,
    }
}

pub(crate) fn iteration_row(loop_name: &str, n: u32) -> IterationRow {
    IterationRow {
        loop_name: loop_name.to_string(),
        n,
        mode: "code".to_string(),
        status: "failed".to_string(),
        started_at: 1_000 * i64::from(n),
        ended_at: Some(1_000 * i64::from(n) + 900),
        agent_exit: Some(-1),
        changed_files: Some(3),
        checks_passed: Some(1),
        checks_total: Some(2),
        fingerprint: Some(format!("fp-{n}")),
        category: Some("build_error".to_string()),
        confidence: Some(0.875),
        snapshot: Some("c0ffee".to_string()),
        prompt_path: format!(".andon/loops/{loop_name}/iter-{n}/prompt.md"),
        note: Some("redirected: try a guard clause".to_string()),
        failure_lines: Some("E assert N == N".to_string()),
    }
}

pub(crate) fn check_run_row(loop_name: &str, iteration: u32, kind: &str, seq: u32) -> CheckRunRow {
    CheckRunRow {
        loop_name: loop_name.to_string(),
        iteration,
        seq,
        name: format!("{kind}-{seq}"),
        command: "cargo test --quiet".to_string(),
        kind: kind.to_string(),
        exit_code: Some(101),
        passed: false,
        timed_out: true,
        duration_ms: 12_345,
        log_path: format!(".andon/loops/{loop_name}/iter-{iteration}/check-{kind}-{seq}.log"),
    }
}

pub(crate) fn event_row(loop_name: &str, iteration: u32, at: i64) -> EventRow {
    EventRow {
        id: None,
        loop_name: loop_name.to_string(),
        iteration,
        at,
        kind: "checks_failed".to_string(),
        lamp: "yellow".to_string(),
        state: "running".to_string(),
        detail: format!("event at {at}"),
    }
}

pub(crate) fn incident_row(loop_name: &str, iteration: u32, at: i64) -> IncidentRow {
    IncidentRow {
        id: None,
        loop_name: loop_name.to_string(),
        iteration,
        at,
        category: "test_failure".to_string(),
        confidence: 0.9,
        fingerprint: "fp-1234".to_string(),
        summary: "pricing::never_negative failed".to_string(),
        evidence_json: r#"{"tail":"assertion failed"}"#.to_string(),
        level: Some("L2".to_string()),
        status: "open".to_string(),
    }
}

pub(crate) fn audit_row(loop_name: Option<&str>, at: i64, action: &str) -> AuditRow {
    AuditRow {
        id: None,
        at,
        actor: "alice".to_string(),
        loop_name: loop_name.map(str::to_string),
        iteration: loop_name.map(|_| 2),
        commit_id: loop_name.map(|_| "c0ffee".to_string()),
        action: action.to_string(),
        reason: Some("looks right".to_string()),
    }
}

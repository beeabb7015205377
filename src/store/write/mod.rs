//! Writes: committing a [`Step`], marking interrupted iterations, and undoing a loop that
//! failed to start. Each public call is exactly one immediate transaction.

use rusqlite::{named_params, params, OptionalExtension, Transaction, TransactionBehavior};

use super::rows::{
    AuditRow, CheckRunRow, EventRow, IncidentRow, IterationRow, KaizenRow, LoopRow, Step,
};
use super::{Store, StoreError};

// Upserts use ON CONFLICT DO UPDATE, never INSERT OR REPLACE: REPLACE deletes the old row
// first, which a foreign key from a child table would refuse (or, with a cascade, would take
// the loop's history with it).
const UPSERT_LOOP: &str = "
INSERT INTO loops (name, plan_path, plan_hash, state, lamp, iteration, consecutive_failures,
                   last_fingerprint, last_category, branch, worktree, base, reason, state_json,
                   created_at, updated_at)
VALUES (:name, :plan_path, :plan_hash, :state, :lamp, :iteration, :consecutive_failures,
        :last_fingerprint, :last_category, :branch, :worktree, :base, :reason, :state_json,
        :created_at, :updated_at)
ON CONFLICT (name) DO UPDATE SET
    plan_path = excluded.plan_path, plan_hash = excluded.plan_hash, state = excluded.state,
    lamp = excluded.lamp, iteration = excluded.iteration,
    consecutive_failures = excluded.consecutive_failures,
    last_fingerprint = excluded.last_fingerprint, last_category = excluded.last_category,
    branch = excluded.branch, worktree = excluded.worktree, base = excluded.base,
    reason = excluded.reason, state_json = excluded.state_json,
    updated_at = excluded.updated_at";

const UPSERT_ITERATION: &str = "
INSERT INTO iterations (loop_name, n, mode, status, started_at, ended_at, agent_exit,
                        changed_files, checks_passed, checks_total, fingerprint, category,
                        confidence, snapshot, prompt_path, note, failure_lines)
VALUES (:loop_name, :n, :mode, :status, :started_at, :ended_at, :agent_exit, :changed_files,
        :checks_passed, :checks_total, :fingerprint, :category, :confidence, :snapshot,
        :prompt_path, :note, :failure_lines)
ON CONFLICT (loop_name, n) DO UPDATE SET
    mode = excluded.mode, status = excluded.status, started_at = excluded.started_at,
    ended_at = excluded.ended_at, agent_exit = excluded.agent_exit,
    changed_files = excluded.changed_files, checks_passed = excluded.checks_passed,
    checks_total = excluded.checks_total, fingerprint = excluded.fingerprint,
    category = excluded.category, confidence = excluded.confidence,
    snapshot = excluded.snapshot, prompt_path = excluded.prompt_path, note = excluded.note,
    failure_lines = excluded.failure_lines";

const UPSERT_CHECK_RUN: &str = "
INSERT INTO check_runs (loop_name, iteration, seq, name, command, kind, exit_code, passed,
                        timed_out, duration_ms, log_path)
VALUES (:loop_name, :iteration, :seq, :name, :command, :kind, :exit_code, :passed, :timed_out,
        :duration_ms, :log_path)
ON CONFLICT (loop_name, iteration, kind, seq) DO UPDATE SET
    name = excluded.name, command = excluded.command, exit_code = excluded.exit_code,
    passed = excluded.passed, timed_out = excluded.timed_out,
    duration_ms = excluded.duration_ms, log_path = excluded.log_path";

const INSERT_EVENT: &str = "
INSERT INTO events (loop_name, iteration, at, kind, lamp, state, detail)
VALUES (:loop_name, :iteration, :at, :kind, :lamp, :state, :detail)";

const INSERT_INCIDENT: &str = "
INSERT INTO incidents (loop_name, iteration, at, category, confidence, fingerprint, summary,
                       evidence_json, level, status)
VALUES (:loop_name, :iteration, :at, :category, :confidence, :fingerprint, :summary,
        :evidence_json, :level, :status)";

const UPSERT_KAIZEN: &str = "
INSERT INTO kaizen (category, fingerprint, level, status, updated_at)
VALUES (:category, :fingerprint, :level, :status, :updated_at)
ON CONFLICT (category, fingerprint) DO UPDATE SET
    level = excluded.level, status = excluded.status, updated_at = excluded.updated_at";

const INSERT_AUDIT: &str = "
INSERT INTO audit (at, actor, loop_name, iteration, commit_id, action, reason, mac)
VALUES (:at, :actor, :loop_name, :iteration, :commit_id, :action, :reason, :mac)";

const LAST_AUDIT_MAC: &str = "SELECT mac FROM audit ORDER BY id DESC LIMIT 1";

impl Store {
    /// Writes everything in `step` in one transaction: the loop first, then its iteration,
    /// so rows that reference them in the same step are accepted. On any error nothing of
    /// the step is kept.
    pub fn commit(&self, step: &Step) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error("begin a transaction", e))?;
        if let Some(row) = &step.upsert_loop {
            upsert_loop(&tx, row).map_err(|e| self.error("save the loop", e))?;
        }
        for row in &step.upsert_iterations {
            upsert_iteration(&tx, row).map_err(|e| self.error("save the iteration", e))?;
        }
        for row in &step.check_runs {
            upsert_check_run(&tx, row).map_err(|e| self.error("save a check run", e))?;
        }
        for row in &step.events {
            insert_event(&tx, row).map_err(|e| self.error("record an event", e))?;
        }
        for row in &step.incidents {
            insert_incident(&tx, row).map_err(|e| self.error("record an incident", e))?;
        }
        let mut head = None;
        for row in &step.audit {
            head = Some(
                insert_audit(&tx, row, self.audit_key.as_deref())
                    .map_err(|e| self.error("append to the audit log", e))?,
            );
        }
        for row in &step.kaizen {
            upsert_kaizen(&tx, row).map_err(|e| self.error("save a Kaizen decision", e))?;
        }
        tx.commit().map_err(|e| self.error("commit a step", e))?;
        if let (Some((id, mac)), Some(key)) = (head, &self.audit_key) {
            // The rows are kept; a head left behind by a failure here only lags them, which
            // verification allows.
            if let Err(e) = super::audit_chain::write_head(&self.path, key, id, &mac) {
                tracing::warn!("cannot record the audit trail's head: {e}");
            }
        }
        Ok(())
    }

    /// Marks the loop's iterations still `running` — left so by a crash or kill — as
    /// `interrupted`, ending them at `at_ms`. Returns their numbers in ascending order.
    pub fn mark_interrupted(&self, loop_name: &str, at_ms: i64) -> Result<Vec<u32>, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error("begin a transaction", e))?;
        let mut numbers = {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE iterations SET status = 'interrupted', ended_at = ?2
                     WHERE loop_name = ?1 AND status = 'running'
                     RETURNING n",
                )
                .map_err(|e| self.error("mark interrupted iterations", e))?;
            stmt.query_map(params![loop_name, at_ms], |row| row.get::<_, u32>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<u32>>>())
                .map_err(|e| self.error("mark interrupted iterations", e))?
        };
        tx.commit()
            .map_err(|e| self.error("commit interrupted iterations", e))?;
        // RETURNING yields rows in no promised order.
        numbers.sort_unstable();
        Ok(numbers)
    }

    /// The loop's open incidents with `fingerprint` turn out to have a common cause: their
    /// status says so (the common cause's own incident tells the story). Returns how many.
    pub fn mark_common_cause(
        &self,
        loop_name: &str,
        fingerprint: &str,
    ) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                "UPDATE incidents SET status = 'common_cause'
                 WHERE loop_name = ?1 AND fingerprint = ?2 AND status = 'open'",
                params![loop_name, fingerprint],
            )
            .map_err(|e| self.error("mark incidents of a common cause", e))
    }

    /// Removes a loop with its iterations, check runs, events and incidents, in one
    /// transaction. Only for undoing a loop that failed to start; audit rows stay, since the
    /// audit log is append-only. Deleting an unknown loop is not an error.
    pub fn delete_loop(&self, name: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error("begin a transaction", e))?;
        // Children first: the foreign keys refuse to orphan them.
        for sql in [
            "DELETE FROM check_runs WHERE loop_name = ?1",
            "DELETE FROM iterations WHERE loop_name = ?1",
            "DELETE FROM events WHERE loop_name = ?1",
            "DELETE FROM incidents WHERE loop_name = ?1",
            "DELETE FROM loops WHERE name = ?1",
        ] {
            tx.execute(sql, [name])
                .map_err(|e| self.error("delete the loop", e))?;
        }
        tx.commit().map_err(|e| self.error("delete the loop", e))
    }
}

fn upsert_loop(tx: &Transaction<'_>, row: &LoopRow) -> rusqlite::Result<()> {
    tx.prepare_cached(UPSERT_LOOP)?.execute(named_params! {
        ":name": row.name,
        ":plan_path": row.plan_path,
        ":plan_hash": row.plan_hash,
        ":state": row.state,
        ":lamp": row.lamp,
        ":iteration": row.iteration,
        ":consecutive_failures": row.consecutive_failures,
        ":last_fingerprint": row.last_fingerprint,
        ":last_category": row.last_category,
        ":branch": row.branch,
        ":worktree": row.worktree,
        ":base": row.base,
        ":reason": row.reason,
        ":state_json": row.state_json,
        ":created_at": row.created_at,
        ":updated_at": row.updated_at,
    })?;
    Ok(())
}

fn upsert_iteration(tx: &Transaction<'_>, row: &IterationRow) -> rusqlite::Result<()> {
    tx.prepare_cached(UPSERT_ITERATION)?
        .execute(named_params! {
            ":loop_name": row.loop_name,
            ":n": row.n,
            ":mode": row.mode,
            ":status": row.status,
            ":started_at": row.started_at,
            ":ended_at": row.ended_at,
            ":agent_exit": row.agent_exit,
            ":changed_files": row.changed_files,
            ":checks_passed": row.checks_passed,
            ":checks_total": row.checks_total,
            ":fingerprint": row.fingerprint,
            ":category": row.category,
            ":confidence": row.confidence,
            ":snapshot": row.snapshot,
            ":prompt_path": row.prompt_path,
            ":note": row.note,
            ":failure_lines": row.failure_lines,
        })?;
    Ok(())
}

fn upsert_check_run(tx: &Transaction<'_>, row: &CheckRunRow) -> rusqlite::Result<()> {
    tx.prepare_cached(UPSERT_CHECK_RUN)?
        .execute(named_params! {
            ":loop_name": row.loop_name,
            ":iteration": row.iteration,
            ":seq": row.seq,
            ":name": row.name,
            ":command": row.command,
            ":kind": row.kind,
            ":exit_code": row.exit_code,
            ":passed": row.passed,
            ":timed_out": row.timed_out,
            ":duration_ms": row.duration_ms,
            ":log_path": row.log_path,
        })?;
    Ok(())
}

fn insert_event(tx: &Transaction<'_>, row: &EventRow) -> rusqlite::Result<()> {
    tx.prepare_cached(INSERT_EVENT)?.execute(named_params! {
        ":loop_name": row.loop_name,
        ":iteration": row.iteration,
        ":at": row.at,
        ":kind": row.kind,
        ":lamp": row.lamp,
        ":state": row.state,
        ":detail": row.detail,
    })?;
    Ok(())
}

fn insert_incident(tx: &Transaction<'_>, row: &IncidentRow) -> rusqlite::Result<()> {
    tx.prepare_cached(INSERT_INCIDENT)?.execute(named_params! {
        ":loop_name": row.loop_name,
        ":iteration": row.iteration,
        ":at": row.at,
        ":category": row.category,
        ":confidence": row.confidence,
        ":fingerprint": row.fingerprint,
        ":summary": row.summary,
        ":evidence_json": row.evidence_json,
        ":level": row.level,
        ":status": row.status,
    })?;
    Ok(())
}

/// Appends `row`, chained to the row before it with `key`; returns its id and MAC.
fn insert_audit(
    tx: &Transaction<'_>,
    row: &AuditRow,
    key: Option<&[u8]>,
) -> rusqlite::Result<(i64, String)> {
    let prev: Option<String> = tx
        .prepare_cached(LAST_AUDIT_MAC)?
        .query_row([], |r| r.get(0))
        .optional()?
        .flatten();
    let mac = key.map(|key| super::audit_chain::mac(key, prev.as_deref().unwrap_or(""), row));
    tx.prepare_cached(INSERT_AUDIT)?.execute(named_params! {
        ":at": row.at,
        ":actor": row.actor,
        ":loop_name": row.loop_name,
        ":iteration": row.iteration,
        ":commit_id": row.commit_id,
        ":action": row.action,
        ":reason": row.reason,
        ":mac": mac,
    })?;
    Ok((tx.last_insert_rowid(), mac.unwrap_or_default()))
}

fn upsert_kaizen(tx: &Transaction<'_>, row: &KaizenRow) -> rusqlite::Result<()> {
    tx.prepare_cached(UPSERT_KAIZEN)?.execute(named_params! {
        ":category": row.category,
        ":fingerprint": row.fingerprint,
        ":level": row.level,
        ":status": row.status,
        ":updated_at": row.updated_at,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests;

//! The queue's rows: work waiting for the line to admit it, kept in the store so it survives
//! any supervisor (a kill -9 loses nothing queued).

use rusqlite::{named_params, params, Row, TransactionBehavior};

use super::{Store, StoreError};

/// One queue entry, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub id: i64,
    /// `plan` or `resume`.
    pub kind: String,
    pub plan_path: String,
    pub priority: i64,
    pub after: Option<String>,
    pub agent: Option<String>,
    /// The plan replaces its earlier loop (`andon run --replace`): the new loop takes the next
    /// free name.
    pub replaces: bool,
    /// The loop it started; for a resume, the loop it resumes.
    pub loop_name: Option<String>,
    /// A resume: the human's action as JSON (its note, the fix plan it accepts).
    pub action: Option<String>,
    /// `waiting`, `started` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub added_at: i64,
    pub started_at: Option<i64>,
}

/// What a new entry asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: String,
    pub plan_path: String,
    pub priority: i64,
    pub after: Option<String>,
    pub agent: Option<String>,
    pub replaces: bool,
    pub loop_name: Option<String>,
    /// A resume: the human's action as JSON (its note, the fix plan it accepts).
    pub action: Option<String>,
}

const COLUMNS: &str = "id, kind, plan_path, priority, after, agent, replaces, loop_name, action, \
     status, reason, added_at, started_at";

impl QueueRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<QueueRow> {
        Ok(QueueRow {
            id: row.get("id")?,
            kind: row.get("kind")?,
            plan_path: row.get("plan_path")?,
            priority: row.get("priority")?,
            after: row.get("after")?,
            agent: row.get("agent")?,
            replaces: row.get("replaces")?,
            loop_name: row.get("loop_name")?,
            action: row.get("action")?,
            status: row.get("status")?,
            reason: row.get("reason")?,
            added_at: row.get("added_at")?,
            started_at: row.get("started_at")?,
        })
    }
}

impl Store {
    /// Queues `entries` in one transaction (all or none); returns their ids in order.
    pub fn enqueue(&self, entries: &[NewEntry], at_ms: i64) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error("begin a transaction", e))?;
        let mut ids = Vec::new();
        for e in entries {
            tx.execute(
                "INSERT INTO queue (kind, plan_path, priority, after, agent, replaces, loop_name,
                                    action, status, added_at)
                 VALUES (:kind, :plan_path, :priority, :after, :agent, :replaces, :loop_name,
                         :action, 'waiting', :added_at)",
                named_params! {
                    ":kind": e.kind,
                    ":plan_path": e.plan_path,
                    ":priority": e.priority,
                    ":after": e.after,
                    ":agent": e.agent,
                    ":replaces": e.replaces,
                    ":loop_name": e.loop_name,
                    ":action": e.action,
                    ":added_at": at_ms,
                },
            )
            .map_err(|err| self.error("queue a plan", err))?;
            ids.push(tx.last_insert_rowid());
        }
        tx.commit().map_err(|e| self.error("queue a plan", e))?;
        Ok(ids)
    }

    /// Every entry, waiting or not, in queue order.
    pub fn queue(&self) -> Result<Vec<QueueRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM queue ORDER BY id");
        let conn = self.conn();
        let read = || -> rusqlite::Result<Vec<QueueRow>> {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([], QueueRow::from_row)?;
            rows.collect()
        };
        read().map_err(|e| self.error("read the queue", e))
    }

    /// Entry `id` started loop `loop_name`. False when it was no longer waiting (removed).
    pub fn mark_started(&self, id: i64, loop_name: &str, at_ms: i64) -> Result<bool, StoreError> {
        self.conn()
            .execute(
                "UPDATE queue SET status = 'started', loop_name = ?2, started_at = ?3
                 WHERE id = ?1 AND status = 'waiting'",
                params![id, loop_name, at_ms],
            )
            .map(|n| n == 1)
            .map_err(|e| self.error("mark a queue entry started", e))
    }

    /// Entry `id` could not start, and why; it stays listed until a human removes it.
    pub fn mark_failed(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE queue SET status = 'failed', reason = ?2 WHERE id = ?1",
                params![id, reason],
            )
            .map(|_| ())
            .map_err(|e| self.error("mark a queue entry failed", e))
    }

    /// Removes entries that have not started; returns how many went.
    pub fn dequeue(&self, ids: &[i64]) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error("begin a transaction", e))?;
        let mut n = 0;
        for id in ids {
            n += tx
                .execute(
                    "DELETE FROM queue WHERE id = ?1 AND status != 'started'",
                    [id],
                )
                .map_err(|e| self.error("remove a queue entry", e))?;
        }
        tx.commit()
            .map_err(|e| self.error("remove a queue entry", e))?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(plan: &str) -> NewEntry {
        NewEntry {
            kind: "plan".into(),
            plan_path: plan.into(),
            ..NewEntry::default()
        }
    }

    #[test]
    fn entries_survive_reopening_and_change_status_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("andon.db");
        let ids = {
            let store = Store::open(&path).unwrap();
            store
                .enqueue(&[entry("plans/a.md"), entry("plans/b.md")], 10)
                .unwrap()
        };
        let store = Store::open(&path).unwrap();
        let rows = store.queue().unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows
            .iter()
            .all(|r| r.status == "waiting" && r.added_at == 10));
        assert!(store.mark_started(ids[0], "a", 20).unwrap());
        assert!(!store.mark_started(ids[0], "a", 21).unwrap(), "once");
        store.mark_failed(ids[1], "the plan is gone").unwrap();
        // A started entry is history: removing it removes nothing.
        assert_eq!(store.dequeue(&ids).unwrap(), 1);
        let rows = store.queue().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].loop_name.as_deref(), Some("a"));
        assert_eq!(rows[0].started_at, Some(20));
    }
}

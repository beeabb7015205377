//! Reads: the lists `andon status`, `andon log`, `andon audit`, `andon kaizen` and a
//! restarting supervisor need. Each read is one statement, so it sees one consistent
//! snapshot even while another process writes.

use rusqlite::{params, OptionalExtension, Params, Row};

use super::rows::{
    AuditRow, CheckRunRow, EventRow, IncidentRow, IterationRow, KaizenRow, LoopRow, AUDIT_COLUMNS,
    CHECK_RUN_COLUMNS, EVENT_COLUMNS, INCIDENT_COLUMNS, ITERATION_COLUMNS, KAIZEN_COLUMNS,
    LOOP_COLUMNS,
};
use super::{Store, StoreError};

impl Store {
    /// Every loop, oldest first (ties broken by name), the order of the board.
    pub fn loops(&self) -> Result<Vec<LoopRow>, StoreError> {
        let sql = format!("SELECT {LOOP_COLUMNS} FROM loops ORDER BY created_at, name");
        self.select("list loops", &sql, [], LoopRow::from_row)
    }

    /// The loop called `name`, if there is one.
    pub fn get_loop(&self, name: &str) -> Result<Option<LoopRow>, StoreError> {
        let sql = format!("SELECT {LOOP_COLUMNS} FROM loops WHERE name = ?1");
        let conn = self.conn();
        let read = || -> rusqlite::Result<Option<LoopRow>> {
            conn.prepare_cached(&sql)?
                .query_row([name], LoopRow::from_row)
                .optional()
        };
        read().map_err(|e| self.error("read a loop", e))
    }

    /// A loop's iterations by number.
    pub fn iterations(&self, loop_name: &str) -> Result<Vec<IterationRow>, StoreError> {
        let sql =
            format!("SELECT {ITERATION_COLUMNS} FROM iterations WHERE loop_name = ?1 ORDER BY n");
        self.select("list iterations", &sql, [loop_name], IterationRow::from_row)
    }

    /// Failed iterations of loops other than `loop_name`: those with this fingerprint, then
    /// those of this category, each newest first and at most `limit`: the candidates Seen
    /// before picks from.
    pub fn failures_like(
        &self,
        loop_name: &str,
        fingerprint: &str,
        category: &str,
        limit: usize,
    ) -> Result<Vec<IterationRow>, StoreError> {
        // The same fingerprint first, with a limit of its own: many newer failures of the
        // category must not push an exact match out.
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let same = format!(
            "SELECT {ITERATION_COLUMNS} FROM iterations WHERE loop_name != ?1 AND fingerprint = ?2 \
             ORDER BY ended_at DESC, loop_name, n DESC LIMIT ?3"
        );
        let mut rows = self.select(
            "find earlier failures",
            &same,
            params![loop_name, fingerprint, limit],
            IterationRow::from_row,
        )?;
        let alike = format!(
            "SELECT {ITERATION_COLUMNS} FROM iterations WHERE loop_name != ?1 AND category = ?2 \
             AND fingerprint IS NOT NULL AND fingerprint != ?3 \
             ORDER BY ended_at DESC, loop_name, n DESC LIMIT ?4"
        );
        rows.extend(self.select(
            "find earlier failures",
            &alike,
            params![loop_name, category, fingerprint, limit],
            IterationRow::from_row,
        )?);
        Ok(rows)
    }

    /// A loop's check runs — of one iteration, or of all of them — ordered by iteration,
    /// checks before goal checks, then run order.
    pub fn check_runs(
        &self,
        loop_name: &str,
        iteration: Option<u32>,
    ) -> Result<Vec<CheckRunRow>, StoreError> {
        let order = "ORDER BY iteration, kind, seq";
        match iteration {
            Some(n) => {
                let sql = format!(
                    "SELECT {CHECK_RUN_COLUMNS} FROM check_runs
                     WHERE loop_name = ?1 AND iteration = ?2 {order}"
                );
                self.select(
                    "list check runs",
                    &sql,
                    params![loop_name, n],
                    CheckRunRow::from_row,
                )
            }
            None => {
                let sql = format!(
                    "SELECT {CHECK_RUN_COLUMNS} FROM check_runs WHERE loop_name = ?1 {order}"
                );
                self.select("list check runs", &sql, [loop_name], CheckRunRow::from_row)
            }
        }
    }

    /// Events of one loop or of all loops, oldest first. With a `limit`, only the most recent
    /// `limit` events — the tail of the timeline, still oldest first.
    pub fn events(
        &self,
        loop_name: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<EventRow>, StoreError> {
        // SQLite reads a negative LIMIT as "no limit".
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        // Two statements rather than `?1 IS NULL OR loop_name = ?1`, which would keep
        // SQLite from using the events_by_loop index.
        match loop_name {
            Some(name) => {
                let sql = format!(
                    "SELECT * FROM (SELECT {EVENT_COLUMNS} FROM events WHERE loop_name = ?1
                                    ORDER BY id DESC LIMIT ?2)
                     ORDER BY id"
                );
                self.select(
                    "list events",
                    &sql,
                    params![name, limit],
                    EventRow::from_row,
                )
            }
            None => {
                let sql = format!(
                    "SELECT * FROM (SELECT {EVENT_COLUMNS} FROM events ORDER BY id DESC LIMIT ?1)
                     ORDER BY id"
                );
                self.select("list events", &sql, [limit], EventRow::from_row)
            }
        }
    }

    /// Incidents of one loop or of all loops, in the order they were recorded.
    pub fn incidents(&self, loop_name: Option<&str>) -> Result<Vec<IncidentRow>, StoreError> {
        match loop_name {
            Some(name) => {
                let sql = format!(
                    "SELECT {INCIDENT_COLUMNS} FROM incidents WHERE loop_name = ?1 ORDER BY id"
                );
                self.select("list incidents", &sql, [name], IncidentRow::from_row)
            }
            None => {
                let sql = format!("SELECT {INCIDENT_COLUMNS} FROM incidents ORDER BY id");
                self.select("list incidents", &sql, [], IncidentRow::from_row)
            }
        }
    }

    /// Every Kaizen decision, by category and fingerprint.
    pub fn kaizen(&self) -> Result<Vec<KaizenRow>, StoreError> {
        let sql = format!("SELECT {KAIZEN_COLUMNS} FROM kaizen ORDER BY category, fingerprint");
        self.select("read the Kaizen decisions", &sql, [], KaizenRow::from_row)
    }

    /// The whole audit log in insertion order, each row with its chain MAC (none for rows
    /// written before the chain began).
    pub fn audit_chain(&self) -> Result<Vec<super::audit_chain::ChainedRow>, StoreError> {
        let sql = format!("SELECT {AUDIT_COLUMNS}, mac FROM audit ORDER BY id");
        self.select("read the audit log", &sql, [], |row| {
            Ok((AuditRow::from_row(row)?, row.get("mac")?))
        })
    }

    /// One loop's audit rows in insertion order.
    pub fn audit_of(&self, loop_name: &str) -> Result<Vec<AuditRow>, StoreError> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE loop_name = ?1 ORDER BY id");
        self.select("read a loop's audit", &sql, [loop_name], AuditRow::from_row)
    }

    /// The whole audit log in insertion order.
    pub fn audit(&self) -> Result<Vec<AuditRow>, StoreError> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY id");
        self.select("read the audit log", &sql, [], AuditRow::from_row)
    }

    fn select<T>(
        &self,
        op: &'static str,
        sql: &str,
        params: impl Params,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.conn();
        let read = || -> rusqlite::Result<Vec<T>> {
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params, map)?;
            rows.collect()
        };
        read().map_err(|e| self.error(op, e))
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{
        audit_row, check_run_row, event_row, incident_row, iteration_row, loop_row, temp_store,
    };
    use super::super::Step;

    /// Earlier failures are found by fingerprint or by category, never in the asking loop,
    /// newest first, and only failures (an iteration with a fingerprint).
    #[test]
    fn failures_like_finds_other_loops_failures_newest_first() {
        let (_dir, _path, store) = temp_store();
        let failed = |name: &str, n: u32, fp: Option<&str>, category: &str, ended: i64| {
            let mut it = iteration_row(name, n);
            it.fingerprint = fp.map(str::to_string);
            it.category = Some(category.to_string());
            it.ended_at = Some(ended);
            it
        };
        for (name, rows) in [
            (
                "mine",
                vec![failed("mine", 1, Some("fp"), "test_failure", 50)],
            ),
            (
                "a",
                vec![
                    failed("a", 1, Some("fp"), "test_failure", 10),
                    failed("a", 2, None, "test_failure", 20),
                ],
            ),
            ("b", vec![failed("b", 1, Some("other"), "test_failure", 30)]),
            ("c", vec![failed("c", 1, Some("zzz"), "build_error", 40)]),
        ] {
            store
                .commit(&Step {
                    upsert_loop: Some(loop_row(name, 1)),
                    upsert_iterations: rows,
                    ..Step::default()
                })
                .expect("commit");
        }
        let found: Vec<(String, u32)> = store
            .failures_like("mine", "fp", "test_failure", 10)
            .expect("read")
            .into_iter()
            .map(|i| (i.loop_name, i.n))
            .collect();
        // The same fingerprint first, then the category's newest.
        assert_eq!(found, [("a".to_string(), 1), ("b".to_string(), 1)]);
        // Each kind has its own limit: a newer failure of the category pushes out no exact
        // match.
        let one: Vec<String> = store
            .failures_like("mine", "fp", "test_failure", 1)
            .expect("read")
            .into_iter()
            .map(|i| i.loop_name)
            .collect();
        assert_eq!(one, ["a", "b"]);
    }

    /// Reads return what was written, with the store-assigned ids filled in.
    #[test]
    fn every_row_type_round_trips() {
        let (_dir, path, store) = temp_store();
        let step = Step {
            upsert_loop: Some(loop_row("pricing", 100)),
            upsert_iterations: vec![iteration_row("pricing", 1)],
            check_runs: vec![
                check_run_row("pricing", 1, "check", 0),
                check_run_row("pricing", 1, "goal", 0),
            ],
            events: vec![event_row("pricing", 1, 150)],
            incidents: vec![incident_row("pricing", 1, 160)],
            audit: vec![
                audit_row(Some("pricing"), 170, "approve"),
                audit_row(None, 171, "stop_all"),
            ],
            kaizen: Vec::new(),
        };
        store.commit(&step).expect("commit");
        // Through a fresh connection, so nothing can come from a cache.
        drop(store);
        let store = super::super::Store::open_read_only(&path).expect("reopen");

        assert_eq!(
            store.loops().expect("loops"),
            vec![loop_row("pricing", 100)]
        );
        assert_eq!(
            store.get_loop("pricing").expect("get"),
            Some(loop_row("pricing", 100))
        );
        assert_eq!(store.get_loop("nope").expect("get"), None);
        assert_eq!(
            store.iterations("pricing").expect("iterations"),
            vec![iteration_row("pricing", 1)]
        );
        assert_eq!(
            store.check_runs("pricing", Some(1)).expect("checks"),
            step.check_runs
        );

        let mut event = event_row("pricing", 1, 150);
        event.id = Some(1);
        assert_eq!(
            store.events(Some("pricing"), None).expect("events"),
            vec![event]
        );
        let mut incident = incident_row("pricing", 1, 160);
        incident.id = Some(1);
        assert_eq!(
            store.incidents(Some("pricing")).expect("incidents"),
            vec![incident]
        );
        let audit: Vec<_> = step
            .audit
            .iter()
            .zip(1..)
            .map(|(row, id)| {
                let mut row = row.clone();
                row.id = Some(id);
                row
            })
            .collect();
        assert_eq!(store.audit().expect("audit"), audit);
    }

    #[test]
    fn loops_are_ordered_by_creation_then_name() {
        let (_dir, _path, store) = temp_store();
        for (name, created_at) in [("zeta", 5), ("beta", 7), ("alpha", 7), ("omega", 1)] {
            let step = Step {
                upsert_loop: Some(loop_row(name, created_at)),
                ..Step::default()
            };
            store.commit(&step).expect("commit");
        }
        let names: Vec<_> = store
            .loops()
            .expect("loops")
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["omega", "zeta", "alpha", "beta"]);
    }

    #[test]
    fn reads_filter_by_loop_and_iteration() {
        let (_dir, _path, store) = temp_store();
        for name in ["a", "b"] {
            for n in 1..=2 {
                let step = Step {
                    upsert_loop: Some(loop_row(name, 1)),
                    upsert_iterations: vec![iteration_row(name, n)],
                    // Goal checks written first must still read back after the checks.
                    check_runs: vec![
                        check_run_row(name, n, "goal", 0),
                        check_run_row(name, n, "check", 1),
                        check_run_row(name, n, "check", 0),
                    ],
                    events: vec![event_row(name, n, i64::from(n))],
                    incidents: vec![incident_row(name, n, i64::from(n))],
                    audit: vec![],
                    kaizen: Vec::new(),
                };
                store.commit(&step).expect("commit");
            }
        }
        let key =
            |c: &super::CheckRunRow| (c.loop_name.clone(), c.iteration, c.kind.clone(), c.seq);
        let runs: Vec<_> = store
            .check_runs("b", Some(2))
            .expect("runs")
            .iter()
            .map(key)
            .collect();
        let b2 = |kind: &str, seq| ("b".to_string(), 2, kind.to_string(), seq);
        assert_eq!(runs, [b2("check", 0), b2("check", 1), b2("goal", 0)]);
        let all_b = store.check_runs("b", None).expect("runs");
        assert_eq!(all_b.len(), 6);
        assert!(all_b.windows(2).all(|w| w[0].iteration <= w[1].iteration));
        assert!(all_b.iter().all(|c| c.loop_name == "b"));

        let iterations: Vec<_> = store
            .iterations("a")
            .expect("its")
            .iter()
            .map(|i| i.n)
            .collect();
        assert_eq!(iterations, [1, 2]);
        assert_eq!(store.events(Some("a"), None).expect("events").len(), 2);
        assert_eq!(store.events(None, None).expect("events").len(), 4);
        assert!(store
            .incidents(Some("b"))
            .expect("incidents")
            .iter()
            .all(|i| i.loop_name == "b"));
        assert_eq!(store.incidents(None).expect("incidents").len(), 4);
        assert!(store.iterations("missing").expect("none").is_empty());
    }

    #[test]
    fn an_event_limit_keeps_the_most_recent_oldest_first() {
        let (_dir, _path, store) = temp_store();
        let mut step = Step {
            upsert_loop: Some(loop_row("a", 1)),
            ..Step::default()
        };
        step.events = (1..=5).map(|at| event_row("a", 0, at)).collect();
        store.commit(&step).expect("commit");
        let other = Step {
            upsert_loop: Some(loop_row("b", 1)),
            events: vec![event_row("b", 0, 6)],
            ..Step::default()
        };
        store.commit(&other).expect("commit");

        let at = |loop_name, limit| -> Vec<i64> {
            store
                .events(loop_name, limit)
                .expect("events")
                .iter()
                .map(|e| e.at)
                .collect()
        };
        let cases: [(Option<&str>, Option<usize>, &[i64]); 6] = [
            (Some("a"), None, &[1, 2, 3, 4, 5]),
            (Some("a"), Some(2), &[4, 5]),
            (Some("a"), Some(0), &[]),
            (Some("a"), Some(usize::MAX), &[1, 2, 3, 4, 5]),
            (None, Some(3), &[4, 5, 6]),
            (Some("c"), Some(3), &[]),
        ];
        for (loop_name, limit, expected) in cases {
            assert_eq!(at(loop_name, limit), expected, "{loop_name:?} {limit:?}");
        }
    }
}

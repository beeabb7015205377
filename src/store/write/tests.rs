//! Tests of the store's writes against a real SQLite file.

use crate::store::fixtures::{
    audit_row, check_run_row, event_row, incident_row, iteration_row, loop_row, temp_store,
};
use crate::store::{LoopRow, Step, Store, StoreError};

fn full_step(name: &str, n: u32) -> Step {
    Step {
        upsert_loop: Some(loop_row(name, 1)),
        upsert_iterations: vec![iteration_row(name, n)],
        check_runs: vec![check_run_row(name, n, "check", 0)],
        events: vec![event_row(name, n, 10)],
        incidents: vec![incident_row(name, n, 11)],
        audit: vec![audit_row(Some(name), 12, "redirect")],
        kaizen: Vec::new(),
    }
}

/// Row counts of every table, counted in SQL so an orphan the reads would miss still shows.
fn row_counts(store: &Store) -> [i64; 6] {
    [
        "loops",
        "iterations",
        "check_runs",
        "events",
        "incidents",
        "audit",
    ]
    .map(|table| {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .expect("count")
    })
}

/// A step whose LAST row breaks a constraint leaves none of its rows behind.
#[test]
fn a_failing_row_rolls_back_the_whole_step() {
    type Spoil = fn(&mut Step);
    let cases: [(&str, Spoil, &str); 4] = [
        (
            "iteration of an unknown loop",
            |s| {
                s.check_runs.clear();
                s.events.clear();
                s.incidents.clear();
                s.audit.clear();
                s.upsert_iterations = vec![iteration_row("ghost", 1)];
            },
            "save the iteration",
        ),
        (
            "check run of an unknown iteration",
            |s| {
                s.check_runs.push(check_run_row("pricing", 9, "check", 0));
                s.events.clear();
                s.incidents.clear();
                s.audit.clear();
            },
            "save a check run",
        ),
        (
            "event of an unknown loop",
            |s| {
                s.events.push(event_row("ghost", 1, 1));
                s.incidents.clear();
                s.audit.clear();
            },
            "record an event",
        ),
        (
            "incident with a confidence above 1",
            |s| {
                let mut bad = incident_row("pricing", 1, 1);
                bad.confidence = 1.5;
                s.incidents.push(bad);
                s.audit.clear();
            },
            "record an incident",
        ),
    ];
    for (what, spoil, expected_op) in cases {
        let (_dir, _path, store) = temp_store();
        let mut step = full_step("pricing", 1);
        spoil(&mut step);
        match store.commit(&step) {
            Err(StoreError::Sqlite { op, .. }) => assert_eq!(op, expected_op, "{what}"),
            other => panic!("{what}: expected a constraint error, got {other:?}"),
        }
        assert_eq!(row_counts(&store), [0; 6], "{what}");
    }
}

#[test]
fn a_good_step_writes_every_row() {
    let (_dir, _path, store) = temp_store();
    store.commit(&full_step("pricing", 1)).expect("commit");
    assert_eq!(row_counts(&store), [1; 6]);
}

#[test]
fn upserts_replace_by_key_and_keep_history() {
    let (_dir, _path, store) = temp_store();
    store.commit(&full_step("pricing", 1)).expect("first");

    let mut looped = loop_row("pricing", 999);
    looped.state = "stopped".to_string();
    looped.lamp = "red".to_string();
    looped.iteration = 3;
    looped.last_fingerprint = None;
    looped.reason = Some("insanity".to_string());
    let mut iteration = iteration_row("pricing", 1);
    iteration.status = "passed".to_string();
    iteration.fingerprint = None;
    iteration.confidence = None;
    let mut rerun = check_run_row("pricing", 1, "check", 0);
    rerun.passed = true;
    rerun.exit_code = Some(0);
    let second = Step {
        upsert_loop: Some(looped.clone()),
        upsert_iterations: vec![iteration.clone()],
        check_runs: vec![rerun.clone()],
        ..Step::default()
    };
    store.commit(&second).expect("second");

    let stored = store.get_loop("pricing").expect("get").expect("present");
    assert_eq!(
        stored.created_at, 1,
        "created_at is kept from the first insert"
    );
    assert_eq!(
        stored,
        LoopRow {
            created_at: 1,
            ..looped
        }
    );
    assert_eq!(store.iterations("pricing").expect("its"), vec![iteration]);
    assert_eq!(
        store.check_runs("pricing", None).expect("runs"),
        vec![rerun]
    );
    // Replacing the loop and iteration rows must not drop what hangs off them.
    assert_eq!(row_counts(&store), [1; 6]);
}

#[test]
fn mark_interrupted_ends_only_running_iterations_of_that_loop() {
    let (_dir, _path, store) = temp_store();
    for (name, n, status) in [
        ("a", 1, "passed"),
        ("a", 2, "running"),
        ("a", 3, "running"),
        ("b", 1, "running"),
    ] {
        let mut row = iteration_row(name, n);
        row.status = status.to_string();
        row.ended_at = None;
        let step = Step {
            upsert_loop: Some(loop_row(name, 1)),
            upsert_iterations: vec![row],
            ..Step::default()
        };
        store.commit(&step).expect("commit");
    }

    assert_eq!(store.mark_interrupted("a", 77).expect("mark"), vec![2, 3]);
    let summary: Vec<_> = store
        .iterations("a")
        .expect("its")
        .into_iter()
        .map(|i| (i.n, i.status, i.ended_at))
        .collect();
    assert_eq!(
        summary,
        [
            (1, "passed".to_string(), None),
            (2, "interrupted".to_string(), Some(77)),
            (3, "interrupted".to_string(), Some(77)),
        ]
    );
    assert_eq!(store.iterations("b").expect("its")[0].status, "running");
    assert_eq!(
        store.mark_interrupted("a", 78).expect("again"),
        Vec::<u32>::new()
    );
}

#[test]
fn delete_loop_removes_its_rows_but_keeps_the_audit() {
    let (_dir, _path, store) = temp_store();
    store.commit(&full_step("doomed", 1)).expect("doomed");
    store.commit(&full_step("kept", 1)).expect("kept");

    store.delete_loop("doomed").expect("delete");
    assert_eq!(store.get_loop("doomed").expect("get"), None);
    assert!(store.iterations("doomed").expect("its").is_empty());
    assert!(store.check_runs("doomed", None).expect("runs").is_empty());
    assert!(store
        .events(Some("doomed"), None)
        .expect("events")
        .is_empty());
    assert!(store
        .incidents(Some("doomed"))
        .expect("incidents")
        .is_empty());
    assert_eq!(row_counts(&store), [1, 1, 1, 1, 1, 2]);
    let audited: Vec<_> = store
        .audit()
        .expect("audit")
        .into_iter()
        .filter_map(|a| a.loop_name)
        .collect();
    assert_eq!(audited, ["doomed", "kept"]);
    store
        .delete_loop("never-existed")
        .expect("unknown loop is fine");
}

#[test]
fn the_database_itself_refuses_to_change_audit_rows() {
    let (_dir, _path, store) = temp_store();
    store.commit(&full_step("pricing", 1)).expect("commit");
    for sql in ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"] {
        let err = store.conn().execute(sql, []).expect_err(sql);
        assert!(
            err.to_string().contains("audit is append-only"),
            "{sql}: {err}"
        );
    }
    assert_eq!(store.audit().expect("audit")[0].actor, "alice");
}

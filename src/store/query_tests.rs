use super::*;
use crate::store::fixtures::{audit_row, incident_row, iteration_row, loop_row, temp_store};
use crate::store::Step;

/// A store with one loop, two iterations, an incident and an audit row.
fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path, store) = temp_store();
    store
        .commit(&Step {
            upsert_loop: Some(loop_row("pricing", 100)),
            upsert_iterations: vec![iteration_row("pricing", 1), iteration_row("pricing", 2)],
            incidents: vec![incident_row("pricing", 1, 160)],
            audit: vec![audit_row(Some("pricing"), 170, "redirect")],
            ..Step::default()
        })
        .unwrap();
    (dir, path)
}

fn person(path: &Path, sql: &str) -> Result<Rows, QueryError> {
    run(path, sql, Reader::Person, Limits::PERSON)
}

fn agent(path: &Path, sql: &str) -> Result<Rows, QueryError> {
    run(path, sql, Reader::Agent, Limits::AGENT)
}

#[test]
fn a_person_reads_any_table_as_columns_and_rows() {
    let (_dir, path) = store();
    let rows = person(&path, "SELECT name, iteration FROM loops").unwrap();
    assert_eq!(rows.columns, ["name", "iteration"]);
    assert_eq!(
        rows.rows,
        [[serde_json::json!("pricing"), serde_json::json!(2)]]
    );
    assert!(!rows.truncated);
    let audit = person(&path, "SELECT action FROM audit").unwrap();
    assert_eq!(audit.rows, [[serde_json::json!("redirect")]]);
}

#[test]
fn nothing_that_writes_is_run() {
    let (_dir, path) = store();
    for sql in [
        "DELETE FROM audit",
        "UPDATE loops SET state = 'merged'",
        "INSERT INTO kaizen VALUES ('a', 'b', NULL, 'open', 1)",
        "DROP TABLE loops",
        "PRAGMA user_version = 9",
        "CREATE TABLE x (a)",
    ] {
        for reader in [Reader::Person, Reader::Agent] {
            let err = run(&path, sql, reader, Limits::PERSON).unwrap_err();
            assert!(
                matches!(err, QueryError::Writes | QueryError::Refused(_)),
                "{sql} as {reader:?}: {err}"
            );
        }
    }
    // Nothing changed.
    assert_eq!(
        person(&path, "SELECT count(*) FROM audit").unwrap().rows[0][0],
        1
    );
    assert_eq!(
        person(&path, "SELECT state FROM loops").unwrap().rows[0][0],
        "running"
    );
}

#[test]
fn no_other_database_can_be_attached() {
    let (dir, path) = store();
    let other = dir.path().join("other.db");
    let sql = format!("ATTACH '{}' AS other", other.display());
    for reader in [Reader::Person, Reader::Agent] {
        assert!(run(&path, &sql, reader, Limits::PERSON).is_err());
    }
    assert!(!other.exists(), "ATTACH created nothing");
}

#[test]
fn an_agent_reads_incidents_checks_and_iterations_only() {
    let (_dir, path) = store();
    let rows = agent(&path, "SELECT n, fingerprint FROM iterations ORDER BY n").unwrap();
    assert_eq!(rows.rows.len(), 2);
    assert!(agent(&path, "SELECT count(*) FROM check_runs").is_ok());
    // An incident's evidence (it quotes other loops' human notes) reads as NULL.
    let incident = agent(&path, "SELECT summary, evidence_json FROM incidents").unwrap();
    assert_ne!(incident.rows[0][0], serde_json::Value::Null);
    assert_eq!(incident.rows[0][1], serde_json::Value::Null);
    for sql in [
        "SELECT reason FROM audit",
        "SELECT reason FROM loops",
        "SELECT state_json FROM loops",
        "SELECT detail FROM events",
        "SELECT * FROM kaizen",
        "SELECT sql FROM sqlite_master",
        "SELECT n FROM iterations WHERE loop_name IN (SELECT loop_name FROM audit)",
        "PRAGMA table_info(audit)",
        "SELECT * FROM pragma_table_info('audit')",
        "SELECT * FROM dbstat",
    ] {
        let err = agent(&path, sql).unwrap_err().to_string();
        assert!(
            err.contains("agents may read the incidents, check_runs, iterations tables only"),
            "{sql}: {err}"
        );
    }
    // Common table expressions over what it may read work.
    let cte = agent(
        &path,
        "WITH failed AS (SELECT n FROM iterations WHERE status = 'failed') \
         SELECT count(*) FROM failed",
    )
    .unwrap();
    assert_eq!(cte.rows[0][0], 2);
}

#[test]
fn a_query_that_runs_too_long_is_cut() {
    let (_dir, path) = store();
    let forever = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                   SELECT count(*) FROM c";
    let limits = Limits {
        time: Duration::from_millis(50),
        rows: 10,
    };
    for reader in [Reader::Person, Reader::Agent] {
        let err = run(&path, forever, reader, limits).unwrap_err();
        assert!(matches!(err, QueryError::TooLong(..)), "{err}");
        assert!(err.to_string().contains("was cut"), "{err}");
    }
}

#[test]
fn a_huge_value_is_refused_not_allocated() {
    let (_dir, path) = store();
    for reader in [Reader::Person, Reader::Agent] {
        let err = run(
            &path,
            "SELECT length(zeroblob(999999999))",
            reader,
            Limits::PERSON,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("too big"), "{err}");
    }
}

#[test]
fn rows_past_the_cap_are_left_out_and_said() {
    let (_dir, path) = store();
    let limits = Limits {
        time: Duration::from_secs(5),
        rows: 1,
    };
    let rows = run(
        &path,
        "SELECT n FROM iterations ORDER BY n",
        Reader::Person,
        limits,
    )
    .unwrap();
    assert_eq!(rows.rows, [[serde_json::json!(1)]]);
    assert!(rows.truncated);
}

#[test]
fn one_statement_at_a_time_and_sql_errors_are_said() {
    let (_dir, path) = store();
    let err = person(&path, "SELECT 1; SELECT 2").unwrap_err().to_string();
    assert_eq!(err, "one statement at a time");
    let err = person(&path, "SELEKT 1").unwrap_err().to_string();
    assert!(err.contains("syntax error"), "{err}");
    let missing = run(
        &path.with_file_name("none.db"),
        "SELECT 1",
        Reader::Person,
        Limits::PERSON,
    )
    .unwrap_err();
    assert!(matches!(missing, QueryError::Missing(_)));
}

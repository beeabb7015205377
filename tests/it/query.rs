//! `andon query` on a real store: a table or JSON, never a write, a time limit that cuts a
//! runaway query, the schema explained; and an agent that asks through its socket reads the
//! incidents, check runs and iterations only.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// A repo whose loop `stuck` failed three times the same way (Insanity Rule).
fn stuck() -> TestRepo {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("stuck", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    repo
}

#[test]
fn a_person_queries_the_store_and_nothing_writes() {
    let repo = stuck();
    let out = repo.andon(
        &[
            "query",
            "SELECT n, status, category FROM iterations ORDER BY n",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["n", "status", "category"]
    );
    assert!(lines[2].starts_with("1  failed  test_failure"), "{table}");
    assert_eq!(lines.last(), Some(&"(3 rows)"), "{table}");

    let out = repo.andon(
        &[
            "query",
            "--json",
            "SELECT loop_name, count(*) AS failures FROM incidents GROUP BY loop_name",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json["columns"],
        serde_json::json!(["loop_name", "failures"])
    );
    assert_eq!(json["rows"], serde_json::json!([["stuck", 3]]));
    assert_eq!(json["truncated"], false);

    let audit_before = repo.audit_actions();
    for sql in [
        "DELETE FROM audit",
        "UPDATE loops SET state = 'merged'",
        "DROP TABLE kaizen",
    ] {
        let out = repo.andon(&["query", sql], LIMIT);
        expect_exit(&out, 2);
        assert!(
            stderr(&out).contains("only reads the store"),
            "{sql}: {}",
            stderr(&out)
        );
    }
    assert_eq!(repo.audit_actions(), audit_before);
    assert_eq!(
        repo.store().get_loop("stuck").unwrap().unwrap().state,
        "stopped"
    );

    let forever =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let out = repo.andon(&["query", "--time-limit", "300ms", forever], LIMIT);
    expect_exit(&out, 2);
    assert!(stderr(&out).contains("was cut"), "{}", stderr(&out));

    let out = repo.andon(&["query", "--schema"], LIMIT);
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("iterations: one iteration of a loop"));
}

#[test]
fn an_agent_reads_past_failures_through_its_socket_and_nothing_else() {
    let repo = stuck();
    // A second loop whose agent asks andon about the failures so far, then fixes the price.
    // (Its answers go to its own folder: outside the plan's scope they would be rolled back.)
    repo.agent(
        "curious",
        &format!(
            r###"
own=$(dirname "$ANDON_FIX_PLAN")
"{ANDON}" query --json "SELECT loop_name, n, category FROM iterations WHERE status = 'failed' ORDER BY n" > "$own/asked.json" 2>&1
"{ANDON}" query "SELECT reason FROM audit" > "$own/audit.txt" 2>&1
"{ANDON}" query "SELECT reason FROM loops" > "$own/loops.txt" 2>&1
printf 'price() {{ r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }}\n' > src/price.sh
"###
        ),
    );
    let plan = repo.plan("curious", "curious", "");
    repo.commit("curious plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 0);
    let own = repo.path(".andon/loops/curious/agent");
    let read = |name: &str| std::fs::read_to_string(own.join(name)).unwrap_or_default();
    let asked: serde_json::Value = serde_json::from_str(&read("asked.json"))
        .unwrap_or_else(|e| panic!("{e}: {}", read("asked.json")));
    assert_eq!(
        asked["rows"],
        serde_json::json!([
            ["stuck", 1, "test_failure"],
            ["stuck", 2, "test_failure"],
            ["stuck", 3, "test_failure"]
        ])
    );
    for file in ["audit.txt", "loops.txt"] {
        let said = read(file);
        assert!(
            said.contains("agents may read the incidents, check_runs, iterations tables only"),
            "{file}: {said}"
        );
    }
    // The prompt told it the query exists.
    assert!(repo.prompt("curious", 1).contains("query --schema"));
}

//! Seen before, on real runs: what one loop learnt from a failure reaches the next loop that
//! hits it — its prompt, its incident and `andon log` name the earlier loop and the commit
//! that fixed it there.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// Iteration 1 touches the function without fixing it (the price test fails the same way
/// each time); iteration 2 clamps the price.
const FIX_ON_THE_SECOND_TRY: &str = r###"
if [ "$ANDON_ITERATION" = 1 ]; then
  printf 'price() { echo $(( $1 - $2 )); }  # tried\n' > src/price.sh
else
  printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh
fi
"###;

#[test]
fn a_failure_fixed_in_one_loop_is_named_in_the_next_loops_prompt() {
    let repo = TestRepo::new();
    repo.agent("fixer", FIX_ON_THE_SECOND_TRY);
    let first = repo.plan("first", "fixer", "");
    let second = repo.plan("second", "fixer", "");
    repo.commit("plans");

    expect_exit(&repo.andon(&["run", "--headless", &first], LIMIT), 0);
    let store = repo.store();
    let first_runs = store.iterations("first").unwrap();
    assert_eq!(
        first_runs
            .iter()
            .map(|i| i.status.as_str())
            .collect::<Vec<_>>(),
        ["failed", "passed"]
    );
    // The failure's normalized lines are kept beside its fingerprint.
    let lines = first_runs[0].failure_lines.clone().unwrap_or_default();
    assert!(
        lines.contains("FAIL: price N N = -N, expected N"),
        "{lines}"
    );
    let fixed_by = first_runs[1].snapshot.clone().unwrap();
    // The first loop had nothing to learn from: its retry's prompt says nothing of it.
    assert!(!repo.prompt("first", 2).contains("Seen before"));

    expect_exit(&repo.andon(&["run", "--headless", &second], LIMIT), 0);
    let second_runs = store.iterations("second").unwrap();
    assert_eq!(second_runs[0].fingerprint, first_runs[0].fingerprint);

    // The retry's prompt names the first loop, the day, and the commit that fixed it there.
    let prompt = repo.prompt("second", 2);
    let section = prompt
        .split("## Seen before")
        .nth(1)
        .unwrap_or_else(|| panic!("no Seen before section in:\n{prompt}"));
    let entry = section.lines().find(|l| l.starts_with("- ")).unwrap();
    assert!(entry.starts_with("- loop `first`, "), "{entry}");
    assert!(entry.contains("iteration 1: the same failure"), "{entry}");
    assert!(
        entry.contains(&format!(
            "Iteration 2 went green (commit `{}`, 1 file +1 −1)",
            &fixed_by[..7]
        )),
        "{entry}"
    );

    // The incident keeps the link, and `andon log` shows it under the failed iteration.
    let incident = &store.incidents(Some("second")).unwrap()[0];
    let seen = andon_core::failure::seen_before::from_evidence(&incident.evidence_json);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].precedent.loop_name, "first");
    let log = stdout(&repo.andon(&["log", "second"], LIMIT));
    assert!(
        log.contains("seen before in loop first (") && log.contains(&fixed_by[..7]),
        "{log}"
    );

    // The Kaizen metrics show it: one failure of two repeated another loop's, and the one
    // that said Seen before went green.
    let out = repo.andon(&["kaizen", "--json"], LIMIT);
    expect_exit(&out, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let metrics = &report["metrics"];
    assert_eq!(metrics["repeat_failure_rate"], 0.5, "{metrics}");
    assert_eq!(metrics["seen_before_then_green_rate"], 1.0, "{metrics}");
    let weekly: u64 = metrics["weekly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["failures"].as_u64().unwrap())
        .sum();
    assert_eq!(weekly, 2, "{metrics}");
}

/// A loop that fails the same way again looks again: another loop's failure that came in
/// between is named in its later incidents, not only what was there at its first failure.
#[test]
fn each_failure_looks_again_at_what_other_loops_saw() {
    let dir = tempfile::tempdir().unwrap();
    let repo = TestRepo::new();
    // The gates live outside the repository, where a sandboxed agent could not look: the
    // sandbox is not what this test is about.
    repo.unconfined();
    let gate = |name: &str| dir.path().join(name).display().to_string();
    // `early` fails at once, then waits for `x2`; `late` waits for `y1`, then fails the same way.
    repo.agent(
        "early",
        &format!(
            "[ \"$ANDON_ITERATION\" -gt 1 ] && while [ ! -f '{}' ]; do sleep 0.05; done\necho '# same again' >> src/price.sh",
            gate("x2")
        ),
    );
    repo.agent(
        "late",
        &format!(
            "while [ ! -f '{}' ]; do sleep 0.05; done\necho '# same again' >> src/price.sh",
            gate("y1")
        ),
    );
    let a = repo.plan("early", "early", "max_iterations = 2");
    let b = repo.plan("late", "late", "max_iterations = 1");
    repo.commit("plans");
    let child = repo.spawn(&["run", "--headless", &a, &b]);
    let incidents = |slug: &str| {
        andon::store::Store::open_read_only(&repo.path(".andon/andon.db"))
            .ok()
            .and_then(|s| s.incidents(Some(slug)).ok())
            .unwrap_or_default()
    };
    eventually(LIMIT, "early's first failure", || {
        (!incidents("early").is_empty()).then_some(())
    });
    std::fs::write(gate("y1"), "").unwrap();
    eventually(LIMIT, "late's failure", || {
        (!incidents("late").is_empty()).then_some(())
    });
    std::fs::write(gate("x2"), "").unwrap();
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 3);
    let early = incidents("early");
    assert_eq!(early.len(), 2, "{early:?}");
    let first = andon_core::failure::seen_before::from_evidence(&early[0].evidence_json);
    assert!(first.is_empty(), "nothing to have seen yet: {first:?}");
    let second = andon_core::failure::seen_before::from_evidence(&early[1].evidence_json);
    let named: Vec<&str> = second
        .iter()
        .map(|e| e.precedent.loop_name.as_str())
        .collect();
    assert_eq!(named, ["late"]);
}

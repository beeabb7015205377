//! One integration test per breaker row of DESIGN §3: a real temp git repo, shell-script agents
//! in real PTYs, the real `andon run --headless`, and assertions on the lamp/state sequence,
//! the counters, the rollback on disk and the rows of the SQLite store.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

fn pair(l: &str, s: &str) -> (String, String) {
    (l.to_string(), s.to_string())
}

/// The expected (lamp, state) sequence, written compactly as "lamp/state" steps.
fn seq(steps: &[&str]) -> Vec<(String, String)> {
    steps
        .iter()
        .map(|s| {
            let (l, st) = s.split_once('/').unwrap();
            pair(l, st)
        })
        .collect()
}

/// One failed iteration followed by the next one's checks.
const CYCLE: [&str; 2] = ["yellow/running", "yellow/checking"];

/// An agent that fixes the bug on iteration 2 (iteration 1 changes a comment only).
const FIX_ON_2: &str = r###"
echo "agent iteration $ANDON_ITERATION ($ANDON_MODE) in $PWD"
if [ "$ANDON_ITERATION" -ge 2 ]; then
  printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh
else
  echo "# attempt $ANDON_ITERATION" >> src/price.sh
fi
"###;

#[test]
fn fix_on_iteration_two_awaits_approval_with_two_snapshots() {
    let repo = TestRepo::new();
    repo.agent("fixer", FIX_ON_2);
    let plan = repo.plan("fix-price", "fixer", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );

    let row = repo.store().get_loop("fix-price").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.lamp.as_str(), row.iteration),
        ("awaiting_approval", "blue", 2)
    );
    assert_eq!(row.consecutive_failures, 0);
    let log = git(&repo.root, &["log", "--format=%s", "main..loop/fix-price"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        vec![
            "andon: iteration 2 (1/1 checks)",
            "andon: iteration 1 (0/1 checks)"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(repo.worktree("fix-price").join("src/price.sh")).unwrap(),
        FIXED_PRICE
    );
    // The user's main worktree is untouched.
    assert_eq!(
        std::fs::read_to_string(repo.path("src/price.sh")).unwrap(),
        BUGGY_PRICE
    );

    let its = repo.store().iterations("fix-price").unwrap();
    assert_eq!(
        its.iter().map(|i| i.status.as_str()).collect::<Vec<_>>(),
        vec!["failed", "passed"]
    );
    assert_eq!(its[0].category.as_deref(), Some("test_failure"));
    let checks = repo.store().check_runs("fix-price", None).unwrap();
    assert_eq!(
        checks
            .iter()
            .map(|c| (c.iteration, c.passed))
            .collect::<Vec<_>>(),
        vec![(1, false), (2, true)]
    );
    assert!(std::fs::read_to_string(&checks[0].log_path)
        .unwrap()
        .contains("FAIL: price 5 10 = -5"));
    assert_eq!(repo.store().incidents(Some("fix-price")).unwrap().len(), 1);
    assert_eq!(
        repo.lamp_states("fix-price"),
        vec![
            pair("green", "running"),
            pair("green", "checking"),
            pair("yellow", "running"),
            pair("yellow", "checking"),
            pair("blue", "awaiting_approval")
        ]
    );
    // The second prompt carries the first iteration's failure.
    let prompt2 = repo.prompt("fix-price", 2);
    assert!(
        prompt2.contains("The previous iteration failed"),
        "{prompt2}"
    );
    assert!(prompt2.contains("FAIL: price 5 10 = -5"), "{prompt2}");
    assert!(
        std::fs::read_to_string(repo.root.join(".andon/loops/fix-price/iter-1/agent.log"))
            .unwrap()
            .contains("agent iteration 1 (code)")
    );
}

#[test]
fn three_different_failures_pull_meta_andon_then_stop_for_the_fix_plan() {
    let repo = TestRepo::new();
    repo.agent(
        "varied",
        r###"
if [ "$ANDON_MODE" = plan ]; then
  echo "## Fix plan: clamp at zero" > "$ANDON_FIX_PLAN"
  echo "# plan mode must not keep code" >> src/price.sh
  exit 0
fi
words="alpha bravo charlie delta"
w=$(echo $words | cut -d' ' -f$ANDON_ITERATION)
printf 'price() { echo %s; }\n' "$w" > src/price.sh
"###,
    );
    let plan = repo.plan("varied", "varied", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("varied").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.lamp.as_str(), row.iteration),
        ("stopped", "red", 4)
    );
    assert!(row.reason.clone().unwrap().contains("Meta-Andon"));
    let mut expect = vec!["green/running", "green/checking"];
    expect.extend(CYCLE);
    expect.extend(CYCLE);
    expect.extend(["magenta/meta_andon", "red/stopped"]);
    assert_eq!(repo.lamp_states("varied"), seq(&expect));
    let its = repo.store().iterations("varied").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.mode.as_str(), i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("code", "failed"),
            ("code", "failed"),
            ("code", "failed"),
            ("plan", "planned")
        ]
    );
    let fps: std::collections::BTreeSet<_> =
        its[..3].iter().map(|i| i.fingerprint.clone()).collect();
    assert_eq!(fps.len(), 3, "three different fingerprints");
    // Plan mode changed no code: the worktree matches iteration 3's snapshot.
    let status = git(&repo.worktree("varied"), &["status", "--porcelain"]);
    assert_eq!(status, "");
    assert!(
        std::fs::read_to_string(repo.worktree("varied").join("src/price.sh"))
            .unwrap()
            .contains("charlie")
    );
    assert!(repo.prompt("varied", 4).contains("PLAN MODE"));
    assert_eq!(
        std::fs::read_to_string(repo.root.join(".andon/loops/varied/agent/fix-plan-4.md"))
            .unwrap()
            .trim(),
        "## Fix plan: clamp at zero"
    );
}

#[test]
fn the_same_failure_three_times_is_the_insanity_rule() {
    let repo = TestRepo::new();
    repo.agent(
        "stubborn",
        r###"echo "# try $ANDON_ITERATION" >> src/price.sh"###,
    );
    let plan = repo.plan("stubborn", "stubborn", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("stubborn").unwrap().unwrap();
    assert_eq!(
        (
            row.state.as_str(),
            row.lamp.as_str(),
            row.iteration,
            row.consecutive_failures
        ),
        ("stopped", "red", 3, 3)
    );
    assert!(row.reason.clone().unwrap().contains("Insanity"));
    let its = repo.store().iterations("stubborn").unwrap();
    let fps: std::collections::BTreeSet<_> = its.iter().map(|i| i.fingerprint.clone()).collect();
    assert_eq!(fps.len(), 1, "one fingerprint for the three failures");
    assert!(stdout(&out).contains("Insanity"));
    let mut expect = vec!["green/running", "green/checking"];
    expect.extend(CYCLE);
    expect.extend(CYCLE);
    expect.push("red/stopped");
    assert_eq!(repo.lamp_states("stubborn"), seq(&expect));
}

#[test]
fn no_progress_kills_the_agent_and_stops_red() {
    let repo = TestRepo::new();
    repo.agent("sleeper", "echo thinking...\nsleep 600");
    let plan = repo.plan("sleeper", "sleeper", "[breakers]\nno_progress = \"2s\"\n");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("sleeper").unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.lamp.as_str()), ("stopped", "red"));
    assert_eq!(row.last_category.as_deref(), Some("timeout"));
    assert!(row.reason.clone().unwrap().contains("no progress"));
    assert!(
        loop_processes("sleeper").is_empty(),
        "the hung agent is gone"
    );
    assert_eq!(
        repo.lamp_states("sleeper"),
        seq(&["green/running", "red/stopped"])
    );
    let its = repo.store().iterations("sleeper").unwrap();
    assert_eq!((its.len(), its[0].status.as_str()), (1, "stopped"));
    assert_eq!(
        repo.store().incidents(Some("sleeper")).unwrap()[0].category,
        "timeout"
    );
}

#[test]
fn one_file_out_of_scope_is_restored_and_the_loop_goes_on() {
    let repo = TestRepo::new();
    repo.agent(
        "stray",
        &format!("{FIX_ON_2}\necho 'scribble' >> README.md\necho new > notes.txt"),
    );
    let plan = repo.plan("stray", "stray", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 0);
    let wt = repo.worktree("stray");
    assert_eq!(
        std::fs::read_to_string(wt.join("README.md")).unwrap(),
        "# shop\n",
        "README restored from base"
    );
    assert!(
        !wt.join("notes.txt").exists(),
        "new out-of-scope file removed"
    );
    assert_eq!(
        repo.lamp_states("stray"),
        seq(&[
            "green/running",
            "yellow/checking",
            "yellow/running",
            "yellow/checking",
            "blue/awaiting_approval"
        ])
    );
    let changed = git(&repo.root, &["diff", "--name-only", "main", "loop/stray"]);
    assert_eq!(
        changed.trim(),
        "src/price.sh",
        "snapshots hold only in-scope changes"
    );
    let events = repo.store().events(Some("stray"), None).unwrap();
    assert!(events
        .iter()
        .any(|e| e.detail.contains("outside scope") && e.detail.contains("README.md")));
}

#[test]
fn five_files_out_of_scope_roll_back_and_stop_the_line() {
    let repo = TestRepo::new();
    repo.agent(
        "vandal",
        "for i in 1 2 3 4 5; do echo x > doc$i.md; done\necho '# touched' >> src/price.sh",
    );
    let plan = repo.plan("vandal", "vandal", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("vandal").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.lamp.as_str(), row.iteration),
        ("stopped", "red", 1)
    );
    assert_eq!(row.last_category.as_deref(), Some("guard_violation"));
    let wt = repo.worktree("vandal");
    for i in 1..=5 {
        assert!(!wt.join(format!("doc{i}.md")).exists());
    }
    assert!(
        repo.store().check_runs("vandal", None).unwrap().is_empty(),
        "no checks after a guard stop"
    );
    let incidents = repo.store().incidents(Some("vandal")).unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].category, "guard_violation");
    assert_eq!(
        repo.lamp_states("vandal"),
        seq(&["green/running", "red/stopped"])
    );
    let log = git(&repo.root, &["log", "--format=%s", "-1", "loop/vandal"]);
    assert_eq!(log.trim(), "andon: iteration 1 (guard: out_of_scope)");
    let diff = git(&repo.root, &["diff", "--name-only", "main...loop/vandal"]);
    assert_eq!(diff.trim(), "src/price.sh");
}

#[test]
fn editing_a_protected_test_is_spec_drift() {
    let repo = TestRepo::new();
    repo.agent(
        "cheater",
        "printf '#!/bin/sh\\nexit 0\\n' > tests/test_price.sh",
    );
    // tests/ in scope: the protected rule still wins for existing tests.
    let plan = repo.plan("cheater", "cheater", "");
    repo.edit(
        &plan,
        &[("scope = [\"src/**\"]", "scope = [\"src/**\", \"tests/**\"]")],
    );
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("cheater").unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.lamp.as_str()), ("stopped", "red"));
    assert!(row.reason.clone().unwrap().contains("spec drift"));
    assert_eq!(
        std::fs::read_to_string(repo.worktree("cheater").join("tests/test_price.sh")).unwrap(),
        PRICE_TEST
    );
    assert_eq!(
        repo.lamp_states("cheater"),
        seq(&["green/running", "red/stopped"])
    );
    assert_eq!(row.last_category.as_deref(), Some("guard_violation"));
    assert_eq!(repo.store().incidents(Some("cheater")).unwrap().len(), 1);
}

#[test]
fn max_iterations_stops_red() {
    let repo = TestRepo::new();
    repo.agent(
        "wanderer",
        r###"printf 'price() { echo w%s; }\n' "$ANDON_ITERATION" > src/price.sh"###,
    );
    let plan = repo.plan("wanderer", "wanderer", "max_iterations = 2\n");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("wanderer").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.lamp.as_str(), row.iteration),
        ("stopped", "red", 2)
    );
    assert!(row.reason.clone().unwrap().contains("max iterations"));
    let mut expect = vec!["green/running", "green/checking"];
    expect.extend(CYCLE);
    expect.push("red/stopped");
    assert_eq!(repo.lamp_states("wanderer"), seq(&expect));
    assert_eq!(row.consecutive_failures, 2);
}

#[test]
fn agent_exiting_non_zero_without_change_is_an_agent_error() {
    let repo = TestRepo::new();
    repo.agent(
        "crasher",
        "echo 'Error: API request failed: 529 overloaded' >&2\nexit 3",
    );
    let plan = repo.plan(
        "crasher",
        "crasher",
        "[breakers]\nconsecutive_failures = 9\n",
    );
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let its = repo.store().iterations("crasher").unwrap();
    assert!(
        its.iter()
            .all(|i| i.category.as_deref() == Some("agent_error")),
        "{its:?}"
    );
    assert!(
        repo.store().check_runs("crasher", None).unwrap().is_empty(),
        "checks skipped when the agent failed"
    );
    let row = repo.store().get_loop("crasher").unwrap().unwrap();
    // Changing nothing repeats the failure: the Insanity Rule stops it at 3.
    assert_eq!((row.iteration, row.state.as_str()), (3, "stopped"));
    assert!(
        its[0]
            .note
            .clone()
            .unwrap_or_default()
            .contains("529 overloaded"),
        "{:?}",
        its[0].note
    );
    assert_eq!(
        repo.lamp_states("crasher"),
        seq(&["green/running", "yellow/running", "red/stopped"])
    );
    assert_eq!(repo.store().incidents(Some("crasher")).unwrap().len(), 3);
}

#[test]
fn a_wall_time_budget_stops_the_line_with_the_figure() {
    let repo = TestRepo::new();
    repo.agent("forever", "while :; do echo working; sleep 0.2; done");
    let plan = repo.plan("budgeted", "forever", "budget = \"2s\"");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("budgeted").unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.lamp.as_str()), ("stopped", "red"));
    let reason = row.reason.unwrap_or_default();
    assert!(
        reason.starts_with("wall-time budget of 2s spent ("),
        "{reason}"
    );
    let its = repo.store().iterations("budgeted").unwrap();
    assert_eq!(its.len(), 1);
    assert_eq!(
        its[0].status, "cancelled",
        "the run was ended, not left behind"
    );
    assert!(loop_processes("budgeted").is_empty());
}

//! What the README promises of a plan's fields and andon.toml's worktree setup, each shown
//! on a real run: `iteration_timeout` ends a run that outlives it, `[goal] run` keeps a loop
//! going until the goal checks pass, `[worktrees] setup` runs in each new worktree.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn an_iteration_that_outlives_its_timeout_is_ended_and_judged_a_timeout() {
    let repo = TestRepo::new();
    // Busy (it prints), so no-progress never fires: only the iteration timeout can end it.
    repo.agent("slow", "while :; do echo working; sleep 0.2; done");
    let plan = repo.plan(
        "slow",
        "slow",
        "iteration_timeout = \"2s\"\nmax_iterations = 1\n[breakers]\nno_progress = \"10m\"",
    );
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let its = repo.store().iterations("slow").unwrap();
    assert_eq!(its.len(), 1);
    assert_eq!(its[0].status, "failed");
    assert_eq!(its[0].category.as_deref(), Some("timeout"), "{its:?}");
    assert!(
        its[0]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("iteration timeout"),
        "{its:?}"
    );
    assert!(loop_processes("slow").is_empty(), "the agent was ended");
}

#[test]
fn goal_checks_keep_the_loop_going_until_they_pass() {
    let repo = TestRepo::new();
    // The checks pass from iteration 1; the goal (a changelog line) only from iteration 2.
    repo.agent(
        "fixer",
        &format!(
            "cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF\n[ \"$ANDON_ITERATION\" -ge 2 ] && echo '- prices clamp at zero' > CHANGES.md\ntrue"
        ),
    );
    let text = "+++\nagent = \"fixer\"\n[goal]\ntext = \"Prices are never negative, and the change is noted\"\nrun = [\"test -s CHANGES.md\"]\n[[checks]]\nname = \"tests\"\nrun = \"sh tests/test_price.sh\"\n+++\n# Clamp and note it\n";
    repo.write("plans/goal.md", text);
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/goal.md"], LIMIT);
    expect_exit(&out, 0);
    let row = repo.store().get_loop("goal").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 2)
    );
    let runs = repo.store().check_runs("goal", None).unwrap();
    let goal: Vec<(u32, bool)> = runs
        .iter()
        .filter(|r| r.kind == "goal")
        .map(|r| (r.iteration, r.passed))
        .collect();
    assert_eq!(goal, vec![(1, false), (2, true)]);
}

#[test]
fn worktree_setup_commands_run_in_each_new_worktree() {
    let repo = TestRepo::new();
    repo.agent("reader", "cat .env.local > seen-by-agent.txt");
    repo.config("[worktrees]\nsetup = [\"printf 'API=local' > {worktree}/.env.local\"]\n");
    repo.write(".gitignore", ".env.local\nseen-by-agent.txt\n");
    let plan = repo.plan("setup", "reader", "max_iterations = 1");
    repo.commit("plan");
    let _ = repo.andon(&["run", "--headless", &plan], LIMIT);
    let wt = repo.worktree("setup");
    assert_eq!(
        std::fs::read_to_string(wt.join(".env.local")).unwrap(),
        "API=local"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("seen-by-agent.txt")).unwrap(),
        "API=local",
        "the setup ran before the agent"
    );
}

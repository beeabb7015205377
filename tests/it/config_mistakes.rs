//! Configuration mistakes stop the line at once, named as such, with the fix — and are never
//! blamed on the agent: no Meta-Andon, no Insanity Rule, no iterations burnt.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(60);

fn fixer(repo: &TestRepo) {
    repo.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
}

/// The loop's row: (state, iteration, stop reason, last category).
fn stopped(repo: &TestRepo, slug: &str) -> (String, u32, String, Option<String>) {
    let row = repo.store().get_loop(slug).unwrap().unwrap();
    (
        row.state,
        row.iteration,
        row.reason.unwrap_or_default(),
        row.last_category,
    )
}

#[test]
fn a_misspelled_check_command_stops_the_line_at_once_naming_it() {
    let repo = TestRepo::new();
    fixer(&repo);
    let plan = repo.plan("typo", "fixer", "");
    repo.edit(
        &plan,
        &[("run = \"sh tests/test_price.sh\"", "run = \"pytset -q\"")],
    );
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let (state, iteration, reason, category) = stopped(&repo, "typo");
    // Caught by the baseline, before the agent ran at all.
    assert_eq!((state.as_str(), iteration), ("stopped", 0), "{reason}");
    assert!(
        reason.starts_with("configuration: check `tests` runs `pytset`"),
        "{reason}"
    );
    assert!(
        reason.contains("fix: install `pytset` or fix its name in plans/typo.md"),
        "{reason}"
    );
    assert_eq!(category, None, "not charged to the agent as its failure");
    let incidents = repo.store().incidents(Some("typo")).unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].category, "environment");
    let said = stdout(&out);
    assert!(
        !said.contains("Insanity") && !said.contains("Meta-Andon"),
        "{said}"
    );
}

#[test]
fn an_agent_script_that_is_not_there_is_bad_input_before_any_run() {
    let repo = TestRepo::new();
    repo.config("[agents.ghost]\ncommand = [\"sh\", \"agents/nothere.sh\", \"{prompt_file}\"]\nprompt = \"file\"\n");
    let plan = repo.plan("ghost", "ghost", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("agents/nothere.sh is not in the repository"),
        "{err}"
    );
    assert!(err.contains("[agents.ghost] command"), "{err}");
    assert_eq!(
        git(&repo.root, &["branch", "--list", "loop/ghost"]),
        "",
        "no branch made"
    );
    assert!(!repo.worktree("ghost").exists(), "no worktree made");
}

#[test]
fn an_agent_that_cannot_start_in_its_worktree_stops_the_line_at_once() {
    let repo = TestRepo::new();
    fixer(&repo);
    let plan = repo.plan("uncommitted", "fixer", "");
    repo.commit("plan");
    // The script exists in the main worktree but is not committed: the loop's worktree,
    // made from the commit, lacks it.
    git(&repo.root, &["rm", "-q", "--cached", "agents/fixer.sh"]);
    git(&repo.root, &["commit", "-q", "-m", "untrack the agent"]);
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let (state, iteration, reason, _) = stopped(&repo, "uncommitted");
    assert_eq!((state.as_str(), iteration), ("stopped", 1), "{reason}");
    assert!(reason.contains("agent `fixer`"), "{reason}");
    assert!(reason.contains("agents/fixer.sh"), "{reason}");
    assert!(reason.contains("must be committed"), "{reason}");
}

#[test]
fn an_agent_failing_on_a_withheld_variable_is_told_how_to_allow_it() {
    let repo = TestRepo::new();
    repo.agent(
        "needy",
        "[ -n \"$MOCK_API_KEY\" ] || { echo 'Error: Missing environment variable: MOCK_API_KEY' >&2; exit 1; }",
    );
    repo.config("[env]\ndeny = [\"MOCK_*\"]\n");
    let plan = repo.plan("needy", "needy", "");
    repo.commit("plan");
    let out = run_to_end(
        {
            let mut c = repo.command(&["run", "--headless", &plan]);
            c.env("MOCK_API_KEY", "sk-test");
            c
        },
        LIMIT,
    );
    expect_exit(&out, 3);
    let (_, iteration, reason, _) = stopped(&repo, "needy");
    assert_eq!(iteration, 1, "{reason}");
    assert!(
        reason.contains("MOCK_API_KEY, a variable andon withholds"),
        "{reason}"
    );
    assert!(
        reason.contains("env_allow = [\"MOCK_API_KEY\"] under [agents.needy]"),
        "{reason}"
    );
    assert!(
        !reason.contains("sk-test"),
        "the value is never shown: {reason}"
    );
}

#[test]
fn resuming_a_configuration_stop_runs_the_iteration_again() {
    let repo = TestRepo::new();
    // The check needs a tool the machine lacks, until the human installs it (here: a file).
    repo.write(
        "tests/needs_tool.sh",
        "#!/bin/sh\n[ -f \"$HOME/tool-installed\" ] || exit 127\nsh tests/test_price.sh\n",
    );
    fixer(&repo);
    let plan = repo.plan("tool", "fixer", "");
    repo.edit(
        &plan,
        &[(
            "run = \"sh tests/test_price.sh\"",
            "run = \"sh tests/needs_tool.sh\"",
        )],
    );
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    std::fs::write(repo.home.join("tool-installed"), "").unwrap();
    let server = repo.serve();
    let out = repo.andon(&["resume", "tool"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "the re-run to pass", || {
        let row = repo.store().get_loop("tool").ok()??;
        (row.state == "awaiting_approval").then_some(())
    });
    repo.end(server);
    let row = repo.store().get_loop("tool").unwrap().unwrap();
    assert_eq!(row.iteration, 1, "the same iteration ran again");
}

//! One place to work: plans started from another terminal go to the running supervisor,
//! actions on ended runs need no server, a corrected plan replaces its loop in one command,
//! and `--agent` overrides what the plans name.

use crate::common;

use std::time::Duration;

use common::tmux::Tmux;
use common::*;

const LIMIT: Duration = Duration::from_secs(60);

fn fixer(repo: &TestRepo) {
    repo.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
}

/// Loop `price` stopped by the Insanity Rule (its agent repeats itself); then the human
/// corrected its plan (the fixer agent) and committed it: plans are immutable, so the loop
/// cannot host the corrected plan.
fn corrected_after_a_stop() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    fixer(&repo);
    let plan = repo.plan("price", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    repo.edit(&plan, &[("agent = \"stubborn\"", "agent = \"fixer\"")]);
    repo.commit("plan: use the fixer");
    (repo, plan)
}

fn state(repo: &TestRepo, slug: &str) -> Option<String> {
    repo.store().get_loop(slug).ok()?.map(|r| r.state)
}

#[test]
fn a_plan_run_from_another_terminal_goes_to_the_running_supervisor() {
    let repo = TestRepo::new();
    fixer(&repo);
    let plan = repo.plan("second", "fixer", "");
    repo.write(
        "plans/broken.md",
        "+++\ngoal = \"x\"\nmax_iterations = 5 5\n+++\n# B\n",
    );
    repo.commit("plans");
    let server = repo.serve();
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("loop `second` started"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("handed to the andon that supervises this repo"));
    eventually(LIMIT, "the handed plan's loop to finish", || {
        (state(&repo, "second")? == "awaiting_approval").then_some(())
    });
    // A bad plan is refused there with its file, line and fix; nothing is made.
    let out = repo.andon(&["run", "--headless", "plans/broken.md"], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("plans/broken.md:3"), "{err}");
    assert!(err.contains("write `max_iterations = 5`"), "{err}");
    assert_eq!(state(&repo, "broken"), None);
    repo.end(server);
}

#[test]
fn a_corrected_plan_replaces_its_loop_in_one_command() {
    let (repo, plan) = corrected_after_a_stop();
    let server = repo.serve();
    let out = repo.andon(&["redirect", "price", "-m", "try again"], LIMIT);
    expect_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("loop `price` is not hosted"), "{err}");
    assert!(
        err.contains("the plan changed since loop price started"),
        "{err}"
    );
    assert!(
        err.contains("`andon run --replace plans/price.md`"),
        "{err}"
    );
    // The one command, handed to the running supervisor.
    let out = repo.andon(&["run", "--headless", "--replace", &plan], LIMIT);
    expect_exit(&out, 0);
    let said = stdout(&out);
    assert!(said.contains("loop `price` aborted"), "{said}");
    assert!(said.contains("loop `price-2` started"), "{said}");
    eventually(LIMIT, "the new loop to pass", || {
        (state(&repo, "price-2")? == "awaiting_approval").then_some(())
    });
    repo.end(server);
    assert_eq!(state(&repo, "price").as_deref(), Some("aborted"));
    assert!(repo.audit_actions().contains(&"abort".to_string()));
}

#[test]
fn a_replacement_that_cannot_start_leaves_the_old_loop_alone() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("price", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    // The "correction" breaks the plan.
    repo.edit(&plan, &[("agent = \"stubborn\"", "agent = \"stubborn\" x")]);
    repo.commit("a broken correction");
    for serving in [false, true] {
        let server = serving.then(|| repo.serve());
        let out = repo.andon(&["run", "--headless", "--replace", &plan], LIMIT);
        expect_exit(&out, 2);
        assert!(stderr(&out).contains("plans/price.md:"), "{}", stderr(&out));
        if let Some(server) = server {
            repo.end(server);
        }
        assert_eq!(
            state(&repo, "price").as_deref(),
            Some("stopped"),
            "serving: {serving}"
        );
        assert_eq!(state(&repo, "price-2"), None);
    }
}

#[test]
fn replace_works_without_a_supervisor_too() {
    let (repo, plan) = corrected_after_a_stop();
    let out = repo.andon(&["run", "--headless", "--replace", &plan], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(state(&repo, "price").as_deref(), Some("aborted"));
    assert_eq!(
        state(&repo, "price-2").as_deref(),
        Some("awaiting_approval")
    );
}

#[test]
fn a_plan_corrected_twice_replaces_the_loop_it_last_started() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    repo.agent("stubborn-too", "echo '# again' >> src/price.sh");
    fixer(&repo);
    let plan = repo.plan("price", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    repo.edit(
        &plan,
        &[("agent = \"stubborn\"", "agent = \"stubborn-too\"")],
    );
    repo.commit("plan: another agent");
    expect_exit(
        &repo.andon(&["run", "--headless", "--replace", &plan], LIMIT),
        3,
    );
    assert_eq!(state(&repo, "price-2").as_deref(), Some("stopped"));
    // Another plan file of the same name replaces nothing of this one's.
    repo.write(
        "other/price.md",
        &std::fs::read_to_string(repo.path(&plan))
            .unwrap()
            .replace("agent = \"stubborn-too\"", "agent = \"fixer\""),
    );
    repo.edit(&plan, &[("agent = \"stubborn-too\"", "agent = \"fixer\"")]);
    repo.commit("plan: the fixer, and a copy elsewhere");
    let out = repo.andon(&["run", "--headless", "--replace", "other/price.md"], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(state(&repo, "price-2").as_deref(), Some("stopped"));
    assert_eq!(
        state(&repo, "price-3").as_deref(),
        Some("awaiting_approval")
    );
    // The second correction ends the loop the first one started.
    let out = repo.andon(&["run", "--headless", "--replace", &plan], LIMIT);
    expect_exit(&out, 0);
    assert!(
        stderr(&out).contains("loop price-2 aborted"),
        "{}",
        stderr(&out)
    );
    assert_eq!(state(&repo, "price").as_deref(), Some("aborted"));
    assert_eq!(state(&repo, "price-2").as_deref(), Some("aborted"));
    assert_eq!(
        state(&repo, "price-3").as_deref(),
        Some("awaiting_approval")
    );
    assert_eq!(
        state(&repo, "price-4").as_deref(),
        Some("awaiting_approval")
    );
}

#[test]
fn abort_and_rollback_act_on_an_ended_run_without_a_server() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("stuck", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    let out = repo.andon(&["rollback", "stuck"], LIMIT);
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("reset to the base"),
        "{}",
        stdout(&out)
    );
    let out = repo.andon(&["abort", "stuck"], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(state(&repo, "stuck").as_deref(), Some("aborted"));
    // Its 90_LOG page is andon's to commit: the main worktree is clean.
    assert_eq!(git(&repo.root, &["status", "--porcelain"]), "");
}

#[test]
fn the_agent_flag_overrides_the_agent_a_plan_names() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    fixer(&repo);
    let plan = repo.plan("over", "stubborn", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "--agent", "fixer", &plan], LIMIT);
    expect_exit(&out, 0);
    let row = repo.store().get_loop("over").unwrap().unwrap();
    let p: andon::engine::spec::Persisted = serde_json::from_str(&row.state_json).unwrap();
    assert_eq!(p.agent, "fixer");
}

#[test]
fn the_agent_flag_goes_with_plans_handed_to_a_running_andon_and_stays_with_them() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    fixer(&repo);
    let first = repo.plan("first", "stubborn", "");
    let second = repo.plan("second", "stubborn", "");
    repo.commit("plans");
    // The serving andon was started with `--agent fixer` for its own plan...
    let server = repo.spawn(&["run", "--headless", "--serve", "--agent", "fixer", &first]);
    let socket = repo.root.join(".andon/control.sock");
    eventually(LIMIT, "the control socket", || {
        socket.exists().then_some(())
    });
    let agent_of = |slug: &str| -> Option<String> {
        let row = repo.store().get_loop(slug).ok()??;
        serde_json::from_str::<andon::engine::spec::Persisted>(&row.state_json)
            .ok()
            .map(|p| p.agent)
    };
    eventually(LIMIT, "the first loop", || agent_of("first"));
    assert_eq!(agent_of("first").as_deref(), Some("fixer"));
    // ...a plan handed to it without the flag runs the agent it names...
    let out = repo.andon(&["run", "--headless", &second], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(agent_of("second").as_deref(), Some("stubborn"));
    // ...and one handed with it runs the one the flag names.
    let third = repo.plan("third", "stubborn", "");
    repo.commit("third plan");
    let out = repo.andon(&["run", "--headless", "--agent", "fixer", &third], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(agent_of("third").as_deref(), Some("fixer"));
    let out = repo.andon(&["run", "--headless", "--agent", "nobody", &third], LIMIT);
    expect_exit(&out, 2);
    assert!(
        stderr(&out).contains("--agent nobody: no such agent profile"),
        "{}",
        stderr(&out)
    );
    repo.end(server);
}

#[test]
fn a_board_says_which_loops_it_cannot_host_and_the_way_out() {
    let (repo, _) = corrected_after_a_stop();
    let tmux = Tmux::start(
        &repo.home,
        &format!(
            "cd {} && HOME={} {ANDON}; echo \"ANDON\"\"-EXITED-$?\"",
            repo.root.display(),
            repo.home.display()
        ),
    );
    tmux.wait_for("loop `price` is not hosted", LIMIT);
    tmux.keys(&["L"]);
    tmux.wait_for("andon run --replace plans/price.md", LIMIT);
    tmux.keys(&["Escape"]);
    // Back on the board before the next key (an Escape and a key at once read as Alt-key).
    tmux.wait_for("Enter zoom", LIMIT);
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", LIMIT);
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", LIMIT);
}

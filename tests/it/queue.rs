//! The queue as the line's one admission point: plans wait in the store, start in priority
//! order as `[line] max_running` makes room and once their dependency has merged, hold while
//! `max_awaiting_review` diffs wait for a human, and survive a kill -9 of the supervisor.

use std::process::Command;
use std::time::Duration;

use andon::store::Store;

use crate::common::*;

const LIMIT: Duration = Duration::from_secs(120);

/// An agent that says it started, waits to be released, then fixes the price.
fn gated_agent(repo: &TestRepo) {
    let dir = repo.root.parent().unwrap();
    let (log, gate) = (dir.join("started.log"), dir.join("gate"));
    std::fs::create_dir_all(&gate).unwrap();
    repo.agent(
        "gated",
        &format!(
            "echo \"$ANDON_LOOP\" >> {log}\nwhile [ ! -e {gate}/\"$ANDON_LOOP\" ]; do sleep 0.05; done\nprintf '%s' '{FIXED_PRICE}' > src/price.sh",
            log = log.display(),
            gate = gate.display(),
        ),
    );
}

/// The loops whose agents started, in the order they first did.
fn started(repo: &TestRepo) -> Vec<String> {
    let log = repo.root.parent().unwrap().join("started.log");
    let mut seen: Vec<String> = Vec::new();
    for line in std::fs::read_to_string(log).unwrap_or_default().lines() {
        if !seen.iter().any(|s| s == line) {
            seen.push(line.to_string());
        }
    }
    seen
}

fn release(repo: &TestRepo, name: &str) {
    std::fs::write(repo.root.parent().unwrap().join("gate").join(name), "").unwrap();
}

fn wait_started(repo: &TestRepo, n: usize) -> Vec<String> {
    eventually(LIMIT, &format!("{n} agents started"), || {
        let s = started(repo);
        (s.len() >= n).then_some(s)
    })
}

fn state(repo: &TestRepo, name: &str) -> Option<String> {
    Store::open_read_only(&repo.root.join(".andon/andon.db"))
        .ok()?
        .get_loop(name)
        .ok()
        .flatten()
        .map(|l| l.state)
}

fn wait_state(repo: &TestRepo, name: &str, want: &str) {
    eventually(LIMIT, &format!("{name} {want}"), || {
        (state(repo, name).as_deref() == Some(want)).then_some(())
    });
}

fn ok(out: &std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

fn kill9(child: &mut std::process::Child) {
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
}

#[test]
fn plans_start_by_priority_and_dependency_within_max_running_and_survive_kill_9() {
    let repo = TestRepo::new();
    repo.unconfined();
    gated_agent(&repo);
    repo.config("[line]\nmax_running = 2\n");
    for slug in ["a", "b", "c", "d", "e"] {
        repo.plan(slug, "gated", "");
    }
    repo.commit("plans");
    // Queued with no supervisor running: they wait in the store.
    for (plan, args) in [
        ("plans/a.md", vec![]),
        ("plans/b.md", vec!["--priority", "9"]),
        ("plans/c.md", vec!["--priority", "5"]),
        (
            "plans/d.md",
            vec!["--priority", "7", "--after", "plans/a.md"],
        ),
        ("plans/e.md", vec![]),
    ] {
        let mut cmd = vec!["queue", "add", plan];
        cmd.extend(args);
        let said = ok(&repo.andon(&cmd, LIMIT));
        assert!(said.contains("queued #"), "{said}");
    }
    // Bad input: an unknown dependency, a plan queued twice, and a cycle, named.
    repo.plan("f", "gated", "");
    let out = repo.andon(
        &["queue", "add", "plans/f.md", "--after", "plans/nope.md"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--after plans/nope.md: no such plan"), "{err}");
    let out = repo.andon(
        &["queue", "add", "plans/a.md", "--after", "plans/d.md"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("queued already"), "{err}");
    repo.plan("g", "gated", "");
    let out = repo.andon(
        &[
            "queue",
            "add",
            "plans/f.md",
            "plans/g.md",
            "--after",
            "plans/f.md",
        ],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a dependency cycle: plans/f.md → plans/f.md"),
        "{err}"
    );
    let listed = ok(&repo.andon(&["queue", "--json"], LIMIT));
    let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 5, "{listed}");

    let mut server = repo.serve();
    // Two places: the two highest priorities; d (7) waits for a to merge.
    let first = wait_started(&repo, 2);
    let mut pair = first.clone();
    pair.sort();
    assert_eq!(pair, ["b", "c"]);
    let queue = ok(&repo.andon(&["queue"], LIMIT));
    assert!(
        queue.contains("2 loops running (max_running = 2)"),
        "{queue}"
    );
    assert!(queue.contains("after plans/a.md"), "{queue}");

    // kill -9: nothing queued is lost; the cut loops resume and the rest still waits.
    kill9(&mut server);
    let server = repo.serve();
    eventually(LIMIT, "b and c rerun their cut iterations", || {
        let log = std::fs::read_to_string(repo.root.parent().unwrap().join("started.log"))
            .unwrap_or_default();
        (log.lines().count() >= 4).then_some(())
    });
    assert_eq!(started(&repo).len(), 2, "a and e still wait");
    assert_eq!(state(&repo, "a"), None);

    release(&repo, "b");
    assert_eq!(
        wait_started(&repo, 3)[2],
        "a",
        "a and e tie at 0: first queued first"
    );
    release(&repo, "c");
    assert_eq!(wait_started(&repo, 4)[3], "e");
    release(&repo, "a");
    release(&repo, "e");
    for name in ["a", "b", "c", "e"] {
        wait_state(&repo, name, "awaiting_approval");
    }
    assert_eq!(state(&repo, "d"), None, "d waits for a to merge");
    ok(&repo.andon(&["approve", "a", "--merge", "--yes"], LIMIT));
    assert_eq!(wait_started(&repo, 5)[4], "d");
    // d starts from the merged work.
    let head = git(&repo.root, &["rev-parse", "HEAD"]);
    let d = repo.store().get_loop("d").unwrap().unwrap();
    assert_eq!(d.base, head.trim());
    release(&repo, "d");
    wait_state(&repo, "d", "awaiting_approval");
    let listed = ok(&repo.andon(&["queue", "--json"], LIMIT));
    let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "started"),
        "{listed}"
    );
    repo.end(server);
}

#[test]
fn a_diff_awaiting_review_holds_the_next_loop_until_it_is_approved() {
    let repo = TestRepo::new();
    repo.unconfined();
    gated_agent(&repo);
    repo.config("[line]\nmax_running = 2\nmax_awaiting_review = 1\n");
    for slug in ["one", "two", "three"] {
        repo.plan(slug, "gated", "");
    }
    repo.commit("plans");
    let server = repo.serve();
    let said = ok(&repo.andon(
        &[
            "run",
            "--headless",
            "plans/one.md",
            "plans/two.md",
            "plans/three.md",
        ],
        LIMIT,
    ));
    assert!(said.contains("loops started: one, two"), "{said}");
    assert!(
        said.contains("queued #3: plans/three.md (2 loops running"),
        "{said}"
    );
    wait_started(&repo, 2);
    release(&repo, "one");
    wait_state(&repo, "one", "awaiting_approval");
    // A place is free, but one diff already waits for its reviewer.
    let queue = ok(&repo.andon(&["queue"], LIMIT));
    assert!(
        queue.contains("1 diff awaits review (max_awaiting_review = 1)"),
        "{queue}"
    );
    release(&repo, "two");
    wait_state(&repo, "two", "awaiting_approval");
    assert_eq!(started(&repo).len(), 2, "three is held");
    ok(&repo.andon(&["approve", "one", "--branch", "--yes"], LIMIT));
    // Two still awaits: the line starts nothing until that review too.
    let queue = ok(&repo.andon(&["queue"], LIMIT));
    assert!(queue.contains("1 diff awaits review"), "{queue}");
    assert_eq!(started(&repo).len(), 2);
    ok(&repo.andon(&["approve", "two", "--branch", "--yes"], LIMIT));
    assert_eq!(wait_started(&repo, 3)[2], "three");
    release(&repo, "three");
    wait_state(&repo, "three", "awaiting_approval");
    repo.end(server);
}

#[test]
fn a_resume_waits_for_a_place_on_the_line() {
    let repo = TestRepo::new();
    repo.unconfined();
    gated_agent(&repo);
    repo.config("[line]\nmax_running = 1\n");
    repo.plan("first", "gated", "");
    repo.plan("second", "gated", "");
    repo.commit("plans");
    let server = repo.serve();
    ok(&repo.andon(&["run", "--headless", "plans/first.md"], LIMIT));
    wait_started(&repo, 1);
    ok(&repo.andon(&["stop", "first"], LIMIT));
    wait_state(&repo, "first", "stopped");
    // The stopped loop freed its place: the second plan takes it.
    ok(&repo.andon(&["run", "--headless", "plans/second.md"], LIMIT));
    wait_started(&repo, 2);
    let said = ok(&repo.andon(&["resume", "first"], LIMIT));
    assert!(said.contains("resume queued"), "{said}");
    assert!(said.contains("1 loop running (max_running = 1)"), "{said}");
    assert_eq!(state(&repo, "first").as_deref(), Some("stopped"));
    release(&repo, "second");
    release(&repo, "first");
    wait_state(&repo, "second", "awaiting_approval");
    wait_state(&repo, "first", "awaiting_approval");
    let actions = repo.audit_actions();
    assert!(actions.iter().any(|a| a == "resume"), "{actions:?}");
    repo.end(server);
}

/// A repo whose `fix` plan (which goes green at once) waits in the queue, with no
/// supervisor running.
fn fix_queued() -> TestRepo {
    let repo = TestRepo::new();
    repo.unconfined();
    repo.agent(
        "fixer",
        &format!("printf '%s' '{FIXED_PRICE}' > src/price.sh"),
    );
    repo.plan("fix", "fixer", "");
    repo.commit("plan");
    ok(&repo.andon(&["queue", "add", "plans/fix.md"], LIMIT));
    repo
}

#[test]
fn a_headless_run_with_no_plan_works_through_the_queue_and_exits_by_it() {
    let repo = fix_queued();
    // No plan named: the queued one is this run's, and the exit code speaks of it.
    let out = repo.andon(&["run", "--headless"], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(state(&repo, "fix").as_deref(), Some("awaiting_approval"));
    let listed = ok(&repo.andon(&["queue", "--json"], LIMIT));
    assert!(listed.contains("\"started\""), "{listed}");
}

#[test]
fn uncommitted_changes_hold_queued_plans_and_say_so() {
    let repo = fix_queued();
    // A tracked file edited and not committed: a new loop would not see it.
    repo.write("README.md", "# shop, edited\n");
    let listed = ok(&repo.andon(&["queue"], LIMIT));
    assert!(
        listed.contains("uncommitted changes in the main worktree (README.md)"),
        "{listed}"
    );
    // Only a human can commit or stash: a headless run says so and ends, not hangs.
    let out = repo.andon(&["run", "--headless"], LIMIT);
    expect_exit(&out, 3);
    assert!(
        stdout(&out).contains("uncommitted changes"),
        "{}",
        stdout(&out)
    );
    assert_eq!(state(&repo, "fix"), None, "no loop started");
    repo.commit("the edit");
    let out = repo.andon(&["run", "--headless"], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(state(&repo, "fix").as_deref(), Some("awaiting_approval"));
}

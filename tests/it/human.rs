//! Human actions at the edges: a stop while checks run, Meta-Andon and abort by hand, a human
//! stop that survives a crash, `--serve` hosting stopped loops, and hostile child output.

use crate::common;

use std::process::Stdio;
use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

const FIX: &str = r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###;

fn state(repo: &TestRepo, slug: &str) -> String {
    andon::store::Store::open_read_only(&repo.root.join(".andon/andon.db"))
        .ok()
        .and_then(|s| s.get_loop(slug).ok().flatten())
        .map(|r| r.state)
        .unwrap_or_default()
}

#[test]
fn a_stop_during_checks_outlasts_the_check_timeout_and_resume_finishes_the_loop() {
    let repo = TestRepo::new();
    repo.agent("fixer", FIX);
    let plan = repo.plan("chk", "fixer", "");
    // The check takes ~3 s; its timeout is 5 s; the line is stopped for longer than that.
    repo.edit(
        &plan,
        &[
            (
                "run = \"sh tests/test_price.sh\"",
                "run = \"sleep 3; sh tests/test_price.sh\"",
            ),
            ("timeout = \"30s\"", "timeout = \"5s\""),
        ],
    );
    repo.commit("plan");
    let child = repo.spawn(&["run", "--headless", &plan]);
    eventually(LIMIT, "the check to run", || {
        (state(&repo, "chk") == "checking" && !loop_processes("chk").is_empty()).then_some(())
    });
    assert_eq!(repo.andon(&["stop", "chk"], LIMIT).status.code(), Some(0));
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(state(&repo, "chk"), "stopped");
    assert_eq!(repo.andon(&["resume", "chk"], LIMIT).status.code(), Some(0));
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 0);
    let runs = repo.store().check_runs("chk", None).unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].passed && !runs[0].timed_out, "{runs:?}");
}

#[test]
fn meta_andon_and_abort_by_hand_through_the_socket() {
    let repo = TestRepo::new();
    repo.agent(
        "slowpoke",
        r###"
if [ "$ANDON_MODE" = plan ]; then echo "## plan: clamp" > "$ANDON_FIX_PLAN"; exit 0; fi
while true; do echo working; sleep 0.2; done
"###,
    );
    let plan = repo.plan("cord", "slowpoke", "");
    repo.commit("plan");
    let child = repo.spawn(&["run", "--headless", &plan]);
    eventually(LIMIT, "the agent to start", || {
        repo.agent_running("cord", 1).then_some(())
    });
    let out = repo.andon(&["meta-andon", "cord"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "the fix plan", || {
        let row = repo.store().get_loop("cord").unwrap()?;
        row.reason.filter(|r| r.contains("Meta-Andon")).map(|_| ())
    });
    assert!(repo.prompt("cord", 2).contains("PLAN MODE"));
    let its = repo.store().iterations("cord").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.mode.as_str(), i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![("code", "cancelled"), ("plan", "planned")]
    );
    // The loop now waits for a human, so the headless run has exited with 3.
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 3);

    // Abort: serve the stopped loop and abort it.
    let server = repo.serve();
    let out = repo.andon(&["abort", "cord"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A serving supervisor waits for more until it is told to stop.
    repo.end(server);
    let row = repo.store().get_loop("cord").unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.lamp.as_str()), ("aborted", "gray"));
    assert!(repo.worktree("cord").exists(), "the worktree is kept");
    let audit: Vec<String> = repo.audit_actions();
    assert_eq!(audit, vec!["meta_andon", "abort"]);
}

#[test]
fn a_human_stop_survives_kill_9_and_only_the_humans_resume_reruns_it() {
    let repo = TestRepo::new();
    repo.agent(
        "patient",
        &format!("i=0; while [ $i -lt 20 ]; do i=$((i+1)); echo tick; sleep 0.1; done\n{FIX}"),
    );
    let plan = repo.plan("held", "patient", "");
    repo.commit("plan");
    let mut child = repo
        .command(&["run", "--headless", &plan])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually(LIMIT, "the agent", || {
        repo.agent_running("held", 1).then_some(())
    });
    assert_eq!(repo.andon(&["stop", "held"], LIMIT).status.code(), Some(0));
    child.kill().unwrap();
    child.wait().unwrap();
    eventually(Duration::from_secs(10), "no agent left", || {
        loop_processes("held").is_empty().then_some(())
    });

    // A plain restart keeps the human's stop: nothing runs, and it exits needing a human.
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    assert_eq!(state(&repo, "held"), "stopped");
    assert_eq!(
        repo.store().iterations("held").unwrap()[0].status,
        "interrupted"
    );

    // Served, the human's resume re-runs iteration 1, which passes.
    let server = repo.serve();
    let out = repo.andon(&["resume", "held"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "the re-run to pass", || {
        (state(&repo, "held") == "awaiting_approval").then_some(())
    });
    let _ = std::process::Command::new("kill")
        .arg("-INT")
        .arg(server.id().to_string())
        .status();
    let out = wait_output(server, LIMIT);
    assert!(out.status.code().is_some());
    let its = repo.store().iterations("held").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.n, i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "passed")]
    );
}

#[test]
fn redirect_a_loop_stopped_by_the_insanity_rule_through_serve() {
    let repo = TestRepo::new();
    repo.agent(
        "learner",
        &format!("if grep -q 'clamp at zero' \"$1\"; then {FIX}; else echo '# again' >> src/price.sh; fi"),
    );
    let plan = repo.plan("learner", "learner", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("[REPEATING]"),
        "the second identical failure is flagged:\n{}",
        stdout(&out)
    );
    let server = repo.serve();
    let out = repo.andon(&["resume", "learner"], LIMIT);
    assert_eq!(
        out.status.code(),
        Some(1),
        "resume after Insanity is refused"
    );
    assert!(stderr(&out).contains("redirect"), "{}", stderr(&out));
    let out = repo.andon(&["redirect", "learner", "-m", "clamp at zero"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "the redirected loop to pass", || {
        (state(&repo, "learner") == "awaiting_approval").then_some(())
    });
    repo.end(server);
    let row = repo.store().get_loop("learner").unwrap().unwrap();
    assert_eq!((row.iteration, row.consecutive_failures), (4, 0));
}

#[test]
fn hostile_child_output_never_reaches_the_terminal() {
    let repo = TestRepo::new();
    repo.agent("evil", r###"printf '\033]0;PWNED\007\033]52;c;aGVsbG8=\007agent says hi\n'; echo '# x' >> src/price.sh"###);
    let plan = repo.plan("evil", "evil", "max_iterations = 1\n");
    repo.edit(&plan, &[("run = \"sh tests/test_price.sh\"", "run = \"printf '\\\\033]52;c;aGVsbG8=\\\\007\\\\033[21t\\\\033P1$r\\\\033\\\\\\\\boom\\\\n'; exit 1\"")]);
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let log = repo.andon(&["log", "evil"], LIMIT);
    let status = repo.andon(&["status"], LIMIT);
    let json = repo.andon(&["status", "--json"], LIMIT);
    for (what, bytes) in [
        ("run", &out.stdout),
        ("log", &log.stdout),
        ("status", &status.stdout),
        ("status --json", &json.stdout),
    ] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&0x07),
            "{what} printed a control byte:\n{text:?}"
        );
    }
    assert!(stdout(&log).contains("boom"), "{}", stdout(&log));
    // The raw bytes are still kept as evidence on disk.
    let check_log =
        std::fs::read(repo.root.join(".andon/loops/evil/iter-1/check-tests.log")).unwrap();
    assert!(check_log.windows(5).any(|w| w == b"\x1b]52;"));
}

#[test]
fn rollback_returns_the_worktree_to_the_last_green_iteration() {
    let repo = TestRepo::new();
    repo.agent(
        "breaker",
        &format!(
            "case \"$ANDON_ITERATION\" in\n  1) echo '# look' >> src/price.sh ;;\n  2) {FIX} ;;\n  *) echo 'price() {{ echo broken; }}' > src/price.sh ;;\nesac"
        ),
    );
    let plan = repo.plan("rb", "breaker", "max_iterations = 3\n");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 0);
    let server = repo.serve();
    let out = repo.andon(&["redirect", "rb", "-m", "also print a currency"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    eventually(LIMIT, "iteration 3 to fail into max iterations", || {
        let row = repo.store().get_loop("rb").ok()??;
        (row.state == "stopped" && row.iteration == 3).then_some(())
    });
    let wt = repo.worktree("rb");
    assert!(std::fs::read_to_string(wt.join("src/price.sh"))
        .unwrap()
        .contains("broken"));
    let out = repo.andon(&["rollback", "rb"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The answer names the real target and what was given up.
    let said = stdout(&out);
    assert!(said.contains("reset to iteration 2 ("), "{said}");
    assert!(
        said.contains("dropped iteration 3 and their changes: 1 file"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("src/price.sh")).unwrap(),
        FIXED_PRICE
    );
    let head = git(&wt, &["log", "-1", "--format=%s"]);
    assert_eq!(head.trim(), "andon: iteration 2 (1/1 checks)");
    repo.end(server);
    let audit: Vec<String> = repo.audit_actions();
    assert_eq!(audit, vec!["redirect", "rollback"]);
}

#[test]
fn a_rollback_with_no_green_iteration_says_it_goes_to_the_base() {
    let repo = TestRepo::new();
    repo.agent("stubborn", "echo '# same again' >> src/price.sh");
    let plan = repo.plan("nogreen", "stubborn", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    let server = repo.serve();
    let out = repo.andon(&["rollback", "nogreen"], LIMIT);
    repo.end(server);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("reset to the base ("), "{said}");
    assert!(said.contains("dropped iterations 1–3"), "{said}");
    assert!(
        !said.contains("green"),
        "no green iteration is claimed: {said}"
    );
}

#[test]
fn resuming_the_whole_line_does_not_accept_a_fix_plan() {
    let repo = TestRepo::new();
    repo.agent(
        "planner",
        r###"
if [ "$ANDON_MODE" = plan ]; then echo "## plan" > "$ANDON_FIX_PLAN"; exit 0; fi
printf 'price() { echo w%s; }\n' "$ANDON_ITERATION" > src/price.sh
"###,
    );
    let plan = repo.plan("planned", "planner", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 3);
    let server = repo.serve();
    assert_eq!(repo.andon(&["stop", "--all"], LIMIT).status.code(), Some(0));
    assert_eq!(
        repo.andon(&["resume", "--all"], LIMIT).status.code(),
        Some(0)
    );
    std::thread::sleep(Duration::from_millis(500));
    let row = repo.store().get_loop("planned").unwrap().unwrap();
    assert_eq!(row.state, "stopped");
    assert!(
        row.reason.unwrap_or_default().contains("Meta-Andon"),
        "the fix plan still waits for its own resume"
    );
    assert_eq!(row.iteration, 4);
    repo.end(server);
}

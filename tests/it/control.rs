//! Human actions through the control socket of a running `andon run --headless`, and what a
//! SIGKILL of the supervisor leaves behind (nothing running; every finished iteration intact).

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
}

#[test]
fn redirect_ends_the_run_and_the_note_reaches_the_next_prompt() {
    let repo = TestRepo::new();
    // Iteration 1 would run for minutes; after the redirect the agent follows the note.
    repo.agent(
        "slow",
        r###"
if grep -q "clamp the result at zero" "$1"; then
  printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh
  exit 0
fi
while true; do echo working; sleep 0.2; done
"###,
    );
    let plan = repo.plan("slow", "slow", "");
    repo.commit("plan");
    let child = repo.spawn(&["run", "--headless", &plan]);
    eventually(LIMIT, "the agent to start", || {
        repo.agent_running("slow", 1).then_some(())
    });
    let out = repo.andon(
        &["redirect", "slow", "--message", "clamp the result at zero"],
        LIMIT,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 0);

    assert!(repo.prompt("slow", 2).contains("clamp the result at zero"));
    assert!(!repo.prompt("slow", 1).contains("clamp the result at zero"));
    let its = repo.store().iterations("slow").unwrap();
    assert_eq!(
        its.iter().map(|i| i.status.as_str()).collect::<Vec<_>>(),
        vec!["cancelled", "passed"]
    );
    let audit = repo.store().audit().unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (
            audit[0].action.as_str(),
            audit[0].reason.as_deref(),
            audit[0].iteration
        ),
        ("redirect", Some("clamp the result at zero"), Some(1))
    );
    assert!(loop_processes("slow").is_empty());
}

#[test]
fn stop_freezes_the_agent_and_resume_continues_it() {
    let repo = TestRepo::new();
    repo.agent(
        "ticker",
        r###"
( while true; do sleep 0.1; done ) &
i=0
while [ $i -lt 30 ]; do i=$((i+1)); echo "tick $i"; sleep 0.1; done
kill $!
printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh
"###,
    );
    let plan = repo.plan("ticker", "ticker", "");
    repo.commit("plan");
    let child = repo.spawn(&["run", "--headless", &plan]);
    let pids = eventually(LIMIT, "agent and its child", || {
        let p = loop_processes("ticker");
        (repo.agent_running("ticker", 1) && p.len() >= 3).then_some(p)
    });
    let out = repo.andon(&["stop", "ticker"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for pid in &pids {
        if let Some(state) = proc_state(*pid) {
            assert_eq!(state, 'T', "pid {pid} is stopped");
        }
    }
    let status = repo.andon(&["status", "--json"], LIMIT);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(json[0]["state"], "stopped");
    assert_eq!(json[0]["lamp"], "red");
    // Stopped stays stopped: the agent does not finish on its own.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        repo.store().get_loop("ticker").unwrap().unwrap().state,
        "stopped"
    );
    let out = repo.andon(&["resume", "ticker"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for pid in &pids {
        if let Some(state) = proc_state(*pid) {
            assert_ne!(state, 'T', "pid {pid} resumed");
        }
    }
    let out = wait_output(child, LIMIT);
    expect_exit(&out, 0);
    let audit: Vec<String> = repo.audit_actions();
    assert_eq!(audit, vec!["stop", "resume"]);
}

#[test]
fn kill_9_leaves_no_process_and_a_restart_resumes_the_cut_iteration() {
    let repo = TestRepo::new();
    // Agent loop: iteration 1 fails fast; iteration 2 hangs while HANG is set.
    repo.agent(
        "hanger",
        r###"
if [ "$ANDON_ITERATION" -ge 2 ]; then
  [ -n "$HANG" ] && { setsid sleep 302 & sleep 300 & sleep 301; }
  printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh
else
  echo "# attempt" >> src/price.sh
fi
"###,
    );
    // Check loop: its check hangs while HANG is set, once the agent fixed the price (not at
    // the loop's baseline, on the untouched code).
    repo.agent("fixer", r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###);
    let hanger = repo.plan("hanger", "hanger", "");
    let slowcheck = repo.plan("slowcheck", "fixer", "");
    repo.edit(
        &slowcheck,
        &[(
            "run = \"sh tests/test_price.sh\"",
            "run = \"[ -n \\\"$HANG\\\" ] && grep -q r=0 src/price.sh && sleep 300; sh tests/test_price.sh\"",
        )],
    );
    repo.commit("plans");

    let mut cmd = repo.command(&["run", "--headless", &hanger, &slowcheck]);
    cmd.env("HANG", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    eventually(LIMIT, "iteration 2 of hanger and the slow check", || {
        let ready = repo
            .root
            .join(".andon/loops/hanger/iter-2/agent.log")
            .exists()
            && loop_processes("hanger").len() >= 4
            && loop_processes("slowcheck").len() >= 2;
        ready.then_some(())
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    eventually(
        Duration::from_secs(10),
        "every agent and check process to be gone",
        || {
            (loop_processes("hanger").is_empty() && loop_processes("slowcheck").is_empty())
                .then_some(())
        },
    );

    let status = repo.andon(&["status", "--json"], LIMIT);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    for l in json.as_array().unwrap() {
        assert_eq!(l["state"], "stopped", "{l}");
        assert!(l["reason"].as_str().unwrap().contains("interrupted"), "{l}");
    }
    let its = repo.store().iterations("hanger").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.n, i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "failed"), (2, "interrupted")]
    );
    assert_eq!(
        repo.store().check_runs("hanger", Some(1)).unwrap().len(),
        1,
        "iteration 1's check survived"
    );
    let cut = repo.store().iterations("slowcheck").unwrap();
    assert_eq!(
        cut.iter()
            .map(|i| (i.n, i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "interrupted")]
    );
    let log = repo.andon(&["log", "hanger"], LIMIT);
    assert!(stdout(&log).contains("interrupted"), "{}", stdout(&log));

    // A restart resumes both loops, re-running the cut iterations under their own numbers.
    let out = repo.andon(&["run", "--headless"], LIMIT);
    expect_exit(&out, 0);
    let its = repo.store().iterations("hanger").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.n, i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "failed"), (2, "passed")]
    );
    let its = repo.store().iterations("slowcheck").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.n, i.status.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "passed")]
    );
    let integrity = repo.store().integrity_check().unwrap();
    assert_eq!(integrity, "ok");
}

#[test]
fn an_agent_cannot_steer_the_supervisor_that_runs_it() {
    // Unconfined: the guard that holds without the sandbox (`tests/boundary.rs` has the
    // sandboxed agent, which cannot even reach the socket).
    let repo = TestRepo::new();
    repo.unconfined();
    repo.write("fixes/price.sh", FIXED_PRICE);
    // The agent tries to abort its own loop and stop the line before it fixes the price.
    repo.agent(
        "rogue",
        &format!(
            "{ANDON} abort \"$ANDON_LOOP\" > \"$HOME/rogue.out\" 2>&1\n{ANDON} stop --all >> \"$HOME/rogue.out\" 2>&1\nenv -u ANDON_SUPERVISOR_TOKEN {ANDON} stop --all >> \"$HOME/rogue.out\" 2>&1\ncp fixes/price.sh src/price.sh"
        ),
    );
    let plan = repo.plan("rogue", "rogue", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], Duration::from_secs(60));
    expect_exit(&out, 0);
    let row = repo.store().get_loop("rogue").unwrap().unwrap();
    assert_eq!(row.state, "awaiting_approval");
    assert!(
        repo.audit_actions().is_empty(),
        "{:?}",
        repo.audit_actions()
    );
    let said = std::fs::read_to_string(repo.home.join("rogue.out")).unwrap();
    assert_eq!(
        said.matches("runs inside an agent of this supervisor")
            .count(),
        3,
        "{said}"
    );
}

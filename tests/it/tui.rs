//! End to end: the real binary in a real terminal (tmux), driven with send-keys and read with
//! capture-pane — the board, help, stop/resume, redirect, quit — and after quitting (or a
//! panic) the terminal is back in cooked mode and no agent process is left.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;
use common::*;

fn demo_command(dir: &Path, extra_env: &str) -> String {
    format!(
        "cd {} && {extra_env} RUST_BACKTRACE=0 {ANDON} demo --dir {}; code=$?; stty -a > {}; echo \"ANDON\"\"-EXITED-$code\"",
        dir.display(),
        dir.join("demo").display(),
        dir.join("stty.txt").display()
    )
}

/// Live agent or check processes working in worktrees under `dir`.
fn agents_alive(dir: &Path) -> usize {
    procs::processes_working_in(dir)
}

#[test]
fn the_board_in_tmux_help_stop_resume_redirect_and_quit() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(dir.path(), &demo_command(dir.path(), "ANDON_SIM_SPEED=1"));
    // Loops appear as each publishes its first picture.
    for name in [
        "fix-price",
        "repeat",
        "vary",
        "spec-drift",
        "out-of-scope",
        "no-progress",
    ] {
        tmux.wait_for(name, Duration::from_secs(60));
    }
    // The demo's loops run in andon's default sandbox: no notice that they are unconfined.
    let screen = tmux.screen();
    assert!(!screen.contains("sandbox off"), "{screen}");
    // Help, generated from the keymap.
    tmux.keys(&["?"]);
    let help = tmux.wait_for("Meta-Andon", Duration::from_secs(10));
    assert!(
        help.contains("redirect") || help.contains("Redirect"),
        "{help}"
    );
    tmux.keys(&["Escape"]);
    // Select the loop below the first (the grid is 3x2, sorted: repeat), stop and resume it.
    tmux.keys(&["Down"]);
    tmux.keys(&["s"]);
    tmux.wait_for("STOPPED", Duration::from_secs(10));
    tmux.keys(&["r"]);
    // Redirect with a note; Ctrl-S sends it.
    tmux.keys(&["i"]);
    tmux.wait_for("edirect", Duration::from_secs(10));
    tmux.literal("clamp the price at zero");
    tmux.keys(&["C-s"]);
    let db = dir.path().join("demo/shop/.andon/andon.db");
    eventually(
        Duration::from_secs(30),
        "the redirect in the audit trail",
        || {
            let store = andon::store::Store::open_read_only(&db).ok()?;
            let audit = store.audit().ok()?;
            audit
                .iter()
                .any(|a| {
                    a.action == "redirect" && a.reason.as_deref() == Some("clamp the price at zero")
                })
                .then_some(())
        },
    );
    let actions: Vec<String> = andon::store::Store::open_read_only(&db)
        .unwrap()
        .audit()
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        actions.starts_with(&["stop".to_string(), "resume".to_string()]),
        "{actions:?}"
    );
    // Quit, confirmed.
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
    assert!(screen.contains("ANDON-EXITED-0"), "{screen}");
    let stty = std::fs::read_to_string(dir.path().join("stty.txt")).unwrap();
    assert!(
        stty.contains(" icanon") && stty.contains(" echo"),
        "terminal not back in cooked mode:\n{stty}"
    );
    eventually(Duration::from_secs(10), "no agent process left", || {
        (agents_alive(dir.path()) == 0).then_some(())
    });
}

#[test]
fn after_a_panic_the_terminal_is_restored_and_no_agent_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        dir.path(),
        &demo_command(dir.path(), "ANDON_SIM_SPEED=0.5 ANDON_TEST_PANIC_AFTER=4"),
    );
    tmux.wait_for("fix-price", Duration::from_secs(60));
    eventually(
        Duration::from_secs(4),
        "agents running before the panic",
        || (agents_alive(dir.path()) > 0).then_some(()),
    );
    let screen = tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
    assert!(screen.contains("ANDON-EXITED-101"), "{screen}");
    assert!(
        screen.contains("test panic"),
        "the panic message is shown on the restored screen:\n{screen}"
    );
    let stty = std::fs::read_to_string(dir.path().join("stty.txt")).unwrap();
    assert!(
        stty.contains(" icanon") && stty.contains(" echo"),
        "terminal not restored:\n{stty}"
    );
    eventually(Duration::from_secs(10), "no agent process left", || {
        (agents_alive(dir.path()) == 0).then_some(())
    });
}

#[test]
fn diff_then_review_then_merge_from_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(dir.path(), &demo_command(dir.path(), "ANDON_SIM_SPEED=0"));
    // fix-price sorts first, so it is selected; wait until it waits for approval.
    let shop = dir.path().join("demo/shop");
    let db = shop.join(".andon/andon.db");
    let state = |name: &str| {
        let store = andon::store::Store::open_read_only(&db).ok()?;
        store.get_loop(name).ok()?.map(|row| row.state)
    };
    eventually(
        Duration::from_secs(60),
        "fix-price awaiting approval",
        || (state("fix-price")? == "awaiting_approval").then_some(()),
    );
    tmux.keys(&["d"]);
    let diff = tmux.wait_for("·  unified", Duration::from_secs(20));
    let diff = if diff.contains("+price()") {
        diff
    } else {
        tmux.wait_for("+price()", Duration::from_secs(20))
    };
    assert!(
        diff.contains("cumulative") && diff.contains("M src/price.sh"),
        "{diff}"
    );
    tmux.keys(&["v"]);
    tmux.wait_for("side by side", Duration::from_secs(10));
    tmux.keys(&["q"]);
    tmux.keys(&["a"]);
    // The approval keys are drawn last: by then the whole review is on screen (a capture
    // can land in the middle of tmux applying a frame).
    tmux.wait_for("Placeholders", Duration::from_secs(20));
    let review = tmux.wait_for("merge into main", Duration::from_secs(20));
    assert!(
        review.contains("Timeline") && review.contains("Placeholders"),
        "{review}"
    );
    tmux.keys(&["m"]);
    tmux.wait_for("as one commit titled by", Duration::from_secs(10));
    tmux.keys(&["y"]);
    eventually(Duration::from_secs(30), "fix-price merged", || {
        (state("fix-price")? == "merged").then_some(())
    });
    let price = std::fs::read_to_string(shop.join("src/price.sh")).unwrap();
    assert!(price.contains("r=0"), "main has the fix: {price}");
    let audit = andon::store::Store::open_read_only(&db)
        .unwrap()
        .audit()
        .unwrap();
    assert_eq!(
        audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        ["approve_squash"]
    );
    let page = std::fs::read_dir(shop.join("wiki/90_LOG"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with("-fix-price.md"));
    assert!(page, "the loop's 90_LOG page");
    // The review closes when the approval's answer arrives: then the board is back.
    eventually(Duration::from_secs(20), "the board after the merge", || {
        let screen = tmux.screen();
        (!screen.contains("╭ Review") && screen.contains("fix-price")).then_some(())
    });
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
}

#[test]
fn a_second_andon_opens_a_read_only_board_that_acts_through_the_supervisor() {
    let repo = TestRepo::new();
    repo.agent(
        "slow",
        "while :; do echo \"working $(date +%s)\"; sleep 1; done",
    );
    repo.config("[line]\nmax_running = 1\n");
    let plan = repo.plan("slow", "slow", "");
    repo.plan("next", "slow", "");
    repo.commit("plan");
    // Ended even if an assertion below fails, so no supervisor outlives this test.
    let mut supervisor = Ended(Some(repo.spawn(&["run", "--headless", &plan])));
    eventually(Duration::from_secs(30), "the loop running", || {
        let store = andon::store::Store::open_read_only(&repo.path(".andon/andon.db")).ok()?;
        (store.get_loop("slow").ok()??.state == "running").then_some(())
    });
    let command = format!(
        "cd {} && HOME={} {ANDON}; echo \"ANDON\"\"-EXITED-$?\"",
        repo.root.display(),
        repo.home.display()
    );
    let tmux = Tmux::start(&repo.home, &command);
    tmux.wait_for("read-only · pid", Duration::from_secs(20));
    // The loops come from the store a moment later.
    tmux.wait_for("Fix negative prices", Duration::from_secs(20));
    // The running agent's output reaches the pane from its log.
    tmux.wait_for("working ", Duration::from_secs(20));
    // A plan queued behind the full line shows in the status bar, though this board drains
    // nothing.
    let out = repo.andon(&["queue", "add", "plans/next.md"], Duration::from_secs(30));
    assert!(out.status.success(), "{}", stderr(&out));
    tmux.wait_for("queued 1 · max_running 1/1", Duration::from_secs(20));
    // A stop on the read-only board stops the loop in the supervising process.
    tmux.keys(&["s"]);
    eventually(
        Duration::from_secs(20),
        "the loop stopped by the board",
        || {
            let store = andon::store::Store::open_read_only(&repo.path(".andon/andon.db")).ok()?;
            (store.get_loop("slow").ok()??.state == "stopped").then_some(())
        },
    );
    assert_eq!(repo.audit_actions(), vec!["stop"]);
    // Quitting the board leaves the supervisor running.
    tmux.keys(&["q"]);
    tmux.wait_for("keeps running", Duration::from_secs(10));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("ANDON-EXITED-", Duration::from_secs(20));
    assert!(screen.contains("ANDON-EXITED-0"), "{screen}");
    let child = supervisor.0.take().unwrap();
    let mut child = child;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the supervisor outlives the read-only board"
    );
    let _ = repo.end(child);
}

#[test]
fn an_interactive_agent_owns_its_pane_and_takes_typed_keys() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.config(
        "[agents.tui]\ncommand = [\"{andon}\", \"sim-agent\", \"--interactive\", \"--signal\", \"--scenario\", \"fix\", \"--target\", \"src/price.sh\", \"--fix-from\", \"fixes/price.sh\"]\nmode = \"interactive\"\n",
    );
    // A slow check leaves time to attach and type between the turns.
    let plan = repo.plan("live", "tui", "");
    repo.edit(
        &plan,
        &[(
            "run = \"sh tests/test_price.sh\"",
            "run = \"sleep 4; sh tests/test_price.sh\"",
        )],
    );
    repo.commit("plan");
    let command = format!(
        "cd {} && HOME={} ANDON_SIM_SPEED=0 {ANDON} run {plan}; echo \"ANDON\"\"-EXITED-$?\"",
        repo.root.display(),
        repo.home.display()
    );
    let tmux = Tmux::start(&repo.home, &command);
    // Turn 1 is done and the checks run beside the idle agent: attach and type into it.
    tmux.wait_for("(turn 1 done", Duration::from_secs(30));
    tmux.keys(&["Tab"]);
    tmux.wait_for("ATTACHED", Duration::from_secs(10));
    tmux.literal("hello");
    let typed = tmux.wait_for("sim> hello", Duration::from_secs(10));
    tmux.keys(&["C-g"]);
    // The follow-up is pasted after the typed text, the fix lands, the loop waits for a human.
    let done = tmux.wait_for("AWAITING APPROVAL", Duration::from_secs(60));
    // The checks ran beside the agent, not in its screen.
    for screen in [&typed, &done] {
        assert!(
            !screen.contains("check tests"),
            "check output in the TUI's pane:\n{screen}"
        );
    }
    assert!(done.contains("(turn 2 done"), "{done}");
    let row = repo.store().get_loop("live").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 2)
    );
    let session = std::fs::read_to_string(repo.path(".andon/loops/live/session.log")).unwrap();
    assert!(
        session.contains("hello"),
        "the typed keys reached the agent"
    );
    // Typing into the agent is a human's hand on the loop: audited once per attach, so
    // Kaizen does not count the loop as finished on its own.
    let answers = repo
        .audit_actions()
        .iter()
        .filter(|a| *a == "answer")
        .count();
    assert_eq!(answers, 1, "{:?}", repo.audit_actions());
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
    assert_eq!(procs::processes_working_in(&repo.root), 0);
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_flooding_agent_slows_nothing_else_and_memory_stays_bounded() {
    let repo = TestRepo::new();
    // 300 MB of colored log lines as fast as the pipe takes them; it never reads its input.
    repo.agent(
        "flood",
        "yes \"$(printf '\\033[31mERROR\\033[0m flooding the pane with a long colored log line %s' 0123456789)\" | head -c 300000000\nsleep 600",
    );
    // Beside it, an agent that ticks: its pane must keep moving during the flood.
    repo.agent(
        "ticker",
        "i=0; while :; do i=$((i+1)); echo \"tick-$i\"; sleep 0.2; done",
    );
    let flood = repo.plan("flood", "flood", "");
    let ticker = repo.plan("ticker", "ticker", "");
    repo.commit("plans");
    let command = format!(
        "cd {} && HOME={} {ANDON} run {flood} {ticker}; echo \"ANDON\"\"-EXITED-$?\"",
        repo.root.display(),
        repo.home.display()
    );
    let tmux = Tmux::start(&repo.home, &command);
    tmux.wait_for("flooding the pane", Duration::from_secs(30));
    let pid = std::fs::read_to_string(repo.path(".andon/lock"))
        .unwrap()
        .trim()
        .to_string();
    // While the flood runs: the other pane keeps drawing, keys keep working, memory stays flat.
    let mut peak = 0;
    let mut ticks_seen = Vec::new();
    for round in 0..5 {
        let screen = tmux.screen();
        let tick = screen
            .split("tick-")
            .filter_map(|t| t.split_whitespace().next()?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        ticks_seen.push(tick);
        tmux.keys(&["?"]);
        tmux.wait_for("andon keys", Duration::from_secs(10));
        tmux.keys(&["?"]);
        peak = peak.max(rss_kib(&pid));
        std::thread::sleep(Duration::from_millis(500 + 100 * round));
    }
    let flood_log = repo.path(".andon/loops/flood/iter-1/agent.log");
    // However fast this machine drains it, the flood goes on until 20 MB are on disk; memory
    // is watched the while.
    let logged = eventually(Duration::from_secs(180), "20 MB of flood on disk", || {
        peak = peak.max(rss_kib(&pid));
        let len = std::fs::metadata(&flood_log).map(|m| m.len()).unwrap_or(0);
        (len > 20_000_000).then_some(len)
    });
    assert!(
        ticks_seen.windows(2).filter(|w| w[1] > w[0]).count() >= 3,
        "the ticker's pane stopped moving during the flood: {ticks_seen:?}"
    );
    // The flood went to disk, not into memory: the log holds what the pane no longer does.
    assert!(
        peak < 250 * 1024,
        "andon's memory grew with the flood: peak {peak} KiB after {logged} bytes"
    );
    // Typing into the agent that never reads its input cannot block andon: attach, type far
    // more than its terminal takes (a canonical line holds 4 095 bytes), detach, and the
    // board still answers.
    tmux.keys(&["Tab"]);
    tmux.literal(&"x".repeat(5 * 1024));
    tmux.keys(&["C-g"]);
    tmux.keys(&["?"]);
    // A debug build draws slowly during a flood and takes keys between frames: the wait is
    // for the answer, however long this machine needs, not a measure of speed.
    tmux.wait_for("andon keys", Duration::from_secs(120));
    tmux.keys(&["?"]);
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
    assert!(screen.contains("ANDON-EXITED-"), "{screen}");
    assert_eq!(procs::processes_working_in(&repo.root), 0);
}

/// A supervisor the test started, ended (SIGTERM, so it ends its agents) when dropped.
struct Ended(Option<std::process::Child>);

impl Drop for Ended {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = wait_output(child, Duration::from_secs(30));
        }
    }
}

#[test]
fn the_plan_picker_starts_a_loop_from_an_empty_board() {
    let repo = TestRepo::new();
    repo.agent(
        "fixer",
        &format!("cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF"),
    );
    repo.plan("picked", "fixer", "");
    repo.commit("plans");
    let command = format!(
        "cd {} && HOME={} ANDON_SIM_SPEED=0 {ANDON}; echo \"ANDON\"\"-EXITED-$?\"",
        repo.root.display(),
        repo.home.display()
    );
    let tmux = Tmux::start(&repo.home, &command);
    tmux.wait_for("Press n to start one from plans/", Duration::from_secs(30));
    tmux.keys(&["n"]);
    tmux.wait_for("plans/picked.md", Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    tmux.wait_for("AWAITING APPROVAL", Duration::from_secs(60));
    assert_eq!(
        repo.store().get_loop("picked").unwrap().unwrap().state,
        "awaiting_approval"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
}

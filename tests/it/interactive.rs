//! Interactive agents end to end: the scripted agent's TUI (`andon sim-agent --interactive`)
//! lives in a real PTY across iterations; a turn ends through `andon signal done` (the hook
//! path) or through idleness seen on its screen; checks run beside it and the feedback is
//! pasted into the same session.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// An interactive profile running the sim TUI that fixes the price on its second turn.
fn tui_profile(repo: &TestRepo, name: &str, extra_args: &str, extra_toml: &str) {
    repo.config(&format!(
        "[agents.{name}]\ncommand = [\"{{andon}}\", \"sim-agent\", \"--interactive\", {extra_args}\"--scenario\", \"fix\", \"--target\", \"src/price.sh\", \"--fix-from\", \"fixes/price.sh\"]\nmode = \"interactive\"\n{extra_toml}\n"
    ));
    repo.write("fixes/price.sh", FIXED_PRICE);
}

fn run_to_approval(repo: &TestRepo, slug: &str) {
    let plan = format!("plans/{slug}.md");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    let row = repo.store().get_loop(slug).unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 2)
    );
    let its = repo.store().iterations(slug).unwrap();
    assert_eq!(
        its.iter().map(|i| i.status.as_str()).collect::<Vec<_>>(),
        ["failed", "passed"]
    );
    assert_eq!(
        std::fs::read_to_string(repo.worktree(slug).join("src/price.sh")).unwrap(),
        FIXED_PRICE
    );
}

#[test]
fn the_hook_ends_each_turn_and_the_feedback_is_pasted_into_the_same_session() {
    let repo = TestRepo::new();
    // Idleness would take ten minutes: only the signal can end these turns in time.
    tui_profile(&repo, "tui", "\"--signal\", ", "idle = \"10m\"\n");
    repo.plan("tui-fix", "tui", "");
    repo.commit("plan");
    run_to_approval(&repo, "tui-fix");

    let loop_dir = repo.root.join(".andon/loops/tui-fix");
    let session = std::fs::read_to_string(loop_dir.join("session.log")).unwrap();
    // One session served both iterations: it started once and saw two submissions.
    assert_eq!(
        session.matches("sim-agent (interactive)").count(),
        1,
        "{session}"
    );
    assert!(session.contains("(turn 1 done"), "{session}");
    assert!(session.contains("(turn 2 done"), "{session}");
    // The first turn got the brief, the second the follow-up with the failing check.
    let follow_up = std::fs::read_to_string(loop_dir.join("iter-2/follow-up.md")).unwrap();
    assert!(
        follow_up.contains("The previous iteration failed"),
        "{follow_up}"
    );
    assert!(follow_up.contains("FAIL: price 5 10 = -5"), "{follow_up}");
    let lines_of = |s: &str| s.lines().count();
    let brief = std::fs::read_to_string(loop_dir.join("iter-1/prompt.md")).unwrap();
    let iter1 = std::fs::read_to_string(loop_dir.join("iter-1/agent.log")).unwrap();
    let iter2 = std::fs::read_to_string(loop_dir.join("iter-2/agent.log")).unwrap();
    assert!(
        iter1.contains(&format!("[pasted {} lines]", lines_of(&brief))),
        "iteration 1 log:\n{iter1}"
    );
    assert!(
        iter2.contains(&format!("[pasted {} lines]", lines_of(&follow_up))),
        "iteration 2 log:\n{iter2}"
    );
    // The session was ended when the loop stopped working, and nothing is left running.
    assert!(loop_processes("tui-fix").is_empty());
    // andon's hook-free agent left no stray file in the worktree's status or the snapshots.
    let status = git(&repo.worktree("tui-fix"), &["status", "--porcelain"]);
    assert_eq!(status.trim(), "", "worktree status:\n{status}");
}

#[test]
fn without_a_signal_the_turn_ends_when_the_screen_goes_idle() {
    let repo = TestRepo::new();
    tui_profile(&repo, "quiet", "", "idle = \"1s\"\n");
    repo.plan("idle-fix", "quiet", "");
    repo.commit("plan");
    run_to_approval(&repo, "idle-fix");
    let events = repo.store().events(Some("idle-fix"), None).unwrap();
    assert!(
        events.iter().any(|e| e.detail.contains("agent done")),
        "{events:?}"
    );
}

#[test]
fn a_claude_stop_hook_is_installed_merged_and_kept_out_of_the_diff() {
    // A fake `claude` that is really the sim TUI: the family is Claude's by program name, so
    // andon installs the Stop hook; the fake runs the hooks it finds in
    // .claude/settings.local.json after each turn, as Claude Code does.
    let repo = TestRepo::new();
    let bin = repo.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let hook_runner = format!(
        "#!/bin/sh\n# Plays Claude Code: the sim TUI, then the Stop hook from settings.local.json.\nexec {andon} sim-agent --interactive --claude-hooks \"$@\"\n",
        andon = ANDON
    );
    std::fs::write(bin.join("claude"), hook_runner).unwrap();
    std::process::Command::new("chmod")
        .args(["+x", bin.join("claude").to_str().unwrap()])
        .status()
        .unwrap();
    repo.config(&format!(
        "[agents.claude]\ncommand = [{claude:?}, \"--scenario\", \"fix\", \"--target\", \"src/price.sh\", \"--fix-from\", \"fixes/price.sh\"]\nmode = \"interactive\"\nidle_marker = \"sim> \"\nidle = \"10m\"\n",
        claude = bin.join("claude").to_string_lossy(),
    ));
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.plan("hooked", "claude", "");
    repo.commit("plan");
    run_to_approval(&repo, "hooked");
    let settings = repo.worktree("hooked").join(".claude/settings.local.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let command = json["hooks"]["Stop"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(command.ends_with(" signal done"), "{command}");
    // Excluded: not in the worktree's status, not in any snapshot.
    let status = git(&repo.worktree("hooked"), &["status", "--porcelain"]);
    assert_eq!(status.trim(), "", "{status}");
    let files = git(
        &repo.root,
        &["show", "--name-only", "--format=", "loop/hooked"],
    );
    assert!(!files.contains(".claude"), "{files}");
}

#[test]
fn a_permission_prompt_on_the_agents_screen_needs_a_human() {
    let repo = TestRepo::new();
    // The sim asks "Allow this action? [y/n]" before it works; headless, nobody answers.
    tui_profile(
        &repo,
        "asker",
        "\"--signal\", \"--ask\", ",
        "idle = \"1s\"\n",
    );
    repo.plan("asks", "asker", "[breakers]\nno_progress = \"3s\"\n");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/asks.md"], LIMIT);
    expect_exit(&out, 3);
    let printed = stdout(&out);
    assert!(
        printed.contains("NEEDS HUMAN: Allow this action? [y/n]"),
        "{printed}"
    );
    // Nothing failed: the iteration waits on the human (run the board to answer it).
    let its = repo.store().iterations("asks").unwrap();
    assert!(its.iter().all(|i| i.status != "failed"), "{its:?}");
    assert!(!printed.contains("no progress"), "{printed}");
    assert!(loop_processes("asks").is_empty());
}

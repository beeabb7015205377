//! The example repository (`examples/shop`) run end to end with the scripted agent: every
//! plan ends the way its README row says.

use crate::common;

use std::time::Duration;

use common::*;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn every_example_plan_ends_as_documented() {
    let repo = TestRepo::new();
    // Replace the harness's starter files with the example shop.
    git(&repo.root, &["rm", "-q", "-r", "."]);
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop"),
        &repo.root,
    );
    repo.commit("shop");
    let plans: Vec<String> = std::fs::read_dir(repo.path("plans"))
        .unwrap()
        .flatten()
        .map(|e| format!("plans/{}", e.file_name().to_string_lossy()))
        .collect();
    let mut args = vec!["run", "--headless"];
    args.extend(plans.iter().map(String::as_str));
    let out = repo.andon(&args, Duration::from_secs(120));
    expect_exit(&out, 3);

    let expect = [
        ("fix-price", "awaiting_approval", ""),
        ("flood", "awaiting_approval", ""),
        ("out-of-scope", "awaiting_approval", ""),
        ("repeat", "stopped", "Insanity"),
        ("crash", "stopped", "Insanity"),
        ("vary", "stopped", "Meta-Andon"),
        ("spec-drift", "stopped", "spec drift"),
        ("no-progress", "stopped", "no progress"),
    ];
    let store = repo.store();
    for (name, state, reason) in expect {
        let row = store
            .get_loop(name)
            .unwrap()
            .unwrap_or_else(|| panic!("loop {name}"));
        assert_eq!(row.state, state, "{name}: {:?}", row.reason);
        assert!(
            row.reason.clone().unwrap_or_default().contains(reason),
            "{name}: {:?}",
            row.reason
        );
    }
    assert_eq!(
        store
            .get_loop("crash")
            .unwrap()
            .unwrap()
            .last_category
            .as_deref(),
        Some("agent_error")
    );
    // The flood went to disk, not to memory or the terminal.
    let log = repo.root.join(".andon/loops/flood/iter-1/agent.log");
    assert!(std::fs::metadata(&log).unwrap().len() > 20 * 1024 * 1024);
    assert!(stdout(&out).len() < 64 * 1024);
    // The wandering agent's note was rolled back; the user's repo never changed — andon's own
    // memory (Five Whys files of the line stops) was added and committed by andon.
    assert_eq!(
        std::fs::read_to_string(repo.worktree("out-of-scope").join("NOTES.md")).unwrap(),
        "# Notes\n"
    );
    let status = git(
        &repo.root,
        &["status", "--porcelain", "--untracked-files=all"],
    );
    assert_eq!(status, "", "andon leaves none of its writes uncommitted");
    let log = git(&repo.root, &["log", "--format=%s"]);
    assert!(
        log.lines()
            .any(|l| l.starts_with("andon: Five Whys for loop")),
        "{log}"
    );
}

#[test]
fn andon_demo_headless_ends_every_loop_as_promised() {
    let dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(ANDON)
        .args(["demo", "--headless", "--dir"])
        .arg(dir.path())
        .env("ANDON_SIM_SPEED", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, Duration::from_secs(120));
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("demo: all 6 loops ended as expected"));
    // A second demo into the same place is refused, and the first is untouched.
    let again = std::process::Command::new(ANDON)
        .args(["demo", "--headless", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

//! What a loop's pane shows, read off a real terminal (tmux): a check's output line by line
//! at the pane's left edge, the last output of a loop an earlier run supervised, and the
//! files the guards restored — also named in the review, the PR body and the 90_LOG page.

use crate::common;

use std::time::Duration;

use common::tmux::Tmux;
use common::*;

/// A check that prints three lines with bare line feeds, as any program on a pipe does.
const CHECK: &str = "sh tests/lines.sh && sh tests/test_price.sh";

fn fixing_repo(extra_script: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        "tests/lines.sh",
        "printf 'first line\\nsecond line\\nthird line\\n'\n",
    );
    repo.agent(
        "fixer",
        &format!(
            "cat > src/price.sh <<'EOF'\n{FIXED_PRICE}EOF\n{extra_script}echo 'agent: fixed the price'"
        ),
    );
    let text = std::fs::read_to_string(repo.path(&repo.plan("fix", "fixer", ""))).unwrap();
    repo.write(
        "plans/fix.md",
        &text.replace(
            "run = \"sh tests/test_price.sh\"",
            &format!("run = {CHECK:?}"),
        ),
    );
    repo.commit("plans");
    repo
}

/// The column each of these texts starts at on the screen, by its first occurrence.
fn columns(screen: &str, texts: &[&str]) -> Vec<Option<usize>> {
    texts
        .iter()
        .map(|t| {
            screen
                .lines()
                .find_map(|l| l.find(t).map(|byte| l[..byte].chars().count()))
        })
        .collect()
}

fn board_command(repo: &TestRepo, args: &str) -> String {
    format!(
        "cd {} && HOME={} ANDON_SIM_SPEED=0 {ANDON} {args}; echo \"ANDON\"\"-EXITED-$?\"",
        repo.root.display(),
        repo.home.display()
    )
}

#[test]
fn check_output_starts_each_line_at_the_left_edge_of_the_pane() {
    let repo = fixing_repo("");
    let tmux = Tmux::start_sized(
        &repo.home,
        &board_command(&repo, "run plans/fix.md"),
        100,
        30,
    );
    let screen = tmux.wait_for("check tests: passed", Duration::from_secs(60));
    let cols = columns(
        &screen,
        &[
            "first line",
            "second line",
            "third line",
            "check tests: passed",
            "agent: fixed the price",
        ],
    );
    // The single pane's text starts one cell in, right after its border.
    assert!(
        cols.iter().all(|c| *c == Some(1)),
        "each line starts at the pane's left edge: {cols:?}\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
}

#[test]
fn a_board_opened_after_a_headless_run_shows_each_loops_last_output() {
    // A line wider than the pane: rewrapped to the pane's width, it must not push the top of
    // the replayed output out of sight.
    let repo = fixing_repo(&format!(
        "echo 'agent: a long line {}end'\n",
        "x".repeat(55)
    ));
    let out = repo.andon(
        &["run", "--headless", "plans/fix.md"],
        Duration::from_secs(60),
    );
    expect_exit(&out, 0);
    let tmux = Tmux::start_sized(&repo.home, &board_command(&repo, ""), 70, 22);
    let screen = tmux.wait_for("check tests: passed", Duration::from_secs(30));
    for text in [
        "── fix iteration 1 (code) ──",
        "agent: a long line xxx",
        "agent: fixed the price",
        "$ sh tests/lines.sh",
        "second line",
    ] {
        assert!(screen.contains(text), "no {text:?} in the pane:\n{screen}");
    }
    assert!(
        screen
            .lines()
            .nth(1)
            .is_some_and(|row| row.contains("── fix iteration 1 (code) ──")),
        "the replayed output starts on the pane's first row:\n{screen}"
    );
    let cols = columns(&screen, &["second line", "check tests: passed"]);
    assert_eq!(cols, vec![Some(1), Some(1)], "{screen}");
    // Its agent has exited: Tab says so instead of attaching, and keys still reach the board.
    tmux.keys(&["Tab"]);
    tmux.wait_for("no agent is running to attach to", Duration::from_secs(10));
    tmux.keys(&["?"]);
    tmux.wait_for("andon keys", Duration::from_secs(10));
    tmux.keys(&["Escape"]);
    tmux.wait_for("? help", Duration::from_secs(10));
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
}

#[test]
fn a_restored_file_is_named_in_the_pane_the_review_the_pr_body_and_the_log() {
    // The fix is right, but the agent also edits the README, outside the plan's scope.
    let repo = fixing_repo("echo 'tidied' >> README.md\n");
    let out = repo.andon(
        &["run", "--headless", "plans/fix.md"],
        Duration::from_secs(60),
    );
    expect_exit(&out, 0);
    let lamps: Vec<String> = repo
        .lamp_states("fix")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert!(
        lamps.contains(&"yellow".to_string()),
        "the lamp went yellow for the restore: {lamps:?}"
    );
    assert_eq!(lamps.last().map(String::as_str), Some("blue"));
    let incidents = repo.store().incidents(Some("fix")).unwrap();
    assert!(
        incidents
            .iter()
            .any(|i| i.category == "guard_violation" && i.summary.contains("README.md")),
        "{incidents:?}"
    );

    // The board: the pane says what was undone, and so does the review.
    let tmux = Tmux::start_sized(&repo.home, &board_command(&repo, ""), 120, 36);
    let screen = tmux.wait_for("check tests: passed", Duration::from_secs(30));
    assert!(
        screen.contains("andon restored README.md (outside the plan's scope)"),
        "{screen}"
    );
    tmux.keys(&["a"]);
    let review = tmux.wait_for("Incidents", Duration::from_secs(15));
    assert!(
        review.contains("README.md"),
        "the review names the file:\n{review}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("Enter zoom", Duration::from_secs(10));
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));

    // The PR body and the 90_LOG page.
    let out = repo.andon(
        &["approve", "fix", "--pr", "--yes"],
        Duration::from_secs(60),
    );
    expect_exit(&out, 0);
    let pr = std::fs::read_to_string(repo.path(".andon/loops/fix/PR.md")).unwrap();
    assert!(
        pr.contains("README.md"),
        "the PR body names the file:\n{pr}"
    );
    let pages: Vec<_> = std::fs::read_dir(repo.path("wiki/90_LOG"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("-fix.md"))
        .collect();
    assert_eq!(pages.len(), 1);
    let page = std::fs::read_to_string(pages[0].path()).unwrap();
    assert!(
        page.contains("README.md"),
        "the 90_LOG page names the file:\n{page}"
    );
}

//! The whole workflow on a real project's layout, not a generated one-file fixture: the
//! `inflection` package from PyPI with its own pytest suite, a planted bug, a loop to
//! approval, a squash merge from the board, and the next loop started at once — no refusal,
//! one clean commit on main, the main worktree clean. Needs python3 with pytest (CI installs
//! it); without it the test fails saying so.

use crate::common;

use std::time::Duration;

use common::tmux::Tmux;
use common::*;

const LIMIT: Duration = Duration::from_secs(120);

/// What a git checkout of the project ignores (the sdist ships no .gitignore).
const GITIGNORE: &str = "__pycache__/\n*.pyc\n.pytest_cache/\n";

fn require_pytest() {
    let ok = std::process::Command::new("python3")
        .args(["-m", "pytest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "this test runs the project's own pytest suite: install it (`python3 -m pip install pytest`)"
    );
}

/// A plan whose check is the package's own tests of one function (`-k slug`).
fn plan(repo: &TestRepo, slug: &str, agent: &str, goal: &str) -> String {
    let rel = format!("plans/{slug}.md");
    repo.write(
        &rel,
        &format!(
            "+++\ngoal = \"{goal}\"\nagent = \"{agent}\"\nscope = [\"inflection/**\"]\nmax_iterations = 4\n[[checks]]\nname = \"pytest\"\nrun = \"python3 -m pytest -q test_inflection.py -k {slug}\"\ntimeout = \"2m\"\n+++\n# {goal}\n\nThe package's own tests show what is wrong.\n"
        ),
    );
    rel
}

#[test]
fn a_real_project_loop_merges_from_the_board_and_the_next_loop_starts_at_once() {
    require_pytest();
    let repo = TestRepo::from_fixture("inflection", GITIGNORE);
    // Two planted bugs: dasherize uses '+', titleize lowers what it should capitalise.
    repo.edit(
        "inflection/__init__.py",
        &[
            (
                "return word.replace('_', '-')",
                "return word.replace('_', '+')",
            ),
            (
                "lambda match: match.group(1).capitalize(),",
                "lambda match: match.group(1).lower(),",
            ),
        ],
    );
    repo.agent(
        "dash",
        "sed -i \"s/word.replace('_', '+')/word.replace('_', '-')/\" inflection/__init__.py",
    );
    repo.agent(
        "title",
        "sed -i 's/match.group(1).lower(),/match.group(1).capitalize(),/' inflection/__init__.py",
    );
    let dash = plan(
        &repo,
        "dasherize",
        "dash",
        "dasherize turns underscores into dashes",
    );
    let title = plan(
        &repo,
        "titleize",
        "title",
        "titleize capitalises every word",
    );
    repo.commit("two bugs and their plans");
    let start = git(&repo.root, &["rev-parse", "HEAD"]);

    let command = format!(
        "cd {} && HOME={} {ANDON} run {dash}; echo \"ANDON\"\"-EXITED-$?\"",
        repo.root.display(),
        repo.home.display()
    );
    let tmux = Tmux::start_sized(&repo.home, &command, 200, 50);
    tmux.wait_for("AWAITING APPROVAL", LIMIT);
    // pytest's own output, line by line at the pane's edge, and its verdict.
    let screen = tmux.wait_for("check pytest: passed", LIMIT);
    assert!(screen.contains("3 passed, 452 deselected"), "{screen}");

    // Review and squash-merge from the board.
    tmux.keys(&["a"]);
    tmux.wait_for("Incidents", Duration::from_secs(20));
    tmux.keys(&["m"]);
    tmux.wait_for("as one commit titled by", Duration::from_secs(10));
    tmux.keys(&["y"]);
    eventually(LIMIT, "the merge", || {
        let row = repo.store().get_loop("dasherize").ok()??;
        (row.state == "merged").then_some(())
    });

    // One clean commit on main, titled by the goal, with andon's record in it; nothing of
    // andon's left uncommitted.
    let log = git(
        &repo.root,
        &["log", "--format=%s", &format!("{}..HEAD", start.trim())],
    );
    assert_eq!(
        log.trim(),
        "dasherize turns underscores into dashes",
        "{log}"
    );
    assert_eq!(
        git(
            &repo.root,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        ""
    );
    let files = git(&repo.root, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.contains("inflection/__init__.py"), "{files}");
    assert!(files.contains("wiki/90_LOG/"), "{files}");
    assert!(!files.contains("__pycache__"), "{files}");

    // The next loop, at once, from another terminal: no refusal, the board takes it.
    let out = repo.andon(&["run", "--headless", &title], LIMIT);
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("loop `titleize` started"),
        "{}",
        stdout(&out)
    );
    eventually(LIMIT, "the second loop to pass", || {
        let row = repo.store().get_loop("titleize").ok()??;
        (row.state == "awaiting_approval").then_some(())
    });
    // It started from the merged main: the dasherize fix is in its base.
    let wt = repo.worktree("titleize");
    let source = std::fs::read_to_string(wt.join("inflection/__init__.py")).unwrap();
    assert!(source.contains("word.replace('_', '-')"));
    tmux.keys(&["q"]);
    tmux.wait_for("Quit", Duration::from_secs(10));
    tmux.keys(&["y"]);
    tmux.wait_for("ANDON-EXITED-", Duration::from_secs(30));
    assert_eq!(
        git(
            &repo.root,
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        ""
    );
}

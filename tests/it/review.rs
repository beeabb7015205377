//! Review before the PR, on real repositories: `andon approve` merges (one commit titled by
//! the goal, or a merge commit keeping the iterations), refuses conflicts, a dirty main
//! worktree, a stopped line, red checks and a loop that changed nothing — changing nothing —
//! writes PR.md, keeps an audit trail in order, and `andon cleanup` refuses to lose unsaved
//! work.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

const FIX: &str = r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh
printf 'discount() { echo 5; }\n' > src/discount.sh"###;

fn state(repo: &TestRepo, slug: &str) -> String {
    repo.store()
        .get_loop(slug)
        .unwrap()
        .map(|r| r.state)
        .unwrap_or_default()
}

/// A repo with loop `fix` run to `awaiting_approval` by a fixing agent (headless, exit 0).
fn awaiting() -> TestRepo {
    let repo = TestRepo::new();
    repo.agent("fixer", FIX);
    let plan = repo.plan("fix", "fixer", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 0);
    assert_eq!(state(&repo, "fix"), "awaiting_approval");
    repo
}

/// Everything a refused approval must leave as it was.
fn untouched(repo: &TestRepo) -> (String, String, String, String) {
    (
        git(&repo.root, &["rev-parse", "HEAD"]),
        git(&repo.root, &["rev-parse", "loop/fix"]),
        status(repo),
        state(repo, "fix"),
    )
}

/// The main worktree's status: andon leaves none of its own writes uncommitted either.
fn status(repo: &TestRepo) -> String {
    git(
        &repo.root,
        &["status", "--porcelain", "--untracked-files=all"],
    )
}

#[test]
fn approve_merge_makes_one_commit_titled_by_the_goal_with_the_loops_record() {
    let repo = awaiting();
    let before = git(&repo.root, &["rev-parse", "HEAD"]);
    let wt = repo.worktree("fix");
    let out = repo.andon(&["approve", "fix", "--merge", "--yes"], LIMIT);
    expect_exit(&out, 0);
    let said = stdout(&out);
    assert!(said.contains("squashed onto main as one commit"), "{said}");
    assert!(said.contains("removed"), "{said}");
    // One commit on main, titled by the goal; no red iteration commit for bisect to find.
    assert_eq!(git(&repo.root, &["rev-parse", "HEAD^"]), before);
    let message = git(&repo.root, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("Prices are never negative\n"),
        "{message}"
    );
    assert!(
        message.contains("andon loop fix (plans/fix.md): 1 iteration"),
        "{message}"
    );
    assert!(message.contains("- check tests: passed"), "{message}");
    assert!(!git(&repo.root, &["log", "--format=%s"]).contains("andon: iteration"));
    // The loop's 90_LOG page and log line are in that same commit.
    let files = git(&repo.root, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.contains("src/price.sh"), "{files}");
    assert!(
        files.contains("wiki/90_LOG/") && files.contains("-fix.md"),
        "{files}"
    );
    assert!(
        files.contains("wiki/log.md") && files.contains("wiki/index.md"),
        "{files}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path("src/price.sh")).unwrap(),
        FIXED_PRICE
    );
    assert_eq!(status(&repo), "", "nothing of andon's is left uncommitted");
    assert!(!wt.exists(), "worktree removed after the merge");
    // A squashed branch keeps its iterations: it is not deleted.
    assert_eq!(
        git(&repo.root, &["branch", "--list", "loop/fix"]).trim(),
        "loop/fix"
    );
    assert_eq!(state(&repo, "fix"), "merged");
    // The cleanup after a merge is part of the audited approval.
    assert_eq!(repo.audit_actions(), vec!["approve_merge"]);
}

#[test]
fn approve_history_keeps_the_iterations_in_a_merge_commit() {
    let repo = awaiting();
    repo.write("README.md", "# shop, moved on\n");
    repo.commit("meanwhile");
    let moved = git(&repo.root, &["rev-parse", "HEAD"]);
    let tip = git(&repo.root, &["rev-parse", "loop/fix"]);
    let out = repo.andon(&["approve", "fix", "--history", "--yes"], LIMIT);
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("merge commit"), "{}", stdout(&out));
    assert_eq!(
        git(&repo.root, &["rev-parse", "HEAD^1", "HEAD^2"]),
        format!("{}\n{}", moved.trim(), tip.trim())
    );
    let subject = git(&repo.root, &["log", "-1", "--format=%s"]);
    assert_eq!(subject.trim(), "Prices are never negative");
    assert_eq!(
        std::fs::read_to_string(repo.path("src/price.sh")).unwrap(),
        FIXED_PRICE
    );
    assert_eq!(status(&repo), "");
    // Merged with its history: the branch is in main and goes.
    assert_eq!(git(&repo.root, &["branch", "--list", "loop/fix"]), "");
    assert_eq!(repo.audit_actions(), vec!["approve_history"]);
}

#[test]
fn merge_history_in_andon_toml_makes_merge_keep_the_iterations() {
    let repo = awaiting();
    repo.config("[merge]\nhistory = true\n");
    repo.commit("config");
    let out = repo.andon(&["approve", "fix", "--merge", "--yes"], LIMIT);
    expect_exit(&out, 0);
    assert!(stdout(&out).contains("merge commit"), "{}", stdout(&out));
    assert_eq!(
        git(&repo.root, &["rev-list", "--parents", "-1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
}

#[test]
fn a_loop_that_changed_nothing_cannot_be_approved() {
    let repo = TestRepo::new();
    // The price is already right: the agent changes nothing and the check passes.
    repo.write("src/price.sh", FIXED_PRICE);
    repo.agent("idle", "echo 'nothing to do'");
    let plan = repo.plan("noop", "idle", "");
    repo.commit("fixed already");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 0);
    let before = git(&repo.root, &["rev-parse", "HEAD"]);
    for how in ["--merge", "--branch", "--pr"] {
        let out = repo.andon(&["approve", "noop", how, "--yes"], LIMIT);
        expect_exit(&out, 1);
        let err = stderr(&out);
        assert!(err.contains("loop noop changed nothing"), "{how}: {err}");
        assert!(err.contains("andon abort noop"), "{how}: {err}");
    }
    assert_eq!(git(&repo.root, &["rev-parse", "HEAD"]), before);
    assert!(repo.audit_actions().is_empty());
}

#[test]
fn a_conflicting_merge_is_refused_and_changes_nothing() {
    let repo = awaiting();
    repo.write("src/price.sh", "price() { echo 0; }\n");
    repo.commit("a conflicting fix on main");
    let before = untouched(&repo);
    let out = repo.andon(&["approve", "fix", "--merge", "--yes"], LIMIT);
    expect_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("conflict") && err.contains("src/price.sh"),
        "{err}"
    );
    assert!(err.contains("fix:"), "{err}");
    assert_eq!(untouched(&repo), before);
    assert!(repo.worktree("fix").exists());
    assert!(
        repo.audit_actions().is_empty(),
        "a refused approval is not recorded"
    );
}

#[test]
fn a_dirty_main_worktree_is_refused_and_changes_nothing() {
    let repo = awaiting();
    repo.write("README.md", "# my uncommitted notes\n");
    let before = untouched(&repo);
    let out = repo.andon(&["approve", "fix", "--squash", "--yes"], LIMIT);
    expect_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("uncommitted changes: README.md"), "{err}");
    assert_eq!(untouched(&repo), before);
    assert_eq!(
        std::fs::read_to_string(repo.path("README.md")).unwrap(),
        "# my uncommitted notes\n"
    );
}

#[test]
fn approval_without_a_terminal_needs_yes() {
    let repo = awaiting();
    let out = repo.andon(&["approve", "fix", "--merge"], LIMIT);
    expect_exit(&out, 2);
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert_eq!(state(&repo, "fix"), "awaiting_approval");
}

#[test]
fn approve_pr_writes_the_body_and_keeps_the_branch() {
    let repo = awaiting();
    let out = repo.andon(&["approve", "fix", "--pr", "--yes"], LIMIT);
    expect_exit(&out, 0);
    let pr = std::fs::read_to_string(repo.path(".andon/loops/fix/PR.md")).unwrap();
    for needle in [
        "# Fix negative prices",
        "## Goal\n\nPrices are never negative",
        "2 files +2 -1",
        "| M | `src/price.sh` | 1 | 1 |",
        "| A | `src/discount.sh` | 1 | 0 |",
        "- [x] tests — `sh tests/test_price.sh`",
        "| 1 | code | passed | 1/1 |",
        "branch `loop/fix`",
    ] {
        assert!(pr.contains(needle), "{needle:?} missing from\n{pr}");
    }
    assert!(!git(&repo.root, &["branch", "--list", "loop/fix"]).is_empty());
    assert_eq!(state(&repo, "fix"), "approved");
    assert_eq!(repo.audit_actions(), vec!["approve_pr"]);
}

#[test]
fn gates_through_the_supervisor_and_the_audit_trail_in_order() {
    let repo = TestRepo::new();
    // Never fixes the bug, slowly: the loop keeps running with red checks.
    repo.agent("slow", "sleep 2; echo '# tried' >> src/price.sh");
    // Breakers set high: this test is about the approval gates, not the Insanity Rule.
    let plan = repo.plan(
        "red",
        "slow",
        "max_iterations = 50\n[breakers]\nrepeat_fingerprint = 50\nconsecutive_failures = 50",
    );
    repo.commit("plan");
    let run = repo.spawn(&["run", "--headless", &plan]);
    eventually(LIMIT, "a failed iteration", || {
        andon::store::Store::open_read_only(&repo.path(".andon/andon.db"))
            .and_then(|s| s.iterations("red"))
            .ok()
            .filter(|its| its.iter().any(|i| i.status == "failed"))
    });
    // Red checks: refused without a reason.
    let out = repo.andon(&["approve", "red", "--branch", "--yes"], LIMIT);
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("approve anyway needs a typed reason"),
        "{}",
        stderr(&out)
    );
    // A stopped line: refused even with a reason.
    expect_exit(&repo.andon(&["stop", "--all"], LIMIT), 0);
    let out = repo.andon(
        &["approve", "red", "--branch", "--yes", "--reason", "x"],
        LIMIT,
    );
    expect_exit(&out, 1);
    assert!(stderr(&out).contains("stopped"), "{}", stderr(&out));
    expect_exit(&repo.andon(&["resume", "--all"], LIMIT), 0);
    // Approve anyway, with the reason recorded.
    let out = repo.andon(
        &[
            "approve",
            "red",
            "--branch",
            "--yes",
            "--reason",
            "the failing test is flaky upstream",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    let _ = wait_output(run, LIMIT);
    assert_eq!(state(&repo, "red"), "approved");

    let out = repo.andon(&["audit", "--json"], LIMIT);
    expect_exit(&out, 0);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["stop", "resume", "approve_branch"]);
    let last = &rows[2];
    assert_eq!(last["loop"], "red");
    assert_eq!(last["reason"], "the failing test is flaky upstream");
    assert!(last["actor"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(last["iteration"].as_u64().is_some_and(|n| n >= 1));
    assert_eq!(last["commit"].as_str().map(str::len), Some(40));
    let ats: Vec<i64> = rows.iter().map(|r| r["at"].as_i64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "{ats:?}");
    // The table form names the same actions.
    let table = stdout(&repo.andon(&["audit"], LIMIT));
    assert!(
        table.contains("approve_branch") && table.contains("flaky upstream"),
        "{table}"
    );
}

#[test]
fn cleanup_refuses_unsaved_work_unless_forced_with_a_reason() {
    let repo = awaiting();
    expect_exit(&repo.andon(&["approve", "fix", "--yes"], LIMIT), 0);
    let wt = repo.worktree("fix");
    std::fs::write(wt.join("src/notes.sh"), "# not in any snapshot\n").unwrap();
    let out = repo.andon(&["cleanup", "fix"], LIMIT);
    expect_exit(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("unsaved work") && err.contains("src/notes.sh"),
        "{err}"
    );
    assert!(err.contains("--force --reason"), "{err}");
    assert!(wt.join("src/notes.sh").exists());
    // A reason without --force, or --force without a reason, is bad input.
    expect_exit(&repo.andon(&["cleanup", "fix", "--force"], LIMIT), 2);
    expect_exit(&repo.andon(&["cleanup", "fix", "--reason", "x"], LIMIT), 2);
    let out = repo.andon(
        &[
            "cleanup",
            "fix",
            "--force",
            "--reason",
            "scratch notes, not needed",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    assert!(!wt.exists());
    assert!(
        !git(&repo.root, &["branch", "--list", "loop/fix"]).is_empty(),
        "branch kept"
    );
    // Only the cleanup that happened is in the audit trail, with its reason.
    assert_eq!(
        repo.audit_actions(),
        vec!["approve_branch", "cleanup_forced"]
    );
    // Again: nothing left to do, nothing recorded.
    let out = repo.andon(&["cleanup", "fix"], LIMIT);
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("nothing to clean up"),
        "{}",
        stdout(&out)
    );
    assert_eq!(repo.audit_actions().len(), 2);
}

#[test]
fn cleanup_never_deletes_an_unmerged_branch_without_force() {
    let repo = awaiting();
    expect_exit(
        &repo.andon(&["approve", "fix", "--branch", "--yes"], LIMIT),
        0,
    );
    let tip = git(&repo.root, &["rev-parse", "loop/fix"]);
    let out = repo.andon(&["cleanup", "fix", "--delete-branch"], LIMIT);
    expect_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("branch loop/fix has commits"), "{err}");
    assert_eq!(git(&repo.root, &["rev-parse", "loop/fix"]), tip);
    assert!(repo.worktree("fix").exists(), "nothing removed");
    assert_eq!(repo.audit_actions(), vec!["approve_branch"]);
    let out = repo.andon(
        &[
            "cleanup",
            "fix",
            "--delete-branch",
            "--force",
            "--reason",
            "superseded by #12",
        ],
        LIMIT,
    );
    expect_exit(&out, 0);
    assert_eq!(git(&repo.root, &["branch", "--list", "loop/fix"]), "");
    let audit = repo.store().audit().unwrap();
    assert_eq!(
        audit.last().and_then(|a| a.reason.clone()).as_deref(),
        Some("superseded by #12; deletes branch loop/fix")
    );
}

#[test]
fn approve_pr_with_gh_on_path_runs_gh_pr_create_with_the_body() {
    let repo = awaiting();
    let bin = repo.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = repo.home.join("gh-args");
    std::fs::write(
        bin.join("gh"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\necho https://example.invalid/pr/1\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        bin.join("gh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    // A remote to push the branch to before the PR is opened.
    let remote = repo.home.join("remote.git");
    git(
        &repo.home,
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    git(
        &repo.root,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = repo
        .command(&["approve", "fix", "--pr", "--yes", "--gh"])
        .env("PATH", path)
        .output()
        .unwrap();
    expect_exit(&out, 0);
    assert!(
        stdout(&out).contains("https://example.invalid/pr/1"),
        "{}",
        stdout(&out)
    );
    let args = std::fs::read_to_string(&log).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(
        &args[..5],
        ["pr", "create", "--head", "loop/fix", "--title"]
    );
    assert_eq!(args[5], "Fix negative prices");
    assert_eq!(args[6], "--body-file");
    assert!(args[7].ends_with(".andon/loops/fix/PR.md"), "{args:?}");
    // The branch was pushed first.
    assert_eq!(
        git(&remote, &["rev-parse", "loop/fix"]),
        git(&repo.root, &["rev-parse", "loop/fix"])
    );
}

#[test]
fn approval_is_refused_while_the_whole_line_is_stopped() {
    let repo = awaiting();
    let server = repo.serve();
    expect_exit(&repo.andon(&["stop", "--all"], LIMIT), 0);
    // The loop itself is resumed, but the line is still stopped: no approval anywhere.
    expect_exit(&repo.andon(&["resume", "fix"], LIMIT), 0);
    let out = repo.andon(&["approve", "fix", "--yes"], LIMIT);
    expect_exit(&out, 1);
    assert!(
        stderr(&out).contains("whole line is stopped"),
        "{}",
        stderr(&out)
    );
    assert!(repo
        .audit_actions()
        .iter()
        .all(|a| !a.starts_with("approve")));
    expect_exit(&repo.andon(&["resume", "--all"], LIMIT), 0);
    let out = repo.andon(&["approve", "fix", "--yes"], LIMIT);
    expect_exit(&out, 0);
    let _ = repo.end(server);
    assert_eq!(state(&repo, "fix"), "approved");
}

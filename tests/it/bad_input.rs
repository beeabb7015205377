//! Bad input is answered with exit 2 and a message naming the file, the line and the fix — and
//! leaves no worktree, branch or database row behind.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(30);

struct Case {
    name: &'static str,
    /// Prepare the repo; returns the plan path to run.
    setup: fn(&TestRepo) -> String,
    /// Every one of these must appear in stderr.
    expect: &'static [&'static str],
    /// The branch `loop/bad` existed before (so it must still exist, unchanged).
    branch_before: bool,
}

fn plan_text(front: &str) -> String {
    format!("+++\n{front}+++\n# Bad plan\n")
}

const GOOD_FRONT: &str = "goal = \"g\"\nagent = \"ok\"\n[[checks]]\nname = \"t\"\nrun = \"true\"\n";

fn with_plan(repo: &TestRepo, front: &str) -> String {
    repo.agent("ok", "true");
    repo.write("plans/bad.md", &plan_text(front));
    repo.commit("plan");
    "plans/bad.md".into()
}

#[test]
fn bad_inputs_exit_2_with_file_line_and_fix_and_leave_nothing_behind() {
    let cases = [
        Case {
            name: "malformed front matter",
            setup: |r| with_plan(r, "goal = \"g\nagent = \"ok\"\n"),
            expect: &["plans/bad.md:2", "fix:"],
            branch_before: false,
        },
        Case {
            name: "unknown key",
            setup: |r| with_plan(r, &format!("scop = [\"src/**\"]\n{GOOD_FRONT}")),
            expect: &["plans/bad.md:2", "scop", "scope", "fix:"],
            branch_before: false,
        },
        Case {
            name: "plan without checks",
            setup: |r| with_plan(r, "goal = \"g\"\nagent = \"ok\"\n"),
            expect: &["plans/bad.md:", "check", "fix:"],
            branch_before: false,
        },
        Case {
            name: "invalid glob",
            setup: |r| with_plan(r, &format!("scope = [\"src/[oops\"]\n{GOOD_FRONT}")),
            expect: &["plans/bad.md:2", "src/[oops", "fix:"],
            branch_before: false,
        },
        Case {
            name: "agent binary missing",
            setup: |r| {
                r.config("[agents.ghost]\ncommand = [\"definitely-not-an-installed-agent\"]\n");
                with_plan(
                    r,
                    &GOOD_FRONT.replace("agent = \"ok\"", "agent = \"ghost\""),
                )
            },
            expect: &[
                "plans/bad.md:3",
                "definitely-not-an-installed-agent",
                "not installed",
                "fix:",
            ],
            branch_before: false,
        },
        Case {
            name: "worktree path already there",
            setup: |r| {
                let p = with_plan(r, GOOD_FRONT);
                std::fs::create_dir_all(r.worktree("bad")).unwrap();
                std::fs::write(r.worktree("bad").join("keep.txt"), "mine").unwrap();
                p
            },
            expect: &["plans/bad.md", "already exists", "fix:"],
            branch_before: false,
        },
        Case {
            name: "branch already there",
            setup: |r| {
                let p = with_plan(r, GOOD_FRONT);
                git(&r.root, &["branch", "loop/bad"]);
                p
            },
            expect: &["plans/bad.md", "loop/bad", "already exists", "fix:"],
            branch_before: true,
        },
        Case {
            name: "dirty base",
            setup: |r| {
                let p = with_plan(r, GOOD_FRONT);
                r.write("src/price.sh", "changed but not committed\n");
                p
            },
            expect: &["uncommitted", "src/price.sh", "fix:"],
            branch_before: false,
        },
        Case {
            name: "unknown skill",
            setup: |r| with_plan(r, &format!("skill = \"tddd\"\n{GOOD_FRONT}")),
            expect: &["plans/bad.md:2", "unknown skill `tddd`", "tdd", "fix:"],
            branch_before: false,
        },
        Case {
            name: "interactive mode for an agent without a TUI",
            setup: |r| {
                r.config("[agents.aider]\nmode = \"interactive\"\n");
                with_plan(r, GOOD_FRONT)
            },
            expect: &[
                "andon.toml:",
                "`aider` has no built-in interactive command",
                "fix:",
            ],
            branch_before: false,
        },
        Case {
            name: "a cost budget for an agent that reports no cost",
            setup: |r| {
                with_plan(
                    r,
                    &format!(
                        "cost_budget = 2.5\n{}",
                        GOOD_FRONT.replace("\"ok\"", "\"sim\"")
                    ),
                )
            },
            expect: &[
                "plans/bad.md:2",
                "`cost_budget` can never be reached",
                "agent `sim`",
                "fix:",
            ],
            branch_before: false,
        },
        Case {
            name: "unknown reviewer",
            setup: |r| with_plan(r, &format!("reviewer = \"codx\"\n{GOOD_FRONT}")),
            expect: &["plans/bad.md:2", "unknown reviewer profile `codx`", "fix:"],
            branch_before: false,
        },
        Case {
            name: "a plan that is binary",
            setup: |r| {
                r.agent("ok", "true");
                r.write("plans/bad.md", "+++\ngoal = \"g\0\u{1}\"\n+++\n");
                r.commit("plan");
                "plans/bad.md".into()
            },
            expect: &["plans/bad.md", "fix:"],
            branch_before: false,
        },
        Case {
            name: "a plan that is not UTF-8",
            setup: |r| {
                r.agent("ok", "true");
                std::fs::create_dir_all(r.path("plans")).unwrap();
                std::fs::write(r.path("plans/bad.md"), b"+++\ngoal = \"caf\xe9\"\n+++\n").unwrap();
                r.commit("plan");
                "plans/bad.md".into()
            },
            expect: &["plans/bad.md", "not UTF-8", "fix:"],
            branch_before: false,
        },
        Case {
            name: "a truncated plan",
            setup: |r| {
                r.agent("ok", "true");
                r.write(
                    "plans/bad.md",
                    "+++\ngoal = \"g\"\n[[checks]]\nname = \"t\"\nrun = \"tr",
                );
                r.commit("plan");
                "plans/bad.md".into()
            },
            expect: &["plans/bad.md:", "fix:"],
            branch_before: false,
        },
        Case {
            name: "a huge plan",
            setup: |r| {
                r.agent("ok", "true");
                let body = "x".repeat(80) + "\n";
                r.write(
                    "plans/bad.md",
                    &format!("+++\n{GOOD_FRONT}+++\n{}", body.repeat(200_000)),
                );
                r.commit("plan");
                "plans/bad.md".into()
            },
            expect: &["plans/bad.md", "fix:"],
            branch_before: false,
        },
        Case {
            name: "a plan file name with control characters",
            setup: |r| {
                r.agent("ok", "true");
                let name = "plans/evil\u{1b}]0;pwned\u{7}.md";
                r.write(name, &plan_text(GOOD_FRONT));
                r.commit("plan");
                name.into()
            },
            expect: &["rename the file", "fix:"],
            branch_before: false,
        },
        Case {
            name: "missing plan file",
            setup: |r| {
                r.agent("ok", "true");
                r.commit("agent");
                "plans/nope.md".into()
            },
            expect: &["plans/nope.md", "cannot read", "fix:"],
            branch_before: false,
        },
    ];
    for case in cases {
        let repo = TestRepo::new();
        let plan = (case.setup)(&repo);
        let worktree_before = repo.worktree("bad").exists();
        let out = repo.andon(&["run", "--headless", &plan], LIMIT);
        let err = stderr(&out);
        // Whatever the input held, the message is safe to print: no escape or control bytes.
        assert!(
            !out.stderr
                .iter()
                .any(|b| matches!(b, 0x1b | 0x07 | 0x00 | 0x9b)),
            "{}: control bytes in stderr: {err:?}",
            case.name
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: exit code; stderr:\n{err}",
            case.name
        );
        for e in case.expect {
            assert!(err.contains(e), "{}: stderr lacks {e:?}:\n{err}", case.name);
        }
        let branches = git(&repo.root, &["branch", "--list", "loop/*"]);
        assert_eq!(
            !branches.trim().is_empty(),
            case.branch_before,
            "{}: branches {branches:?}",
            case.name
        );
        if !worktree_before {
            assert!(
                !repo.worktree("bad").exists(),
                "{}: worktree left behind",
                case.name
            );
        } else {
            assert_eq!(
                std::fs::read_to_string(repo.worktree("bad").join("keep.txt")).unwrap(),
                "mine",
                "{}: user's dir touched",
                case.name
            );
        }
        let worktrees = git(&repo.root, &["worktree", "list"]);
        assert_eq!(worktrees.lines().count(), 1, "{}: {worktrees}", case.name);
        let db = repo.root.join(".andon/andon.db");
        if db.exists() {
            assert!(
                repo.store().loops().unwrap().is_empty(),
                "{}: a loop row was left",
                case.name
            );
        }
    }
}

#[test]
fn not_a_git_repository() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.md"), plan_text(GOOD_FRONT)).unwrap();
    let child = std::process::Command::new(ANDON)
        .args(["run", "--headless", "plan.md"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(child, LIMIT);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("not") && err.contains("git repository") && err.contains("fix:"),
        "{err}"
    );
    assert!(!dir.path().join(".andon").exists());
}

#[test]
fn control_commands_without_a_supervisor_say_so_and_change_nothing() {
    let repo = TestRepo::new();
    for args in [
        vec!["stop", "x"],
        vec!["resume", "x"],
        vec!["redirect", "x", "--message", "m"],
        vec!["meta-andon", "x"],
        vec!["stop", "--all"],
    ] {
        let out = repo.andon(&args, LIMIT);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("no andon supervisor is running"),
            "{args:?}: {err}"
        );
        // The hint is the exact command that hosts the loops.
        assert!(
            err.contains("`andon run --headless --serve`"),
            "{args:?}: {err}"
        );
    }
    // Abort and rollback need no supervisor; a loop that does not exist is still refused.
    for args in [vec!["abort", "x"], vec!["rollback", "x"]] {
        let out = repo.andon(&args, LIMIT);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("no loop named `x`"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!repo.root.join(".andon/andon.db").exists());
}

#[test]
fn the_plan_template_is_a_valid_plan() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/TEMPLATE.md");
    let text = std::fs::read_to_string(&path).unwrap();
    // Copied to a lowercase name, as a user would (TEMPLATE itself is not a valid loop name).
    let plan =
        andon_core::plan::parse_plan(std::path::Path::new("plans/my-plan.md"), &text).unwrap();
    assert_eq!(
        plan.checks.len(),
        3,
        "two [[checks]] and one [Testing] line"
    );
    assert_eq!(plan.skill.as_deref(), Some("tdd"));
}

#[test]
fn the_board_checks_its_theme_and_terminal_before_any_loop_starts() {
    let repo = TestRepo::new();
    with_plan(&repo, GOOD_FRONT);
    let out = repo.andon(&["run", "--theme", "no-such-theme", "plans/bad.md"], LIMIT);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-theme"), "{}", stderr(&out));
    // Without a terminal the board refuses, pointing at --headless.
    let out = repo.andon(&["run", "plans/bad.md"], LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--headless"), "{}", stderr(&out));
    assert!(
        git(&repo.root, &["branch", "--list", "loop/*"])
            .trim()
            .is_empty(),
        "no loop was created"
    );
}

#[test]
fn status_piped_into_a_closed_reader_ends_quietly() {
    let repo = TestRepo::new();
    repo.agent("ok", "true");
    let plan = repo.plan("quiet", "ok", "");
    repo.commit("plan");
    expect_exit(&repo.andon(&["run", "--headless", &plan], LIMIT), 3);
    // `andon status | head -0`: the reader is gone before andon writes; it must not panic.
    for args in [vec!["status"], vec!["log", "quiet"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = repo
            .command(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

//! `andon init` on a fresh repo, on a repo with its own files, and twice.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(30);

fn snapshot(repo: &TestRepo) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["andon.toml", "plans", "skills", "wiki", ".git/info/exclude"] {
        let p = repo.root.join(dir);
        if p.is_file() {
            out.push((dir.to_string(), std::fs::read(&p).unwrap()));
        } else if p.is_dir() {
            let mut stack = vec![p];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    if e.path().is_dir() {
                        stack.push(e.path());
                    } else {
                        out.push((
                            e.path()
                                .strip_prefix(&repo.root)
                                .unwrap()
                                .display()
                                .to_string(),
                            std::fs::read(e.path()).unwrap(),
                        ));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn init_scaffolds_a_repo_and_a_second_run_changes_nothing() {
    let repo = TestRepo::new();
    let out = repo.andon(&["init"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in [
        "andon.toml",
        "plans/TEMPLATE.md",
        "skills/tdd.md",
        "skills/diagnose.md",
        "skills/andon.md",
        "skills/improve-architecture.md",
        "wiki/00_SCHEMA.md",
        "wiki/index.md",
        "wiki/log.md",
    ] {
        assert!(repo.path(f).is_file(), "{f} missing");
    }
    for d in ["wiki/10_DOMAIN", "wiki/20_SYSTEM", "wiki/90_LOG"] {
        assert!(repo.path(d).is_dir(), "{d} missing");
    }
    let exclude = std::fs::read_to_string(repo.path(".git/info/exclude")).unwrap();
    assert!(exclude.lines().any(|l| l.trim() == ".andon/"), "{exclude}");
    // The commented andon.toml is a valid config.
    andon::config::Config::load(&repo.root, None).unwrap();

    let before = snapshot(&repo);
    let again = repo.andon(&["init"], LIMIT);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).contains("nothing to do"),
        "{}",
        stdout(&again)
    );
    assert_eq!(snapshot(&repo), before, "a second init changed files");
}

#[test]
fn init_never_overwrites_the_users_files() {
    let repo = TestRepo::new();
    repo.write("skills/tdd.md", "our own way of doing tdd\n");
    repo.write("andon.toml", "[ui]\ntheme = \"light\"\n");
    let out = repo.andon(&["init"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(repo.path("skills/tdd.md")).unwrap(),
        "our own way of doing tdd\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path("andon.toml")).unwrap(),
        "[ui]\ntheme = \"light\"\n"
    );
    let text = stdout(&out);
    assert!(text.contains("skipped skills/tdd.md"), "{text}");
    assert!(text.contains("skipped andon.toml"), "{text}");
    assert!(text.contains("wrote   skills/diagnose.md"), "{text}");
}

#[test]
fn init_outside_a_git_repository_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(ANDON)
        .arg("init")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fix:"));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn init_works_in_a_repository_with_no_commit_yet() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    let out = std::process::Command::new(ANDON)
        .arg("init")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("plans/TEMPLATE.md").is_file());
    let exclude = std::fs::read_to_string(dir.path().join(".git/info/exclude")).unwrap();
    assert!(exclude.lines().any(|l| l.trim() == ".andon/"));
}

//! Secrets stay home: a token in andon's own environment never reaches an agent or a check,
//! and its value appears nowhere andon writes — logs, prompts, the store.

mod common;

use common::*;

const SECRET: &str = "s3cr3t-value-8c1d5e0f";

/// Every byte under `dir`, searched for `needle` (files only; symlinks not followed).
fn files_containing(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn a_secret_in_andons_environment_reaches_no_agent_no_log_and_no_store() {
    let repo = TestRepo::new();
    // The agent and the check both dump their whole environment where andon keeps output.
    repo.agent(
        "snoop",
        "env; env > src/env.txt; echo '# tried' >> src/price.sh",
    );
    let plan = repo.plan("snoop", "snoop", "");
    repo.edit(
        &plan,
        &[(
            "run = \"sh tests/test_price.sh\"",
            "run = \"env; sh tests/test_price.sh\"",
        )],
    );
    repo.commit("plan");
    let out = repo
        .command(&["run", "--headless", &plan])
        .env("GITHUB_TOKEN", SECRET)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("MY_SERVICE_PASSWORD", SECRET)
        .env("ANDON_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "andon ran");
    let worktree = repo.worktree("snoop");
    let dumped = std::fs::read_to_string(worktree.join("src/env.txt")).unwrap();
    assert!(
        dumped.contains("ANDON_LOOP=snoop"),
        "the agent's env was dumped: {dumped}"
    );
    for name in [
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "MY_SERVICE_PASSWORD",
    ] {
        assert!(!dumped.contains(name), "{name} reached the agent");
    }
    // Nowhere andon writes: .andon (store, logs, prompts, agent and check logs), the worktree,
    // the wiki — nor andon's own output.
    let leaks: Vec<String> = [repo.root.clone(), worktree]
        .iter()
        .flat_map(|d| files_containing(d, SECRET.as_bytes()))
        .collect();
    assert!(leaks.is_empty(), "the secret leaked into {leaks:?}");
    assert!(!stdout(&out).contains(SECRET) && !stderr(&out).contains(SECRET));
    // The store was really searched: it exists and holds the run.
    assert!(repo.path(".andon/andon.db").is_file());
    assert!(!repo.store().iterations("snoop").unwrap().is_empty());
}

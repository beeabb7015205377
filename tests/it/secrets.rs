//! Secrets stay home: a token in andon's own environment never reaches an agent or a check,
//! and its value appears nowhere andon writes — logs, prompts, the store.

use crate::common;

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
        .env("MY_APIKEY", SECRET)
        .env("DATABASE_URL", format!("postgres://app:{SECRET}@db/shop"))
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
        "MY_APIKEY",
        "DATABASE_URL",
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

#[test]
fn a_secret_typed_into_a_note_is_redacted_everywhere_andon_writes_it() {
    let repo = TestRepo::new();
    let fix = r###"printf 'price() { r=$(( $1 - $2 )); [ "$r" -lt 0 ] && r=0; echo "$r"; }\n' > src/price.sh"###;
    repo.agent(
        "learner",
        &format!("if grep -q 'clamp at zero' \"$1\"; then {fix}; else echo '# again' >> src/price.sh; fi"),
    );
    let plan = repo.plan("learner", "learner", "");
    repo.commit("plan");
    let limit = std::time::Duration::from_secs(90);
    let out = repo.andon(&["run", "--headless", &plan], limit);
    expect_exit(&out, 3);

    let server = repo
        .command(&["run", "--headless", "--serve"])
        .env("GITHUB_TOKEN", SECRET)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("andon serves");
    let socket = repo.root.join(".andon/control.sock");
    eventually(limit, "the control socket", || {
        socket.exists().then_some(())
    });
    let note = format!("clamp at zero; the API token is {SECRET}, db postgres://app:hunter2@db/x");
    let out = repo.andon(&["redirect", "learner", "-m", &note], limit);
    expect_exit(&out, 0);
    eventually(limit, "the redirected loop to pass", || {
        let row = repo.store().get_loop("learner").ok()??;
        (row.state == "awaiting_approval").then_some(())
    });
    let out = repo.andon(&["approve", "learner", "--pr", "--yes"], limit);
    expect_exit(&out, 0);
    let status = repo.andon(&["status", "--json"], limit);
    repo.end(server);

    let json = stdout(&status);
    assert!(json.contains("[redacted $GITHUB_TOKEN]"), "{json}");
    let pr = std::fs::read_to_string(repo.root.join(".andon/loops/learner/PR.md")).unwrap();
    // (Escaped as Markdown: the note is text a human typed.)
    assert!(pr.contains("redacted $GITHUB_TOKEN"), "{pr}");
    let leaks: Vec<String> = [repo.root.clone(), repo.worktree("learner")]
        .iter()
        .flat_map(|d| {
            let mut found = files_containing(d, SECRET.as_bytes());
            found.extend(files_containing(d, b"hunter2"));
            found
        })
        .collect();
    assert!(leaks.is_empty(), "the secret leaked into {leaks:?}");
    assert!(
        !json.contains(SECRET) && !json.contains("hunter2"),
        "{json}"
    );
}

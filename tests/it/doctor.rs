//! `andon doctor` against real programs on PATH: an installed agent CLI with its version, a
//! missing default agent as a problem with the install command, the JSON form.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn doctor_reports_installed_and_missing_agents_with_fixes() {
    let repo = TestRepo::new();
    let bin = repo.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    std::fs::write(&claude, "#!/bin/sh\necho '2.1.0 (Claude Code)'\n").unwrap();
    std::fs::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    // Only the fake claude, git and the shell: the other agents are surely missing.
    let system = "/usr/local/bin:/usr/bin:/bin";
    let path = format!("{}:{system}", bin.display());
    let out = repo
        .command(&["doctor"])
        .env("PATH", &path)
        .env("TERM", "xterm-256color")
        .output()
        .unwrap();
    let text = stdout(&out);
    expect_exit(&out, 0);
    assert!(
        text.contains("✓ agent claude     2.1.0 (Claude Code)"),
        "{text}"
    );
    assert!(
        text.contains("· agent codex      `codex` not found on PATH"),
        "{text}"
    );
    assert!(
        text.contains("fix: install it: npm install -g @openai/codex"),
        "{text}"
    );
    assert!(text.contains("✓ git              git version"), "{text}");
    assert!(text.contains("✓ libgit2"), "{text}");

    // The default agent missing is a problem, with the command that installs it.
    std::fs::remove_file(&claude).unwrap();
    let out = repo
        .command(&["doctor", "--json"])
        .env("PATH", &path)
        .output()
        .unwrap();
    expect_exit(&out, 1);
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let claude = findings
        .iter()
        .find(|f| f["subject"] == "agent claude")
        .unwrap();
    assert_eq!(claude["level"], "problem");
    assert_eq!(
        claude["fix"],
        "install it: npm install -g @anthropic-ai/claude-code"
    );
}

#[test]
fn doctor_names_a_broken_config_line() {
    let repo = TestRepo::new();
    repo.config("[breakers]\nconsecutive_failure = 3\n");
    let out = repo.andon(&["doctor"], LIMIT);
    expect_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("✗ config") && text.contains("andon.toml"),
        "{text}"
    );
}

#[test]
fn doctor_runs_no_program_the_repository_names() {
    let repo = TestRepo::new();
    let ran = repo.home.join("ran");
    // A repository profile named like a built-in, pointing at its own script, and one of its own.
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\necho 9.9.9\n",
        ran.display()
    );
    for name in ["tools/claude", "tools/helper"] {
        repo.write(name, &script);
        let path = repo.root.join(name);
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    repo.config(
        "[agents.claude]\ncommand = [\"tools/claude\", \"{prompt}\"]\n\n\
         [agents.helper]\ncommand = [\"tools/helper\", \"{prompt}\"]\n",
    );
    repo.commit("profiles");
    let out = repo
        .command(&["doctor"])
        .env("TERM", "xterm-256color")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(!ran.exists(), "doctor ran a repository's program:\n{text}");
    assert!(
        text.contains("doctor runs only the built-in agent CLIs"),
        "{text}"
    );
}

//! The built-in profiles' exact command lines, checked against real child processes: a fake
//! `claude`, `codex`, `aider`, `gemini` and `opencode` on PATH records the argv andon hands
//! it, then fixes the price like an agent would.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// A fake agent CLI: records the first line of each argument, then copies the fix into
/// place. (Its stdin is the PTY, which never ends: a one-shot agent must not wait on it.)
fn fake_cli(bin: &Path, name: &str) {
    // Aider also leaves its history and tag cache in the working directory.
    let own_files = if name == "aider" {
        "touch .aider.chat.history.md .aider.input.history\nmkdir -p .aider.tags.cache.v4 && touch .aider.tags.cache.v4/cache.db\n"
    } else {
        ""
    };
    let script = format!(
        "#!/bin/sh\noutbox=\"$(dirname \"$ANDON_FIX_PLAN\")\"\nout=\"$outbox/{name}.record\"\n: > \"$out\"\nfor a in \"$@\"; do printf 'ARG %s\\n' \"$a\" | head -n 1 >> \"$out\"; done\necho \"ENV GEMINI_CLI_TRUST_WORKSPACE=$GEMINI_CLI_TRUST_WORKSPACE\" > \"$outbox/{name}.env\"\n{own_files}cp fixes/price.sh src/price.sh\necho done\n"
    );
    let path = bin.join(name);
    std::fs::write(&path, script).unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
}

#[test]
fn every_builtin_profile_passes_the_prompt_the_way_its_cli_expects() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    let bin = repo.home.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let agents = ["claude", "codex", "aider", "gemini", "opencode"];
    for name in agents {
        fake_cli(&bin, name);
        repo.plan(&format!("with-{name}"), name, "");
    }
    repo.commit("plans");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for name in agents {
        let slug = format!("with-{name}");
        let mut command = repo.command(&["run", "--headless", &format!("plans/{slug}.md")]);
        command.env("PATH", &path);
        let out = run_to_end(command, LIMIT);
        expect_exit(&out, 0);
        let record = std::fs::read_to_string(
            repo.root
                .join(format!(".andon/loops/{slug}/agent/{name}.record")),
        )
        .unwrap();
        let prompt_file = repo
            .root
            .join(format!(".andon/loops/{slug}/iter-1/prompt.md"));
        let prompt = std::fs::read_to_string(&prompt_file).unwrap();
        let first_line = prompt.lines().next().unwrap().to_string();
        let args: Vec<&str> = record
            .lines()
            .map(|l| l.strip_prefix("ARG ").unwrap_or(l))
            .collect();
        // The record keeps each argument's first line: the prompt's is its heading.
        let expected: Vec<String> = match name {
            "claude" => vec![
                "-p".to_string(),
                "--output-format".into(),
                "json".into(),
                "--dangerously-skip-permissions".into(),
                "--".into(),
                first_line.clone(),
            ],
            "codex" => vec![
                "exec".to_string(),
                "--dangerously-bypass-approvals-and-sandbox".into(),
                first_line.clone(),
            ],
            "aider" => vec![
                "--yes-always".to_string(),
                "--no-auto-commits".into(),
                "--no-gitignore".into(),
                "--message-file".into(),
                prompt_file.to_string_lossy().to_string(),
            ],
            "gemini" => vec!["--yolo".to_string(), "-p".into(), first_line.clone()],
            "opencode" => vec!["run".to_string(), "--auto".into(), first_line.clone()],
            _ => unreachable!(),
        };
        assert_eq!(args, expected, "{name}: {record}");
        // Gemini CLI trusts the loop's worktree, or it refuses to run headless there.
        let env = std::fs::read_to_string(
            repo.root
                .join(format!(".andon/loops/{slug}/agent/{name}.env")),
        )
        .unwrap();
        let trusted = env.trim() == "ENV GEMINI_CLI_TRUST_WORKSPACE=true";
        assert_eq!(trusted, name == "gemini", "{name}: {env}");
        // An agent's own files are not the work: not in the status, not in the snapshot.
        let status = git(&repo.worktree(&slug), &["status", "--porcelain"]);
        assert_eq!(status.trim(), "", "{name}: {status}");
        let files = git(
            &repo.root,
            &["ls-tree", "-r", "--name-only", &format!("loop/{slug}")],
        );
        assert!(!files.contains(".aider"), "{name}: {files}");
        let row = repo.store().get_loop(&slug).unwrap().unwrap();
        assert_eq!(
            (row.state.as_str(), row.iteration),
            ("awaiting_approval", 1),
            "{name}"
        );
    }
}

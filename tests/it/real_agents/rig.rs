//! The rig of the real-agent tests: where the CLIs are, a test repository with a mock model
//! server, and the environment and config files that point `claude` and `codex` at the mock
//! with every first-run question answered and every retry off.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use andon_core::usage::Usage;

use super::mock_llm::{MockLlm, Script};
use crate::common::{run_to_end, TestRepo};

/// The dummy credentials; Claude Code remembers a custom key by its last 20 characters.
pub const ANTHROPIC_KEY: &str = "sk-ant-mock-0123456789abcdefghijklmn";
pub const OPENAI_KEY: &str = "sk-mock-openai-0123456789";

/// The folder holding `claude` and `codex`: `$ANDON_AGENT_CLIS`, else
/// `target/agent-clis/node_modules/.bin` (where `tests/agents/install.sh` puts them).
/// `None` (the test skips, loudly) when they are missing, unless `ANDON_REQUIRE_AGENT_CLIS=1`.
pub fn agent_clis() -> Option<PathBuf> {
    let dir = std::env::var_os("ANDON_AGENT_CLIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/agent-clis/node_modules/.bin")
        });
    let missing: Vec<&str> = ["claude", "codex"]
        .into_iter()
        .filter(|cli| !dir.join(cli).is_file())
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    let note = format!(
        "{} not in {} (run `bash tests/agents/install.sh target/agent-clis` or set ANDON_AGENT_CLIS)",
        missing.join(" and "),
        dir.display()
    );
    if std::env::var("ANDON_REQUIRE_AGENT_CLIS").is_ok_and(|v| v == "1") {
        panic!("ANDON_REQUIRE_AGENT_CLIS=1 but {note}");
    }
    eprintln!("\n*** real-agent test SKIPPED: {note} ***\n");
    None
}

/// A test repository, the mock its agents talk to, and their config folders.
pub struct Rig {
    pub repo: TestRepo,
    pub mock: MockLlm,
    clis: PathBuf,
    pub claude_config: PathBuf,
    pub codex_home: PathBuf,
}

impl Rig {
    /// `script` gets the worktree the loop `slug` will run in (for absolute paths).
    pub fn new(clis: &Path, script: impl FnOnce(&Path) -> Script, slug: &str) -> Rig {
        let repo = TestRepo::new();
        let mock = MockLlm::start(script(&repo.worktree(slug)));
        let tmp = repo.root.parent().expect("temp dir").to_path_buf();
        let claude_config = tmp.join("claude-config");
        let codex_home = tmp.join("codex-home");
        std::fs::create_dir_all(&claude_config).unwrap();
        std::fs::create_dir_all(&codex_home).unwrap();
        let rig = Rig {
            repo,
            mock,
            clis: clis.to_path_buf(),
            claude_config,
            codex_home,
        };
        std::fs::write(
            rig.codex_home.join("config.toml"),
            codex_config(&rig.mock.base_url(), &[]),
        )
        .unwrap();
        rig
    }

    /// The agents' environment, as andon's own (its filter passes each of these on).
    pub fn env(&self) -> Vec<(String, String)> {
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let pairs = [
            ("PATH", format!("{}:{path}", self.clis.display())),
            ("LANG", "C.UTF-8".into()),
            ("ANTHROPIC_BASE_URL", self.mock.base_url()),
            ("ANTHROPIC_API_KEY", ANTHROPIC_KEY.into()),
            // Root may skip permissions only in a sandbox.
            ("IS_SANDBOX", "1".into()),
            (
                "CLAUDE_CONFIG_DIR",
                self.claude_config.display().to_string(),
            ),
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
            ("DISABLE_AUTOUPDATER", "1".into()),
            // Else a 500 is retried ten times with backoff: minutes.
            ("CLAUDE_CODE_MAX_RETRIES", "0".into()),
            ("CODEX_HOME", self.codex_home.display().to_string()),
            ("OPENAI_API_KEY", OPENAI_KEY.into()),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// `andon ARGS` with the agents' environment, and nothing of the host's agent settings.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = self.repo.command(args);
        for (k, _) in std::env::vars() {
            let k_up = k.to_ascii_uppercase();
            if ["ANTHROPIC_", "CLAUDE", "OPENAI_", "CODEX_"]
                .iter()
                .any(|p| k_up.starts_with(p))
            {
                c.env_remove(&k);
            }
        }
        c.envs(self.env());
        c
    }

    /// Runs andon to completion (panics after `limit`).
    pub fn andon(&self, args: &[&str], limit: Duration) -> Output {
        run_to_end(self.command(args), limit)
    }

    /// Answers Claude Code's first-run screens for an interactive session in `project`.
    pub fn seed_claude_tui(&self, project: &Path) {
        seed_claude_config(&self.claude_config, project);
    }
}

/// `$CLAUDE_CONFIG_DIR/.claude.json` pre-answering every first-run screen of the TUI for
/// `project` (an absolute path; it need not exist yet).
pub fn seed_claude_config(dir: &Path, project: &Path) {
    let v = serde_json::json!({
        // Else: the onboarding wizard, which first checks it can reach api.anthropic.com.
        "hasCompletedOnboarding": true,
        // Else: "WARNING: Claude Code running in Bypass Permissions mode".
        "bypassPermissionsModeAccepted": true,
        // Else: "Detected a custom API key in your environment".
        "customApiKeyResponses": {
            "approved": [&ANTHROPIC_KEY[ANTHROPIC_KEY.len() - 20..]],
            "rejected": []
        },
        // Else: "Accessing workspace … trust this folder?" (a parent folder does not count).
        "projects": { project.to_string_lossy(): { "hasTrustDialogAccepted": true } }
    });
    std::fs::write(dir.join(".claude.json"), v.to_string()).unwrap();
}

/// Codex's `config.toml`: the mock as its model provider, no retries, no update check, no
/// analytics, and for the TUI no daemon, no model-migration notice, `trusted` projects.
pub fn codex_config(base_url: &str, trusted: &[&Path]) -> String {
    let mut text = format!(
        "model = \"gpt-5.5\"\nmodel_provider = \"mock\"\ncheck_for_update_on_startup = false\n\n\
         [model_providers.mock]\nname = \"mock\"\nbase_url = \"{base_url}/v1\"\nwire_api = \"responses\"\n\
         env_key = \"OPENAI_API_KEY\"\nrequest_max_retries = 0\nstream_max_retries = 0\n\n\
         [analytics]\nenabled = false\n\n[features]\ndaemon_auto_start = false\n\n\
         [notice.model_migrations]\n\"gpt-5.5\" = \"gpt-6-sol\"\n"
    );
    for p in trusted {
        text.push_str(&format!(
            "\n[projects.\"{}\"]\ntrust_level = \"trusted\"\n",
            p.display()
        ));
    }
    text
}

/// What the loop's agents reported using, as `andon status --json` shows it.
pub fn spent(repo: &TestRepo, slug: &str) -> Usage {
    // What a user sees: `andon status --json` reports what the agent said it used.
    let out = repo.andon(&["status", "--json"], std::time::Duration::from_secs(30));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status is JSON");
    let entry = json
        .as_array()
        .and_then(|loops| loops.iter().find(|l| l["loop"] == slug))
        .expect("the loop is listed");
    serde_json::from_value(entry["spent"].clone()).expect("the loop reports its usage")
}

/// Every file under `dir` with its size and modification time: what a run wrote there.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.push((entry.path(), meta.len(), meta.modified().unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The loop ran in andon's default sandbox: its CLI kept its state in a launch's copy
/// (`state/agent-<n>/<cli>` in the loop's folder, made only for a sandboxed agent), not in
/// the user's folder, whose files are as they were (`before`).
pub fn ran_sandboxed(
    repo: &TestRepo,
    slug: &str,
    cli: &str,
    user_state: &Path,
    before: &[(PathBuf, u64, std::time::SystemTime)],
) {
    let states = repo.root.join(format!(".andon/loops/{slug}/state"));
    let copies: Vec<PathBuf> = std::fs::read_dir(&states)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join(cli))
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(
        copies.len(),
        1,
        "no launch's copy of {cli}'s state in {}",
        states.display()
    );
    assert_eq!(
        files_under(user_state),
        before,
        "the agent wrote the user's own {cli} state"
    );
}

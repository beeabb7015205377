//! Agent profiles: how to launch an agent (argv template, how the prompt is passed, mode,
//! environment), with the built-in profiles kept as one data table.

use serde::Deserialize;
use std::collections::BTreeMap;

pub use andon_core::agent::{Family, TurnEnd};
use andon_core::sandbox::SandboxSetting;

/// How the prompt reaches the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptMode {
    /// The agent reads `{prompt_file}` (also in `ANDON_PROMPT_FILE`).
    File,
    /// The prompt text is substituted for `{prompt}` in the command.
    Arg,
    /// The prompt text is written to the agent's standard input.
    Stdin,
}

/// Whether an iteration is one agent run or a long-lived agent session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentMode {
    /// The agent exits at the end of each iteration.
    Oneshot,
    /// The agent keeps running; an iteration ends on `andon signal done` or idleness.
    Interactive,
}

/// A resolved agent profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    pub name: String,
    /// The argv template; see [`andon_core::template`].
    pub command: Vec<String>,
    pub prompt: PromptMode,
    pub mode: AgentMode,
    /// Variables set for the agent, on top of the filtered environment.
    pub env: BTreeMap<String, String>,
    /// Variable name patterns passed to this agent even when the deny list matches them
    /// (its own credentials, e.g. `ANTHROPIC_*`).
    pub env_allow: Vec<String>,
    /// This profile's `sandbox = ...` and where it was set; a plan's own setting wins.
    pub sandbox: Option<SandboxSetting>,
    /// Whether the sandboxed agent keeps the network (`network = false`: a local agent).
    pub network: bool,
    /// How an interactive session's turn is seen to end (used in interactive mode only).
    pub turn: TurnEnd,
}

impl AgentProfile {
    /// The built-in agent this profile is (by name) or launches (by program name).
    pub fn family(&self) -> Option<Family> {
        let program = self
            .command
            .first()
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .unwrap_or_default();
        let by = |name: &str| match name {
            "claude" => Some(Family::Claude),
            "codex" => Some(Family::Codex),
            "aider" => Some(Family::Aider),
            "gemini" => Some(Family::Gemini),
            "opencode" => Some(Family::Opencode),
            "sim" => Some(Family::Sim),
            _ => None,
        };
        by(&self.name).or_else(|| by(program)).or_else(|| {
            (program == "{andon}" && self.command.get(1).is_some_and(|a| a == "sim-agent"))
                .then_some(Family::Sim)
        })
    }
}

struct Builtin {
    name: &'static str,
    command: &'static [&'static str],
    /// The agent's own TUI, for `mode = "interactive"` (empty: no interactive form).
    interactive: &'static [&'static str],
    idle_marker: Option<&'static str>,
    busy_marker: Option<&'static str>,
    prompt: PromptMode,
    env_allow: &'static [&'static str],
    /// Variables the agent's CLI needs set to run unattended in a loop's worktree.
    env: &'static [(&'static str, &'static str)],
    /// How to install the agent's CLI, for `andon doctor`.
    install: &'static str,
}

/// Every built-in profile. Each agent's allow list names its own provider's variables and
/// nothing else, so one agent never receives another tool's credentials.
const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "claude",
        // JSON output carries the run's usage and cost (budgets); text mode prints nothing
        // before the end either. The prompt is an argument (after `--`, so a prompt starting
        // with `-` is no option): `claude -p` reads stdin only when it is not a terminal, and
        // an agent's stdin is its PTY ("Input must be provided either through stdin or as a
        // prompt argument when using --print").
        command: &[
            "claude",
            "-p",
            "--output-format",
            "json",
            "--dangerously-skip-permissions",
            "--",
            "{prompt}",
        ],
        interactive: &["claude", "--dangerously-skip-permissions"],
        // The footer changes with the permission mode; "esc to interrupt" is there exactly
        // while Claude works.
        idle_marker: None,
        busy_marker: Some("esc to interrupt"),
        prompt: PromptMode::Arg,
        env_allow: &["ANTHROPIC_*", "CLAUDE_*"],
        env: &[],
        install: "npm install -g @anthropic-ai/claude-code",
    },
    Builtin {
        name: "codex",
        command: &[
            "codex",
            "exec",
            "--dangerously-bypass-approvals-and-sandbox",
            "{prompt}",
        ],
        // `--no-daemon`: otherwise the TUI leaves a background app-server running after it
        // exits. `notify` runs on every finished turn.
        interactive: &[
            "codex",
            "--dangerously-bypass-approvals-and-sandbox",
            "--no-daemon",
            "-c",
            "notify=[\"{andon}\", \"signal\", \"done\"]",
        ],
        idle_marker: None,
        busy_marker: Some("esc to interrupt"),
        prompt: PromptMode::Arg,
        env_allow: &["OPENAI_*", "CODEX_*"],
        env: &[],
        install: "npm install -g @openai/codex",
    },
    Builtin {
        name: "aider",
        command: &[
            "aider",
            "--yes-always",
            "--no-auto-commits",
            // Its history and cache files are git-excluded by andon instead: a .gitignore
            // edit would be a change outside the plan's scope.
            "--no-gitignore",
            "--message-file",
            "{prompt_file}",
        ],
        interactive: &[],
        idle_marker: None,
        busy_marker: None,
        prompt: PromptMode::File,
        env_allow: &["AIDER_*", "OPENAI_*", "ANTHROPIC_*"],
        env: &[],
        install: "python -m pip install aider-install && aider-install",
    },
    Builtin {
        name: "gemini",
        command: &["gemini", "--yolo", "-p", "{prompt}"],
        interactive: &[],
        idle_marker: None,
        busy_marker: None,
        prompt: PromptMode::Arg,
        env_allow: &["GEMINI_*", "GOOGLE_*"],
        // Since 0.39.1 headless Gemini CLI refuses a folder it does not trust (exit 55) and
        // drops --yolo there; a loop's worktree is andon's, made for the agent. The variable
        // (rather than --skip-trust) is ignored by older releases instead of refused.
        env: &[("GEMINI_CLI_TRUST_WORKSPACE", "true")],
        install: "npm install -g @google/gemini-cli",
    },
    Builtin {
        name: "opencode",
        // `--auto` (opencode 1.17.12 and later): without it `run` silently rejects every
        // permission the default rules ask for (paths outside the worktree, .env reads, its
        // repeated-action check) — as the other profiles, the worktree is the agent's world.
        command: &["opencode", "run", "--auto", "{prompt}"],
        interactive: &[],
        idle_marker: None,
        busy_marker: None,
        prompt: PromptMode::Arg,
        env_allow: &["OPENCODE_*"],
        env: &[],
        install: "npm install -g opencode-ai",
    },
    Builtin {
        name: "sim",
        command: &["{andon}", "sim-agent"],
        interactive: &["{andon}", "sim-agent", "--interactive", "--signal"],
        idle_marker: Some("sim> "),
        busy_marker: None,
        prompt: PromptMode::File,
        env_allow: &[],
        env: &[],
        install: "built into andon",
    },
];

/// The built-in command of `name` in `mode`: what `mode = "..."` alone switches a built-in
/// profile to. `None` for a custom profile, or an agent with no interactive form.
pub fn builtin_command(name: &str, mode: AgentMode) -> Option<Vec<String>> {
    let b = BUILTINS.iter().find(|b| b.name == name)?;
    let command = match mode {
        AgentMode::Oneshot => b.command,
        AgentMode::Interactive => b.interactive,
    };
    (!command.is_empty()).then(|| command.iter().map(|s| s.to_string()).collect())
}

/// How to install a built-in agent's CLI (`None` for a custom profile).
pub fn install_hint(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|b| b.name == name).map(|b| b.install)
}

/// The built-in profiles by name: claude, codex, aider, gemini, opencode and sim (andon's
/// own scripted agent, for the demo and tests). All start one-shot; claude, codex and sim
/// also have an interactive form ([`builtin_command`]).
pub fn builtin_profiles() -> BTreeMap<String, AgentProfile> {
    BUILTINS
        .iter()
        .map(|b| {
            let profile = AgentProfile {
                name: b.name.to_string(),
                command: b.command.iter().map(|s| s.to_string()).collect(),
                prompt: b.prompt,
                mode: AgentMode::Oneshot,
                env: b
                    .env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                env_allow: b.env_allow.iter().map(|s| s.to_string()).collect(),
                sandbox: None,
                network: true,
                turn: TurnEnd {
                    idle_marker: b.idle_marker.map(str::to_string),
                    busy_marker: b.busy_marker.map(str::to_string),
                    ..TurnEnd::default()
                },
            };
            (b.name.to_string(), profile)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use andon_core::template;

    #[test]
    fn builtins_are_complete_and_consistent() {
        let profiles = builtin_profiles();
        let names: Vec<_> = profiles.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["aider", "claude", "codex", "gemini", "opencode", "sim"]
        );
        for (name, profile) in &profiles {
            assert_eq!(&profile.name, name);
            let used = template::placeholders(&profile.command).expect("valid template");
            // An argument-mode agent that never receives `{prompt}` would run blind.
            assert_eq!(
                profile.prompt == PromptMode::Arg,
                used.iter().any(|p| p == "prompt"),
                "{name}"
            );
        }
        assert_eq!(profiles["claude"].prompt, PromptMode::Arg);
        assert_eq!(profiles["claude"].command[5..], ["--", "{prompt}"]);
        assert_eq!(profiles["aider"].command[5], "{prompt_file}");
        assert_eq!(profiles["sim"].command, ["{andon}", "sim-agent"]);
    }
}

//! Agent profiles: how to launch an agent (argv template, how the prompt is passed, mode,
//! environment), with the built-in profiles kept as one data table.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::core::sandbox::SandboxSetting;

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
    /// The argv template; see [`crate::core::template`].
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
}

struct Builtin {
    name: &'static str,
    command: &'static [&'static str],
    prompt: PromptMode,
    env_allow: &'static [&'static str],
    /// How to install the agent's CLI, for `andon doctor`.
    install: &'static str,
}

/// Every built-in profile. Each agent's allow list names its own provider's variables and
/// nothing else, so one agent never receives another tool's credentials.
const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "claude",
        command: &["claude", "-p", "--dangerously-skip-permissions"],
        prompt: PromptMode::Stdin,
        env_allow: &["ANTHROPIC_*", "CLAUDE_*"],
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
        prompt: PromptMode::Arg,
        env_allow: &["OPENAI_*", "CODEX_*"],
        install: "npm install -g @openai/codex",
    },
    Builtin {
        name: "aider",
        command: &[
            "aider",
            "--yes-always",
            "--no-auto-commits",
            "--message-file",
            "{prompt_file}",
        ],
        prompt: PromptMode::File,
        env_allow: &["AIDER_*", "OPENAI_*", "ANTHROPIC_*"],
        install: "python -m pip install aider-install && aider-install",
    },
    Builtin {
        name: "gemini",
        command: &["gemini", "--yolo", "-p", "{prompt}"],
        prompt: PromptMode::Arg,
        env_allow: &["GEMINI_*", "GOOGLE_*"],
        install: "npm install -g @google/gemini-cli",
    },
    Builtin {
        name: "opencode",
        command: &["opencode", "run", "{prompt}"],
        prompt: PromptMode::Arg,
        env_allow: &["OPENCODE_*"],
        install: "npm install -g opencode-ai",
    },
    Builtin {
        name: "sim",
        command: &["{andon}", "sim-agent"],
        prompt: PromptMode::File,
        env_allow: &[],
        install: "built into andon",
    },
];

/// How to install a built-in agent's CLI (`None` for a custom profile).
pub fn install_hint(name: &str) -> Option<&'static str> {
    BUILTINS.iter().find(|b| b.name == name).map(|b| b.install)
}

/// The built-in profiles by name: claude, codex, aider, gemini, opencode and sim (andon's
/// own scripted agent, for the demo and tests). All are one-shot.
pub fn builtin_profiles() -> BTreeMap<String, AgentProfile> {
    BUILTINS
        .iter()
        .map(|b| {
            let profile = AgentProfile {
                name: b.name.to_string(),
                command: b.command.iter().map(|s| s.to_string()).collect(),
                prompt: b.prompt,
                mode: AgentMode::Oneshot,
                env: BTreeMap::new(),
                env_allow: b.env_allow.iter().map(|s| s.to_string()).collect(),
                sandbox: None,
            };
            (b.name.to_string(), profile)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::template;

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
        assert_eq!(profiles["claude"].prompt, PromptMode::Stdin);
        assert_eq!(profiles["aider"].command[4], "{prompt_file}");
        assert_eq!(profiles["sim"].command, ["{andon}", "sim-agent"]);
    }
}

//! Scripted mock LLM server for driving the real `claude` and `codex` CLIs
//! offline. std + serde_json only.
//!
//! Serves, on 127.0.0.1:<ephemeral>:
//! - Anthropic Messages API: `POST /v1/messages` (Claude Code adds `?beta=true`),
//!   `POST /v1/messages/count_tokens`.
//! - OpenAI Responses API: `POST /v1/responses` (codex, always `stream: true`).
//! - Anything else: 404 with a JSON error body (answers at once so nothing hangs).
//!
//! Turn selection is stateless: the mock looks at how many tool rounds the
//! request's conversation already contains since the last human message, and
//! plays `turns[that number]`. `turns` is `script.turns`, unless the last human
//! message contains the marker of one of `script.replies`: then that reply's
//! turns. So an interactive session can answer its first prompt one way and a
//! follow-up (recognised by its text) another way. Markers beat counting human
//! messages: Codex sends its environment context and AGENTS.md as user-role
//! messages, and Claude Code may add reminders as user messages of its own.

#![allow(dead_code)]

pub mod anthropic;
pub mod http;
pub mod openai;
mod server;

#[allow(unused_imports)]
pub use server::{Kind, MockLlm, Recorded};

use std::time::Duration;

use serde_json::Value;

/// One action the scripted model asks the agent to perform.
#[derive(Debug, Clone)]
pub enum Action {
    /// Create/overwrite `path` (absolute) with `contents`.
    /// Claude: `Write` tool. Codex: `exec_command` running printf.
    WriteFile { path: String, contents: String },
    /// Run a shell command. Claude: `Bash` tool. Codex: `exec_command`.
    Run { command: String },
}

/// One scripted model turn: tool calls (if any) and/or text.
#[derive(Debug, Clone, Default)]
pub struct Turn {
    pub actions: Vec<Action>,
    pub text: Option<String>,
}

/// An API error returned for every model request.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// 500, 429, 401, 529 ...
    pub status: u16,
    pub message: String,
    /// Send `x-should-retry: false` (Claude Code honours it) so clients fail fast.
    pub no_retry: bool,
}

#[derive(Debug, Clone)]
pub struct Script {
    pub turns: Vec<Turn>,
    /// `(marker, turns)`: played instead of `turns` when the conversation's last
    /// human message contains `marker` (the first match wins).
    pub replies: Vec<(String, Vec<Turn>)>,
    /// When set, every model request gets this error instead of the script.
    pub error: Option<ApiError>,
    /// Usage reported per model response.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Sleep before answering each scripted (main) model request; lets a TUI
    /// be observed while busy.
    pub delay: Duration,
    /// Reply for side requests (titles, summaries, quota probes...).
    pub side_text: String,
    /// Codex: ask for `sandbox_permissions: "require_escalated"` on shell
    /// calls, which makes the TUI show its approval prompt (approvals on).
    pub codex_escalate: bool,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            turns: vec![Turn {
                actions: vec![],
                text: Some("Done.".into()),
            }],
            replies: Vec::new(),
            error: None,
            input_tokens: 1234,
            output_tokens: 56,
            delay: Duration::ZERO,
            side_text: "Mock title".into(),
            codex_escalate: false,
        }
    }
}

impl Script {
    /// The "fixer" scenario: write `path` with `contents`, run `command`, then
    /// say `Fixed.`.
    pub fn fixer(path: &str, contents: &str, command: &str) -> Self {
        Script {
            turns: fix_turns(path, contents, command),
            ..Script::default()
        }
    }

    /// The fixer, wrong first: a prompt without `marker` gets `wrong` written to
    /// `path`; a prompt containing `marker` (e.g. andon's follow-up with the
    /// failing check) gets `right`. Both run `command` and say `Fixed.`.
    pub fn fixer_after(path: &str, wrong: &str, marker: &str, right: &str, command: &str) -> Self {
        Script {
            turns: fix_turns(path, wrong, command),
            replies: vec![(marker.into(), fix_turns(path, right, command))],
            ..Script::default()
        }
    }

    /// Every model request fails with `status`.
    pub fn error(status: u16, no_retry: bool) -> Self {
        let message = match status {
            401 => "mock invalid x-api-key",
            429 => "mock rate limited",
            _ => "mock overloaded",
        };
        Script {
            error: Some(ApiError {
                status,
                message: message.into(),
                no_retry,
            }),
            ..Script::default()
        }
    }

    /// The turn to play after `rounds` completed tool rounds, in answer to the
    /// human message `prompt`.
    pub fn turn(&self, prompt: &str, rounds: usize) -> Turn {
        let turns = self
            .replies
            .iter()
            .find(|(marker, _)| prompt.contains(marker.as_str()))
            .map_or(&self.turns, |(_, turns)| turns);
        turns
            .get(rounds)
            .or(turns.last())
            .cloned()
            .unwrap_or_default()
    }
}

/// Write `contents` to `path`, run `command`, then say `Fixed.`.
fn fix_turns(path: &str, contents: &str, command: &str) -> Vec<Turn> {
    vec![
        Turn {
            actions: vec![
                Action::WriteFile {
                    path: path.into(),
                    contents: contents.into(),
                },
                Action::Run {
                    command: command.into(),
                },
            ],
            text: Some("I'll write the fix and check it.".into()),
        },
        Turn {
            actions: vec![],
            text: Some("Fixed.".into()),
        },
    ]
}

/// The `text` of a message's content: a plain string or the text parts.
pub(crate) fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// JSON-escape-free single-quoting for POSIX shells.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

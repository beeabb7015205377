//! What andon knows of the agents it drives, as pure data and recognisers: which built-in
//! agent a profile is, how an interactive turn is seen to end (`turn`), and the states an
//! agent's screen shows (`states`).

use std::time::Duration;

pub mod states;
pub mod turn;

/// How andon tells that an interactive agent finished its turn when no `andon signal done`
/// arrives: quiet for `idle`, the idle marker on screen and the busy marker gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnEnd {
    /// No output for this long (the streaming pause an agent never takes mid-answer).
    pub idle: Duration,
    /// Text the agent's screen shows while it waits for input.
    pub idle_marker: Option<String>,
    /// Text the agent's screen shows while it works (e.g. "esc to interrupt").
    pub busy_marker: Option<String>,
}

impl Default for TurnEnd {
    fn default() -> Self {
        TurnEnd {
            idle: Duration::from_secs(5),
            idle_marker: None,
            busy_marker: None,
        }
    }
}

/// The built-in agent a profile is, or runs: decides the turn hook, the screen markers and
/// the messages andon recognises. A custom profile whose program is `claude` is Claude Code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Claude,
    Codex,
    Aider,
    Gemini,
    Opencode,
    Sim,
}

impl Family {
    /// The built-in profile of this agent.
    pub fn builtin_name(self) -> &'static str {
        match self {
            Family::Claude => "claude",
            Family::Codex => "codex",
            Family::Aider => "aider",
            Family::Gemini => "gemini",
            Family::Opencode => "opencode",
            Family::Sim => "sim",
        }
    }
}

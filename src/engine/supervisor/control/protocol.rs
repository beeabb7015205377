//! The control socket's wire format, one definition for both ends: a [`Request`] is one JSON
//! object on one line, answered by one [`Reply`] line. serde derives both from the types, so
//! the CLI, a read-only board and the supervisor cannot disagree on a name.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::supervisor::shared::LoopView;
use andon_core::event::HumanAction;

/// What a client asks of the running supervisor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// A human action (stop, resume, redirect, Meta-Andon, abort, rollback, answer,
    /// approve) on one loop or the whole line; the action's own fields sit beside the tag.
    Act {
        target: Target,
        #[serde(flatten)]
        action: HumanAction,
    },
    /// Every loop's picture (an agent sees its own loop only).
    Status,
    /// Start loops from plan files (absolute paths): another terminal's `andon run`, a
    /// read-only board's plan picker.
    Start {
        plans: Vec<PathBuf>,
        /// A plan whose loop exists replaces it (the loop is aborted first).
        #[serde(default)]
        replace: bool,
        /// The agent profile for these plans, whatever they name (`andon run --agent`).
        #[serde(default)]
        agent: Option<String>,
        /// Higher starts first (`andon queue add --priority`).
        #[serde(default)]
        priority: i64,
        /// The plan whose loop must merge first (`andon queue add --after`).
        #[serde(default)]
        after: Option<PathBuf>,
    },
    /// Remove an ended loop's worktree (`andon cleanup`).
    Cleanup {
        #[serde(rename = "loop")]
        loop_name: String,
        /// Remove even with unsaved work, for this reason.
        #[serde(default)]
        force: Option<String>,
        /// Delete the loop's branch too.
        #[serde(default)]
        delete_branch: bool,
    },
    /// An agent's hook says its turn is over (`andon signal done`); not a human action.
    TurnDone {
        #[serde(rename = "loop")]
        loop_name: String,
    },
    /// Adopt a prevention for a Kaizen group (`andon kaizen adopt`).
    Adopt {
        id: String,
        prevention: andon_core::standards::Prevention,
    },
    /// One read-only SQL statement over the store (`andon query` run by an agent, which
    /// cannot read the store itself): what an agent may read only.
    Query { sql: String },
}

impl Request {
    /// The request's name as `andon` commands and refusals say it.
    pub fn name(&self) -> &'static str {
        match self {
            // Every approval is `approve` to the human, whatever it does with the branch.
            Request::Act {
                action: HumanAction::Approve { .. },
                ..
            } => "approve",
            Request::Act { action, .. } => action.name(),
            Request::Status => "status",
            Request::Start { .. } => "start",
            Request::Cleanup { .. } => "cleanup",
            Request::TurnDone { .. } => "signal",
            Request::Query { .. } => "query",
            Request::Adopt { .. } => "kaizen adopt",
        }
    }

    /// Whether an agent's process may ask it: say its turn is over, read its loop's status,
    /// query what it may read of the store.
    pub fn for_agents(&self) -> bool {
        matches!(
            self,
            Request::TurnDone { .. } | Request::Status | Request::Query { .. }
        )
    }
}

/// Which loops a human action is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Loop(String),
    /// The whole line.
    All,
}

/// The supervisor's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// Done: what happened, in a sentence for the human.
    Done { message: String },
    /// Refused or failed: why, and the fix.
    Refused { message: String },
    /// The loops asked for by `Status`.
    Loops { loops: Vec<LoopView> },
    /// A query's answer.
    Rows(crate::store::query::Rows),
}

impl Reply {
    pub fn from_result(result: Result<String, String>) -> Reply {
        match result {
            Ok(message) => Reply::Done { message },
            Err(message) => Reply::Refused { message },
        }
    }

    /// The answer as a sentence: Ok for done, Err for refused (the loops are counted).
    pub fn into_result(self) -> Result<String, String> {
        match self {
            Reply::Done { message } => Ok(message),
            Reply::Refused { message } => Err(message),
            Reply::Loops { loops } => Ok(format!("{} loops", loops.len())),
            Reply::Rows(rows) => Ok(format!("{} rows", rows.rows.len())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("no andon supervisor is running on this repo (no answer on {0}); nothing was changed\n  fix: `andon` opens the board with every unfinished loop (act on it there), or `andon run --headless --serve` hosts them for these commands")]
    NotRunning(String),
    #[error("the supervisor's answer could not be read: {0}")]
    Protocol(String),
}

/// Sends one request to the running supervisor and waits for its answer.
pub fn request(socket: &Path, req: &Request) -> Result<Reply, ControlError> {
    let not_running = || ControlError::NotRunning(socket.display().to_string());
    let protocol = |e: &dyn std::fmt::Display| ControlError::Protocol(e.to_string());
    let mut stream = UnixStream::connect(socket).map_err(|_| not_running())?;
    // Ending a run waits out the agent's SIGTERM grace; leave room for it.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| protocol(&e))?;
    let mut line = serde_json::to_string(req).map_err(|e| protocol(&e))?;
    line.push('\n');
    stream
        .write_all(line.as_bytes())
        .map_err(|e| protocol(&e))?;
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .map_err(|e| protocol(&e))?;
    serde_json::from_str(&answer).map_err(|e| {
        // An andon from before this protocol answers `{"ok":…}`: say what to do about it.
        if answer.trim_start().starts_with("{\"ok\"") {
            ControlError::Protocol(
                "the supervisor running on this repo is an older andon, which speaks another \
                 protocol; quit it (or its board) and start it again with this andon"
                    .into(),
            )
        } else {
            ControlError::Protocol(format!("{e}: {answer:?}"))
        }
    })
}

/// [`request`] off the async runtime, as a sentence: for the engine and the board, which
/// forward to another supervisor.
pub async fn forward(socket: PathBuf, req: Request) -> Result<String, String> {
    tokio::task::spawn_blocking(move || request(&socket, &req))
        .await
        .map_err(|e| format!("control task failed: {e}"))?
        .map_err(|e| e.to_string())?
        .into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use andon_core::event::Outcome;

    /// The wire format is part of the contract: a request written by one andon is read by
    /// another, field for field.
    #[test]
    fn requests_round_trip_in_their_wire_form() {
        let cases = [
            (
                Request::Act {
                    target: Target::Loop("fix".into()),
                    action: HumanAction::Redirect {
                        note: "test the edge".into(),
                    },
                },
                r#"{"request":"act","target":{"loop":"fix"},"action":"redirect","note":"test the edge"}"#,
            ),
            (
                Request::Act {
                    target: Target::All,
                    action: HumanAction::Stop,
                },
                r#"{"request":"act","target":"all","action":"stop"}"#,
            ),
            (
                Request::Act {
                    target: Target::Loop("fix".into()),
                    action: HumanAction::Approve {
                        anyway: None,
                        outcome: Outcome::Merge,
                    },
                },
                r#"{"request":"act","target":{"loop":"fix"},"action":"approve","anyway":null,"outcome":"merge"}"#,
            ),
            (
                Request::TurnDone {
                    loop_name: "fix".into(),
                },
                r#"{"request":"turn_done","loop":"fix"}"#,
            ),
            (Request::Status, r#"{"request":"status"}"#),
        ];
        for (req, wire) in cases {
            assert_eq!(serde_json::to_string(&req).unwrap(), wire);
            assert_eq!(serde_json::from_str::<Request>(wire).unwrap(), req);
        }
    }

    #[test]
    fn only_signalling_and_status_are_for_agents() {
        use andon_core::event::Outcome;
        let act = Request::Act {
            target: Target::Loop("x".into()),
            action: HumanAction::Abort,
        };
        assert!(!act.for_agents());
        assert!(Request::Status.for_agents());
        assert!(Request::TurnDone {
            loop_name: "x".into()
        }
        .for_agents());
        assert_eq!(act.name(), "abort");
        let approve = Request::Act {
            target: Target::All,
            action: HumanAction::Approve {
                anyway: None,
                outcome: Outcome::Merge,
            },
        };
        assert_eq!(approve.name(), "approve");
    }
}

//! The process layer: runs agents in pseudo-terminals and checks as plain child processes,
//! each in its own process group, and makes sure none of them outlives andon.
//!
//! - [`spawn`]: an agent in a PTY, with a reader thread (log file + callback) and a writer
//!   thread behind a bounded queue.
//! - [`command`]: a check run with `sh -c`, logged, with a timeout that ends its whole group.
//! - [`signal`]: stop, resume and terminate a process group.
//! - [`reaper`]: a guardian process that kills every registered group when andon dies, even
//!   by SIGKILL.
//!
//! Process groups, sessions and signals are POSIX concepts, so the whole layer is unix-only.

#![cfg(unix)]

pub mod command;
mod input;
mod output;
mod procfs;
pub mod reaper;
pub mod signal;
pub mod spawn;

use std::io;
use std::path::PathBuf;

pub use command::{run_command, CommandOutcome, CommandSpec};
pub use reaper::{fresh_token, reaper_main, Reaper, TOKEN_VAR};
pub use spawn::{ExitInfo, OnOutput, PtyChild, PtySpec};

/// Everything that can go wrong while starting, feeding or signalling a child.
#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    #[error(
        "agent command `{program}` not found on PATH — fix: install it or set `command` under \
         [agents.<name>] in andon.toml"
    )]
    NotFound { program: String },

    #[error(
        "agent command `{program}` exists but is not executable — fix: `chmod +x` it or point \
         `command` under [agents.<name>] in andon.toml at the right file"
    )]
    NotExecutable { program: String },

    #[error("the agent command is empty — fix: set `command` under [agents.<name>] in andon.toml")]
    EmptyCommand,

    #[error(
        "working directory `{}` does not exist or is not a directory — fix: recreate the \
         worktree or check [worktrees] root in andon.toml", path.display()
    )]
    BadCwd { path: PathBuf },

    #[error("cannot open log file `{}`: {source}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot start `{program}`: {message}")]
    Spawn { program: String, message: String },

    #[error("pseudo-terminal: {0}")]
    Pty(String),

    #[error("{context}: {source}")]
    Io {
        context: &'static str,
        #[source]
        source: io::Error,
    },

    #[error("the agent is not reading its input; {queued} chunks are already waiting")]
    InputBacklog { queued: usize },

    #[error("the agent's terminal is closed")]
    Closed,

    #[error("refusing to signal process group {pgid} (not a child group of andon)")]
    InvalidGroup { pgid: i32 },

    #[error("cannot send {signal} to process group {pgid}: {source}")]
    Signal {
        pgid: i32,
        signal: &'static str,
        #[source]
        source: io::Error,
    },

    #[error("the reaper did not start: {0}")]
    ReaperStart(String),

    #[error("cannot reach the reaper: {source}")]
    Reaper {
        #[source]
        source: io::Error,
    },
}

//! Why the `sim` agent could not play an iteration: one-line messages that name the file or
//! setting at fault and how to fix it, and the exit code each one maps to.

use std::io;
use std::path::PathBuf;

use crate::scenario::ScenarioName;

/// Why the agent could not play; each message names the file or setting and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(
        "sim-agent: no scenario given (fix: pass --scenario NAME or --scenario-file PATH; \
         scenarios: {})",
        ScenarioName::list()
    )]
    NoScenario,
    #[error("sim-agent: {}:{line}: {message}", path.display())]
    ScenarioFile {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "sim-agent: cannot read scenario file {}: {source} (fix: pass --scenario-file with a \
         path relative to the worktree)",
        path.display()
    )]
    ScenarioFileUnreadable { path: PathBuf, source: io::Error },
    #[error(
        "sim-agent: scenario `{scenario}` needs a target (fix: pass --target PATH or set \
         target = \"PATH\" in the scenario file)"
    )]
    NoTarget { scenario: &'static str },
    #[error(
        "sim-agent: {what} {} does not exist in {} (fix: pass --{what} with a path relative \
         to the worktree)",
        path.display(),
        cwd.display()
    )]
    Missing {
        what: &'static str,
        path: PathBuf,
        cwd: PathBuf,
    },
    #[error(
        "sim-agent: scenario `{scenario}` needs the fix content (fix: pass --fix-from PATH or \
         --fix-content TEXT)"
    )]
    NoFix { scenario: &'static str },
    #[error(
        "sim-agent: cannot read fix file {}: {source} (fix: pass --fix-from with a readable \
         path relative to the worktree, or --fix-content TEXT)",
        path.display()
    )]
    FixUnreadable { path: PathBuf, source: io::Error },
    #[error(
        "sim-agent: no protected file: {} holds no file (fix: pass --protected PATH)",
        dir.display()
    )]
    NoProtected { dir: PathBuf },
    #[error(
        "sim-agent: ANDON_ITERATION={value:?} is not a positive integer (fix: run under andon \
         or export ANDON_ITERATION=1)"
    )]
    BadIteration { value: String },
    #[error(
        "sim-agent: ANDON_MODE={value:?} is neither `code` nor `plan` (fix: export \
         ANDON_MODE=code or ANDON_MODE=plan)"
    )]
    BadMode { value: String },
    #[error(
        "sim-agent: --speed {value} is not a factor from 0 to 100 (fix: pass --speed 1, or 0 \
         for no pauses)"
    )]
    BadSpeed { value: f64 },
    #[error(
        "sim-agent: plan mode has nowhere to write the fix plan (fix: export ANDON_FIX_PLAN or \
         ANDON_PROMPT_FILE)"
    )]
    NoFixPlanPath,
    #[error("sim-agent: cannot access {}: {source}", path.display())]
    File { path: PathBuf, source: io::Error },
    #[error("sim-agent: cannot write output: {0}")]
    Output(#[source] io::Error),
}

impl SimError {
    /// 2 for bad input (the contract of andon's CLI), 1 when the machine failed us.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::File { .. } | Self::Output(_) => 1,
            _ => 2,
        }
    }
}

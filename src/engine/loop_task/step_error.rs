//! Why a step of a loop (an effect, an agent run) could not be carried out, told apart:
//! tampering — andon found a link, or a worktree pointed elsewhere, where its own file or the
//! loop's worktree should be — stops the line as a guard violation; anything else is andon's
//! own failure (a disk or git error).

use andon_core::event::Event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// andon refused to act for the agent; the text names what was tampered with.
    Tampered(String),
    Failed(String),
}

impl From<String> for StepError {
    fn from(reason: String) -> Self {
        StepError::Failed(reason)
    }
}

impl From<&str> for StepError {
    fn from(reason: &str) -> Self {
        StepError::Failed(reason.to_string())
    }
}

impl StepError {
    /// An I/O error on one of andon's own files: a planted link is tampering.
    pub fn io(e: &std::io::Error) -> StepError {
        if crate::own_file::refused_link(e) {
            StepError::Tampered(e.to_string())
        } else {
            StepError::Failed(e.to_string())
        }
    }

    /// A process that could not start: its log file replaced by a link is tampering.
    pub fn pty(e: &crate::pty::PtyError) -> StepError {
        match e {
            crate::pty::PtyError::Log { source, .. } if crate::own_file::refused_link(source) => {
                StepError::Tampered(source.to_string())
            }
            other => StepError::Failed(other.to_string()),
        }
    }

    /// The event that stops the line for it.
    pub fn event(self) -> Event {
        match self {
            StepError::Tampered(what) => Event::Tampered { what },
            StepError::Failed(reason) => Event::EngineFailed { reason },
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Tampered(what) => write!(f, "tampered with: {what}"),
            StepError::Failed(reason) => f.write_str(reason),
        }
    }
}

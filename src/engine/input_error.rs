//! Bad input, explained: the file and line at fault, what is wrong, and the fix. `andon`
//! prints it and exits 2 (DESIGN §5).

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub message: String,
    pub fix: String,
}

impl InputError {
    pub fn new(
        at: Option<(PathBuf, Option<usize>)>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> InputError {
        let (file, line) = match at {
            Some((f, l)) => (Some(f), l),
            None => (None, None),
        };
        InputError {
            file,
            line,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// An error whose message carries its own "fix:" line (git, lock, store); its causes are
    /// appended so libgit2's or SQLite's own words are not lost.
    pub fn from_display(e: impl std::error::Error) -> InputError {
        let text = crate::error_chain::chain(&e);
        match text.split_once("\n  fix: ") {
            Some((message, fix)) => InputError::new(None, message, fix),
            None => InputError::new(None, text, "see the message above"),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            _ => {}
        }
        write!(f, "{}\n  fix: {}", self.message, self.fix)
    }
}

impl std::error::Error for InputError {}

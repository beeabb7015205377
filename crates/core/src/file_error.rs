//! The one error shape for bad input files (plans, `andon.toml`): where it is, what is
//! wrong, and what to do about it — and the checks every input text gets before parsing.

use std::fmt;
use std::path::{Path, PathBuf};

/// Input files are read whole into memory and plans are pasted into every prompt; anything
/// bigger than this is a mistake (a log or a binary under `plans/`), not a plan.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// A problem in an input file, with a concrete fix for the user.
///
/// `line` is 1-based; `0` means the problem concerns the whole file (it could not be read),
/// and then the location prints as just the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
    pub fix: String,
}

impl FileError {
    pub fn new(
        file: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)?;
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)?;
        }
        write!(f, "\n  fix: {}", self.fix)
    }
}

/// Rejects input that is too large or does not look like text.
///
/// Control characters are refused (not just NUL) because plan text is shown in the TUI and
/// pasted into agent prompts: an escape sequence hidden in a plan would reach both.
pub fn check_text(file: &Path, text: &str, what: &str) -> Result<(), FileError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FileError::new(
            file,
            1,
            format!(
                "{what} is {} KiB; the limit is {} KiB",
                text.len() / 1024,
                MAX_INPUT_BYTES / 1024
            ),
            "keep it short and move long context into wiki/ pages that it links to",
        ));
    }
    let bad = text
        .char_indices()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
    if let Some((offset, c)) = bad {
        let line = line_at(text, offset);
        let column = offset - text[..offset].rfind('\n').map_or(0, |nl| nl + 1) + 1;
        let message = if c == '\0' {
            format!("{what} contains a NUL byte at column {column}; it looks like a binary file")
        } else {
            format!(
                "{what} contains the control character U+{:04X} at column {column}",
                c as u32
            )
        };
        return Err(FileError::new(
            file,
            line,
            message,
            format!("save the file as plain UTF-8 text and remove that character from line {line}"),
        ));
    }
    Ok(())
}

/// The 1-based line of a byte offset in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_fix() {
        let err = FileError::new("plans/a.md", 7, "bad thing", "do this");
        assert_eq!(err.to_string(), "plans/a.md:7: bad thing\n  fix: do this");
        let whole = FileError::new("andon.toml", 0, "unreadable", "check permissions");
        assert_eq!(
            whole.to_string(),
            "andon.toml: unreadable\n  fix: check permissions"
        );
    }

    #[test]
    fn check_text_rejects_binary_and_huge_input() {
        let file = Path::new("plans/x.md");
        let cases: &[(&str, usize, &str)] = &[
            ("a\nb\0c\n", 2, "NUL byte at column 2"),
            ("a\n\n\x1b[31m", 3, "U+001B at column 1"),
        ];
        for (text, line, needle) in cases {
            let err = check_text(file, text, "the plan").expect_err(text);
            assert_eq!(err.line, *line, "{text:?}");
            assert!(err.message.contains(needle), "{}", err.message);
            assert!(err.fix.contains(&format!("line {line}")), "{}", err.fix);
        }
        let huge = "x".repeat(MAX_INPUT_BYTES + 1);
        let err = check_text(file, &huge, "the plan").expect_err("huge");
        assert!(err.message.contains("limit is 1024 KiB"), "{}", err.message);
        assert!(err.fix.contains("wiki/"), "{}", err.fix);
        assert!(check_text(file, "tab\there\r\nfine\u{c}é\n", "the plan").is_ok());
    }

    #[test]
    fn line_at_counts_newlines_before_offset() {
        assert_eq!(line_at("a\nb\nc", 0), 1);
        assert_eq!(line_at("a\nb\nc", 2), 2);
        assert_eq!(line_at("a\nb\nc", 4), 3);
        assert_eq!(line_at("a\nb\nc", 99), 3);
    }
}

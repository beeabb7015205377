//! Telling a write the sandbox refused from the output of the process that tried it, and
//! turning it into a `guard_violation` failure that names the path.
//!
//! Landlock answers a refused write with EACCES and leaves no trace andon could read: the
//! refusal happens inside the child, after `exec`. What reliably remains is the message the
//! program prints — `sh: 1: cannot create /repo/x: Permission denied`, `touch: cannot touch
//! '/x': Permission denied`, `PermissionError: [Errno 13] Permission denied: '/x'`,
//! `EACCES: permission denied, open '/x'`. A line like that names a refused write when the path
//! it names lies outside every root the loop may write; the engine then also checks that andon
//! itself could write there, so an ordinary permission problem is not blamed on the sandbox.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::bytes::Regex as BytesRegex;
use regex::Regex;

use crate::event::ChecksReport;
use crate::failure::classify::Category;
use crate::failure::fingerprint::digest;
use crate::lexical_path::normalize;
use crate::sanitize::{one_line, printable};
use crate::state::Failure;

/// Lines longer than this are not kept whole: a message naming a path is far shorter.
const MAX_LINE_BYTES: usize = 4096;
/// Denial lines kept per run; a flood of them says no more than the first ones.
const MAX_LINES: usize = 64;
/// Paths named in one failure.
const MAX_PATHS: usize = 16;

/// How a refused write reads in a message (EACCES, and EPERM for good measure).
const DENIAL: &str = r"(?i)permission denied|\beacces\b|operation not permitted|\beperm\b|read-only file system|\berofs\b";

static DENIAL_BYTES: LazyLock<Option<BytesRegex>> = LazyLock::new(|| BytesRegex::new(DENIAL).ok());
static DENIAL_TEXT: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(DENIAL).ok());
/// A path in a message: quoted (ASCII or typographic quotes), or a bare absolute or
/// `./`/`../` path that a space, colon, quote or comma ends.
static PATH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"'([^'\n]*/[^'\n]*)'|"([^"\n]*/[^"\n]*)"|‘([^’\n]*/[^’\n]*)’|(?:^|[\s(=,\[])((?:\.{1,2})?/[^\s:'",;()\]]*)"#)
        .ok()
});

/// The output lines of one run that report a refused operation, gathered as its bytes stream
/// in (so a flood after the refusal cannot push it out of a tail).
#[derive(Debug, Default, Clone)]
pub struct DenialLines {
    partial: Vec<u8>,
    /// The current line passed [`MAX_LINE_BYTES`]; skip to its end.
    overlong: bool,
    lines: Vec<String>,
}

impl DenialLines {
    pub fn new() -> DenialLines {
        DenialLines::default()
    }

    /// Feed the next bytes of output.
    pub fn push(&mut self, mut bytes: &[u8]) {
        while let Some(end) = bytes.iter().position(|b| *b == b'\n') {
            self.append(&bytes[..end]);
            self.end_line();
            bytes = &bytes[end + 1..];
        }
        self.append(bytes);
    }

    /// The lines that report a refusal, the last unterminated one included.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.lines.clone();
        if let Some(last) = self.judge(&self.partial) {
            if lines.len() < MAX_LINES {
                lines.push(last);
            }
        }
        lines
    }

    fn append(&mut self, bytes: &[u8]) {
        if self.overlong {
            return;
        }
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES {
            self.overlong = true;
            self.partial.clear();
            return;
        }
        self.partial.extend_from_slice(bytes);
    }

    fn end_line(&mut self) {
        if self.lines.len() < MAX_LINES {
            if let Some(line) = self.judge(&self.partial) {
                self.lines.push(line);
            }
        }
        self.partial.clear();
        self.overlong = false;
    }

    fn judge(&self, line: &[u8]) -> Option<String> {
        if self.overlong || !DENIAL_BYTES.as_ref()?.is_match(line) {
            return None;
        }
        Some(
            printable(&String::from_utf8_lossy(line), false)
                .trim()
                .to_string(),
        )
    }
}

/// The paths that denial `lines` name outside every `writable` root, in order of first
/// mention. Relative paths are taken from `cwd`. Paths are compared as written (`..` folded),
/// so roots and `cwd` should be given both as configured and canonical when they differ.
pub fn paths_outside(lines: &[String], cwd: &Path, writable: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for line in lines {
        let Some(raw) = denied_path(line) else {
            continue;
        };
        let path = normalize(&cwd.join(raw));
        let inside = writable
            .iter()
            .any(|root| path.starts_with(normalize(root)));
        if !inside && !out.contains(&path) {
            out.push(path);
            if out.len() == MAX_PATHS {
                break;
            }
        }
    }
    out
}

/// The path a denial line is about: the one just before the denial words (`PATH: Permission
/// denied`), else the first one after them (`Permission denied: 'PATH'`).
fn denied_path(line: &str) -> Option<&str> {
    let at = DENIAL_TEXT.as_ref()?.find(line)?.start();
    let found: Vec<(usize, &str)> = PATH
        .as_ref()?
        .captures_iter(line)
        .filter_map(|c| (1..=4).find_map(|i| c.get(i)))
        .map(|m| (m.start(), m.as_str()))
        .filter(|(_, p)| p.len() > 1)
        .collect();
    let before = found.iter().rev().find(|(start, _)| *start < at);
    let after = found.iter().find(|(start, _)| *start > at);
    before.or(after).map(|(_, p)| *p)
}

/// The failure of an agent run during which the sandbox refused writes to `paths`.
pub fn denial_failure(paths: &[String], output_tail: &str) -> Failure {
    Failure {
        category: Category::GuardViolation,
        confidence: 1.0,
        fingerprint: format!("guard:sandbox:{}", digest(&paths.join("\n"))),
        summary: one_line(&denial_summary(paths), 240),
        checks: Vec::new(),
        output_tail: output_tail.to_string(),
        lines: Vec::new(),
    }
}

/// Failing checks during which the sandbox refused writes to `paths` are a guard violation:
/// the check did not fail on the code but on a write outside the loop's places.
pub fn with_denied_writes(mut report: ChecksReport, paths: &[String]) -> ChecksReport {
    if paths.is_empty() {
        return report;
    }
    if let Some(failure) = report.failure.as_mut() {
        failure.category = Category::GuardViolation;
        failure.confidence = 1.0;
        failure.summary = one_line(
            &format!("{} — {}", denial_summary(paths), failure.summary),
            240,
        );
    }
    report
}

fn denial_summary(paths: &[String]) -> String {
    format!(
        "sandbox denied writing outside the loop's worktree: {}",
        paths.join(", ")
    )
}

#[cfg(test)]
mod tests;

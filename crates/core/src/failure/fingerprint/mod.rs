//! Failure fingerprint: reduces a failing check's output to the lines that identify the failure
//! and hashes them, so that equal fingerprints mean "the same failure" (DESIGN.md §1) across
//! iterations, temp directories, timings and test ordering.
//!
//! The pipeline, in order:
//! 1. `visible_text`: what a person would see in a terminal — escape sequences removed, a
//!    carriage return overwrites the line (progress bars keep only their final frame).
//! 2. [`normalize_line`]: every value that varies between runs of the same failure becomes a
//!    placeholder (UUIDs, timestamps, hex ids, temp/worktree/home paths, numbers), rulers are
//!    shortened and whitespace is collapsed.
//! 3. Progress noise (`Compiling`, `Running`, pass lines, pytest headers, timings) is dropped.
//! 4. The error-looking lines are kept, deduplicated and sorted; with none, the last
//!    [`FALLBACK_LINES`] lines stand in for them.
//!
//! Every digit run is replaced by `N`, line and column numbers included: an agent that adds a
//! line above a failing test shifts every location, and that must still count as the same
//! failure (the Insanity Rule would never fire otherwise). Digits glued to a letter or `_`
//! (`E0308`, `TS2322`, `F401`, `test_2`) are names, not values, and are kept.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};
use sha2::{Digest, Sha256};

/// How many trailing lines identify a failure that printed no error-looking line.
pub const FALLBACK_LINES: usize = 20;

/// Hex characters of the sha256 kept in a fingerprint: 64 bits is plenty to tell the failures
/// of one loop apart and short enough to show on the board.
const FINGERPRINT_LEN: usize = 16;

/// The fingerprint of a failing check's output: the first 16 hex characters of the sha256 of
/// [`normalize`]d output.
pub fn fingerprint(output: &str) -> String {
    digest(&normalize(output))
}

/// Normalized text as its lines: the form Seen before compares two failures in.
pub fn lines(normalized: &str) -> Vec<String> {
    normalized.lines().map(str::to_string).collect()
}

/// The short hash of already-normalized text (several checks' normalized outputs together).
pub fn digest(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(FINGERPRINT_LEN);
    for byte in digest.iter().take(FINGERPRINT_LEN / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The text a fingerprint is computed from: the normalized error lines of `output`, sorted and
/// deduplicated, one per line; or its last [`FALLBACK_LINES`] normalized lines when no line
/// looks like an error.
pub fn normalize(output: &str) -> String {
    let lines = normalized_lines(&visible_text(output));
    let selected = select_error_lines(&lines);
    if selected.is_empty() {
        let start = lines.len().saturating_sub(FALLBACK_LINES);
        let tail: Vec<&str> = lines[start..].iter().map(|l| l.text.as_str()).collect();
        return tail.join("\n");
    }
    selected.into_iter().collect::<Vec<_>>().join("\n")
}

/// One line with everything that varies between runs of the same failure replaced by a
/// placeholder, rulers shortened and whitespace collapsed.
pub fn normalize_line(line: &str) -> String {
    normalize_visible_line(&visible_text(line))
}

fn normalize_visible_line(line: &str) -> String {
    let mut text = line.to_string();
    for rule in SUBSTITUTIONS.iter() {
        if let std::borrow::Cow::Owned(replaced) = rule.apply(&text) {
            text = replaced;
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The output as a terminal would show it: ANSI/OSC escape sequences and control characters
/// removed, and within a line only the text after the last carriage return kept, because a
/// `\r` redraws the line (spinners, progress bars) and only its final frame was ever readable.
pub(crate) fn visible_text(output: &str) -> String {
    let stripped = crate::sanitize::strip_escapes(output);
    let mut visible = String::with_capacity(stripped.len());
    for (index, line) in stripped.split('\n').enumerate() {
        if index > 0 {
            visible.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let last_frame = line
            .rsplit('\r')
            .find(|frame| !frame.trim().is_empty())
            .unwrap_or("");
        visible.extend(last_frame.chars().filter(|c| *c == '\t' || !c.is_control()));
    }
    visible
}

/// Whether a line (raw or visible) reads like an error or failure report.
pub(crate) fn looks_like_error(line: &str) -> bool {
    is_error_line(&normalize_line(line))
}

/// A visible, non-noise output line after normalization.
struct Line {
    text: String,
    /// Whether the visible line began with whitespace: a Python traceback's frames are
    /// indented and its exception line is not.
    indented: bool,
}

fn normalized_lines(visible: &str) -> Vec<Line> {
    visible
        .lines()
        .filter_map(|raw| {
            let text = normalize_visible_line(raw);
            if text.is_empty() || NOISE.is_match(&text) {
                return None;
            }
            let indented = raw.starts_with([' ', '\t']);
            Some(Line { text, indented })
        })
        .collect()
}

/// The error lines as a sorted set: tests running in parallel report in any order, and a
/// failure printed twice is still one failure.
fn select_error_lines(lines: &[Line]) -> BTreeSet<&str> {
    let mut selected = BTreeSet::new();
    let mut after_panic = false;
    let mut in_traceback = false;
    let mut in_rustfmt_diff = false;
    for line in lines {
        let text = line.text.as_str();
        // A Rust panic's message is on the line after `panicked at <location>:`.
        let mut keep = std::mem::take(&mut after_panic) || is_error_line(text);
        if in_traceback && !line.indented && !text.starts_with("Traceback") {
            // The first unindented line after a Python traceback is the exception, whatever
            // its class is called.
            keep = true;
            in_traceback = false;
        }
        if in_rustfmt_diff && (text.starts_with('+') || text.starts_with('-')) {
            // rustfmt names only the file; the diff body is what tells two failures apart.
            keep = true;
        }
        in_traceback |= text.starts_with("Traceback (most recent call last)");
        in_rustfmt_diff |= text.starts_with("Diff in ");
        after_panic = text.contains(" panicked at ") && text.ends_with(':');
        if keep {
            selected.insert(text);
        }
    }
    selected
}

fn is_error_line(normalized: &str) -> bool {
    ERROR_LINE.is_match(normalized) && !NOT_ERROR_LINE.is_match(normalized)
}

/// One normalization step: a pattern and what its matches become.
struct Substitution {
    pattern: Regex,
    replace: Replace,
}

#[derive(Clone, Copy)]
enum Replace {
    With(&'static str),
    /// A run of one repeated character becomes three of it: the width of a ruler depends on
    /// the length of the text it frames (pytest's `=== 2 failed in 0.10s ===`).
    ShortenRuler,
    /// `<hex>` for a run of 7 or more hex digits mixing digits and letters (commit hashes,
    /// build hashes, object ids); a run of digits alone is a number and a run of letters alone
    /// (`defaced`) is a word.
    HexId,
    /// `N` for a bare digit run; digits glued to a letter or `_` are part of a name.
    Number,
}

impl Substitution {
    fn apply<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        match self.replace {
            Replace::With(with) => self.pattern.replace_all(text, with),
            Replace::HexId => self.pattern.replace_all(text, |caps: &Captures| {
                let run = &caps[0];
                let has_digit = run.chars().any(|c| c.is_ascii_digit());
                let has_letter = run.chars().any(|c| c.is_ascii_alphabetic());
                if has_digit && has_letter {
                    "<hex>".to_string()
                } else {
                    run.to_string()
                }
            }),
            Replace::ShortenRuler => self.pattern.replace_all(text, |caps: &Captures| {
                caps[0]
                    .chars()
                    .next()
                    .map_or(String::new(), |c| c.to_string().repeat(3))
            }),
            Replace::Number => self.pattern.replace_all(text, |caps: &Captures| {
                let run = &caps[0];
                if run.starts_with(|c: char| c.is_ascii_digit()) {
                    "N".to_string()
                } else {
                    run.to_string()
                }
            }),
        }
    }
}

/// The normalization rules, in the order they must run: specific shapes (UUIDs, timestamps,
/// paths) before the generic hex and number rules that would otherwise eat them piecemeal.
const SUBSTITUTION_TABLE: &[(&str, Replace)] = &[
    (
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        Replace::With("<uuid>"),
    ),
    (
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b",
        Replace::With("<time>"),
    ),
    (
        r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}(?:,?\s+\d{4})?\s+\d{1,2}:\d{2}(?::\d{2})?",
        Replace::With("<time>"),
    ),
    (r"\b\d{4}[-/]\d{2}[-/]\d{2}\b", Replace::With("<date>")),
    (
        r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?[AP]M)?\b",
        Replace::With("<time>"),
    ),
    (r"\b0x[0-9a-fA-F]+\b", Replace::With("<hex>")),
    (
        r"(?:/private)?/var/folders/[^/\s]+/[^/\s]+/[A-Z]/[^/\s'`:)\]]+",
        Replace::With("<tmp>"),
    ),
    (r"(?:/private)?/tmp/[^/\s'`:)\]]+", Replace::With("<tmp>")),
    (
        r"(/deps/[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*?)-[0-9a-f]{16}\b",
        Replace::With("$1-<hash>"),
    ),
    (
        r"/(?:[^/\s'`]+/)*[^/\s'`]+\.worktrees/[^/\s'`:)\]]+",
        Replace::With("<worktree>"),
    ),
    // Only at the start of a path, so `/mnt/home/x` or `/var/root` are left alone.
    (
        r"(^|[^\w./-])/(?:home|Users)/[^/\s'`:)\]]+",
        Replace::With("$1~"),
    ),
    (r"(^|[^\w./-])/root\b", Replace::With("$1~")),
    (r"\b[0-9a-fA-F]{7,}\b", Replace::HexId),
    // pytest cuts its short summary to the terminal width, so the cut moves with the length
    // of every number in the message; the message itself is on the `E` lines already.
    (r"^((?:FAILED|ERROR) \S+) - .*$", Replace::With("$1")),
    (
        r"={3,}|-{3,}|_{3,}|\*{3,}|~{3,}|\^{3,}|!{3,}|#{3,}|\.{4,}|⎯{3,}|─{3,}|━{3,}",
        Replace::ShortenRuler,
    ),
    (r"[A-Za-z_]\d+|\d+", Replace::Number),
];

static SUBSTITUTIONS: LazyLock<Vec<Substitution>> = LazyLock::new(|| {
    SUBSTITUTION_TABLE
        .iter()
        .filter_map(|(pattern, replace)| {
            let replace = *replace;
            Regex::new(pattern)
                .ok()
                .map(|pattern| Substitution { pattern, replace })
        })
        .collect()
});

/// Lines that never identify a failure: build and test progress, pass lines, headers and
/// timings. Matched against normalized lines.
const NOISE_PATTERNS: &[&str] = &[
    // cargo progress
    r"^(?:Compiling|Checking|Finished|Running|Fresh|Downloading|Downloaded|Updating|Locking|Adding|Blocking|Building|Documenting|Doc-tests|Installing|Installed|Packaging|Verifying|Resolving|Waiting)\b",
    r"^running N tests?$",
    r"^test .+ \.\.\. (?:ok|ignored)$",
    r"^test result: ok\.",
    // pytest header and progress
    r"^=== test session starts ===$",
    r"^(?:platform \S+ -- Python|rootdir:|configfile:|plugins:|cachedir:|testpaths:|collecting\b|collected N items?$)",
    r"^\S+\.py [.sxX]*[FE][.FEsxX]* ?(?:\[ ?N%\])?$",
    r"^\S+\.py [.sxX]+ ?(?:\[ ?N%\])?$",
    r"^[.FEsxX]+ ?\[ ?N%\]$",
    // jest / vitest
    r"^(?:PASS|RUN v)\b",
    r"^[✓✔√] ",
    r"^(?:Time:|Snapshots:|Duration\b|Start at\b|Ran all test suites)",
    // go
    r"^=== (?:RUN|PAUSE|CONT|NAME)\b",
    r"^--- (?:PASS|SKIP):",
    r"^ok \S+",
    // npm script headers
    r"^> \S+@\S+ ",
    r"^npm (?:WARN|notice)\b",
    // spinner frames (braille dots, quarter circles, the classic `|/-\`)
    r"^[\u{2800}-\u{28FF}◐◓◑◒|/\\ -]+$",
    r"^(?:Finished|Done) in\b",
];

static NOISE: LazyLock<RegexSet> = LazyLock::new(|| compile_set(NOISE_PATTERNS));

/// What an error or failure line looks like, across the tools andon's checks run. Matched
/// against normalized lines (digit runs are `N`).
const ERROR_LINE_PATTERNS: &[&str] = &[
    r"(?i)\b(?:error|errors|fail|failed|failing|failure|failures|fatal|panicked|panic|aborted|exception|traceback|segmentation fault|core dumped|timed out|timeout)\b",
    r"[A-Za-z](?:Error|Exception)\b",
    r"(?i)\bassert",
    r"(?i)\bexpected\b.*\bfound\b",
    r"(?i)^(?:expected|received|actual|left|right)\b[^:]{0,20}:",
    // pytest's explanation lines
    r"^E ",
    // jest / vitest / eslint markers
    r"^[✕×●✖❌]",
    // eslint: `12:3 error message rule-id`
    r"^N:N (?:error|warning)\b",
    // clippy lint names
    r"clippy::",
    // ruff and flake8 codes
    r"^(?:\S+:N:N: )?[A-Z]{1,4}\d{2,4}\b",
    // go test messages: `    cart_test.go:12: got 3, want 4`
    r"^\S+_test\.go:N: ",
    r"\bundefined(?: reference)?: ",
    r"(?i)not found|permission denied|no such file|cannot find|\bEACCES\b|\bENOENT\b|\bEPERM\b",
    r"^Diff in ",
    r"^Killed$",
];

static ERROR_LINE: LazyLock<RegexSet> = LazyLock::new(|| compile_set(ERROR_LINE_PATTERNS));

/// Lines that mention error words without reporting a failure: stack frames and source
/// excerpts. Their text moves with unrelated edits (a frame's function name, the code around
/// a failing line), so they would split one failure into many fingerprints.
const NOT_ERROR_LINE_PATTERNS: &[&str] = &[
    // backtrace frames (Rust `N: path`, Rust/JS `at path`, Python `File "...", line N`)
    r"^N: \S",
    r"^at \S",
    r#"^File "[^"]*", line N"#,
    // source excerpts with a line-number gutter (rustc, tsc, jest, vitest, gcc)
    r"^(?:> ?)?(?:N ?)?\|",
];

static NOT_ERROR_LINE: LazyLock<RegexSet> = LazyLock::new(|| compile_set(NOT_ERROR_LINE_PATTERNS));

/// Compiles a constant pattern table. A pattern that does not compile is a bug caught by this
/// module's tests; at run time the table then degrades to matching nothing rather than
/// taking the supervisor down.
fn compile_set(patterns: &[&str]) -> RegexSet {
    RegexSet::new(patterns).unwrap_or_else(|_| RegexSet::empty())
}

#[cfg(test)]
mod tests;

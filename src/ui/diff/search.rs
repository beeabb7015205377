//! A diff line as the view shows it (sanitized, tabs expanded) and the search over those
//! lines: smart case, every match kept in drawing order so `n`/`N` and highlighting are
//! lookups rather than scans.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

use andon_core::diff::Diff;
use andon_core::sanitize::printable;

/// Tab stops every this many columns.
const TAB: usize = 4;
/// More matches than this are not worth keeping: the human narrows the query instead.
const MAX_MATCHES: usize = 100_000;

/// `text` as drawn: no control characters or escape sequences (a child wrote it), tabs
/// expanded, a CRLF file's `\r` dropped. Borrowed when the text is already clean.
pub fn display_text(text: &str) -> Cow<'_, str> {
    let text = text.strip_suffix('\r').unwrap_or(text);
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let clean = printable(text, true);
    let mut out = String::with_capacity(clean.len());
    let mut column = 0;
    for c in clean.chars() {
        match c {
            '\t' => {
                let pad = TAB - column % TAB;
                out.extend(std::iter::repeat_n(' ', pad));
                column += pad;
            }
            // `printable` keeps newlines; a diff line has none, but be safe.
            '\n' => {
                out.push(' ');
                column += 1;
            }
            c => {
                out.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    Cow::Owned(out)
}

/// One match: a byte range of a line's display text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    pub file: u32,
    pub hunk: u32,
    pub line: u32,
    pub start: u32,
    pub end: u32,
}

/// The diff view's search: the query, whether it is being typed, its matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    /// The search box is open: keys are the query.
    pub editing: bool,
    matches: Vec<Match>,
    current: Option<usize>,
}

impl Search {
    /// Finds `query` in every line of `diff`; the current match is cleared.
    pub fn run(&mut self, diff: &Diff, query: &str) {
        self.query = query.to_string();
        self.matches = find(diff, query);
        self.current = None;
    }

    pub fn clear(&mut self) {
        *self = Search::default();
    }

    pub fn matches(&self) -> &[Match] {
        &self.matches
    }

    /// The matches on one line, in order.
    pub fn on_line(&self, file: u32, hunk: u32, line: u32) -> &[Match] {
        let key = (file, hunk, line);
        let from = self
            .matches
            .partition_point(|m| (m.file, m.hunk, m.line) < key);
        let to = from
            + self.matches[from..]
                .iter()
                .take_while(|m| (m.file, m.hunk, m.line) == key)
                .count();
        &self.matches[from..to]
    }

    pub fn current(&self) -> Option<Match> {
        self.matches.get(self.current?).copied()
    }

    /// (1-based position of the current match, number of matches).
    pub fn position(&self) -> (usize, usize) {
        (self.current.map_or(0, |i| i + 1), self.matches.len())
    }

    /// Moves to the first match at or after `from` (wrapping), or the one before it
    /// when `backwards`; `from` is a (file, hunk, line) position.
    pub fn step(&mut self, from: (u32, u32, u32), backwards: bool) -> Option<Match> {
        if self.matches.is_empty() {
            return None;
        }
        let n = self.matches.len();
        let at = match (self.current, backwards) {
            (Some(i), false) => (i + 1) % n,
            (Some(i), true) => (i + n - 1) % n,
            (None, false) => {
                let i = self
                    .matches
                    .partition_point(|m| (m.file, m.hunk, m.line) < from);
                i % n
            }
            (None, true) => {
                let i = self
                    .matches
                    .partition_point(|m| (m.file, m.hunk, m.line) < from);
                (i + n - 1) % n
            }
        };
        self.current = Some(at);
        self.current()
    }
}

/// Smart case: a query with no capital letter matches either case (ASCII folding keeps byte
/// offsets exact).
fn find(diff: &Diff, query: &str) -> Vec<Match> {
    let mut found = Vec::new();
    if query.is_empty() {
        return found;
    }
    let fold = !query.chars().any(char::is_uppercase);
    let needle = if fold {
        query.to_ascii_lowercase()
    } else {
        query.to_string()
    };
    let ix = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    for (f, file) in diff.files.iter().enumerate() {
        for (h, hunk) in file.hunks().iter().enumerate() {
            for (l, line) in hunk.lines.iter().enumerate() {
                let text = display_text(&line.text);
                let hay = if fold {
                    Cow::Owned(text.to_ascii_lowercase())
                } else {
                    text
                };
                for (at, m) in hay.match_indices(needle.as_str()) {
                    found.push(Match {
                        file: ix(f),
                        hunk: ix(h),
                        line: ix(l),
                        start: ix(at),
                        end: ix(at + m.len()),
                    });
                    if found.len() >= MAX_MATCHES {
                        return found;
                    }
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::diff::fixtures::text_file;

    #[test]
    fn display_text_is_safe_and_aligned() {
        let cases = [
            ("plain", "plain"),
            ("crlf\r", "crlf"),
            ("\tx", "    x"),
            ("ab\tc", "ab  c"),
            ("\u{1b}]0;pwned\u{7}title", "title"),
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("bell\u{7}", "bell"),
        ];
        for (raw, shown) in cases {
            assert_eq!(display_text(raw), shown, "{raw:?}");
        }
        assert!(matches!(display_text("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn smart_case_and_stepping() {
        let diff = Diff {
            files: vec![
                text_file("a", &[(1, " Token token\n+none\n-TOKEN")]),
                text_file("b", &[(9, "+token")]),
            ],
        };
        let mut search = Search::default();
        search.run(&diff, "token");
        assert_eq!(search.matches().len(), 4);
        assert_eq!(search.on_line(0, 0, 0).len(), 2);
        assert_eq!(search.on_line(0, 0, 1).len(), 0);
        assert_eq!(search.on_line(0, 0, 2)[0].start, 0);
        search.run(&diff, "Token");
        assert_eq!(search.matches().len(), 1);

        search.run(&diff, "token");
        // From file b: the first match there, then wrapping to the top.
        let first = search.step((1, 0, 0), false);
        assert_eq!(first.map(|m| m.file), Some(1));
        assert_eq!(search.position(), (4, 4));
        assert_eq!(search.step((0, 0, 0), false).map(|m| m.file), Some(0));
        assert_eq!(search.position(), (1, 4));
        assert_eq!(search.step((0, 0, 0), true).map(|m| m.file), Some(1));
        search.run(&diff, "absent");
        assert_eq!(search.step((0, 0, 0), false), None);
        assert_eq!(search.position(), (0, 0));
    }
}

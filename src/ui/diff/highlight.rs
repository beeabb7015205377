//! Syntax highlighting for the diff view: syntect parses each side of a file as the file reads
//! — each hunk's lead-in (the lines above it) before its own lines — so a hunk that starts in
//! a docstring is colored as one. Scopes are folded into a handful of token kinds that the
//! andon theme colors (so a theme and NO_COLOR decide the look, not a syntect theme). Work is
//! lazy: a side is parsed only as far as the lowest line drawn so far, and memoized.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use crate::ui::diff::search::display_text;
use andon_core::diff::{Diff, Hunk, LineKind};

/// What a piece of code is, as far as coloring goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Plain,
    Comment,
    Keyword,
    String,
    Constant,
    Type,
}

/// Byte ranges of a line's display text and their tokens, in order.
pub type Spans = Vec<(Token, Range<usize>)>;

/// Longer lines (minified code, data) are drawn plain: the regex engine would crawl.
const MAX_LINE: usize = 2_000;
/// A jump further ahead than this (the end of a huge new file) starts a fresh parse this many
/// lines back rather than parsing everything above: a rare wrong color inside a long comment
/// beats a frozen screen.
const MAX_GAP: usize = 1_000;
const RESTART_CONTEXT: usize = 100;

/// Loads the syntax definitions now (tens of milliseconds), e.g. on a blocking task at start,
/// so the first diff opened does not pay for it on the UI thread.
pub fn warm_up() {
    syntaxes();
    rules();
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Scope prefixes and their tokens, most specific first; a line's innermost matching scope
/// decides. `keyword.operator` is listed to keep `+` and `&&` plain.
fn rules() -> &'static [(Scope, Token)] {
    static RULES: OnceLock<Vec<(Scope, Token)>> = OnceLock::new();
    RULES.get_or_init(|| {
        use Token as T;
        [
            ("comment", T::Comment),
            ("string", T::String),
            ("constant", T::Constant),
            ("keyword.operator", T::Plain),
            ("keyword", T::Keyword),
            ("storage.type", T::Keyword),
            ("storage.modifier", T::Keyword),
            ("variable.language", T::Keyword),
            ("entity.name.tag", T::Keyword),
            ("markup.heading", T::Keyword),
            ("entity.name.type", T::Type),
            ("entity.name.class", T::Type),
            ("entity.name.struct", T::Type),
            ("entity.name.enum", T::Type),
            ("entity.name.trait", T::Type),
            ("support.type", T::Type),
            ("support.class", T::Type),
            ("entity.other.attribute-name", T::Type),
        ]
        .into_iter()
        .filter_map(|(s, t)| Scope::new(s).ok().map(|s| (s, t)))
        .collect()
    })
}

fn token_of(stack: &ScopeStack) -> Token {
    for scope in stack.as_slice().iter().rev() {
        if let Some((_, token)) = rules().iter().find(|(p, _)| p.is_prefix_of(*scope)) {
            return *token;
        }
    }
    Token::Plain
}

/// The syntax for a path by extension, then by file name (`Makefile`); `None` for plain text.
pub fn syntax_for(path: &str) -> Option<&'static SyntaxReference> {
    let path = Path::new(path);
    let set = syntaxes();
    path.extension()
        .and_then(|e| e.to_str())
        .and_then(|e| set.find_syntax_by_extension(e))
        .or_else(|| {
            path.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| set.find_syntax_by_extension(n))
        })
        .filter(|s| s.name != "Plain Text")
}

/// One side of a hunk being parsed: old (context and removed lines) or new (context and added).
struct Side {
    parser: ParseState,
    stack: ScopeStack,
    failed: bool,
}

impl Side {
    fn new(syntax: &SyntaxReference) -> Side {
        Side {
            parser: ParseState::new(syntax),
            stack: ScopeStack::new(),
            failed: false,
        }
    }

    fn parse(&mut self, text: &str) -> Option<Spans> {
        if self.failed || text.len() > MAX_LINE {
            return None;
        }
        let line = format!("{text}\n");
        let Ok(ops) = self.parser.parse_line(&line, syntaxes()) else {
            self.failed = true;
            return None;
        };
        let mut spans: Spans = Vec::new();
        let mut at = 0;
        for (offset, op) in ops {
            let offset = offset.min(text.len());
            if offset > at {
                push(&mut spans, token_of(&self.stack), at..offset);
                at = offset;
            }
            if self.stack.apply(&op).is_err() {
                self.failed = true;
                return None;
            }
        }
        if at < text.len() {
            push(&mut spans, token_of(&self.stack), at..text.len());
        }
        Some(spans)
    }
}

/// Appends a span, merging it into the last one when the token is the same.
fn push(spans: &mut Spans, token: Token, range: Range<usize>) {
    match spans.last_mut() {
        Some((last, r)) if *last == token && r.end == range.start => r.end = range.end,
        _ => spans.push((token, range)),
    }
}

/// Where one side's parse has got to in a file: a position in the side's lines as the file
/// reads them — each hunk's lead-in, then the hunk's own lines of that side.
struct Cursor {
    side: Side,
    /// The hunk and the place in it: `0..lead` are lead-in lines, `lead..` the hunk's lines.
    hunk: usize,
    at: usize,
}

impl Cursor {
    fn at(syntax: &SyntaxReference, hunk: usize, at: usize) -> Cursor {
        Cursor {
            side: Side::new(syntax),
            hunk,
            at,
        }
    }
}

/// A file's two sides and the spans found so far, by hunk and line index.
struct FileState {
    old: Cursor,
    new: Cursor,
    spans: Vec<Vec<Option<Spans>>>,
}

#[derive(Default)]
struct Memo {
    syntaxes: HashMap<u32, Option<&'static SyntaxReference>>,
    files: HashMap<u32, FileState>,
    /// Lines parsed since the memo started afresh, to bound its size.
    lines: usize,
}

/// Lines remembered before the memo starts afresh.
const MAX_LINES: usize = 200_000;

/// The memo of highlighted lines for one diff. Clones share it; a new diff needs a new one.
#[derive(Clone, Default)]
pub struct Highlights(Arc<Mutex<Memo>>);

impl std::fmt::Debug for Highlights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Highlights")
    }
}

/// The lines of `hunk` that belong to a side: context and removed (old), context and added.
fn owns(old: bool, kind: LineKind) -> bool {
    if old {
        kind != LineKind::Added
    } else {
        kind != LineKind::Removed
    }
}

/// Whether the old side draws a line (removed lines) or the new side (the rest).
fn draws(old: bool, kind: LineKind) -> bool {
    (kind == LineKind::Removed) == old
}

fn lead(h: &Hunk, old: bool) -> &[String] {
    if old {
        &h.lead_in.old
    } else {
        &h.lead_in.new
    }
}

/// Whether hunk `j`'s lead-in on a side reaches back to the previous hunk (or the top of the
/// file): then the parse runs on through the gap, else it starts afresh at the lead-in.
fn joined(hunks: &[Hunk], j: usize, old: bool) -> bool {
    let first = hunks[j]
        .first_index(old)
        .saturating_sub(lead(&hunks[j], old).len());
    let previous_end = match j.checked_sub(1) {
        Some(p) => hunks[p].end_index(old),
        None => 0,
    };
    first == previous_end
}

/// Parses a side forward until hunk `h` line `l` is parsed, storing the spans of the lines
/// the side draws. A target behind the cursor, or far ahead of it, restarts the parse near
/// the target.
fn advance(
    cursor: &mut Cursor,
    spans: &mut [Vec<Option<Spans>>],
    hunks: &[Hunk],
    syntax: &'static SyntaxReference,
    old: bool,
    (h, l): (usize, usize),
) -> usize {
    let target = lead(&hunks[h], old).len() + l;
    let behind = (cursor.hunk, cursor.at) > (h, target);
    let gap = if cursor.hunk == h {
        target.saturating_sub(cursor.at)
    } else {
        // A rough count: the lines left in the cursor's hunk and everything before the target.
        hunks[cursor.hunk..h]
            .iter()
            .map(|x| lead(x, old).len() + x.lines.len())
            .sum::<usize>()
            + target
    };
    if behind || gap > MAX_GAP {
        *cursor = Cursor::at(syntax, h, target.saturating_sub(RESTART_CONTEXT));
    }
    let mut parsed = 0;
    while (cursor.hunk, cursor.at) <= (h, target) {
        let hunk = &hunks[cursor.hunk];
        let lead_in = lead(hunk, old);
        if cursor.at == 0 && cursor.hunk > 0 && !joined(hunks, cursor.hunk, old) {
            cursor.side = Side::new(syntax);
        }
        if cursor.at < lead_in.len() {
            cursor.side.parse(&display_text(&lead_in[cursor.at]));
        } else if let Some(line) = hunk.lines.get(cursor.at - lead_in.len()) {
            if owns(old, line.kind) {
                let found = cursor.side.parse(&display_text(&line.text));
                if draws(old, line.kind) {
                    spans[cursor.hunk][cursor.at - lead_in.len()] = found;
                }
            }
        }
        parsed += 1;
        cursor.at += 1;
        if cursor.at >= lead_in.len() + hunk.lines.len() {
            if cursor.hunk + 1 >= hunks.len() {
                break;
            }
            cursor.hunk += 1;
            cursor.at = 0;
        }
    }
    parsed
}

impl Highlights {
    /// The spans of one line's display text, or `None` when it is drawn plain (unknown
    /// language, a line too long, a grammar that failed).
    pub fn line(&self, diff: &Diff, file: u32, hunk: u32, line: u32) -> Option<Spans> {
        let f = diff.files.get(usize::try_from(file).ok()?)?;
        let hunks = f.hunks();
        let h = usize::try_from(hunk).ok()?;
        let l = usize::try_from(line).ok()?;
        let kind = hunks.get(h)?.lines.get(l)?.kind;
        let mut memo = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let syntax = *memo
            .syntaxes
            .entry(file)
            .or_insert_with(|| syntax_for(&f.path));
        let syntax = syntax?;
        if memo.lines > MAX_LINES {
            memo.files.clear();
            memo.lines = 0;
        }
        let state = memo.files.entry(file).or_insert_with(|| FileState {
            old: Cursor::at(syntax, 0, 0),
            new: Cursor::at(syntax, 0, 0),
            spans: hunks.iter().map(|h| vec![None; h.lines.len()]).collect(),
        });
        if let Some(Some(spans)) = state.spans[h].get(l) {
            return Some(spans.clone());
        }
        let old = kind == LineKind::Removed;
        let cursor = if old { &mut state.old } else { &mut state.new };
        let parsed = advance(cursor, &mut state.spans, hunks, syntax, old, (h, l));
        let found = state.spans[h].get(l).cloned().flatten();
        memo.lines += parsed;
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::diff::fixtures::{hunk, text_file};

    fn tokens(spans: &Spans, text: &str) -> Vec<(Token, String)> {
        spans
            .iter()
            .map(|(t, r)| (*t, text[r.clone()].to_string()))
            .filter(|(_, s)| !s.trim().is_empty())
            .collect()
    }

    #[test]
    fn rust_lines_get_tokens_and_sides_keep_their_own_state() {
        let diff = Diff {
            files: vec![text_file(
                "src/a.rs",
                &[(
                    1,
                    " /* open\n-old */ let x = 1;\n+new */ fn f() {}\n let s = \"hi\";",
                )],
            )],
        };
        let hl = Highlights::default();
        let removed = hl.line(&diff, 0, 0, 1).unwrap_or_default();
        assert_eq!(
            tokens(&removed, "old */ let x = 1;")[0],
            (Token::Comment, "old */".to_string()),
            "the old side is inside the comment opened by the context line"
        );
        let added = hl.line(&diff, 0, 0, 2).unwrap_or_default();
        let added = tokens(&added, "new */ fn f() {}");
        assert_eq!(added[0], (Token::Comment, "new */".to_string()));
        assert!(
            added.contains(&(Token::Keyword, "fn".to_string())),
            "{added:?}"
        );
        let last = hl.line(&diff, 0, 0, 3).unwrap_or_default();
        let last = tokens(&last, "let s = \"hi\";");
        assert!(
            last.contains(&(Token::Keyword, "let".to_string())),
            "{last:?}"
        );
        assert!(last
            .iter()
            .any(|(t, s)| *t == Token::String && s.contains("hi")));
    }

    #[test]
    fn a_far_jump_does_not_parse_everything_above() {
        let body: String = (0..5_000)
            .map(|i| format!("+let v{i} = \"{i}\";\n"))
            .collect();
        let diff = Diff {
            files: vec![text_file("gen.rs", &[(1, &body)])],
        };
        let hl = Highlights::default();
        let last = hl.line(&diff, 0, 0, 4_999).unwrap_or_default();
        let text = "let v4999 = \"4999\";";
        assert!(tokens(&last, text).contains(&(Token::Keyword, "let".to_string())));
        let memo = hl.0.lock().unwrap_or_else(|p| p.into_inner());
        let parsed = memo.files[&0].spans[0]
            .iter()
            .filter(|s| s.is_some())
            .count();
        assert!(parsed <= RESTART_CONTEXT + 1, "{parsed} lines parsed");
        drop(memo);
        // Scrolling back up from there parses from a little above, not from the top.
        assert!(hl.line(&diff, 0, 0, 3_000).is_some());
        assert!(hl.line(&diff, 0, 0, 2_999).is_some());
    }

    #[test]
    fn a_hunk_that_starts_inside_a_docstring_is_colored_with_the_files_context() {
        // The file opens a docstring above the hunk; the hunk's first lines are its text.
        let mut h = hunk(
            3,
            " Counts are exact: if x in d: the code is not run.\n-    return 2\n+    return 1\n \"\"\"",
        );
        h.lead_in.old = vec!["def frequencies(seq):".into(), "    \"\"\"".into()];
        h.lead_in.new = h.lead_in.old.clone();
        let mut file = text_file("toolz/itertoolz.py", &[]);
        file.body = andon_core::diff::FileBody::Text { hunks: vec![h] };
        let diff = Diff { files: vec![file] };
        let hl = Highlights::default();
        let context = hl.line(&diff, 0, 0, 0).unwrap_or_default();
        let text = "Counts are exact: if x in d: the code is not run.";
        let words = tokens(&context, text);
        // Python's grammar scopes a docstring as documentation (a comment): text, not code.
        assert!(
            words
                .iter()
                .all(|(t, _)| matches!(t, Token::String | Token::Comment)),
            "docstring text is text, not code: {words:?}"
        );
        // Without the lead-in the same line reads as code (`if`, `in`, `not` keywords).
        let mut bare = diff.clone();
        if let andon_core::diff::FileBody::Text { hunks } = &mut bare.files[0].body {
            hunks[0].lead_in = Default::default();
        }
        let words = tokens(
            &Highlights::default()
                .line(&bare, 0, 0, 0)
                .unwrap_or_default(),
            text,
        );
        assert!(words.iter().any(|(t, _)| *t == Token::Keyword), "{words:?}");
    }

    #[test]
    fn the_parse_runs_on_from_one_hunk_into_the_next() {
        // A block comment opened in hunk 1 is still open in hunk 2, joined by the lead-in.
        let mut first = hunk(1, " /* open\n-a\n+b");
        first.lead_in = Default::default();
        let mut second = hunk(10, " still in the comment");
        // Lines 3 to 9: from just below hunk 1 (lines 1-2) to just above hunk 2 (line 10).
        second.lead_in.old = (3..=9).map(|i| format!("line {i}")).collect();
        second.lead_in.new = second.lead_in.old.clone();
        let mut file = text_file("a.c", &[]);
        file.body = andon_core::diff::FileBody::Text {
            hunks: vec![first, second],
        };
        let diff = Diff { files: vec![file] };
        let spans = Highlights::default()
            .line(&diff, 0, 1, 0)
            .unwrap_or_default();
        let words = tokens(&spans, "still in the comment");
        assert!(words.iter().all(|(t, _)| *t == Token::Comment), "{words:?}");
    }

    #[test]
    fn unknown_languages_and_long_lines_stay_plain() {
        assert!(syntax_for("notes.unknownext").is_none());
        assert!(syntax_for("Makefile").is_some());
        assert!(syntax_for("a/b/c.py").is_some());
        let long = format!("+let x = \"{}\";", "a".repeat(MAX_LINE));
        let mut file = text_file("a.rs", &[]);
        file.body = andon_core::diff::FileBody::Text {
            hunks: vec![hunk(1, &long)],
        };
        let diff = Diff { files: vec![file] };
        assert_eq!(Highlights::default().line(&diff, 0, 0, 0), None);
        assert_eq!(Highlights::default().line(&diff, 3, 0, 0), None);
    }
}

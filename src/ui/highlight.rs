//! Syntax highlighting for the diff view: syntect parses each hunk, and its scopes are folded
//! into a handful of token kinds that the andon theme colors (so a theme and NO_COLOR decide
//! the look, not a syntect theme). Work is lazy: a hunk side is parsed only as far as the
//! lowest line drawn so far, and the results are memoized.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use super::diff_search::display_text;
use crate::core::diff::{Diff, LineKind};

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
/// Hunks remembered before the memo starts afresh.
const MAX_HUNKS: usize = 512;
/// A jump further ahead than this (the end of a huge new file) starts a fresh parse this many
/// lines back rather than parsing everything above: a rare wrong color inside a long comment
/// beats a frozen screen.
const MAX_GAP: usize = 1_000;
const RESTART_CONTEXT: usize = 100;

/// Loads the syntax definitions now (tens of milliseconds), e.g. on a blocking task at start,
/// so the first diff opened does not pay for it on the UI thread.
pub fn warm_up() {
    let _ = syntaxes();
    let _ = rules();
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
    /// The lines this side has parsed in a row: `from..next` (line indices of the hunk).
    from: usize,
    next: usize,
    failed: bool,
}

impl Side {
    fn new(syntax: &SyntaxReference) -> Side {
        Side {
            parser: ParseState::new(syntax),
            stack: ScopeStack::new(),
            from: 0,
            next: 0,
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

/// A hunk's two sides and the spans found so far, by line index.
struct HunkState {
    old: Side,
    new: Side,
    spans: Vec<Option<Spans>>,
}

#[derive(Default)]
struct Memo {
    syntaxes: HashMap<u32, Option<&'static SyntaxReference>>,
    hunks: HashMap<(u32, u32), HunkState>,
}

/// The memo of highlighted lines for one diff. Clones share it; a new diff needs a new one.
#[derive(Clone, Default)]
pub struct Highlights(Arc<Mutex<Memo>>);

impl std::fmt::Debug for Highlights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Highlights")
    }
}

impl Highlights {
    /// The spans of one line's display text, or `None` when it is drawn plain (unknown
    /// language, a line too long, a grammar that failed).
    pub fn line(&self, diff: &Diff, file: u32, hunk: u32, line: u32) -> Option<Spans> {
        let f = diff.files.get(usize::try_from(file).ok()?)?;
        let h = f.hunks().get(usize::try_from(hunk).ok()?)?;
        let l = usize::try_from(line).ok()?;
        let kind = h.lines.get(l)?.kind;
        let mut memo = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let syntax = *memo
            .syntaxes
            .entry(file)
            .or_insert_with(|| syntax_for(&f.path));
        let syntax = syntax?;
        if memo.hunks.len() >= MAX_HUNKS && !memo.hunks.contains_key(&(file, hunk)) {
            memo.hunks.clear();
        }
        let state = memo.hunks.entry((file, hunk)).or_insert_with(|| HunkState {
            old: Side::new(syntax),
            new: Side::new(syntax),
            spans: vec![None; h.lines.len()],
        });
        if let Some(Some(spans)) = state.spans.get(l) {
            return Some(spans.clone());
        }
        // Context lines are parsed on both sides (each side's state needs them) and drawn
        // with the new side's spans.
        let (side, owns): (&mut Side, fn(LineKind) -> bool) = if kind == LineKind::Removed {
            (&mut state.old, |k| k != LineKind::Added)
        } else {
            (&mut state.new, |k| k != LineKind::Removed)
        };
        let draws = |k: LineKind| {
            if kind == LineKind::Removed {
                k == LineKind::Removed
            } else {
                k != LineKind::Removed
            }
        };
        if l < side.from || l > side.next + MAX_GAP {
            *side = Side::new(syntax);
            side.from = l.saturating_sub(RESTART_CONTEXT);
            side.next = side.from;
        }
        while side.next <= l {
            let i = side.next;
            side.next += 1;
            let k = h.lines[i].kind;
            if !owns(k) {
                continue;
            }
            let spans = side.parse(&display_text(&h.lines[i].text));
            if draws(k) {
                state.spans[i] = spans;
            }
        }
        state.spans.get(l).cloned().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::diff_fixtures::{hunk, text_file};

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
        let parsed = memo.hunks[&(0, 0)]
            .spans
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
    fn unknown_languages_and_long_lines_stay_plain() {
        assert!(syntax_for("notes.unknownext").is_none());
        assert!(syntax_for("Makefile").is_some());
        assert!(syntax_for("a/b/c.py").is_some());
        let long = format!("+let x = \"{}\";", "a".repeat(MAX_LINE));
        let mut file = text_file("a.rs", &[]);
        file.body = crate::core::diff::FileBody::Text {
            hunks: vec![hunk(1, &long)],
        };
        let diff = Diff { files: vec![file] };
        assert_eq!(Highlights::default().line(&diff, 0, 0, 0), None);
        assert_eq!(Highlights::default().line(&diff, 3, 0, 0), None);
    }
}

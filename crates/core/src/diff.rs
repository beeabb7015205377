//! The diff model as plain data: files with status and +/- counts, hunks and lines, filled by
//! `git::diff` and drawn by the diff and review views. Big and binary files are summarised
//! instead of expanded so a view never holds a whole generated file.

use serde::Serialize;

/// Which diff of a loop: everything since its base, or one iteration's snapshot against the one
/// before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DiffTarget {
    /// Base commit .. the worktree as it is now (untracked files included).
    Cumulative,
    /// Snapshot `k-1` .. snapshot `k` (iteration 1 is compared with the base).
    Iteration(u32),
}

impl DiffTarget {
    pub fn label(self) -> String {
        match self {
            DiffTarget::Cumulative => "cumulative".into(),
            DiffTarget::Iteration(k) => format!("iteration {k}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
    /// A file became a symlink or the reverse.
    TypeChange,
}

impl FileStatus {
    /// The one-letter code `git status --short` uses.
    pub fn letter(self) -> char {
        match self {
            FileStatus::Added => 'A',
            FileStatus::Modified => 'M',
            FileStatus::Deleted => 'D',
            FileStatus::Renamed => 'R',
            FileStatus::TypeChange => 'T',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub kind: LineKind,
    /// Line number in the old file (context and removed lines).
    pub old_no: Option<u32>,
    /// Line number in the new file (context and added lines).
    pub new_no: Option<u32>,
    /// Without the trailing newline; never contains `\n`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hunk {
    /// The `@@ -a,b +c,d @@ context` line.
    pub header: String,
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
    pub lines: Vec<DiffLine>,
    /// The file's lines just above the hunk on each side (back to the previous hunk, at most
    /// `LEAD_IN` of them): what a highlighter parses first, so a hunk that starts inside a
    /// docstring or a block comment is colored as the file reads.
    #[serde(skip)]
    pub lead_in: LeadIn,
}

/// The lines above a hunk on its old and new sides, nearest last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadIn {
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// The most lines a hunk's lead-in keeps per side.
pub const LEAD_IN: usize = 400;

impl Hunk {
    /// The 0-based index of the side's first line in its file (for a side with no lines, the
    /// index where they would be: git numbers such a side by the line before).
    pub fn first_index(&self, old: bool) -> usize {
        let (start, count) = if old {
            (self.old_start, self.old_lines)
        } else {
            (self.new_start, self.new_lines)
        };
        let start = start as usize;
        if count == 0 {
            start
        } else {
            start.saturating_sub(1)
        }
    }

    /// One past the 0-based index of the side's last line in its file.
    pub fn end_index(&self, old: bool) -> usize {
        let count = if old { self.old_lines } else { self.new_lines };
        self.first_index(old) + count as usize
    }
}

/// What a file's change looks like in the view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FileBody {
    Text {
        hunks: Vec<Hunk>,
    },
    /// Binary content: only the sizes are shown.
    Binary {
        old_size: u64,
        new_size: u64,
    },
    /// Text over the size limit: counted, not expanded.
    TooLarge {
        old_size: u64,
        new_size: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffFile {
    /// The path after the change (the old path for a deletion).
    pub path: String,
    /// The path before a rename.
    pub old_path: Option<String>,
    pub status: FileStatus,
    pub added: u32,
    pub removed: u32,
    pub body: FileBody,
}

impl DiffFile {
    pub fn hunks(&self) -> &[Hunk] {
        match &self.body {
            FileBody::Text { hunks } => hunks,
            _ => &[],
        }
    }
}

/// Files changed, lines added, lines removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffStat {
    pub files: u32,
    pub added: u32,
    pub removed: u32,
}

impl std::fmt::Display for DiffStat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.files == 1 { "" } else { "s" };
        write!(
            f,
            "{} file{s} +{} -{}",
            self.files, self.added, self.removed
        )
    }
}

/// One diff of one loop, files sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub files: Vec<DiffFile>,
}

impl Diff {
    pub fn stat(&self) -> DiffStat {
        DiffStat {
            files: u32::try_from(self.files.len()).unwrap_or(u32::MAX),
            added: self.files.iter().map(|f| f.added).sum(),
            removed: self.files.iter().map(|f| f.removed).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Half-done work a diff adds: a marker in an added line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placeholder {
    pub path: String,
    pub line: u32,
    /// Which marker matched, e.g. `todo!()`.
    pub marker: &'static str,
    /// The added line, trimmed.
    pub text: String,
}

/// (needle, label, case-insensitive). Word-like markers are matched on word boundaries so
/// `TODOS.md` or `mastodon` do not count.
const MARKERS: &[(&str, &str, bool)] = &[
    ("todo!(", "todo!()", false),
    ("unimplemented!(", "unimplemented!()", false),
    ("NotImplementedError", "NotImplementedError", false),
    ("not implemented", "not implemented", true),
    ("TODO", "TODO", false),
    ("FIXME", "FIXME", false),
];

/// The placeholders among the lines a diff adds (never among removed or context lines), in
/// file and line order, at most one per line.
pub fn placeholders(diff: &Diff) -> Vec<Placeholder> {
    let mut found = Vec::new();
    for file in &diff.files {
        for line in file.hunks().iter().flat_map(|h| &h.lines) {
            if line.kind != LineKind::Added {
                continue;
            }
            if let Some(marker) = marker_in(&line.text) {
                found.push(Placeholder {
                    path: file.path.clone(),
                    line: line.new_no.unwrap_or(0),
                    marker,
                    text: line.text.trim().to_string(),
                });
            }
        }
    }
    found
}

fn marker_in(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    MARKERS.iter().find_map(|&(needle, label, fold)| {
        let (hay, needle) = if fold {
            (lower.as_str(), needle.to_lowercase())
        } else {
            (text, needle.to_string())
        };
        let word = needle.chars().all(|c| c.is_ascii_alphabetic());
        hay.match_indices(&needle)
            .any(|(at, m)| !word || on_word_boundary(hay, at, m.len()))
            .then_some(label)
    })
}

fn on_word_boundary(hay: &str, at: usize, len: usize) -> bool {
    let before = hay[..at].chars().next_back();
    let after = hay[at + len..].chars().next();
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !ident(before) && !ident(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(no: u32, text: &str) -> DiffLine {
        DiffLine {
            kind: LineKind::Added,
            old_no: None,
            new_no: Some(no),
            text: text.into(),
        }
    }

    fn file(path: &str, lines: Vec<DiffLine>) -> DiffFile {
        let added = lines.iter().filter(|l| l.kind == LineKind::Added).count() as u32;
        let removed = lines.iter().filter(|l| l.kind == LineKind::Removed).count() as u32;
        DiffFile {
            path: path.into(),
            old_path: None,
            status: FileStatus::Modified,
            added,
            removed,
            body: FileBody::Text {
                hunks: vec![Hunk {
                    header: "@@ -1,1 +1,2 @@".into(),
                    old_start: 1,
                    old_lines: 1,
                    new_start: 1,
                    new_lines: 2,
                    lines,
                    lead_in: LeadIn::default(),
                }],
            },
        }
    }

    #[test]
    fn markers_found_on_added_lines_only() {
        let table: &[(&str, Option<&str>)] = &[
            ("    todo!()", Some("todo!()")),
            ("    unimplemented!(\"later\")", Some("unimplemented!()")),
            (
                "        raise NotImplementedError",
                Some("NotImplementedError"),
            ),
            ("    pass  # TODO", Some("TODO")),
            ("// FIXME: handle zero", Some("FIXME")),
            (
                "throw new Error('Not implemented yet')",
                Some("not implemented"),
            ),
            ("let todos = list_todos();", None),
            ("see TODOS.md", None),
            ("mastodon", None),
            ("let x = 1;", None),
        ];
        for (text, want) in table {
            assert_eq!(marker_in(text), *want, "{text:?}");
        }
    }

    #[test]
    fn removed_and_context_lines_are_ignored() {
        let mut removed = added(1, "// TODO old");
        removed.kind = LineKind::Removed;
        removed.old_no = Some(1);
        removed.new_no = None;
        let mut context = added(2, "// FIXME kept");
        context.kind = LineKind::Context;
        let diff = Diff {
            files: vec![file(
                "src/a.rs",
                vec![removed, context, added(3, "    todo!()")],
            )],
        };
        let found = placeholders(&diff);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].path.as_str(), found[0].line, found[0].marker),
            ("src/a.rs", 3, "todo!()")
        );
    }

    #[test]
    fn stat_sums_files() {
        let diff = Diff {
            files: vec![
                file("a", vec![added(1, "x"), added(2, "y")]),
                file("b", vec![added(1, "z")]),
            ],
        };
        assert_eq!(
            diff.stat(),
            DiffStat {
                files: 2,
                added: 3,
                removed: 0
            }
        );
        assert_eq!(diff.stat().to_string(), "2 files +3 -0");
    }
}

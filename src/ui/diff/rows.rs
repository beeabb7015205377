//! The diff view's rows as a flat index, built once per diff: file headers, summaries, hunk
//! headers and lines, in the order they are drawn. Scrolling, jumping and drawing then cost
//! only the rows on screen, however big the diff.

use andon_core::diff::{Diff, FileBody, LineKind};

/// A position in a diff that survives a change of layout (unified, side by side):
/// (file, hunk + 1 or 0 for the file's own rows, place within). Rows are in anchor order.
pub type Anchor = (u32, u32, u32);

/// One screen row of the diff view; indices point into the `Diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// The blank row between two files.
    Spacer {
        file: u32,
    },
    File {
        file: u32,
    },
    /// A one-line stand-in for a binary, too large or content-less file.
    Summary {
        file: u32,
    },
    Hunk {
        file: u32,
        hunk: u32,
    },
    /// Unified layout: one line of a hunk.
    Line {
        file: u32,
        hunk: u32,
        line: u32,
    },
    /// Side-by-side layout: an old line beside a new one (the same line for context).
    Pair {
        file: u32,
        hunk: u32,
        old: Option<u32>,
        new: Option<u32>,
    },
}

impl Row {
    pub fn file(self) -> u32 {
        match self {
            Row::Spacer { file }
            | Row::File { file }
            | Row::Summary { file }
            | Row::Hunk { file, .. }
            | Row::Line { file, .. }
            | Row::Pair { file, .. } => file,
        }
    }

    pub fn anchor(self) -> Anchor {
        match self {
            Row::Spacer { file } => (file, 0, 0),
            Row::File { file } => (file, 0, 1),
            Row::Summary { file } => (file, 0, 2),
            Row::Hunk { file, hunk } => (file, hunk + 1, 0),
            Row::Line { file, hunk, line } => (file, hunk + 1, line + 1),
            Row::Pair {
                file,
                hunk,
                old,
                new,
            } => {
                let first = old.into_iter().chain(new).min().unwrap_or(0);
                (file, hunk + 1, first + 1)
            }
        }
    }

    /// Whether the row shows `line` of `hunk` in `file`.
    fn shows(self, f: u32, h: u32, l: u32) -> bool {
        match self {
            Row::Line { file, hunk, line } => (file, hunk, line) == (f, h, l),
            Row::Pair {
                file,
                hunk,
                old,
                new,
            } => (file, hunk) == (f, h) && (old == Some(l) || new == Some(l)),
            _ => false,
        }
    }
}

/// Every row of one layout, with the rows where files and hunks start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowIndex {
    rows: Vec<Row>,
    files: Vec<usize>,
    hunks: Vec<usize>,
    /// Digits of the largest line number, for the gutter.
    number_width: usize,
}

fn ix(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl RowIndex {
    /// One row per diff line.
    pub fn unified(diff: &Diff) -> RowIndex {
        RowIndex::build(diff, |rows, f, h, lines| {
            rows.extend((0..lines.len()).map(|l| Row::Line {
                file: f,
                hunk: h,
                line: ix(l),
            }));
        })
    }

    /// Old and new side by side: a run of removed lines faces the run of added lines after it.
    pub fn split(diff: &Diff) -> RowIndex {
        RowIndex::build(diff, |rows, f, h, lines| {
            let mut i = 0;
            while i < lines.len() {
                if lines[i] == LineKind::Context {
                    rows.push(Row::Pair {
                        file: f,
                        hunk: h,
                        old: Some(ix(i)),
                        new: Some(ix(i)),
                    });
                    i += 1;
                    continue;
                }
                let removed_end = i + lines[i..]
                    .iter()
                    .take_while(|k| **k == LineKind::Removed)
                    .count();
                let added_end = removed_end
                    + lines[removed_end..]
                        .iter()
                        .take_while(|k| **k == LineKind::Added)
                        .count();
                let (removed, added) = (removed_end - i, added_end - removed_end);
                for t in 0..removed.max(added) {
                    rows.push(Row::Pair {
                        file: f,
                        hunk: h,
                        old: (t < removed).then(|| ix(i + t)),
                        new: (t < added).then(|| ix(removed_end + t)),
                    });
                }
                i = added_end;
            }
        })
    }

    fn build(diff: &Diff, mut hunk_rows: impl FnMut(&mut Vec<Row>, u32, u32, &[LineKind])) -> Self {
        let mut index = RowIndex::default();
        let mut largest = 0;
        let mut kinds = Vec::new();
        for (f, file) in diff.files.iter().enumerate() {
            let f = ix(f);
            if f > 0 {
                index.rows.push(Row::Spacer { file: f });
            }
            index.files.push(index.rows.len());
            index.rows.push(Row::File { file: f });
            let hunks = match &file.body {
                FileBody::Text { hunks } if !hunks.is_empty() => hunks,
                _ => {
                    index.rows.push(Row::Summary { file: f });
                    continue;
                }
            };
            for (h, hunk) in hunks.iter().enumerate() {
                largest = largest
                    .max(hunk.old_start.saturating_add(hunk.old_lines))
                    .max(hunk.new_start.saturating_add(hunk.new_lines));
                index.hunks.push(index.rows.len());
                index.rows.push(Row::Hunk {
                    file: f,
                    hunk: ix(h),
                });
                kinds.clear();
                kinds.extend(hunk.lines.iter().map(|l| l.kind));
                hunk_rows(&mut index.rows, f, ix(h), &kinds);
            }
        }
        index.number_width = largest.to_string().len();
        index
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn number_width(&self) -> usize {
        self.number_width
    }

    /// The row at or just before `anchor`.
    pub fn row_of(&self, anchor: Anchor) -> usize {
        self.rows
            .partition_point(|r| r.anchor() <= anchor)
            .saturating_sub(1)
    }

    /// The row that shows `line` of `hunk` in `file` (its hunk's header if none does).
    pub fn row_of_line(&self, file: u32, hunk: u32, line: u32) -> usize {
        let header = self.row_of((file, hunk + 1, 0));
        self.rows[header..]
            .iter()
            .take_while(|r| r.anchor() <= (file, hunk + 1, u32::MAX))
            .position(|r| r.shows(file, hunk, line))
            .map_or(header, |at| header + at)
    }

    /// The header row of `file`.
    pub fn file_row(&self, file: u32) -> Option<usize> {
        self.files.get(usize::try_from(file).ok()?).copied()
    }

    /// The file whose rows include `row`.
    pub fn file_at(&self, row: usize) -> Option<u32> {
        self.rows.get(row).map(|r| r.file())
    }

    /// The first file header after `row`.
    pub fn next_file(&self, row: usize) -> Option<usize> {
        next(&self.files, row)
    }

    /// The last file header before `row`.
    pub fn prev_file(&self, row: usize) -> Option<usize> {
        prev(&self.files, row)
    }

    pub fn next_hunk(&self, row: usize) -> Option<usize> {
        next(&self.hunks, row)
    }

    pub fn prev_hunk(&self, row: usize) -> Option<usize> {
        prev(&self.hunks, row)
    }
}

fn next(starts: &[usize], row: usize) -> Option<usize> {
    starts.get(starts.partition_point(|s| *s <= row)).copied()
}

fn prev(starts: &[usize], row: usize) -> Option<usize> {
    let at = starts.partition_point(|s| *s < row);
    at.checked_sub(1).map(|i| starts[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::diff::fixtures::{binary, text_file};

    fn sample() -> Diff {
        Diff {
            files: vec![
                text_file("a.rs", &[(1, " a\n-b\n-c\n+B\n d\n+e")]),
                binary("logo.png"),
                text_file("z.rs", &[(1, "+x"), (40, " y\n-z")]),
            ],
        }
    }

    #[test]
    fn unified_rows_in_drawing_order() {
        let index = RowIndex::unified(&sample());
        let kinds: String = index
            .rows()
            .iter()
            .map(|r| match r {
                Row::Spacer { .. } => '_',
                Row::File { .. } => 'F',
                Row::Summary { .. } => 'S',
                Row::Hunk { .. } => 'H',
                Row::Line { .. } => 'l',
                Row::Pair { .. } => 'p',
            })
            .collect();
        assert_eq!(kinds, "FHllllll_FS_FHlHll");
        assert_eq!(index.number_width(), 2);
        let anchors: Vec<Anchor> = index.rows().iter().map(|r| r.anchor()).collect();
        assert!(anchors.windows(2).all(|w| w[0] < w[1]), "{anchors:?}");
    }

    #[test]
    fn split_pairs_removed_runs_with_the_added_runs_after_them() {
        let index = RowIndex::split(&sample());
        let pairs: Vec<(Option<u32>, Option<u32>)> = index
            .rows()
            .iter()
            .filter_map(|r| match *r {
                Row::Pair {
                    file: 0, old, new, ..
                } => Some((old, new)),
                _ => None,
            })
            .collect();
        // " a", "-b" beside "+B", "-c" alone, " d", "+e" alone.
        assert_eq!(
            pairs,
            vec![
                (Some(0), Some(0)),
                (Some(1), Some(3)),
                (Some(2), None),
                (Some(4), Some(4)),
                (None, Some(5)),
            ]
        );
        let anchors: Vec<Anchor> = index.rows().iter().map(|r| r.anchor()).collect();
        assert!(anchors.windows(2).all(|w| w[0] < w[1]), "{anchors:?}");
        // Every line of the diff is on exactly one row.
        assert_eq!(index.row_of_line(0, 0, 3), index.row_of_line(0, 0, 1));
        assert_eq!(index.row_of_line(0, 0, 5), 6);
    }

    #[test]
    fn navigation_between_files_and_hunks() {
        let unified = RowIndex::unified(&sample());
        let split = RowIndex::split(&sample());
        assert_eq!(unified.next_file(0), Some(9));
        assert_eq!(unified.next_file(9), Some(12));
        assert_eq!(unified.next_file(12), None);
        assert_eq!(unified.prev_file(12), Some(9));
        assert_eq!(unified.prev_file(0), None);
        assert_eq!(unified.next_hunk(1), Some(13));
        assert_eq!(unified.next_hunk(13), Some(15));
        assert_eq!(unified.prev_hunk(15), Some(13));
        assert_eq!(unified.file_at(10), Some(1));
        assert_eq!(unified.file_row(2), Some(12));
        // An anchor taken in one layout lands on the same place in the other.
        for row in 0..unified.len() {
            let there = split.row_of(unified.rows()[row].anchor());
            assert_eq!(split.rows()[there].file(), unified.rows()[row].file());
        }
        let line = unified.row_of_line(2, 1, 1);
        assert_eq!(
            unified.rows()[line],
            Row::Line {
                file: 2,
                hunk: 1,
                line: 1
            }
        );
    }

    #[test]
    fn an_empty_diff_has_no_rows() {
        let index = RowIndex::unified(&Diff::default());
        assert!(index.is_empty());
        assert_eq!(index.row_of((0, 0, 0)), 0);
        assert_eq!(index.next_file(0), None);
    }
}

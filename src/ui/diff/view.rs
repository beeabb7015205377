//! The diff view's state as plain data: which diff of which loop is wanted and which is
//! shown, where the view is scrolled to, the layout and the search. Keys become
//! [`DiffViewState::apply`] calls; a new target becomes a [`DiffRequest`] for the app to
//! compute off the UI thread and hand back with [`DiffViewState::set_diff`].

use std::sync::Arc;

use crate::ui::diff::highlight::Highlights;
use crate::ui::diff::rows::{Anchor, RowIndex};
use crate::ui::diff::search::Search;
use crate::ui::keys::keymap::Action;
use andon_core::diff::{Diff, DiffTarget};

/// A diff the view needs computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRequest {
    pub loop_name: String,
    pub target: DiffTarget,
}

/// A computed diff with its two row layouts and its highlight memo.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub target: DiffTarget,
    pub diff: Arc<Diff>,
    pub unified: RowIndex,
    pub split: RowIndex,
    pub highlights: Highlights,
}

impl Loaded {
    pub fn rows(&self, split: bool) -> &RowIndex {
        if split {
            &self.split
        } else {
            &self.unified
        }
    }
}

/// What the view has room for, from `views::diff_geometry`: rows of diff body on screen and
/// whether side by side is in effect (wanted and wide enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffGeometry {
    pub rows: usize,
    pub split: bool,
}

#[derive(Debug, Clone)]
pub struct DiffViewState {
    pub loop_name: String,
    /// Iterations with a snapshot: `<` and `>` move through 1..=iterations.
    pub iterations: u32,
    target: DiffTarget,
    loaded: Option<Loaded>,
    requested: bool,
    error: Option<String>,
    /// The row at the top of the body, as an anchor so a layout change keeps the place.
    top: Anchor,
    selected_file: u32,
    /// Side by side wanted (drawn only when the terminal is wide enough).
    pub side_by_side: bool,
    pub search: Search,
}

/// The top row that shows `rows` rows of `len` without running past the end.
pub fn clamp_top(top: usize, len: usize, rows: usize) -> usize {
    top.min(len.saturating_sub(rows.max(1)))
}

impl DiffViewState {
    pub fn new(loop_name: impl Into<String>, iterations: u32, target: DiffTarget) -> Self {
        DiffViewState {
            loop_name: loop_name.into(),
            iterations,
            target,
            loaded: None,
            requested: false,
            error: None,
            top: (0, 0, 0),
            selected_file: 0,
            side_by_side: false,
            search: Search::default(),
        }
    }

    /// The diff wanted now.
    pub fn target(&self) -> DiffTarget {
        self.target
    }

    /// The diff shown, which lags the target until the app delivers it.
    pub fn loaded(&self) -> Option<&Loaded> {
        self.loaded.as_ref()
    }

    /// The wanted diff is not here yet (and has not failed).
    pub fn is_loading(&self) -> bool {
        self.error.is_none() && self.loaded.as_ref().is_none_or(|l| l.target != self.target)
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn selected_file(&self) -> u32 {
        self.selected_file
    }

    /// The diff the app must compute, once per change of target; `None` while it is asked
    /// for or here.
    pub fn take_request(&mut self) -> Option<DiffRequest> {
        if self.requested || !self.is_loading() {
            return None;
        }
        self.requested = true;
        Some(DiffRequest {
            loop_name: self.loop_name.clone(),
            target: self.target,
        })
    }

    /// Shows a computed diff; one for a target no longer wanted is dropped (returns false).
    /// A new diff of the same target (the worktree moved on) keeps the place and the search.
    pub fn set_diff(&mut self, target: DiffTarget, diff: Arc<Diff>) -> bool {
        if target != self.target {
            return false;
        }
        let same_target = self.loaded.as_ref().is_some_and(|l| l.target == target);
        if !same_target {
            self.top = (0, 0, 0);
            self.selected_file = 0;
        }
        if !self.search.query.is_empty() {
            let query = self.search.query.clone();
            let editing = self.search.editing;
            self.search.run(&diff, &query);
            self.search.editing = editing;
        }
        self.loaded = Some(Loaded {
            target,
            unified: RowIndex::unified(&diff),
            split: RowIndex::split(&diff),
            diff,
            highlights: Highlights::default(),
        });
        self.error = None;
        self.requested = false;
        true
    }

    /// The computation of `target` failed; the view says why.
    pub fn set_error(&mut self, target: DiffTarget, message: String) {
        if target == self.target {
            self.error = Some(message);
            self.requested = false;
        }
    }

    /// The row at the top of the body in the layout `geo` draws, kept off the end.
    pub fn top_row(&self, geo: DiffGeometry) -> usize {
        self.loaded.as_ref().map_or(0, |l| {
            let rows = l.rows(geo.split);
            clamp_top(rows.row_of(self.top), rows.len(), geo.rows)
        })
    }

    /// Applies a diff-view key; false when the action is not the view's own.
    pub fn apply(&mut self, action: Action, geo: DiffGeometry) -> bool {
        let page = geo.rows.saturating_sub(1).max(1);
        match action {
            Action::ScrollDown => self.scroll_by(geo, 1),
            Action::ScrollUp => self.scroll_by(geo, -1),
            Action::ScrollPageDown => self.scroll_by(geo, isize::try_from(page).unwrap_or(1)),
            Action::ScrollPageUp => self.scroll_by(geo, -isize::try_from(page).unwrap_or(1)),
            Action::ScrollTop => self.scroll_to(geo, |_| 0),
            Action::ScrollBottom => self.scroll_to(geo, |_| usize::MAX),
            Action::NextFile => self.jump(geo, |r, at| r.next_file(at)),
            Action::PrevFile => self.jump(geo, |r, at| r.prev_file(at)),
            Action::NextHunk => self.jump(geo, |r, at| r.next_hunk(at)),
            Action::PrevHunk => self.jump(geo, |r, at| r.prev_hunk(at)),
            Action::SideBySide => self.side_by_side = !self.side_by_side,
            Action::Search => {
                self.search.clear();
                self.search.editing = true;
            }
            Action::SearchNext => self.step_search(geo, false),
            Action::SearchPrev => self.step_search(geo, true),
            Action::Accept => self.search.editing = false,
            Action::Cancel => self.search.clear(),
            Action::Cumulative => self.retarget(DiffTarget::Cumulative),
            Action::OlderIteration => match self.target {
                DiffTarget::Cumulative if self.iterations > 0 => {
                    self.retarget(DiffTarget::Iteration(self.iterations))
                }
                DiffTarget::Iteration(k) if k > 1 => self.retarget(DiffTarget::Iteration(k - 1)),
                _ => {}
            },
            Action::NewerIteration => match self.target {
                DiffTarget::Iteration(k) if k < self.iterations => {
                    self.retarget(DiffTarget::Iteration(k + 1))
                }
                _ => {}
            },
            _ => return false,
        }
        true
    }

    /// Types into the search box: the matches follow every key.
    pub fn type_query(&mut self, edit: impl FnOnce(&mut String), geo: DiffGeometry) {
        let mut query = self.search.query.clone();
        edit(&mut query);
        match self.loaded.as_ref().map(|l| Arc::clone(&l.diff)) {
            Some(diff) => self.search.run(&diff, &query),
            None => self.search.query = query,
        }
        self.search.editing = true;
        self.step_search(geo, false);
    }

    fn retarget(&mut self, target: DiffTarget) {
        if target != self.target {
            self.target = target;
            self.requested = false;
            self.error = None;
        }
    }

    fn scroll_by(&mut self, geo: DiffGeometry, delta: isize) {
        self.scroll_to(geo, |from| from.saturating_add_signed(delta));
    }

    /// Moves the top row to `to(current top)`, kept off the end.
    fn scroll_to(&mut self, geo: DiffGeometry, to: impl FnOnce(usize) -> usize) {
        let Some(loaded) = &self.loaded else { return };
        let rows = loaded.rows(geo.split);
        let from = self.top_row(geo);
        let to = clamp_top(to(from), rows.len(), geo.rows);
        if let Some(r) = rows.rows().get(to).filter(|_| to != from) {
            self.top = r.anchor();
            self.selected_file = r.file();
        }
    }

    fn jump(&mut self, geo: DiffGeometry, find: impl Fn(&RowIndex, usize) -> Option<usize>) {
        let Some(loaded) = &self.loaded else { return };
        let rows = loaded.rows(geo.split);
        // From the top row as the human sees it, or from the file they jumped to last when
        // the end of the diff keeps it from reaching the top.
        let at = rows
            .file_row(self.selected_file)
            .filter(|r| *r > self.top_row(geo))
            .unwrap_or_else(|| self.top_row(geo));
        if let Some(row) = find(rows, at) {
            self.show_row(geo, row);
        }
    }

    /// Scrolls `row` to the top (as far as the end allows) and selects its file.
    fn show_row(&mut self, geo: DiffGeometry, row: usize) {
        let Some(loaded) = &self.loaded else { return };
        let rows = loaded.rows(geo.split);
        let top = clamp_top(row, rows.len(), geo.rows);
        if let Some(r) = rows.rows().get(top) {
            self.top = r.anchor();
        }
        self.selected_file = rows.file_at(row).unwrap_or(0);
    }

    fn step_search(&mut self, geo: DiffGeometry, backwards: bool) {
        let Some(loaded) = &self.loaded else { return };
        let rows = loaded.rows(geo.split);
        let top = self.top_row(geo);
        let from = rows.rows().get(top).map_or((0, 0, 0), |r| {
            let (f, h, l) = r.anchor();
            (f, h.saturating_sub(1), l.saturating_sub(1))
        });
        let Some(m) = self.search.step(from, backwards) else {
            return;
        };
        let row = rows.row_of_line(m.file, m.hunk, m.line);
        // A match already on screen does not move the view; one off screen comes to a third
        // of the way down, with its context above it.
        if row < top || row >= top + geo.rows {
            let rows_len = rows.len();
            let to = clamp_top(row.saturating_sub(geo.rows / 3), rows_len, geo.rows);
            if let Some(r) = rows.rows().get(to) {
                self.top = r.anchor();
            }
        }
        self.selected_file = m.file;
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;

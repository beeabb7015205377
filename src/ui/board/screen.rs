//! The full screens opened over the board (a loop's diff, its review) and what a key does on
//! them. A key either changes the screen's own state or becomes a [`ScreenIntent`] for the
//! app: a diff to compute, an approval to confirm, a board action to run.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use crate::ui::board::model::{BoardModel, Dialog};
use crate::ui::diff::view::{DiffRequest, DiffViewState};
use crate::ui::kaizen::view::{KaizenDecision, KaizenState};
use crate::ui::keys::keymap::{Action, Keymap, Mode};
use crate::ui::port::KaizenReport;
use crate::ui::review::{Applied, ApprovalIntent, ReviewIntent, ReviewModel, ReviewState};
use crate::ui::views::{diff_geometry, review_geometry};
use andon_core::diff::DiffTarget;
use andon_core::sanitize::printable;

/// A full screen; the last of `BoardModel::screens` is the one shown.
#[derive(Debug, Clone)]
pub enum Screen {
    Diff(Box<DiffViewState>),
    Review(Box<ReviewState>),
    Kaizen(Box<KaizenState>),
    /// The message log, scrolled this many rows from its newest notice.
    Messages(MessageLog),
}

/// The message log's state: how far it is scrolled (in rows, from the newest notice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageLog {
    pub scroll: usize,
}

impl MessageLog {
    /// A scrolling key; `page` is the rows on screen, `rows` all the rows there are.
    fn apply(&mut self, action: Action, page: usize, rows: usize) {
        let last = rows.saturating_sub(page);
        self.scroll = match action {
            Action::ScrollUp => self.scroll.saturating_sub(1),
            Action::ScrollDown => self.scroll + 1,
            Action::ScrollPageUp => self.scroll.saturating_sub(page.max(1)),
            Action::ScrollPageDown => self.scroll + page.max(1),
            Action::ScrollTop => 0,
            Action::ScrollBottom => last,
            _ => self.scroll,
        }
        .min(last);
    }
}

/// Opens the message log over whatever is shown (once: not over itself).
pub fn open_messages(model: &mut BoardModel) {
    if !matches!(model.screens.last(), Some(Screen::Messages(_))) {
        model.screens.push(Screen::Messages(MessageLog::default()));
    }
}

/// What the app must do after a key on a screen, besides drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenIntent {
    None,
    /// Compute this diff off the UI thread, then hand it to the screen with
    /// `diff_screen(model, &loop_name).set_diff(target, diff)` (or `set_error`).
    FetchDiff(DiffRequest),
    /// Open `intent.confirm_dialog()` through the confirm path; on yes, approve.
    ConfirmApproval(ApprovalIntent),
    /// Not a screen's key: do what the board does with it (stop, stop all).
    Board(Action),
    /// Record a Kaizen decision (already shown on the board).
    Kaizen(KaizenDecision),
    /// Ask which prevention to adopt for this Kaizen item (id, category).
    KaizenAdopt(String, String),
}

/// Opens the diff of `loop_name` over whatever is shown; `iterations` is how many
/// iterations have snapshots. Returns the diff to compute.
pub fn open_diff(model: &mut BoardModel, loop_name: &str, iterations: u32) -> ScreenIntent {
    let mut state = DiffViewState::new(loop_name, iterations, DiffTarget::Cumulative);
    let request = state.take_request();
    model.screens.push(Screen::Diff(Box::new(state)));
    request.map_or(ScreenIntent::None, ScreenIntent::FetchDiff)
}

/// Opens the review of a loop (what `a` does on the board).
pub fn open_review(model: &mut BoardModel, review: ReviewModel) {
    model
        .screens
        .push(Screen::Review(Box::new(ReviewState::new(review))));
}

/// Opens the Kaizen board over whatever is shown.
pub fn open_kaizen(model: &mut BoardModel, report: KaizenReport) {
    model
        .screens
        .push(Screen::Kaizen(Box::new(KaizenState::new(report))));
}

/// The open diff screen of `loop_name`, to deliver a computed diff to.
pub fn diff_screen<'a>(
    model: &'a mut BoardModel,
    loop_name: &str,
) -> Option<&'a mut DiffViewState> {
    model.screens.iter_mut().rev().find_map(|s| match s {
        Screen::Diff(d) if d.loop_name == loop_name => Some(d.as_mut()),
        _ => None,
    })
}

/// The open review screen of `loop_name`, to deliver a fresh model to.
pub fn review_screen<'a>(
    model: &'a mut BoardModel,
    loop_name: &str,
) -> Option<&'a mut ReviewState> {
    model.screens.iter_mut().rev().find_map(|s| match s {
        Screen::Review(r) if r.model.loop_name == loop_name => Some(r.as_mut()),
        _ => None,
    })
}

/// Handles a key while a screen is shown and no dialog is open. `area` is the terminal's
/// size (the pages and scroll steps depend on it).
pub fn on_key(model: &mut BoardModel, keymap: &Keymap, key: &KeyEvent, area: Rect) -> ScreenIntent {
    let mode = Mode::of(model);
    let action = keymap.lookup(mode, key);
    if mode == Mode::Search {
        return on_search_key(model, action, key, area);
    }
    let Some(action) = action else {
        return ScreenIntent::None;
    };
    match action {
        Action::Back => {
            model.screens.pop();
            return ScreenIntent::None;
        }
        Action::Help => {
            model.dialog = Some(Dialog::Help);
            model.help_scroll = 0;
            return ScreenIntent::None;
        }
        Action::Stop | Action::StopAll => return ScreenIntent::Board(action),
        Action::Messages => {
            open_messages(model);
            return ScreenIntent::None;
        }
        _ => {}
    }
    let log_rows = crate::ui::views::message_rows(model, area);
    let Some(screen) = model.screens.last_mut() else {
        return ScreenIntent::None;
    };
    match screen {
        Screen::Diff(diff) => {
            let geo = diff_geometry(area, diff);
            diff.apply(action, geo);
            diff.take_request()
                .map_or(ScreenIntent::None, ScreenIntent::FetchDiff)
        }
        Screen::Kaizen(kaizen) if action == Action::KaizenAdopt => kaizen
            .report
            .items
            .get(kaizen.selected)
            .map_or(ScreenIntent::None, |item| {
                ScreenIntent::KaizenAdopt(item.id.clone(), item.category.clone())
            }),
        Screen::Kaizen(kaizen) => kaizen
            .apply(action)
            .map_or(ScreenIntent::None, ScreenIntent::Kaizen),
        Screen::Messages(log) => {
            let (page, rows) = log_rows;
            log.apply(action, page, rows);
            ScreenIntent::None
        }
        Screen::Review(review) => {
            let geo = review_geometry(area, review);
            match review.apply(action, geo) {
                Applied::NotMine | Applied::Done => ScreenIntent::None,
                Applied::Intent(ReviewIntent::Confirm(intent)) => {
                    ScreenIntent::ConfirmApproval(intent)
                }
                Applied::Intent(ReviewIntent::Anyway(intent)) => {
                    model.dialog = Some(intent.anyway_dialog());
                    ScreenIntent::None
                }
                Applied::Intent(ReviewIntent::OpenDiff) => {
                    let name = review.model.loop_name.clone();
                    let iterations = review.model.timeline.iter().map(|i| i.n).max();
                    open_diff(model, &name, iterations.unwrap_or(0))
                }
            }
        }
    }
}

/// The mouse wheel over a screen: three rows per notch, down when `down`.
pub fn on_wheel(model: &mut BoardModel, down: bool, area: Rect) {
    let action = if down {
        Action::ScrollDown
    } else {
        Action::ScrollUp
    };
    let (page, rows) = crate::ui::views::message_rows(model, area);
    for _ in 0..3 {
        match model.screens.last_mut() {
            Some(Screen::Diff(diff)) => {
                let geo = diff_geometry(area, diff);
                diff.apply(action, geo);
            }
            Some(Screen::Review(review)) => {
                let geo = review_geometry(area, review);
                review.apply(action, geo);
            }
            Some(Screen::Kaizen(kaizen)) => {
                kaizen.apply(action);
            }
            Some(Screen::Messages(log)) => log.apply(action, page, rows),
            None => return,
        }
    }
}

/// Text pasted while the search box is open goes into the query.
pub fn on_paste(model: &mut BoardModel, text: &str, area: Rect) {
    if Mode::of(model) != Mode::Search {
        return;
    }
    if let Some(Screen::Diff(diff)) = model.screens.last_mut() {
        let geo = diff_geometry(area, diff);
        // A pasted line's own newline is not part of the query; any escape sequence is dropped.
        let text = printable(text.trim_end_matches(['\n', '\r']), false);
        diff.type_query(|q| q.push_str(&text), geo);
    }
}

fn on_search_key(
    model: &mut BoardModel,
    action: Option<Action>,
    key: &KeyEvent,
    area: Rect,
) -> ScreenIntent {
    let Some(Screen::Diff(diff)) = model.screens.last_mut() else {
        return ScreenIntent::None;
    };
    let geo = diff_geometry(area, diff);
    if let Some(action) = action {
        diff.apply(action, geo);
        return ScreenIntent::None;
    }
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Backspace => diff.type_query(
            |q| {
                q.pop();
            },
            geo,
        ),
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            diff.type_query(String::clear, geo)
        }
        KeyCode::Char(c) if plain && !c.is_control() => diff.type_query(|q| q.push(c), geo),
        _ => {}
    }
    ScreenIntent::None
}

#[cfg(test)]
#[path = "screen_tests.rs"]
mod tests;

//! The diff view's state driven by actions, without a terminal.

use super::*;
use crate::ui::diff::fixtures::sample_diff;
use crate::ui::diff::rows::Row;

const GEO: DiffGeometry = DiffGeometry {
    rows: 10,
    split: false,
};

fn loaded() -> DiffViewState {
    let mut state = DiffViewState::new("api-auth", 4, DiffTarget::Cumulative);
    assert!(state.set_diff(DiffTarget::Cumulative, Arc::new(sample_diff())));
    state
}

fn top(state: &DiffViewState, geo: DiffGeometry) -> Row {
    let rows = state.loaded().map(|l| l.rows(geo.split).rows().to_vec());
    rows.unwrap_or_default()[state.top_row(geo)]
}

#[test]
fn requests_once_per_target_and_drops_stale_results() {
    let mut state = DiffViewState::new("api-auth", 3, DiffTarget::Cumulative);
    assert!(state.is_loading());
    let want = DiffRequest {
        loop_name: "api-auth".into(),
        target: DiffTarget::Cumulative,
    };
    assert_eq!(state.take_request(), Some(want));
    assert_eq!(state.take_request(), None, "asked already");

    assert!(state.apply(Action::OlderIteration, GEO));
    assert_eq!(state.target(), DiffTarget::Iteration(3));
    assert_eq!(
        state.take_request().map(|r| r.target),
        Some(DiffTarget::Iteration(3))
    );
    // The cumulative diff arriving late is not shown.
    assert!(!state.set_diff(DiffTarget::Cumulative, Arc::new(sample_diff())));
    assert!(state.loaded().is_none());
    assert!(state.set_diff(DiffTarget::Iteration(3), Arc::new(sample_diff())));
    assert!(!state.is_loading());
    assert_eq!(state.take_request(), None);

    state.set_error(DiffTarget::Iteration(3), "no snapshot".into());
    assert_eq!(state.error(), Some("no snapshot"));
    assert!(!state.is_loading());
}

#[test]
fn iterations_step_within_bounds() {
    let mut state = DiffViewState::new("a", 3, DiffTarget::Cumulative);
    let mut seen = Vec::new();
    for action in [
        Action::NewerIteration,
        Action::OlderIteration,
        Action::OlderIteration,
        Action::OlderIteration,
        Action::OlderIteration,
        Action::NewerIteration,
        Action::Cumulative,
    ] {
        state.apply(action, GEO);
        seen.push(state.target());
    }
    use DiffTarget::{Cumulative as C, Iteration as I};
    assert_eq!(seen, vec![C, I(3), I(2), I(1), I(1), I(2), C]);
    let mut none = DiffViewState::new("a", 0, DiffTarget::Cumulative);
    none.apply(Action::OlderIteration, GEO);
    assert_eq!(none.target(), C, "no iteration to show yet");
}

#[test]
fn scrolling_and_jumping_stay_inside_the_diff() {
    let mut state = loaded();
    let len = state.loaded().map_or(0, |l| l.unified.len());
    state.apply(Action::ScrollUp, GEO);
    assert_eq!(state.top_row(GEO), 0);
    state.apply(Action::ScrollPageDown, GEO);
    assert_eq!(state.top_row(GEO), 9);
    state.apply(Action::ScrollBottom, GEO);
    assert_eq!(state.top_row(GEO), len - 10);
    state.apply(Action::ScrollDown, GEO);
    assert_eq!(state.top_row(GEO), len - 10);
    state.apply(Action::ScrollTop, GEO);

    let mut files = vec![state.selected_file()];
    for _ in 0..7 {
        state.apply(Action::NextFile, GEO);
        files.push(state.selected_file());
    }
    assert_eq!(
        files,
        vec![0, 1, 2, 3, 4, 5, 5, 5],
        "the last file stays selected"
    );
    state.apply(Action::PrevFile, GEO);
    assert_eq!(state.selected_file(), 4);
    assert_eq!(top(&state, GEO), Row::File { file: 4 });

    state.apply(Action::ScrollTop, GEO);
    state.apply(Action::NextHunk, GEO);
    assert_eq!(top(&state, GEO), Row::Hunk { file: 1, hunk: 0 });
    state.apply(Action::NextHunk, GEO);
    assert_eq!(top(&state, GEO), Row::Hunk { file: 2, hunk: 0 });
    state.apply(Action::PrevHunk, GEO);
    assert_eq!(top(&state, GEO), Row::Hunk { file: 1, hunk: 0 });
}

#[test]
fn the_place_survives_a_change_of_layout() {
    let mut state = loaded();
    state.apply(Action::NextFile, GEO);
    state.apply(Action::NextFile, GEO);
    assert!(state.apply(Action::SideBySide, GEO));
    assert!(state.side_by_side);
    let split = DiffGeometry {
        rows: 10,
        split: true,
    };
    assert_eq!(top(&state, split), Row::File { file: 2 });
    assert_eq!(top(&state, GEO), Row::File { file: 2 });
}

#[test]
fn search_follows_the_query_and_cycles() {
    let mut state = loaded();
    state.apply(Action::Search, GEO);
    assert!(state.search.editing);
    for c in "expires".chars() {
        state.type_query(|q| q.push(c), GEO);
    }
    let (at, of) = state.search.position();
    assert_eq!((at, of), (1, 4), "expires, expires_at, expires, expires_at");
    assert_eq!(state.selected_file(), 5);
    let first = state.search.current();
    state.apply(Action::Accept, GEO);
    assert!(!state.search.editing);
    state.apply(Action::SearchNext, GEO);
    assert_eq!(state.search.position(), (2, 4));
    state.apply(Action::SearchPrev, GEO);
    state.apply(Action::SearchPrev, GEO);
    assert_eq!(state.search.position(), (4, 4), "wraps to the last");
    state.apply(Action::SearchNext, GEO);
    assert_eq!(state.search.current(), first);

    // A match off screen is brought into view.
    let row = state.loaded().map_or(0, |l| {
        first.map_or(0, |m| l.unified.row_of_line(m.file, m.hunk, m.line))
    });
    let shown = state.top_row(GEO);
    assert!(
        row >= shown && row < shown + GEO.rows,
        "{row} not in view at {shown}"
    );

    state.type_query(|q| q.clear(), GEO);
    assert_eq!(state.search.position(), (0, 0));
    state.apply(Action::Cancel, GEO);
    assert!(!state.search.editing && state.search.query.is_empty());
}

#[test]
fn a_refreshed_diff_keeps_the_place_and_the_search() {
    let mut state = loaded();
    state.apply(Action::Search, GEO);
    state.type_query(|q| q.push_str("token"), GEO);
    state.apply(Action::Accept, GEO);
    state.apply(Action::NextFile, GEO);
    let before = (state.top_row(GEO), state.search.matches().len());
    assert!(state.set_diff(DiffTarget::Cumulative, Arc::new(sample_diff())));
    assert_eq!((state.top_row(GEO), state.search.matches().len()), before);
}

#[test]
fn keys_on_an_empty_or_missing_diff_do_nothing_harmful() {
    let mut state = DiffViewState::new("a", 1, DiffTarget::Cumulative);
    for action in [
        Action::ScrollDown,
        Action::ScrollBottom,
        Action::NextFile,
        Action::PrevHunk,
        Action::SearchNext,
    ] {
        state.apply(action, GEO);
    }
    state.type_query(|q| q.push('x'), GEO);
    assert!(state.set_diff(DiffTarget::Cumulative, Arc::new(Diff::default())));
    for action in [Action::ScrollBottom, Action::NextFile, Action::SearchNext] {
        state.apply(action, GEO);
    }
    assert_eq!(state.top_row(GEO), 0);
    assert!(!state.apply(Action::Quit, GEO), "not the view's key");
}

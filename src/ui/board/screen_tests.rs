//! Keys on the full screens, from key event to intent, as the app would send them.

use std::sync::Arc;

use super::*;
use crate::ui::diff::fixtures::{review_model, sample_diff};
use crate::ui::keys::keymap::{parse_chord, KeyChord};
use crate::ui::review::{Gate, ReviewChoice};

const AREA: Rect = Rect {
    x: 0,
    y: 0,
    width: 120,
    height: 40,
};

fn press(model: &mut BoardModel, chord: &str) -> ScreenIntent {
    let c = parse_chord(chord).unwrap_or_else(|e| panic!("{e}"));
    let keymap = Keymap::default_keymap(KeyChord::ctrl('g'));
    on_key(model, &keymap, &KeyEvent::new(c.code, c.modifiers), AREA)
}

fn with_diff() -> BoardModel {
    let mut model = BoardModel::default();
    let intent = open_diff(&mut model, "api-auth", 3);
    assert_eq!(
        intent,
        ScreenIntent::FetchDiff(DiffRequest {
            loop_name: "api-auth".into(),
            target: DiffTarget::Cumulative,
        })
    );
    let delivered = diff_screen(&mut model, "api-auth")
        .map(|d| d.set_diff(DiffTarget::Cumulative, Arc::new(sample_diff())));
    assert_eq!(delivered, Some(true));
    model
}

fn diff(model: &BoardModel) -> &DiffViewState {
    match model.screens.last() {
        Some(Screen::Diff(d)) => d,
        other => panic!("no diff screen: {other:?}"),
    }
}

#[test]
fn the_diff_screen_turns_keys_into_moves_and_requests() {
    let mut model = with_diff();
    assert_eq!(Mode::of(&model), Mode::Diff);
    assert_eq!(press(&mut model, "]"), ScreenIntent::None);
    assert_eq!(diff(&model).selected_file(), 1);
    assert_eq!(
        press(&mut model, "<"),
        ScreenIntent::FetchDiff(DiffRequest {
            loop_name: "api-auth".into(),
            target: DiffTarget::Iteration(3),
        })
    );
    assert_eq!(
        press(&mut model, "c"),
        ScreenIntent::None,
        "cumulative is here"
    );
    assert_eq!(press(&mut model, "s"), ScreenIntent::Board(Action::Stop));
    assert_eq!(press(&mut model, "S"), ScreenIntent::Board(Action::StopAll));
    press(&mut model, "?");
    assert!(matches!(model.dialog, Some(Dialog::Help)));
    model.dialog = None;
    press(&mut model, "g");
    on_wheel(&mut model, true, AREA);
    on_wheel(&mut model, true, AREA);
    let geo = diff_geometry(AREA, diff(&model));
    assert_eq!(diff(&model).top_row(geo), 6, "three rows a notch");
    on_wheel(&mut model, false, AREA);
    assert_eq!(diff(&model).top_row(geo), 3);
    press(&mut model, "q");
    assert!(model.screens.is_empty());
    assert_eq!(Mode::of(&model), Mode::Board);
    on_wheel(&mut model, true, AREA);
}

#[test]
fn the_search_box_takes_printable_keys() {
    let mut model = with_diff();
    press(&mut model, "/");
    assert_eq!(Mode::of(&model), Mode::Search);
    for key in ["e", "x", "p", "q", "Backspace", "i", "r"] {
        press(&mut model, key);
    }
    assert_eq!(diff(&model).search.query, "expir", "q typed, then erased");
    // expires ×4, expiry, expire ×2 (the rename's Markdown).
    assert_eq!(diff(&model).search.position().1, 7);
    press(&mut model, "Enter");
    assert_eq!(Mode::of(&model), Mode::Diff);
    press(&mut model, "n");
    assert_eq!(diff(&model).search.position(), (2, 7));
    on_paste(&mut model, "es\u{1b}[31m", AREA);
    assert_eq!(
        diff(&model).search.query,
        "expir",
        "paste only while typing"
    );
    press(&mut model, "/");
    on_paste(&mut model, "tok\u{1b}[31men\n", AREA);
    assert_eq!(
        diff(&model).search.query,
        "token",
        "escape sequences dropped"
    );
    press(&mut model, "ctrl-u");
    assert_eq!(diff(&model).search.query, "");
    press(&mut model, "Esc");
    assert_eq!(
        Mode::of(&model),
        Mode::Diff,
        "Esc leaves the box, not the diff"
    );
}

#[test]
fn review_keys_become_approval_intents() {
    let mut model = BoardModel::default();
    open_review(&mut model, review_model(None));
    assert_eq!(Mode::of(&model), Mode::Review);
    let ScreenIntent::ConfirmApproval(intent) = press(&mut model, "M") else {
        panic!("M asks to confirm the other merge");
    };
    assert_eq!(intent.choice, ReviewChoice::Merge { history: true });
    assert_eq!(intent.loop_name, "api-auth");

    // d opens the diff over the review; q comes back to it.
    let ScreenIntent::FetchDiff(request) = press(&mut model, "d") else {
        panic!("d asks for the diff");
    };
    assert_eq!(request.target, DiffTarget::Cumulative);
    assert_eq!(diff(&model).iterations, 2, "the timeline's last iteration");
    press(&mut model, "q");
    assert_eq!(Mode::of(&model), Mode::Review);
    press(&mut model, "Esc");
    assert_eq!(Mode::of(&model), Mode::Board);
}

#[test]
fn red_checks_open_the_reason_box_with_the_choice() {
    let mut model = BoardModel::default();
    open_review(
        &mut model,
        review_model(Some(Gate {
            why: "1 of 2 checks fails".into(),
            overridable: true,
        })),
    );
    assert_eq!(
        press(&mut model, "b"),
        ScreenIntent::None,
        "refused, remembered"
    );
    assert_eq!(press(&mut model, "A"), ScreenIntent::None);
    let Some(Dialog::ApproveAnyway {
        loop_name,
        approval,
        ..
    }) = &model.dialog
    else {
        panic!("the reason box: {:?}", model.dialog);
    };
    assert_eq!(loop_name, "api-auth");
    assert_eq!(approval.choice, ReviewChoice::Branch);
    assert_eq!(Mode::of(&model), Mode::TextInput);
    if let Some(review) = review_screen(&mut model, "api-auth") {
        review.scroll = 1;
    }
    assert!(review_screen(&mut model, "other").is_none());
}

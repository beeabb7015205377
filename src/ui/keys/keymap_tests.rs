//! Tests of the keymap: DESIGN §4's keys, no collisions, hints and chord parsing.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyModifiers};

use super::*;
use crate::ui::board::model::{BoardModel, Dialog};

fn press(chord: &str) -> KeyEvent {
    let c = parse_chord(chord).unwrap_or_else(|e| panic!("{e}"));
    KeyEvent::new(c.code, c.modifiers)
}

fn keymap() -> Keymap {
    Keymap::default_keymap(KeyChord::ctrl('g'))
}

#[test]
fn every_design_action_has_its_default_key() {
    use Action as A;
    let cases = [
        (Mode::Board, "s", A::Stop),
        (Mode::Board, "S", A::StopAll),
        (Mode::Board, "r", A::Resume),
        (Mode::Board, "i", A::Redirect),
        (Mode::Board, "m", A::MetaAndon),
        (Mode::Board, "a", A::Approve),
        (Mode::Board, "R", A::Rollback),
        (Mode::Board, "x", A::Abort),
        (Mode::Board, "Enter", A::Zoom),
        (Mode::Board, "Tab", A::Attach),
        (Mode::Board, "?", A::Help),
        (Mode::Board, "q", A::Quit),
        (Mode::Board, "left", A::SelectLeft),
        (Mode::Board, "h", A::SelectLeft),
        (Mode::Board, "j", A::SelectDown),
        (Mode::Board, "up", A::SelectUp),
        (Mode::Board, "l", A::SelectRight),
        (Mode::Board, "pgup", A::ScrollPageUp),
        (Mode::Board, "pgdn", A::ScrollPageDown),
        (Mode::Board, "]", A::NextPage),
        (Mode::Board, "[", A::PrevPage),
        (Mode::Zoomed, "s", A::Stop),
        (Mode::Zoomed, "x", A::Abort),
        (Mode::Zoomed, "Esc", A::Unzoom),
        (Mode::Zoomed, "Enter", A::Unzoom),
        (Mode::Zoomed, "Tab", A::Attach),
        (Mode::Zoomed, "k", A::ScrollUp),
        (Mode::Zoomed, "]", A::SelectNext),
        (Mode::Attached, "ctrl-g", A::Detach),
        (Mode::Confirm, "y", A::Confirm),
        (Mode::Confirm, "n", A::Cancel),
        (Mode::Confirm, "esc", A::Cancel),
        (Mode::TextInput, "ctrl-s", A::Submit),
        (Mode::TextInput, "esc", A::Cancel),
        (Mode::Help, "?", A::Cancel),
        (Mode::Help, "esc", A::Cancel),
        (Mode::Board, "d", A::Diff),
        (Mode::Zoomed, "d", A::Diff),
        (Mode::Diff, "q", A::Back),
        (Mode::Diff, "esc", A::Back),
        (Mode::Diff, "j", A::ScrollDown),
        (Mode::Diff, "pgdn", A::ScrollPageDown),
        (Mode::Diff, "space", A::ScrollPageDown),
        (Mode::Diff, "]", A::NextFile),
        (Mode::Diff, "[", A::PrevFile),
        (Mode::Diff, "}", A::NextHunk),
        (Mode::Diff, "{", A::PrevHunk),
        (Mode::Diff, "v", A::SideBySide),
        (Mode::Diff, "/", A::Search),
        (Mode::Diff, "n", A::SearchNext),
        (Mode::Diff, "N", A::SearchPrev),
        (Mode::Diff, "c", A::Cumulative),
        (Mode::Diff, "<", A::OlderIteration),
        (Mode::Diff, ">", A::NewerIteration),
        (Mode::Diff, "g", A::ScrollTop),
        (Mode::Diff, "End", A::ScrollBottom),
        (Mode::Diff, "s", A::Stop),
        (Mode::Diff, "?", A::Help),
        (Mode::Search, "Enter", A::Accept),
        (Mode::Search, "Esc", A::Cancel),
        (Mode::Review, "m", A::Merge),
        (Mode::Review, "M", A::MergeOther),
        (Mode::Review, "b", A::KeepBranch),
        (Mode::Review, "p", A::PrBody),
        (Mode::Review, "g", A::ToggleGh),
        (Mode::Review, "A", A::ApproveAnyway),
        (Mode::Review, "d", A::Diff),
        (Mode::Review, "q", A::Back),
        (Mode::Review, "S", A::StopAll),
    ];
    let km = keymap();
    for (mode, key, action) in cases {
        assert_eq!(
            km.lookup(mode, &press(key)),
            Some(action),
            "{key} in {mode:?}"
        );
    }
}

#[test]
fn attached_and_text_modes_leave_ordinary_keys_alone() {
    let km = keymap();
    for key in ["s", "q", "x", "Enter", "Tab", "Esc", "?"] {
        assert_eq!(km.lookup(Mode::Attached, &press(key)), None, "{key}");
    }
    for key in ["s", "y", "n", "q", "Enter", "?"] {
        assert_eq!(km.lookup(Mode::TextInput, &press(key)), None, "{key}");
    }
    // The search box: letters are the query.
    for key in ["s", "n", "q", "/", "?", "j", "]"] {
        assert_eq!(km.lookup(Mode::Search, &press(key)), None, "{key}");
    }
}

#[test]
fn no_two_bindings_collide_within_a_mode() {
    let km = keymap();
    for mode in Mode::ALL {
        let mut seen: HashMap<KeyChord, Action> = HashMap::new();
        for b in km.bindings().iter().filter(|b| b.modes.contains(&mode)) {
            if let Some(previous) = seen.insert(b.key, b.action) {
                panic!(
                    "{} is bound to {previous:?} and {:?} in {mode:?}",
                    b.key, b.action
                );
            }
        }
        assert!(!seen.is_empty(), "{mode:?} has no bindings");
    }
}

#[test]
fn the_screens_keys_are_bound() {
    let km = keymap();
    assert_eq!(km.lookup(Mode::Board, &press("K")), Some(Action::Kaizen));
    assert_eq!(km.lookup(Mode::Board, &press("d")), Some(Action::Diff));
    assert_eq!(km.lookup(Mode::Review, &press("d")), Some(Action::Diff));
    assert!(km.hints(Mode::Board).contains(&("K".into(), "kaizen")));
}

#[test]
fn hints_come_from_the_keymap() {
    let km = Keymap::default_keymap(parse_chord("ctrl-]").unwrap_or(KeyChord::ctrl('g')));
    assert_eq!(
        km.hints(Mode::Attached),
        vec![("Ctrl-]".to_string(), "detach")]
    );
    assert_eq!(km.keys_for(Action::Detach), vec![KeyChord::ctrl(']')]);

    let board = km.hints(Mode::Board);
    let keys: Vec<&str> = board.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["Enter", "Tab", "s", "S", "r", "i", "m", "a", "R", "x", "d", "K", "]", "[", "?", "q"]
    );
    assert_eq!(board[2], ("s".to_string(), "stop"));
    assert_eq!(
        km.hints(Mode::Confirm),
        vec![
            ("y/Enter".to_string(), "yes"),
            ("n/Esc".to_string(), "cancel")
        ]
    );
    assert_eq!(
        km.hints(Mode::Zoomed)[0],
        ("Enter/Esc".to_string(), "unzoom")
    );
}

#[test]
fn screen_hints_pair_moves_and_lead_with_what_matters() {
    let km = keymap();
    let diff = km.hints(Mode::Diff);
    let got: Vec<(&str, &str)> = diff.iter().map(|(k, d)| (k.as_str(), *d)).collect();
    assert_eq!(
        got,
        vec![
            ("q/Esc", "back"),
            ("v", "split"),
            ("/", "search"),
            ("n/N", "match"),
            ("c", "cumulative"),
            ("</>", "iteration"),
            ("[/]", "file"),
            ("{/}", "hunk"),
            ("s", "stop"),
            ("S", "stop all"),
            ("?", "help"),
        ]
    );
    let review: Vec<String> = km
        .hints(Mode::Review)
        .into_iter()
        .map(|(k, d)| format!("{k} {d}"))
        .collect();
    assert_eq!(
        review[..8],
        [
            "q/Esc back",
            "m merge",
            "M other merge",
            "b keep branch",
            "p PR body",
            "g gh",
            "A anyway",
            "d diff"
        ]
    );
    assert_eq!(
        km.hints(Mode::Search),
        vec![
            ("Enter".to_string(), "done"),
            ("Esc".to_string(), "clear the search")
        ]
    );
}

#[test]
fn approval_choices_ask_first() {
    let km = keymap();
    for action in [
        Action::Merge,
        Action::MergeOther,
        Action::KeepBranch,
        Action::PrBody,
    ] {
        assert!(km.needs_confirm(action), "{action:?}");
    }
    assert!(
        !km.needs_confirm(Action::ApproveAnyway),
        "the typed reason is the confirmation"
    );
}

#[test]
fn destructive_actions_ask_first_but_stopping_the_line_never_waits() {
    let km = keymap();
    for action in [
        Action::Abort,
        Action::Rollback,
        Action::MetaAndon,
        Action::Quit,
    ] {
        assert!(km.needs_confirm(action), "{action:?}");
    }
    for action in [
        Action::Stop,
        Action::StopAll,
        Action::Resume,
        Action::Redirect,
    ] {
        assert!(!km.needs_confirm(action), "{action:?}");
    }
}

#[test]
fn terminals_shifted_letters_and_releases() {
    use crossterm::event::KeyEventState;
    let km = keymap();
    let shift = KeyModifiers::SHIFT;
    // Legacy terminals: 'S' with SHIFT; kitty protocol: 's' with SHIFT.
    for event in [
        KeyEvent::new(KeyCode::Char('S'), shift),
        KeyEvent::new(KeyCode::Char('s'), shift),
        KeyEvent::new(KeyCode::Char('S'), KeyModifiers::NONE),
    ] {
        assert_eq!(
            km.lookup(Mode::Board, &event),
            Some(Action::StopAll),
            "{event:?}"
        );
    }
    let release = KeyEvent::new_with_kind_and_state(
        KeyCode::Char('s'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
        KeyEventState::NONE,
    );
    assert_eq!(km.lookup(Mode::Board, &release), None);
    let back_tab = KeyEvent::new(KeyCode::BackTab, shift);
    assert_eq!(
        KeyChord::from_event(&back_tab),
        KeyChord::new(KeyCode::Tab, shift)
    );
}

#[test]
fn mode_of_a_model() {
    let mut model = BoardModel::default();
    assert_eq!(Mode::of(&model), Mode::Board);
    model.zoomed = true;
    assert_eq!(Mode::of(&model), Mode::Zoomed);
    model.attached = true;
    assert_eq!(Mode::of(&model), Mode::Attached);
    model.dialog = Some(Dialog::Help);
    assert_eq!(Mode::of(&model), Mode::Help);
    model.dialog = Some(Dialog::Redirect {
        loop_name: "a".into(),
        textarea: Default::default(),
    });
    assert_eq!(Mode::of(&model), Mode::TextInput);
    model.dialog = Some(Dialog::Confirm {
        title: "t".into(),
        body: "b".into(),
        yes: "abort".into(),
    });
    assert_eq!(Mode::of(&model), Mode::Confirm);

    // A full screen wins over attach and zoom; a dialog wins over the screen.
    model.dialog = None;
    crate::ui::board::screen::open_diff(&mut model, "a", 1);
    assert_eq!(Mode::of(&model), Mode::Diff);
    if let Some(crate::ui::board::screen::Screen::Diff(d)) = model.screens.last_mut() {
        d.search.editing = true;
    }
    assert_eq!(Mode::of(&model), Mode::Search);
    crate::ui::board::screen::open_review(&mut model, Default::default());
    assert_eq!(Mode::of(&model), Mode::Review);
    model.dialog = Some(Dialog::Help);
    assert_eq!(Mode::of(&model), Mode::Help);
}

//! Tests of the keymap: DESIGN §4's keys, no collisions, hints and chord parsing.

use std::collections::HashMap;

use crossterm::event::KeyModifiers;

use super::*;
use crate::ui::model::{BoardModel, Dialog};

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
}

#[test]
fn no_two_bindings_collide_within_a_mode() {
    let mut km = keymap();
    // Future features must not collide either once they are switched on.
    km.set_available(Action::Diff, true);
    km.set_available(Action::Kaizen, true);
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
fn future_features_are_off_until_switched_on() {
    let mut km = keymap();
    assert_eq!(km.lookup(Mode::Board, &press("d")), None);
    assert!(km.keys_for(Action::Kaizen).is_empty());
    assert!(!km.hints(Mode::Board).iter().any(|(_, d)| *d == "diff"));
    km.set_available(Action::Diff, true);
    assert_eq!(km.lookup(Mode::Board, &press("d")), Some(Action::Diff));
    assert!(km.hints(Mode::Board).contains(&("d".into(), "diff")));
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
        ["Enter", "Tab", "s", "S", "r", "i", "m", "a", "R", "x", "]", "[", "?", "q"]
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
}

//! Encoding the human's input for an attached pane: keys, paste and focus, each in the form
//! the child asked for through its terminal modes (mouse reports are in `mouse.rs`).
//!
//! Only legacy xterm sequences are produced (the pane never enables the kitty keyboard
//! protocol). Anything a child did not ask for — mouse reports with mouse mode off, focus
//! events without `?1004` — is not sent at all.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::Modes;

const ESC: u8 = 0x1b;
const PASTE_START: &str = "\x1b[200~";
const PASTE_END: &str = "\x1b[201~";

/// The bytes for a key press, or `None` for releases and keys a terminal cannot send.
pub fn encode_key(key: &KeyEvent, modes: &Modes) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let mods = key.modifiers;
    let alt = mods.contains(KeyModifiers::ALT);
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    // Modifier parameter of `CSI 1;m X`: 1 + shift + 2*alt + 4*ctrl.
    let param =
        1 + u8::from(mods.contains(KeyModifiers::SHIFT)) + 2 * u8::from(alt) + 4 * u8::from(ctrl);
    let alt_prefixed = |bytes: &[u8]| {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        if alt {
            out.push(ESC);
        }
        out.extend_from_slice(bytes);
        out
    };
    let bytes = match key.code {
        KeyCode::Char(c) => {
            let mut utf8 = [0; 4];
            let plain = c.encode_utf8(&mut utf8).as_bytes();
            match ctrl.then(|| control_byte(c)).flatten() {
                Some(byte) => alt_prefixed(&[byte]),
                None => alt_prefixed(plain),
            }
        }
        KeyCode::Enter => alt_prefixed(b"\r"),
        KeyCode::Backspace if ctrl => alt_prefixed(&[0x08]),
        KeyCode::Backspace => alt_prefixed(&[0x7f]),
        KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => b"\x1b[Z".to_vec(),
        KeyCode::Tab => alt_prefixed(b"\t"),
        KeyCode::BackTab => b"\x1b[Z".to_vec(),
        KeyCode::Esc => alt_prefixed(&[ESC]),
        KeyCode::Up => cursor_key(b'A', param, modes),
        KeyCode::Down => cursor_key(b'B', param, modes),
        KeyCode::Right => cursor_key(b'C', param, modes),
        KeyCode::Left => cursor_key(b'D', param, modes),
        KeyCode::Home => cursor_key(b'H', param, modes),
        KeyCode::End => cursor_key(b'F', param, modes),
        KeyCode::Insert => tilde_key(2, param),
        KeyCode::Delete => tilde_key(3, param),
        KeyCode::PageUp => tilde_key(5, param),
        KeyCode::PageDown => tilde_key(6, param),
        KeyCode::F(n @ 1..=4) => ss3_key(b"PQRS"[usize::from(n - 1)], param),
        KeyCode::F(n @ 5..=12) => {
            tilde_key([15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)], param)
        }
        _ => return None,
    };
    Some(bytes)
}

/// The C0 byte a Ctrl chord produces, as xterm sends it.
fn control_byte(c: char) -> Option<u8> {
    match c {
        'a'..='z' | 'A'..='Z' => Some((c as u8) & 0x1f),
        ' ' | '@' | '2' => Some(0x00),
        '[' | '3' => Some(ESC),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '-' | '/' | '7' => Some(0x1f),
        '?' | '8' => Some(0x7f),
        _ => None,
    }
}

/// Arrows, Home, End: `ESC O x` in application cursor mode, `ESC [ x` otherwise, and
/// `ESC [ 1 ; m x` with modifiers in either mode.
fn cursor_key(final_byte: u8, param: u8, modes: &Modes) -> Vec<u8> {
    if param > 1 {
        format!("\x1b[1;{param}{}", char::from(final_byte)).into_bytes()
    } else if modes.app_cursor {
        vec![ESC, b'O', final_byte]
    } else {
        vec![ESC, b'[', final_byte]
    }
}

/// F1-F4: `ESC O x`, or `ESC [ 1 ; m x` with modifiers.
fn ss3_key(final_byte: u8, param: u8) -> Vec<u8> {
    if param > 1 {
        format!("\x1b[1;{param}{}", char::from(final_byte)).into_bytes()
    } else {
        vec![ESC, b'O', final_byte]
    }
}

/// `ESC [ n ~`, or `ESC [ n ; m ~` with modifiers.
fn tilde_key(number: u8, param: u8) -> Vec<u8> {
    if param > 1 {
        format!("\x1b[{number};{param}~").into_bytes()
    } else {
        format!("\x1b[{number}~").into_bytes()
    }
}

/// A paste. With bracketed paste it is wrapped in `ESC[200~ … ESC[201~`, and every end marker
/// inside is removed first — including ones that only form once an inner marker is gone — so
/// pasted text can never end the bracket early and be run as typed keys. Without it, newlines
/// become carriage returns, as a terminal sends Enter.
pub fn encode_paste(text: &str, modes: &Modes) -> Vec<u8> {
    if !modes.bracketed_paste {
        return text.replace("\r\n", "\r").replace('\n', "\r").into_bytes();
    }
    let mut out = String::with_capacity(text.len() + PASTE_START.len() + PASTE_END.len());
    out.push_str(PASTE_START);
    let body_start = out.len();
    // Removing a marker as soon as it is completed handles nesting in one linear pass.
    for c in text.chars() {
        out.push(c);
        if out.len() - body_start >= PASTE_END.len() && out.ends_with(PASTE_END) {
            out.truncate(out.len() - PASTE_END.len());
        }
    }
    out.push_str(PASTE_END);
    out.into_bytes()
}

/// `ESC[I` / `ESC[O`, only when the child enabled focus reporting (`?1004`).
pub fn encode_focus(gained: bool, modes: &Modes) -> Option<Vec<u8>> {
    modes.focus_events.then(|| {
        if gained {
            b"\x1b[I".to_vec()
        } else {
            b"\x1b[O".to_vec()
        }
    })
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyEventState;

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_in_both_cursor_modes() {
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        let alt = KeyModifiers::ALT;
        let shift = KeyModifiers::SHIFT;
        // (key, modifiers, normal cursor mode, application cursor mode)
        let cases: Vec<(KeyCode, KeyModifiers, &[u8], &[u8])> = vec![
            (KeyCode::Char('a'), none, b"a", b"a"),
            (KeyCode::Char('A'), shift, b"A", b"A"),
            (KeyCode::Char('é'), none, "é".as_bytes(), "é".as_bytes()),
            (KeyCode::Char('c'), ctrl, b"\x03", b"\x03"),
            (KeyCode::Char('C'), ctrl | shift, b"\x03", b"\x03"),
            (KeyCode::Char(' '), ctrl, b"\x00", b"\x00"),
            (KeyCode::Char('['), ctrl, b"\x1b", b"\x1b"),
            (KeyCode::Char('x'), alt, b"\x1bx", b"\x1bx"),
            (KeyCode::Char('x'), ctrl | alt, b"\x1b\x18", b"\x1b\x18"),
            (KeyCode::Enter, none, b"\r", b"\r"),
            (KeyCode::Enter, alt, b"\x1b\r", b"\x1b\r"),
            (KeyCode::Backspace, none, b"\x7f", b"\x7f"),
            (KeyCode::Backspace, ctrl, b"\x08", b"\x08"),
            (KeyCode::Tab, none, b"\t", b"\t"),
            (KeyCode::BackTab, shift, b"\x1b[Z", b"\x1b[Z"),
            (KeyCode::Esc, none, b"\x1b", b"\x1b"),
            (KeyCode::Up, none, b"\x1b[A", b"\x1bOA"),
            (KeyCode::Down, none, b"\x1b[B", b"\x1bOB"),
            (KeyCode::Right, none, b"\x1b[C", b"\x1bOC"),
            (KeyCode::Left, none, b"\x1b[D", b"\x1bOD"),
            (KeyCode::Home, none, b"\x1b[H", b"\x1bOH"),
            (KeyCode::End, none, b"\x1b[F", b"\x1bOF"),
            (KeyCode::Up, shift, b"\x1b[1;2A", b"\x1b[1;2A"),
            (KeyCode::Left, ctrl, b"\x1b[1;5D", b"\x1b[1;5D"),
            (
                KeyCode::Right,
                ctrl | alt | shift,
                b"\x1b[1;8C",
                b"\x1b[1;8C",
            ),
            (KeyCode::Insert, none, b"\x1b[2~", b"\x1b[2~"),
            (KeyCode::Delete, none, b"\x1b[3~", b"\x1b[3~"),
            (KeyCode::Delete, ctrl, b"\x1b[3;5~", b"\x1b[3;5~"),
            (KeyCode::PageUp, none, b"\x1b[5~", b"\x1b[5~"),
            (KeyCode::PageDown, alt, b"\x1b[6;3~", b"\x1b[6;3~"),
            (KeyCode::F(1), none, b"\x1bOP", b"\x1bOP"),
            (KeyCode::F(4), none, b"\x1bOS", b"\x1bOS"),
            (KeyCode::F(2), shift, b"\x1b[1;2Q", b"\x1b[1;2Q"),
            (KeyCode::F(5), none, b"\x1b[15~", b"\x1b[15~"),
            (KeyCode::F(11), none, b"\x1b[23~", b"\x1b[23~"),
            (KeyCode::F(12), ctrl, b"\x1b[24;5~", b"\x1b[24;5~"),
        ];
        let normal = Modes::default();
        let app = Modes {
            app_cursor: true,
            ..Modes::default()
        };
        for (code, mods, want_normal, want_app) in cases {
            let event = key(code, mods);
            assert_eq!(
                encode_key(&event, &normal).as_deref(),
                Some(want_normal),
                "{code:?} {mods:?}"
            );
            assert_eq!(
                encode_key(&event, &app).as_deref(),
                Some(want_app),
                "{code:?} {mods:?} app"
            );
        }
    }

    #[test]
    fn keys_a_terminal_cannot_send_are_none() {
        let modes = Modes::default();
        let release = KeyEvent::new_with_kind_and_state(
            KeyCode::Char('a'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
            KeyEventState::empty(),
        );
        assert_eq!(encode_key(&release, &modes), None);
        for code in [KeyCode::F(13), KeyCode::CapsLock, KeyCode::Null] {
            assert_eq!(
                encode_key(&key(code, KeyModifiers::NONE), &modes),
                None,
                "{code:?}"
            );
        }
    }

    #[test]
    fn paste_with_and_without_brackets() {
        let plain = Modes::default();
        let bracketed = Modes {
            bracketed_paste: true,
            ..Modes::default()
        };
        let cases: [(&str, &Modes, &str); 6] = [
            ("ls\nrm -rf x\r\n", &plain, "ls\rrm -rf x\r"),
            ("hello", &bracketed, "\x1b[200~hello\x1b[201~"),
            ("a\nb", &bracketed, "\x1b[200~a\nb\x1b[201~"),
            (
                "x\x1b[201~rm -rf ~\n",
                &bracketed,
                "\x1b[200~xrm -rf ~\n\x1b[201~",
            ),
            // Removing the inner marker must not leave a working outer one.
            (
                "\x1b[20\x1b[201~1~echo",
                &bracketed,
                "\x1b[200~echo\x1b[201~",
            ),
            ("\x1b[201~", &bracketed, "\x1b[200~\x1b[201~"),
        ];
        for (text, modes, want) in cases {
            let got = String::from_utf8(encode_paste(text, modes)).unwrap();
            assert_eq!(got, want, "paste {text:?}");
        }
    }

    #[test]
    fn focus_only_when_asked() {
        let on = Modes {
            focus_events: true,
            ..Modes::default()
        };
        assert_eq!(encode_focus(true, &on).as_deref(), Some(&b"\x1b[I"[..]));
        assert_eq!(encode_focus(false, &on).as_deref(), Some(&b"\x1b[O"[..]));
        assert_eq!(encode_focus(true, &Modes::default()), None);
    }
}

//! A key chord (a key with its modifiers) and its text form, as written in andon.toml and
//! shown in hints and help. Hand-written rather than crokey's: crokey 1.5 parses only
//! `ctrl-`/`alt-`/`shift-` prefixes, not the tmux and Emacs forms (`C-g`, `M-x`, `Ctrl+G`)
//! andon.toml accepts, and writes arrows as words where the board's hints use `←`.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers. Letters carry their case in the char and never SHIFT, so `S` is
/// `Char('S')` however the terminal reported the shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub const fn new(code: KeyCode, modifiers: KeyModifiers) -> Self {
        KeyChord { code, modifiers }
    }

    pub const fn plain(code: KeyCode) -> Self {
        KeyChord::new(code, KeyModifiers::NONE)
    }

    pub const fn char(c: char) -> Self {
        KeyChord::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        KeyChord::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    /// The chord a key event stands for, folding the ways terminals report shifted keys
    /// (`S`, `shift+s`, `shift+S`, kitty's `s` with SHIFT) into one.
    pub fn from_event(event: &KeyEvent) -> Self {
        let mut modifiers =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_ascii_uppercase())
            }
            // Some terminals send BackTab, others Tab with SHIFT.
            KeyCode::BackTab => {
                modifiers.insert(KeyModifiers::SHIFT);
                KeyCode::Tab
            }
            code => code,
        };
        KeyChord { code, modifiers }
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, name) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.modifiers.contains(flag) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Parses a chord as written in andon.toml: `ctrl-g`, `C-g`, `Ctrl+G`, `alt-enter`, `F2`, `?`.
pub fn parse_chord(s: &str) -> Result<KeyChord, String> {
    let fail = |why: &str| {
        Err(format!(
            "`{s}` is not a key: {why} (write e.g. \"ctrl-g\", \"alt-]\" or \"F12\")"
        ))
    };
    let s = s.trim();
    if s.is_empty() {
        return fail("it is empty");
    }
    // The last character is the key itself when it is a separator ("ctrl--", "+").
    let separator = s
        .char_indices()
        .rev()
        .find(|(i, c)| (*c == '-' || *c == '+') && *i + 1 < s.len());
    let (mods, key) = match separator {
        Some((i, _)) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    };
    let mut modifiers = KeyModifiers::NONE;
    for m in mods.into_iter().flat_map(|m| m.split(['-', '+'])) {
        modifiers |= match m.to_ascii_lowercase().as_str() {
            "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
            "alt" | "meta" | "m" | "option" => KeyModifiers::ALT,
            "shift" | "s" => KeyModifiers::SHIFT,
            _ => return fail(&format!("unknown modifier `{m}`")),
        };
    }
    let code = match key.to_ascii_lowercase().as_str() {
        "enter" | "return" | "cr" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "esc" | "escape" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        "backspace" | "bs" => KeyCode::Backspace,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "del" | "delete" => KeyCode::Delete,
        "ins" | "insert" => KeyCode::Insert,
        lower => {
            let mut chars = key.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => KeyCode::Char(c),
                _ => match lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n @ 1..=24) => KeyCode::F(n),
                    _ => return fail(&format!("unknown key `{key}`")),
                },
            }
        }
    };
    let code = match code {
        // With Ctrl or Alt the terminal reports the letter in lower case, so "Ctrl+G" is ctrl-g.
        KeyCode::Char(c)
            if modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && !modifiers.contains(KeyModifiers::SHIFT) =>
        {
            KeyCode::Char(c.to_ascii_lowercase())
        }
        code => code,
    };
    Ok(KeyChord::from_event(&KeyEvent::new(code, modifiers)))
}

/// Keys as help and hints write them: `y/Enter`.
pub fn join_keys(keys: &[KeyChord]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_chord_cases() {
        let ctrl = KeyModifiers::CONTROL;
        let cases: [(&str, Option<KeyChord>); 16] = [
            ("ctrl-g", Some(KeyChord::ctrl('g'))),
            ("C-g", Some(KeyChord::ctrl('g'))),
            ("Ctrl+G", Some(KeyChord::ctrl('g'))),
            ("control-]", Some(KeyChord::ctrl(']'))),
            ("ctrl--", Some(KeyChord::ctrl('-'))),
            (
                "alt-enter",
                Some(KeyChord::new(KeyCode::Enter, KeyModifiers::ALT)),
            ),
            (
                "M-x",
                Some(KeyChord::new(KeyCode::Char('x'), KeyModifiers::ALT)),
            ),
            ("shift-s", Some(KeyChord::char('S'))),
            ("S", Some(KeyChord::char('S'))),
            ("?", Some(KeyChord::char('?'))),
            ("+", Some(KeyChord::char('+'))),
            ("F12", Some(KeyChord::plain(KeyCode::F(12)))),
            (
                "ctrl-shift-tab",
                Some(KeyChord::new(KeyCode::Tab, ctrl | KeyModifiers::SHIFT)),
            ),
            ("hyper-g", None),
            ("ctrl-foo", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_chord(text).ok(), expected, "{text:?}");
        }
        let err = parse_chord("ctrl-foo").unwrap_err();
        assert!(err.contains("unknown key `foo`"), "{err}");
    }

    #[test]
    fn display_round_trips_through_parse() {
        for chord in [
            "Ctrl-g", "Enter", "Tab", "S", "?", "PgUp", "Alt-x", "F5", "Esc",
        ] {
            let parsed = parse_chord(chord).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.to_string(), chord);
        }
    }
}

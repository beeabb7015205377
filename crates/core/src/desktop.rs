//! The terminal sink's bytes: a desktop notification the board writes to its host terminal
//! with OSC 777 (`notify;title;body`: foot, Ghostty, urxvt, VTE terminals, WezTerm) or OSC 9
//! (a message: iTerm2, WezTerm, Windows Terminal), chosen from what the terminal says it is.
//! Inside tmux the sequence is wrapped for passthrough (tmux 3.3+ passes it on with
//! `set -g allow-passthrough on`). Title and body come from loop names and reasons, so every
//! control character is taken out first: a notification never drives the terminal.

use crate::sanitize::one_line;

/// Longest title and body sent (terminals cut long notifications anyway).
const MAX_CHARS: usize = 240;

/// Which escape sequence the host terminal reads as a desktop notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `ESC ] 777 ; notify ; TITLE ; BODY ESC \`
    Osc777,
    /// `ESC ] 9 ; MESSAGE ESC \`
    Osc9,
}

/// Where the board writes: the protocol, and whether tmux stands between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desktop {
    pub protocol: Protocol,
    pub tmux: bool,
}

impl Desktop {
    /// Read from the environment through `var`: `TERM_PROGRAM`, `LC_TERMINAL` (iTerm2 sets
    /// it and ssh passes it on, so it is seen through tmux too), `WT_SESSION` (Windows
    /// Terminal) and `TMUX`. Terminals known to read only OSC 9 get OSC 9; every other gets
    /// OSC 777, which the rest of the terminals that notify read.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Desktop {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        let program = var("TERM_PROGRAM").unwrap_or_default();
        let osc9 = program == "iTerm.app"
            || var("LC_TERMINAL").is_some_and(|v| v == "iTerm2")
            || set("WT_SESSION");
        Desktop {
            protocol: if osc9 {
                Protocol::Osc9
            } else {
                Protocol::Osc777
            },
            tmux: set("TMUX"),
        }
    }

    /// The bytes to write for one notification.
    pub fn sequence(self, title: &str, body: &str) -> String {
        // OSC 777 separates its fields with `;`: a title holding one would split there.
        let title = clean(title).replace(';', ",");
        let body = clean(body);
        let osc = match self.protocol {
            Protocol::Osc777 => format!("\x1b]777;notify;{title};{body}\x1b\\"),
            Protocol::Osc9 if body.is_empty() => format!("\x1b]9;{title}\x1b\\"),
            Protocol::Osc9 => format!("\x1b]9;{title}: {body}\x1b\\"),
        };
        if self.tmux {
            passthrough(&osc)
        } else {
            osc
        }
    }
}

/// `osc` wrapped in tmux's passthrough DCS, each ESC inside doubled.
fn passthrough(osc: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b"))
}

/// One printable line of at most [`MAX_CHARS`] (and the ellipsis).
fn clean(text: &str) -> String {
    one_line(text, MAX_CHARS + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_string())
        }
    }

    type Case<'a> = (&'a [(&'a str, &'a str)], Protocol, bool);

    #[test]
    fn the_protocol_follows_the_terminal() {
        let cases: &[Case<'_>] = &[
            (&[], Protocol::Osc777, false),
            (&[("TERM_PROGRAM", "ghostty")], Protocol::Osc777, false),
            (&[("TERM_PROGRAM", "WezTerm")], Protocol::Osc777, false),
            (&[("TERM_PROGRAM", "iTerm.app")], Protocol::Osc9, false),
            (&[("WT_SESSION", "0b1c")], Protocol::Osc9, false),
            (&[("WT_SESSION", "")], Protocol::Osc777, false),
            (
                &[
                    ("TERM_PROGRAM", "tmux"),
                    ("TMUX", "/tmp/tmux-1/default,9,0"),
                ],
                Protocol::Osc777,
                true,
            ),
            (
                &[
                    ("TERM_PROGRAM", "tmux"),
                    ("LC_TERMINAL", "iTerm2"),
                    ("TMUX", "/tmp/t,1,0"),
                ],
                Protocol::Osc9,
                true,
            ),
        ];
        for (vars, protocol, tmux) in cases {
            let d = Desktop::from_env(env(vars));
            assert_eq!((d.protocol, d.tmux), (*protocol, *tmux), "{vars:?}");
        }
    }

    #[test]
    fn sequences_are_the_terminals_own_and_wrapped_inside_tmux() {
        let cases = [
            (
                Protocol::Osc777,
                false,
                "andon shop: fix red",
                "stopped: same failure",
                "\x1b]777;notify;andon shop: fix red;stopped: same failure\x1b\\",
            ),
            (
                Protocol::Osc9,
                false,
                "andon shop: fix red",
                "stopped",
                "\x1b]9;andon shop: fix red: stopped\x1b\\",
            ),
            (Protocol::Osc9, false, "t", "", "\x1b]9;t\x1b\\"),
            (
                Protocol::Osc777,
                true,
                "t",
                "b",
                "\x1bPtmux;\x1b\x1b]777;notify;t;b\x1b\x1b\\\x1b\\",
            ),
        ];
        for (protocol, tmux, title, body, want) in cases {
            let d = Desktop { protocol, tmux };
            assert_eq!(d.sequence(title, body), want, "{protocol:?} tmux={tmux}");
        }
    }

    #[test]
    fn text_cannot_end_the_sequence_or_drive_the_terminal() {
        let d = Desktop {
            protocol: Protocol::Osc777,
            tmux: false,
        };
        let got = d.sequence(
            "fix;evil\x07",
            "line one\nline two \x1b]52;c;aGk=\x07\x1b[2J done\u{9c}",
        );
        assert_eq!(got, "\x1b]777;notify;fix,evil;line one line two done\x1b\\");
        let long = "x".repeat(400);
        let got = d.sequence("t", &long);
        assert!(
            got.contains(&format!("{}…", "x".repeat(MAX_CHARS))),
            "{got}"
        );
        assert!(!got.contains(&"x".repeat(MAX_CHARS + 1)));
    }
}

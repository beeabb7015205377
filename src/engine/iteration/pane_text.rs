//! What andon itself writes into a loop's pane — the iteration's banner, each check's command
//! line and verdict, the guards' notes — and a check's output as a terminal would show it.
//! One place for these lines, so a pane rebuilt from the logs (`replay`) reads like the live one.

use std::borrow::Cow;

use andon_core::state::Mode;

/// The line that opens an agent run in the pane.
pub fn iteration_banner(loop_name: &str, iteration: u32, mode: Mode) -> String {
    format!(
        "\r\n\x1b[2m── {loop_name} iteration {iteration} ({}) ──\x1b[0m\r\n",
        mode.as_str()
    )
}

/// The line that opens an interactive agent's session in the pane.
pub fn session_banner(loop_name: &str, agent: &str) -> String {
    format!("\r\n\x1b[2m── {loop_name}: interactive session ({agent}) ──\x1b[0m\r\n")
}

/// The line that opens a reviewer's run in the pane.
pub fn review_banner(loop_name: &str, iteration: u32, reviewer: &str) -> String {
    format!("\r\n\x1b[2m── {loop_name} iteration {iteration}: review by {reviewer} ──\x1b[0m\r\n")
}

/// The command line shown before a check runs (`kind` is "check" or "goal").
pub fn check_header(command: &str, kind: &str, name: &str) -> String {
    format!("\r\n\x1b[1;36m$ {command}\x1b[0m  \x1b[2m({kind} {name})\x1b[0m\r\n")
}

/// The verdict shown after a check ran, on a line of its own (`at_line_start`: the check's
/// output ended with a newline, or there was none).
pub fn check_verdict(kind: &str, name: &str, passed: bool, at_line_start: bool) -> String {
    let verdict = if passed {
        "\x1b[32mpassed\x1b[0m"
    } else {
        "\x1b[31mfailed\x1b[0m"
    };
    let newline = if at_line_start { "" } else { "\r\n" };
    format!("{newline}\x1b[2m{kind} {name}:\x1b[0m {verdict}\r\n")
}

/// What the guards undid after an agent run, so the pane does not keep showing an edit that
/// is gone: one line per reason, the files named.
pub fn guard_note(restored_out_of_scope: &[String], restored_protected: &[String]) -> String {
    let mut out = String::new();
    for (paths, why) in [
        (restored_protected, "protected: an existing test or spec"),
        (restored_out_of_scope, "outside the plan's scope"),
    ] {
        if paths.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\r\n\x1b[33mandon restored {} ({why})\x1b[0m\r\n",
            paths.join(", ")
        ));
    }
    out
}

/// Output of a program that ran without a terminal, as a terminal shows it: every line feed
/// also returns the carriage (what the kernel's ONLCR does for a program on a TTY), so each
/// line starts at the pane's left edge instead of where the last one ended.
pub fn as_terminal_output(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.contains(&b'\n') {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_feeds_return_the_carriage_like_a_tty() {
        let cases: [(&[u8], &[u8]); 5] = [
            (b"", b""),
            (b"no newline", b"no newline"),
            (b"a\nb\n", b"a\r\nb\r\n"),
            // A CRLF already there becomes CR CR LF: harmless, as on a TTY.
            (b"a\r\n", b"a\r\r\n"),
            (b"\n\n", b"\r\n\r\n"),
        ];
        for (input, want) in cases {
            assert_eq!(&*as_terminal_output(input), want, "{input:?}");
        }
    }

    #[test]
    fn guard_notes_name_every_restored_file_and_why() {
        let note = guard_note(&["README.md".into()], &["tests/t.py".into()]);
        assert!(
            note.contains("andon restored tests/t.py (protected"),
            "{note}"
        );
        assert!(
            note.contains("andon restored README.md (outside the plan's scope)"),
            "{note}"
        );
        assert_eq!(guard_note(&[], &[]), "");
    }
}

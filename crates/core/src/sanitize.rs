//! Making a child's text safe to show: escape sequences (CSI, OSC — titles, clipboard writes —
//! DCS and the like) and control characters are removed, so bytes from an agent or a check can
//! never drive the terminal that prints a summary, a status line or a log.

/// `text` without escape sequences and control characters; newlines and tabs are kept when
/// `keep_lines` is true, otherwise they become spaces.
pub fn printable(text: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 controls: CSI (U+009B) and OSC (U+009D) introduce sequences as well.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{90}' | '\u{9d}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' | '\t' if keep_lines => out.push(c),
            '\n' | '\t' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` with every control character other than newline and tab written out visibly
/// (`\u{1b}`), for error messages that quote a name as the user wrote it: nothing in it acts
/// on the terminal, and the name can still be recognised.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// One line for a status table: printable, whitespace collapsed, at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let clean = printable(text, false);
    let words: Vec<&str> = clean.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() <= max {
        return joined;
    }
    let mut cut: String = joined.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two- and three-byte sequences (charset selection, keypad modes, …).
        Some('(') | Some(')') | Some('*') | Some('+') | Some('#') | Some('%') => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI parameters and intermediates, up to the final byte (0x40..=0x7e).
fn skip_until_final(chars: &mut Chars) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
    }
}

/// OSC/DCS/APC/PM payloads, up to BEL or ST (ESC \ or U+009C).
fn skip_string(chars: &mut Chars) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_writes_controls_out() {
        assert_eq!(
            visible("plans/evil\u{1b}]0;x\u{7}.md\nnext\u{9b}"),
            "plans/evil\\u{1b}]0;x\\u{7}.md\nnext\\u{9b}"
        );
    }

    #[test]
    fn hostile_sequences_are_removed() {
        let rows = [
            ("\u{1b}]0;PWNED\u{7}boom", "boom"),
            ("\u{1b}]52;c;aGVsbG8=\u{7}clip", "clip"),
            ("\u{1b}]52;c;aGVsbG8=\u{1b}\\st", "st"),
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("\u{1b}P1$r0m\u{1b}\\dcs", "dcs"),
            ("\u{1b}[21t\u{1b}[6nreport", "report"),
            ("\u{9d}0;title\u{9c}c1", "c1"),
            ("a\u{7}b\u{8}c\rd", "abc d"),
            ("tab\tand\nline", "tab and line"),
            ("\u{1b}(Bcharset", "charset"),
            ("unterminated \u{1b}]0;title", "unterminated "),
        ];
        for (input, want) in rows {
            assert_eq!(printable(input, false), want, "{input:?}");
        }
        assert_eq!(printable("a\nb\tc", true), "a\nb\tc");
    }

    #[test]
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("a \n\n b", 10), "a b");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
    }
}

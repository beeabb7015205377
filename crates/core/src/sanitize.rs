//! Making a child's text safe to show: escape sequences (CSI, OSC — titles, clipboard writes —
//! DCS and the like) and control characters are removed, so bytes from an agent or a check can
//! never drive the terminal that prints a summary, a status line or a log. One parser finds
//! the sequences everywhere andon cleans text: vte's, the state machine terminals use.

/// `text` without escape sequences, control characters and invisible formatting characters
/// (see [`invisible`]); newlines and tabs are kept when `keep_lines` is true, otherwise they
/// become spaces (as does a carriage return).
pub fn printable(text: &str, keep_lines: bool) -> String {
    strip_escapes(text)
        .chars()
        .filter_map(|c| match c {
            '\n' | '\t' if keep_lines => Some(c),
            '\n' | '\t' | '\r' => Some(' '),
            c if c.is_control() || invisible(c) => None,
            c => Some(c),
        })
        .collect()
}

/// A formatting character that shows nothing yet changes what a reader sees: bidirectional
/// overrides, embeddings and isolates (text that reads one way and runs another), zero-width
/// characters and tag characters (text hidden from a human, not from a model).
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{E0000}'..='\u{E007F}')
}

/// `text` without escape sequences — CSI, OSC, DCS, SOS/PM/APC strings and two- or
/// three-byte escapes, in their 7-bit and C1 forms, an unterminated one to the end — as
/// vte, the parser terminals use, delimits them. Other control characters (newline, tab,
/// carriage return, bell, backspace) are kept for the caller to judge.
pub fn strip_escapes(text: &str) -> String {
    let mut kept = Kept(String::with_capacity(text.len()));
    let mut parser = vte::Parser::new();
    if text.contains(|c| c1_as_escape(c).is_some()) {
        let mut bytes = Vec::with_capacity(text.len() + 8);
        let mut buf = [0u8; 4];
        for c in text.chars() {
            match c1_as_escape(c) {
                Some(seq) => bytes.extend_from_slice(seq),
                None => bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            }
        }
        parser.advance(&mut kept, &bytes);
    } else {
        parser.advance(&mut kept, text.as_bytes());
    }
    kept.0
}

/// The 7-bit form of a C1 control that opens or closes a sequence (vte reads C1 controls
/// only as raw 8-bit bytes, which valid UTF-8 text never holds).
fn c1_as_escape(c: char) -> Option<&'static [u8]> {
    Some(match c {
        '\u{90}' => b"\x1bP",
        '\u{98}' => b"\x1bX",
        '\u{9b}' => b"\x1b[",
        '\u{9c}' => b"\x1b\\",
        '\u{9d}' => b"\x1b]",
        '\u{9e}' => b"\x1b^",
        '\u{9f}' => b"\x1b_",
        _ => return None,
    })
}

/// What vte hands on outside sequences: printed characters and C0 controls.
struct Kept(String);

impl vte::Perform for Kept {
    fn print(&mut self, c: char) {
        self.0.push(c);
    }

    fn execute(&mut self, byte: u8) {
        if byte.is_ascii() {
            self.0.push(char::from(byte));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_drops_what_a_reader_cannot_see() {
        // Trojan Source: an override reorders what is shown; tags carry hidden text.
        let text = "access\u{202E} }\u{2066}if (admin)\u{2069} {\u{200B}\u{E0041}\u{E0042}";
        assert_eq!(printable(text, false), "access }if (admin) {");
        assert_eq!(
            printable("naïve — café ✓ 日本", false),
            "naïve — café ✓ 日本"
        );
    }

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

//! A child's hostile output goes through a pane and the board's real terminal backend: none of
//! its escape sequences — clipboard writes, titles, DCS, report requests — reach the bytes
//! andon writes to its own terminal.

use andon::term::{Pane, PaneWidget, TermPalette};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// What andon writes to "its terminal" in this test.
#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sequences a child may send to reach the host terminal or the clipboard.
const HOSTILE: &[&[u8]] = &[
    b"\x1b]52;c;aGVsbG8gd29ybGQ=\x07",   // OSC 52 clipboard write (BEL)
    b"\x1b]52;c;aGVsbG8gd29ybGQ=\x1b\\", // OSC 52 clipboard write (ST)
    b"\x1b]0;pwned title\x07",           // OSC 0 window title
    b"\x1b]2;title with \x1b inside\x07", // OSC 2 with an ESC inside the title
    b"\x1bP+q544e\x1b\\",                // DCS XTGETTCAP request
    b"\x1bP1$r0m\x1b\\",                 // DCS DECRQSS reply-looking string
    b"\x1b[21t",                         // report window title
    b"\x1b[14t\x1b[18t",                 // report window size
    b"\x1b[6n\x1b[c\x1b[>c",             // cursor position, device attributes
    b"\x1b]11;?\x07",                    // background color query
    b"\x1b]8;;https://evil.example\x07link\x1b]8;;\x07", // hyperlink
    b"\x1b_Gf=100;AAAA\x1b\\",           // APC (kitty graphics)
    b"\x9d0;c1 title\x9c",               // 8-bit OSC
];

#[test]
fn hostile_child_bytes_never_reach_the_host_terminal() {
    let replies = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let sink = std::sync::Arc::clone(&replies);
    let mut pane = Pane::new(
        20,
        80,
        100,
        Box::new(move |b| sink.lock().unwrap().extend(b)),
    );
    pane.feed(b"visible before\r\n");
    for seq in HOSTILE {
        pane.feed(seq);
    }
    pane.feed(b"\r\nvisible after");

    let out = Capture::default();
    let backend = CrosstermBackend::new(out.clone());
    let mut terminal = Terminal::new(backend).unwrap();
    terminal
        .resize(ratatui::layout::Rect::new(0, 0, 80, 20))
        .unwrap();
    let palette = TermPalette::dark();
    terminal
        .draw(|f| {
            let area = f.area();
            f.render_widget(
                PaneWidget {
                    pane: &pane,
                    palette: &palette,
                    show_cursor: true,
                },
                area,
            );
        })
        .unwrap();
    let written = out.0.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&written);
    assert!(
        text.contains("visible before") || text.contains("visible"),
        "the pane drew nothing"
    );
    for (name, needle) in [
        ("OSC", &b"\x1b]"[..]),
        ("DCS", b"\x1bP"),
        ("APC", b"\x1b_"),
        ("8-bit OSC", "\u{9d}".as_bytes()),
        ("window report", b"\x1b[21t"),
        ("size report", b"[14t"),
        ("cursor report request", b"\x1b[6n"),
        ("device attributes request", b"\x1b[c"),
        ("clipboard payload", b"aGVsbG8gd29ybGQ="),
        ("title", b"pwned"),
        ("hyperlink target", b"evil.example"),
        ("bell", b"\x07"),
    ] {
        assert!(
            !written.windows(needle.len()).any(|w| w == needle),
            "{name} reached the host terminal: {text:?}"
        );
    }
    // Queries were answered to the child, not forwarded to the host.
    let replies = replies.lock().unwrap().clone();
    assert!(
        !replies.is_empty(),
        "the child's queries get answers from the pane"
    );
    assert!(pane.clipboard_denied() >= 2);
}

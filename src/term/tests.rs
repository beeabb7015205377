//! Pane behaviour against real alacritty parsing of real escape sequences.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

/// A pane whose replies are collected for inspection.
fn pane(rows: u16, cols: u16) -> (Pane, Arc<Mutex<Vec<Vec<u8>>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&sent);
    let replies: Replies = Box::new(move |bytes| sink.lock().unwrap().push(bytes));
    (Pane::new(rows, cols, 100, replies), sent)
}

fn replies_of(sent: &Arc<Mutex<Vec<Vec<u8>>>>) -> String {
    let sent = std::mem::take(&mut *sent.lock().unwrap());
    String::from_utf8(sent.concat()).unwrap()
}

fn rows_of(pane: &Pane) -> Vec<String> {
    pane.text().split('\n').map(str::to_owned).collect()
}

#[test]
fn pane_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Pane>();
}

#[test]
fn queries_are_answered_through_replies() {
    let cases: [(&[u8], String); 8] = [
        (b"ab\x1b[6n", "\x1b[1;3R".into()),
        (b"\x1b[c", "\x1b[?6c".into()),
        (b"\x1b[5n", "\x1b[0n".into()),
        (b"\x1b]11;?\x07", "\x1b]11;rgb:1818/1818/1818\x07".into()),
        (
            b"\x1b]10;?\x1b\\",
            "\x1b]10;rgb:d8d8/d8d8/d8d8\x1b\\".into(),
        ),
        (b"\x1b[?2004$p", "\x1b[?2004;2$y".into()),
        (b"\x1b[14t", format!("\x1b[4;{};{}t", 6 * 16, 30 * 8)),
        (b"\x1b[18t", "\x1b[8;6;30t".into()),
    ];
    for (query, want) in cases {
        let (mut pane, sent) = pane(6, 30);
        pane.feed(query);
        assert_eq!(
            replies_of(&sent),
            want,
            "query {:?}",
            String::from_utf8_lossy(query)
        );
    }
}

#[test]
fn replies_keep_the_childs_order_in_one_write() {
    let (mut pane, sent) = pane(6, 30);
    pane.feed(b"\x1b]11;?\x07\x1b[6n\x1b[c");
    let writes = sent.lock().unwrap().clone();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        writes[0],
        b"\x1b]11;rgb:1818/1818/1818\x07\x1b[1;1R\x1b[?6c"
    );
}

#[test]
fn color_answers_follow_the_palette_and_the_childs_own_colors() {
    let (mut pane, sent) = pane(6, 30);
    pane.set_palette(TermPalette::light());
    pane.feed(b"\x1b]11;?\x07");
    assert_eq!(replies_of(&sent), "\x1b]11;rgb:ffff/ffff/ffff\x07");
    pane.feed(b"\x1b]11;rgb:12/34/56\x07\x1b]11;?\x07");
    assert_eq!(replies_of(&sent), "\x1b]11;rgb:1212/3434/5656\x07");
}

#[test]
fn clipboard_requests_are_denied_silently() {
    let (mut pane, sent) = pane(6, 30);
    pane.feed(b"\x1b]52;c;c2VjcmV0\x07\x1b]52;c;?\x07ok");
    assert_eq!(replies_of(&sent), "");
    assert_eq!(pane.clipboard_denied(), 1, "the store is seen and counted");
    assert_eq!(pane.text().lines().next(), Some("ok"));
}

#[test]
fn titles_are_sanitized() {
    let (mut pane, sent) = pane(4, 40);
    pane.take_dirty();
    pane.feed(b"\x1b]0;build \xc2\x9b31m ok\x07");
    assert_eq!(pane.title().as_deref(), Some("build 31m ok"));
    assert!(pane.take_dirty());

    // An ESC ends the OSC: the rest is drawn as text, and no escape reaches the title.
    pane.feed(b"\x1b]2;evil\x1b[31mtitle\x07");
    assert_eq!(pane.title().as_deref(), Some("evil"));
    assert_eq!(rows_of(&pane)[0], "title");

    let long = format!("\x1b]2;{}\x07", "t".repeat(500));
    pane.feed(long.as_bytes());
    assert_eq!(pane.title().map(|t| t.chars().count()), Some(80));
    assert_eq!(replies_of(&sent), "");
}

#[test]
fn bells_are_counted() {
    let (mut pane, _) = pane(4, 20);
    pane.feed(b"a\x07b\x07");
    assert_eq!(pane.bell_count(), 2);
}

#[test]
fn cursor_movement_places_text() {
    let (mut pane, sent) = pane(5, 10);
    pane.feed(b"\x1b[2;3Hx\x1b[4;1Hyy\x1b[Az\x1b[5;10Hq\x1b[6n");
    assert_eq!(rows_of(&pane), ["", "  x", "  z", "yy", "         q"]);
    assert_eq!(replies_of(&sent), "\x1b[5;10R");
}

#[test]
fn alternate_screen_restores_the_main_screen() {
    let (mut pane, _) = pane(3, 20);
    pane.feed(b"main screen\r\nline two");
    pane.feed(b"\x1b[?1049h\x1b[2J\x1b[Halt");
    assert!(pane.modes().alt_screen);
    assert_eq!(rows_of(&pane), ["alt", "", ""]);
    pane.feed(b"\x1b[?1049l");
    assert!(!pane.modes().alt_screen);
    assert_eq!(rows_of(&pane), ["main screen", "line two", ""]);
}

#[test]
fn synchronized_update_without_end_shows_after_the_timeout() {
    let (mut pane, _) = pane(3, 20);
    pane.feed(b"\x1b[?2026h");
    pane.take_dirty();
    pane.feed(b"hidden");
    assert_eq!(pane.text(), "\n\n", "buffered until the update ends");
    assert!(!pane.take_dirty(), "nothing visible changed yet");

    let deadline = pane
        .sync_deadline()
        .expect("a synchronized update is pending");
    pane.tick_at(deadline - Duration::from_millis(1));
    assert_eq!(pane.text(), "\n\n");
    pane.tick_at(deadline);
    assert_eq!(rows_of(&pane)[0], "hidden");
    assert!(pane.take_dirty());
    assert_eq!(pane.sync_deadline(), None);
}

#[test]
fn synchronized_update_times_out_on_the_wall_clock() {
    let (mut pane, _) = pane(3, 20);
    pane.feed(b"\x1b[?2026hlate");
    let deadline = pane
        .sync_deadline()
        .expect("a synchronized update is pending");
    // vte's SYNC_UPDATE_TIMEOUT is 150 ms.
    assert!(deadline <= Instant::now() + Duration::from_millis(150));
    std::thread::sleep(
        deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(5),
    );
    pane.tick();
    assert_eq!(rows_of(&pane)[0], "late");
}

#[test]
fn synchronized_update_with_end_shows_at_once() {
    let (mut pane, sent) = pane(3, 20);
    pane.feed(b"\x1b[?2026hframe\x1b[6n");
    assert_eq!(
        replies_of(&sent),
        "",
        "queries inside the update wait for it"
    );
    pane.feed(b"\x1b[?2026l");
    assert_eq!(rows_of(&pane)[0], "frame");
    assert_eq!(replies_of(&sent), "\x1b[1;6R");
}

#[test]
fn scrollback_scrolls_and_returns() {
    let (mut pane, _) = pane(10, 20);
    let lines: Vec<String> = (1..=100).map(|i| format!("line {i}")).collect();
    pane.feed(lines.join("\r\n").as_bytes());
    assert_eq!(rows_of(&pane)[0], "line 91");
    assert_eq!(rows_of(&pane)[9], "line 100");
    pane.take_dirty();

    pane.scroll(5);
    assert_eq!(pane.scroll_offset(), 5);
    assert_eq!(rows_of(&pane)[0], "line 86");
    assert_eq!(rows_of(&pane)[9], "line 95");
    assert!(pane.take_dirty());

    // New output does not yank a scrolled-back view.
    pane.feed(b"\r\nline 101");
    assert_eq!(rows_of(&pane)[0], "line 86");

    pane.scroll(-2);
    assert_eq!(pane.scroll_offset(), 4);
    pane.scroll_to_bottom();
    assert_eq!(pane.scroll_offset(), 0);
    assert_eq!(rows_of(&pane)[9], "line 101");

    pane.scroll(10_000);
    assert_eq!(pane.scroll_offset(), 91, "clamped to the history kept");
}

#[test]
fn scrollback_is_bounded_by_the_configured_history() {
    let (mut pane, _) = pane(10, 20);
    let lines: Vec<String> = (1..=500).map(|i| format!("line {i}")).collect();
    pane.feed(lines.join("\r\n").as_bytes());
    pane.scroll(10_000);
    assert_eq!(pane.scroll_offset(), 100);
    assert_eq!(rows_of(&pane)[0], "line 391");
}

#[test]
fn scrolling_without_history_changes_nothing() {
    let (mut pane, _) = pane(4, 20);
    pane.feed(b"x");
    pane.take_dirty();
    pane.scroll(3);
    assert_eq!(pane.scroll_offset(), 0);
    assert!(!pane.take_dirty());
}

#[test]
fn resize_keeps_content() {
    let (mut pane, _) = pane(4, 10);
    pane.feed(b"abcdefghij\r\nshort");
    pane.resize(4, 5);
    assert_eq!(pane.size(), (4, 5));
    // The rows below the cursor are empty: the rewrapped line stays on screen, as in tmux.
    assert_eq!(rows_of(&pane)[..3], ["abcde", "fghij", "short"], "reflowed");
    assert_eq!(pane.history_size(), 0, "nothing pushed into history");

    pane.resize(6, 20);
    assert_eq!(pane.size(), (6, 20));
    assert_eq!(
        rows_of(&pane)[..2],
        ["abcdefghij", "short"],
        "unwrapped again"
    );

    pane.take_dirty();
    pane.resize(6, 20);
    assert!(!pane.take_dirty(), "same size is no change");
    pane.resize(0, 0);
    assert_eq!(pane.size(), (1, 2), "clamped to alacritty's minimum");
}

#[test]
fn narrower_full_screen_pushes_only_what_no_longer_fits() {
    let (mut full, _) = pane(3, 10);
    full.feed(b"one\r\nabcdefghij\r\nlast");
    full.resize(3, 5);
    assert_eq!(rows_of(&full), ["abcde", "fghij", "last"]);
    assert_eq!(full.history_size(), 1, "`one` went into history");
}

#[test]
fn narrower_pane_keeps_a_footer_below_the_cursor() {
    // An inline TUI: its cursor at the top, a footer on the last row.
    let (mut p, _) = pane(4, 10);
    p.feed(b"one\r\nabcdefghij\r\n\r\nfoot\x1b[H");
    p.resize(4, 5);
    let rows = rows_of(&p);
    assert_eq!(rows.last().map(String::as_str), Some("foot"), "{rows:?}");
    assert!(rows.contains(&"fghij".to_string()), "{rows:?}");
}

#[test]
fn modes_follow_the_child() {
    let on = |edit: fn(&mut Modes)| {
        let mut modes = Modes {
            show_cursor: true,
            ..Modes::default()
        };
        edit(&mut modes);
        modes
    };
    let cases: [(&[u8], Modes); 12] = [
        (b"", on(|_| {})),
        (b"\x1b[?1h", on(|m| m.app_cursor = true)),
        (b"\x1b=", on(|m| m.app_keypad = true)),
        (b"\x1b[?2004h", on(|m| m.bracketed_paste = true)),
        (b"\x1b[?1000h", on(|m| m.mouse = MouseMode::Click)),
        (b"\x1b[?1002h", on(|m| m.mouse = MouseMode::Drag)),
        (b"\x1b[?1003h", on(|m| m.mouse = MouseMode::Motion)),
        (b"\x1b[?1000h\x1b[?1000l", on(|_| {})),
        (b"\x1b[?1006h", on(|m| m.sgr_mouse = true)),
        (b"\x1b[?1004h", on(|m| m.focus_events = true)),
        (b"\x1b[?1049h", on(|m| m.alt_screen = true)),
        (b"\x1b[?25l", Modes::default()),
    ];
    for (sequence, want) in cases {
        let (mut pane, _) = pane(4, 20);
        pane.feed(sequence);
        assert_eq!(
            pane.modes(),
            want,
            "sequence {:?}",
            String::from_utf8_lossy(sequence)
        );
    }
}

#[test]
fn dirty_is_reported_once_per_change() {
    let (mut pane, _) = pane(4, 20);
    assert!(pane.take_dirty(), "a new pane needs a first draw");
    assert!(!pane.take_dirty());
    pane.feed(b"x");
    assert!(pane.take_dirty());
    assert!(!pane.take_dirty());
    pane.feed(b"");
    assert!(!pane.take_dirty());
}

#[test]
fn text_writes_wide_characters_once() {
    let (mut pane, _) = pane(2, 12);
    pane.feed("a中b😀c e\u{301}".as_bytes());
    assert_eq!(rows_of(&pane)[0], "a中b😀c e\u{301}");
}

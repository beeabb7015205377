//! The pane's alacritty `EventListener`: the one door through which a child's escape sequences
//! can ask for anything beyond drawing on its own grid.
//!
//! Every request is decided here. Query answers are queued for the pane to write back to the
//! child's PTY; the title is sanitized and kept for display inside andon; clipboard access is
//! denied outright. Nothing is ever forwarded to andon's own terminal: the listener has no
//! handle to it.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alacritty_terminal::event::{Event, EventListener, WindowSize};
use alacritty_terminal::vte::ansi::Rgb;

/// Longest title kept, in characters: enough for a board header, too short to smuggle a page.
pub(crate) const TITLE_MAX_CHARS: usize = 80;

/// Formats alacritty hands over with a request; it owns the escape-sequence syntax.
pub(crate) type ColorFormat = Arc<dyn Fn(Rgb) -> String + Send + Sync>;
pub(crate) type SizeFormat = Arc<dyn Fn(WindowSize) -> String + Send + Sync>;

/// An answer the child asked for, resolved by the pane once it can see its size and colors.
pub(crate) enum Request {
    /// Already formatted by alacritty (DA, DSR/CPR, DECRQM, text area size in cells).
    Write(String),
    /// `OSC 4/10/11/12 ?`: alacritty's color index and the reply format.
    Color(usize, ColorFormat),
    /// `CSI 14 t`: text area size in pixels.
    TextAreaSize(SizeFormat),
}

/// What the listener collected while the parser ran; drained by the pane after each feed.
#[derive(Default)]
pub(crate) struct Inbox {
    /// Answers in the order the child asked, so replies arrive in that order too.
    pub(crate) requests: Vec<Request>,
    pub(crate) title: Option<String>,
    pub(crate) bells: u64,
    pub(crate) clipboard_denied: u64,
    /// A title or bell changed what andon shows about the pane.
    pub(crate) changed: bool,
}

/// Shared between the `Term` (which owns the listener) and the `Pane` (which drains it).
pub(crate) type SharedInbox = Arc<Mutex<Inbox>>;

/// Locks the inbox; a panic elsewhere cannot leave it half-updated in a way that matters
/// (plain counters and a queue), so a poisoned lock is simply reused.
pub(crate) fn lock(inbox: &SharedInbox) -> MutexGuard<'_, Inbox> {
    inbox.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct PaneListener {
    inbox: SharedInbox,
}

impl PaneListener {
    pub(crate) fn new(inbox: SharedInbox) -> Self {
        Self { inbox }
    }
}

impl EventListener for PaneListener {
    fn send_event(&self, event: Event) {
        let mut inbox = lock(&self.inbox);
        match event {
            Event::PtyWrite(text) => inbox.requests.push(Request::Write(text)),
            Event::ColorRequest(index, format) => {
                inbox.requests.push(Request::Color(index, format))
            }
            Event::TextAreaSizeRequest(format) => {
                inbox.requests.push(Request::TextAreaSize(format))
            }
            Event::Title(title) => {
                inbox.title = sanitize_title(&title);
                inbox.changed = true;
            }
            Event::ResetTitle => {
                inbox.title = None;
                inbox.changed = true;
            }
            // OSC 52: a child must not write (or read) the human's clipboard. The text is
            // dropped unread and, for a load, nothing is answered.
            Event::ClipboardStore(..) | Event::ClipboardLoad(..) => inbox.clipboard_denied += 1,
            Event::Bell => {
                inbox.bells += 1;
                inbox.changed = true;
            }
            // Window-level events of a GUI terminal; andon draws on its own schedule.
            Event::MouseCursorDirty
            | Event::CursorBlinkingChange
            | Event::Wakeup
            | Event::Exit
            | Event::ChildExit(_) => {}
        }
    }
}

/// A title safe to draw inside andon: no control characters (C0, DEL, C1), no bidirectional
/// overrides that could reorder the surrounding UI, at most [`TITLE_MAX_CHARS`] characters.
pub(crate) fn sanitize_title(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(TITLE_MAX_CHARS)
        .collect();
    let trimmed = clean.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_title_table() {
        let long = "x".repeat(200);
        let cases: [(&str, Option<&str>); 7] = [
            ("build: ok", Some("build: ok")),
            ("a\u{1b}[31mb", Some("a[31mb")),
            ("a\u{9b}31mb\u{7f}", Some("a31mb")),
            ("\u{202e}evil\u{2066}", Some("evil")),
            ("  \t\n ", None),
            ("", None),
            (&long, Some(&long[..TITLE_MAX_CHARS])),
        ];
        for (raw, want) in cases {
            assert_eq!(sanitize_title(raw).as_deref(), want, "raw {raw:?}");
        }
    }

    #[test]
    fn clipboard_is_denied_and_counted() {
        let inbox = SharedInbox::default();
        let listener = PaneListener::new(inbox.clone());
        listener.send_event(Event::ClipboardStore(
            alacritty_terminal::term::ClipboardType::Clipboard,
            "secret".into(),
        ));
        listener.send_event(Event::ClipboardLoad(
            alacritty_terminal::term::ClipboardType::Clipboard,
            Arc::new(|text| text.to_owned()),
        ));
        let inbox = lock(&inbox);
        assert_eq!(inbox.clipboard_denied, 2);
        assert!(inbox.requests.is_empty());
    }
}

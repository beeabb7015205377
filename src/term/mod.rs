//! The pane emulator: each agent's PTY output is parsed here into a screen andon draws itself.
//!
//! A [`Pane`] wraps an alacritty `Term` and its parser. It is the firewall between a child and
//! andon's terminal: a child's bytes only ever change the pane's own grid, its queries are
//! answered back into its own PTY through [`Replies`], and everything else it asks for (titles,
//! clipboard) is sanitized or denied in [`listener`]. The pane holds no handle to andon's
//! stdout, so nothing a child writes can reach it.

mod cells;
mod input;
mod listener;
mod mouse;
mod palette;
mod style;
mod widget;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Instant;

use alacritty_terminal::event::WindowSize;
use alacritty_terminal::grid::{Dimensions, Scroll};
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::term::{color, Config, Osc52, Term, TermMode};
use alacritty_terminal::vte::ansi::Processor;

pub use cells::{CellColor, CellView};
pub use input::{encode_focus, encode_key, encode_paste};
pub use mouse::encode_mouse;
pub use palette::TermPalette;
pub use widget::PaneWidget;

use listener::{lock, PaneListener, Request, SharedInbox};

/// Receives the bytes a child asked to be written back to its PTY (device attributes, cursor
/// position reports, color answers, mode reports). Called on the thread that feeds the pane.
pub type Replies = Box<dyn Fn(Vec<u8>) + Send + Sync>;

/// Pixel size assumed for one cell when a child asks for the text area in pixels: andon has
/// no pixels, and a plausible answer beats a child waiting on a query that never returns.
const CELL_WIDTH_PX: u16 = 8;
const CELL_HEIGHT_PX: u16 = 16;

/// alacritty's own minimum grid: a wide character needs two columns.
const MIN_COLS: u16 = 2;
const MIN_ROWS: u16 = 1;

/// Terminal modes the child switched on, which decide how "attach" encodes input for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Modes {
    /// DECCKM (`?1`): arrows send `ESC O x` instead of `ESC [ x`.
    pub app_cursor: bool,
    /// DECKPAM (`ESC =`).
    pub app_keypad: bool,
    /// `?2004`.
    pub bracketed_paste: bool,
    pub mouse: MouseMode,
    /// `?1006`: SGR mouse encoding.
    pub sgr_mouse: bool,
    /// `?1004`.
    pub focus_events: bool,
    /// `?1049` and friends.
    pub alt_screen: bool,
    /// DECTCEM (`?25`).
    pub show_cursor: bool,
}

/// Which mouse events the child asked to receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MouseMode {
    #[default]
    Off,
    /// `?1000`: presses, releases and the wheel.
    Click,
    /// `?1002`: also motion while a button is held.
    Drag,
    /// `?1003`: all motion.
    Motion,
}

/// The grid size handed to alacritty.
#[derive(Clone, Copy)]
struct PaneSize {
    rows: u16,
    cols: u16,
}

impl PaneSize {
    fn clamped(rows: u16, cols: u16) -> Self {
        Self {
            rows: rows.max(MIN_ROWS),
            cols: cols.max(MIN_COLS),
        }
    }
}

impl Dimensions for PaneSize {
    fn total_lines(&self) -> usize {
        self.screen_lines()
    }

    fn screen_lines(&self) -> usize {
        usize::from(self.rows)
    }

    fn columns(&self) -> usize {
        usize::from(self.cols)
    }
}

/// One agent's screen: grid, scrollback, modes and the answers to its queries.
pub struct Pane {
    term: Term<PaneListener>,
    parser: Processor,
    inbox: SharedInbox,
    replies: Replies,
    palette: TermPalette,
    size: PaneSize,
    dirty: bool,
}

impl Pane {
    /// A blank pane; `rows`/`cols` are raised to at least 1x2. `scrollback_lines` bounds the
    /// history kept in memory (each line costs `cols` x 24 bytes), so keep it modest and serve
    /// deeper history from the iteration's log file.
    pub fn new(rows: u16, cols: u16, scrollback_lines: usize, replies: Replies) -> Pane {
        let size = PaneSize::clamped(rows, cols);
        let inbox = SharedInbox::default();
        let config = Config {
            scrolling_history: scrollback_lines,
            // Stores still reach the listener, which drops and counts them; loads never
            // leave alacritty.
            osc52: Osc52::OnlyCopy,
            // input.rs encodes legacy sequences only, so never let a child believe the kitty
            // keyboard protocol is on.
            kitty_keyboard: false,
            ..Config::default()
        };
        let term = Term::new(config, &size, PaneListener::new(Arc::clone(&inbox)));
        Pane {
            term,
            parser: Processor::new(),
            inbox,
            replies,
            palette: TermPalette::default(),
            size,
            dirty: true,
        }
    }

    /// The palette the pane is drawn with, which is also what `OSC 10/11/4 ?` answer from.
    /// Keep it equal to the palette given to [`PaneWidget`].
    pub fn set_palette(&mut self, palette: TermPalette) {
        self.palette = palette;
        self.dirty = true;
    }

    /// Parses a chunk of the child's output; query answers go out through `replies`.
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.end_expired_sync(crate::clock::instant_now());
        self.parser.advance(&mut self.term, bytes);
        // During a synchronized update the parser only buffers; the screen is unchanged
        // unless some of these bytes were processed outside the buffer.
        if self.parser.sync_bytes_count() < bytes.len() {
            self.dirty = true;
        }
        self.answer_requests();
    }

    /// Ends a DEC 2026 synchronized update whose timeout passed. The parser never checks its
    /// own timeout, so without this a child that forgets the end sequence hides its output
    /// forever. Call it periodically, or at [`Pane::sync_deadline`].
    pub fn tick(&mut self) {
        self.tick_at(crate::clock::instant_now());
    }

    fn tick_at(&mut self, now: Instant) {
        if self.end_expired_sync(now) {
            self.dirty = true;
            self.answer_requests();
        }
    }

    /// When the pending synchronized update (if any) times out and [`Pane::tick`] will show it.
    pub fn sync_deadline(&self) -> Option<Instant> {
        self.parser.sync_timeout().sync_timeout()
    }

    fn end_expired_sync(&mut self, now: Instant) -> bool {
        match self.sync_deadline() {
            Some(deadline) if now >= deadline => {
                self.parser.stop_sync(&mut self.term);
                true
            }
            _ => false,
        }
    }

    /// Resizes the grid (reflowing the main screen). The caller resizes the PTY itself.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let size = PaneSize::clamped(rows, cols);
        if (size.rows, size.cols) == (self.size.rows, self.size.cols) {
            return;
        }
        self.size = size;
        let history = self.history_size();
        self.term.resize(size);
        self.pull_back_reflowed(history);
        self.dirty = true;
    }

    /// alacritty keeps the cursor's row when a narrower pane rewraps its lines, pushing the
    /// top of the screen into history even when the rows below the cursor are empty. tmux
    /// pushes only what no longer fits: the lines pushed out while there is room below the
    /// cursor come back (growing the grid pulls them from history, shrinking it again drops
    /// the empty rows at the bottom).
    fn pull_back_reflowed(&mut self, history_before: usize) {
        let pushed = self.history_size().saturating_sub(history_before);
        let grid = self.term.grid();
        let cursor = grid.cursor.point.line.0;
        // Only blank rows at the bottom, below the cursor, make room: shrinking the grid back
        // drops the bottom rows, and a footer drawn below the cursor must not go with them.
        let rows = i32::from(self.size.rows);
        let room = (cursor + 1..rows)
            .rev()
            .take_while(|&line| grid[Line(line)].is_clear())
            .count();
        let back = pushed.min(room);
        if back == 0 {
            return;
        }
        let taller = PaneSize {
            rows: self.size.rows.saturating_add(back as u16),
            ..self.size
        };
        self.term.resize(taller);
        self.term.resize(self.size);
    }

    /// `(rows, cols)`.
    pub fn size(&self) -> (u16, u16) {
        (self.size.rows, self.size.cols)
    }

    /// True once after anything visible changed (feed, resize, scroll, title, bell).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Scrolls the view through history: positive goes up (older lines), clamped to the
    /// history kept. New output does not move a scrolled-back view.
    pub fn scroll(&mut self, lines: i32) {
        let before = self.scroll_offset();
        self.term.scroll_display(Scroll::Delta(lines));
        self.dirty |= self.scroll_offset() != before;
    }

    pub fn scroll_to_bottom(&mut self) {
        let before = self.scroll_offset();
        self.term.scroll_display(Scroll::Bottom);
        self.dirty |= self.scroll_offset() != before;
    }

    /// How many lines the view is scrolled back; 0 shows the live screen.
    pub fn scroll_offset(&self) -> usize {
        self.term.grid().display_offset()
    }

    /// Lines of history above the screen (how far the view can scroll back).
    pub fn history_size(&self) -> usize {
        self.term.grid().history_size()
    }

    pub fn modes(&self) -> Modes {
        let mode = *self.term.mode();
        let mouse = if mode.contains(TermMode::MOUSE_MOTION) {
            MouseMode::Motion
        } else if mode.contains(TermMode::MOUSE_DRAG) {
            MouseMode::Drag
        } else if mode.contains(TermMode::MOUSE_REPORT_CLICK) {
            MouseMode::Click
        } else {
            MouseMode::Off
        };
        Modes {
            app_cursor: mode.contains(TermMode::APP_CURSOR),
            app_keypad: mode.contains(TermMode::APP_KEYPAD),
            bracketed_paste: mode.contains(TermMode::BRACKETED_PASTE),
            mouse,
            sgr_mouse: mode.contains(TermMode::SGR_MOUSE),
            focus_events: mode.contains(TermMode::FOCUS_IN_OUT),
            alt_screen: mode.contains(TermMode::ALT_SCREEN),
            show_cursor: mode.contains(TermMode::SHOW_CURSOR),
        }
    }

    /// The child's last OSC 0/2 title, sanitized: for display inside andon only.
    pub fn title(&self) -> Option<String> {
        lock(&self.inbox).title.clone()
    }

    pub fn bell_count(&self) -> u64 {
        lock(&self.inbox).bells
    }

    /// How many OSC 52 clipboard requests the child made (all denied).
    pub fn clipboard_denied(&self) -> u64 {
        lock(&self.inbox).clipboard_denied
    }

    /// The visible screen (at the current scroll offset) as plain text: rows joined by '\n',
    /// trailing spaces trimmed, wide characters once.
    pub fn text(&self) -> String {
        let grid = self.term.grid();
        let offset = self.scroll_offset() as i32;
        let mut text = String::new();
        for row in 0..grid.screen_lines() {
            if row > 0 {
                text.push('\n');
            }
            let line = &grid[Line(row as i32 - offset)];
            let start = text.len();
            for col in 0..grid.columns() {
                let cell = &line[Column(col)];
                if cell
                    .flags
                    .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
                {
                    continue;
                }
                text.push(cell.c);
                text.extend(cell.zerowidth().into_iter().flatten());
            }
            let kept = text[start..].trim_end_matches(' ').len();
            text.truncate(start + kept);
        }
        text
    }

    /// Writes every answer the parser queued, in the order the child asked, as one reply.
    fn answer_requests(&mut self) {
        let (requests, changed) = {
            let mut inbox = lock(&self.inbox);
            (
                std::mem::take(&mut inbox.requests),
                std::mem::take(&mut inbox.changed),
            )
        };
        self.dirty |= changed;
        if requests.is_empty() {
            return;
        }
        let window = WindowSize {
            num_lines: self.size.rows,
            num_cols: self.size.cols,
            cell_width: CELL_WIDTH_PX,
            cell_height: CELL_HEIGHT_PX,
        };
        let mut reply = String::new();
        for request in requests {
            match request {
                Request::Write(text) => reply.push_str(&text),
                Request::Color(index, format) => {
                    // A color the child set itself (OSC 4/10/11) wins, as in any terminal.
                    let own = (index < color::COUNT)
                        .then(|| self.term.colors()[index])
                        .flatten();
                    let rgb = own.unwrap_or_else(|| self.palette.query_rgb(index));
                    reply.push_str(&format(rgb));
                }
                Request::TextAreaSize(format) => reply.push_str(&format(window)),
            }
        }
        (self.replies)(reply.into_bytes());
    }
}

//! Draws a `BoardModel` into a ratatui frame: board (or a full screen), status bar, dialog.
//!
//! Views are pure functions of (model, theme, keymap); the agents' screens are drawn by the
//! caller through the `panes` callback, so this layer never touches a PTY or an emulator.

mod board;
mod dialog;
mod diff;
mod diff_header;
mod diff_lines;
mod help;
mod kaizen;
mod messages;
mod review;
mod review_page;
mod status_bar;
mod title;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

use crate::ui::board::layout;
use crate::ui::board::model::{BoardModel, Lamp};
use crate::ui::board::screen::Screen;
use crate::ui::keys::keymap::Keymap;
use crate::ui::theme::Theme;

pub use diff::diff_geometry;
pub use messages::message_rows;

/// The furthest help scrolls on a terminal of this size, for the help open over `model`.
pub fn help_max_scroll(area: Rect, model: &BoardModel, theme: &Theme, keymap: &Keymap) -> usize {
    help::max_scroll(area, theme, keymap, help::context(model))
}
pub use review::review_geometry;
pub use title::{elapsed, mark_glyph};

/// Draws the whole screen. `panes(i, inner, buf)` draws loop `i`'s agent screen into `inner`.
pub fn draw(
    frame: &mut Frame,
    model: &BoardModel,
    theme: &Theme,
    keymap: &Keymap,
    panes: &mut dyn FnMut(usize, Rect, &mut Buffer),
) {
    let area = frame.area();
    render(area, frame.buffer_mut(), model, theme, keymap, panes);
}

/// [`draw`] on a bare buffer, for callers that compose their own frame.
pub fn render(
    area: Rect,
    buf: &mut Buffer,
    model: &BoardModel,
    theme: &Theme,
    keymap: &Keymap,
    panes: &mut dyn FnMut(usize, Rect, &mut Buffer),
) {
    if area.is_empty() {
        return;
    }
    buf.set_style(area, base(theme));
    let (board_area, status_area) = split_status(area);
    match model.screens.last() {
        Some(Screen::Diff(state)) => diff::draw(buf, board_area, state, model, theme),
        Some(Screen::Review(state)) => review::draw(buf, board_area, state, model, theme, keymap),
        Some(Screen::Kaizen(state)) => kaizen::draw(buf, board_area, state, theme),
        Some(Screen::Messages(log)) => messages::draw(buf, board_area, log, model, theme),
        None => board::draw(buf, board_area, model, theme, panes),
    }
    status_bar::draw(buf, status_area, model, theme, keymap);
    if let Some(dialog) = &model.dialog {
        dialog::draw(
            buf,
            area,
            dialog,
            theme,
            keymap,
            help::context(model),
            model.help_scroll,
        );
    }
}

/// The inner rect of every pane [`draw`] would show, as (loop index, inner rect): what the
/// app resizes each visible PTY to. None while a full screen (diff, review) covers the board.
pub fn pane_areas(area: Rect, model: &BoardModel) -> Vec<(usize, Rect)> {
    if !model.screens.is_empty() {
        return Vec::new();
    }
    let (board_area, _) = split_status(area);
    board::pane_rects(board_area, model)
        .into_iter()
        .map(|(i, rect)| (i, layout::pane_inner(rect)))
        .collect()
}

/// The board above a one-line status bar.
fn split_status(area: Rect) -> (Rect, Rect) {
    let status_height = area.height.min(1);
    let board = Rect {
        height: area.height - status_height,
        ..area
    };
    let status = Rect {
        y: board.bottom(),
        height: status_height,
        ..area
    };
    (board, status)
}

fn base(theme: &Theme) -> Style {
    Style::default().fg(theme.foreground).bg(theme.background)
}

/// The lamp as it reads in a title or legend: a colored dot, plus the lamp's name when colors
/// are off, so the meaning never rests on color alone.
fn lamp_spans(lamp: Lamp, theme: &Theme) -> Vec<Span<'static>> {
    let dot = Span::styled("●", Style::default().fg(theme.lamp(lamp)));
    if theme.no_color {
        vec![dot, Span::raw(format!(" {}", lamp.as_str()))]
    } else {
        vec![dot]
    }
}

/// `text` cut to `width` columns from the left, starting with `…` when cut, so a path keeps
/// its file name.
fn truncate_left(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        kept.push(c);
    }
    kept.push('…');
    kept.into_iter().rev().collect()
}

/// `text` cut to `width` columns, ending in `…` when cut.
fn truncate(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Word-wraps `text` to `width` columns, at most `max_lines` lines, the last ending in `…`
/// when text was left out. Explicit newlines are kept.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0;
        for word in paragraph.split_whitespace() {
            let word_width: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            let gap = usize::from(!line.is_empty());
            if line_width + gap + word_width > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            if !line.is_empty() {
                line.push(' ');
                line_width += 1;
            }
            // A word longer than the line is cut rather than overflowing the box.
            let fitted = truncate(word, width - line_width);
            line_width += fitted
                .chars()
                .map(|c| c.width().unwrap_or(0))
                .sum::<usize>();
            line.push_str(&fitted);
        }
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let cut = truncate(last, width.saturating_sub(1));
            *last = format!("{}…", cut.trim_end_matches('…'));
        }
    }
    lines
}

/// A `width` x `height` rect centered in `area`, clamped to it.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod kaizen_tests;
#[cfg(test)]
mod review_tests;
#[cfg(test)]
pub(crate) mod snapshot_support;
#[cfg(test)]
mod tests;

//! Toasts: short notices stacked at the top right, newest first, at most three.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use super::{lamp_spans, truncate, wrap};
use crate::ui::model::Toast;
use crate::ui::theme::Theme;

/// Most toasts shown at once; older ones wait behind them.
pub const MAX_TOASTS: usize = 3;
const WIDTH: u16 = 44;
const TEXT_LINES: usize = 4;

pub(super) fn draw(buf: &mut Buffer, area: Rect, toasts: &[Toast], theme: &Theme) {
    let width = WIDTH.min(area.width.saturating_sub(2));
    if width < 12 {
        return;
    }
    let text_width = usize::from(width - 4);
    let mut y = area.y + 1;
    for toast in toasts.iter().rev().take(MAX_TOASTS) {
        let lines = wrap(&toast.text, text_width, TEXT_LINES);
        let height = u16::try_from(lines.len()).unwrap_or(0) + 3;
        if y + height > area.bottom() {
            break;
        }
        let rect = Rect::new(area.right() - width - 1, y, width, height);
        draw_one(buf, rect, toast, &lines, theme);
        y += height;
    }
}

fn draw_one(buf: &mut Buffer, rect: Rect, toast: &Toast, lines: &[String], theme: &Theme) {
    let body = Style::default().fg(theme.toast_fg).bg(theme.toast_bg);
    Clear.render(rect, buf);
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(body.fg(theme.lamp(toast.lamp)))
        .style(body)
        .render(rect, buf);
    let x = rect.x + 2;
    let width = rect.width - 4;
    let mut head = lamp_spans(toast.lamp, theme);
    head.push(Span::styled(
        format!(" {}", truncate(&toast.loop_name, usize::from(width) - 8)),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    buf.set_line(x, rect.y + 1, &Line::from(head), width);
    for (dy, text) in (2..).zip(lines) {
        buf.set_string(x, rect.y + dy, text, body);
    }
}

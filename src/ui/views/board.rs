//! The board: the current page's panes in a grid, or the selected pane zoomed, each with its
//! border, title line, iteration strip and the agent's screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Widget};

use super::title::{strip, title_line};
use super::{centered, truncate};
use crate::ui::board::layout::{self, grid, pane_inner};
use crate::ui::board::model::{BoardModel, LoopCard};
use crate::ui::theme::Theme;

/// (loop index, pane rect) for every pane on screen.
pub(super) fn pane_rects(area: Rect, model: &BoardModel) -> Vec<(usize, Rect)> {
    let Some((selected, _)) = model.selected_loop() else {
        return Vec::new();
    };
    if model.zoomed {
        return vec![(selected, area)];
    }
    let range = layout::page_range(model.loops.len(), model.page);
    range.clone().zip(grid(area, range.len())).collect()
}

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    model: &BoardModel,
    theme: &Theme,
    panes: &mut dyn FnMut(usize, Rect, &mut Buffer),
) {
    if area.is_empty() {
        return;
    }
    let rects = pane_rects(area, model);
    if rects.is_empty() {
        draw_empty(buf, area, theme);
        return;
    }
    let selected = model.selected_loop().map(|(i, _)| i);
    for (i, rect) in rects {
        let look = match (Some(i) == selected, model.attached) {
            (true, true) => Look::Attached,
            (true, false) => Look::Selected,
            (false, _) => Look::Plain,
        };
        draw_pane(buf, rect, &model.loops[i], look, theme);
        let inner = pane_inner(rect);
        if !inner.is_empty() {
            buf.set_style(inner, Style::default().fg(theme.pane_fg).bg(theme.pane_bg));
            panes(i, inner, buf);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Look {
    Plain,
    Selected,
    Attached,
}

fn draw_pane(buf: &mut Buffer, rect: Rect, card: &LoopCard, look: Look, theme: &Theme) {
    // Border shape as well as color marks the selection, so it survives NO_COLOR.
    let (border_type, color) = match look {
        Look::Plain => (BorderType::Plain, theme.border),
        Look::Selected => (BorderType::Thick, theme.border_selected),
        Look::Attached => (BorderType::Double, theme.border_selected),
    };
    let border_style = Style::default().fg(color).bg(theme.background);
    Block::bordered()
        .border_type(border_type)
        .border_style(border_style)
        .render(rect, buf);
    if rect.width < 3 {
        return;
    }
    let width = usize::from(rect.width - 2);
    let title = title_line(card, theme, width, look != Look::Plain);
    buf.set_line(rect.x + 1, rect.y, &title, rect.width - 2);
    if rect.height >= 2 {
        draw_bottom_line(buf, rect, card, theme);
    }
}

/// The bottom border: the reason a loop needs a human on the left, the strip on the right.
fn draw_bottom_line(buf: &mut Buffer, rect: Rect, card: &LoopCard, theme: &Theme) {
    let y = rect.bottom() - 1;
    // Keep the corners and one border cell on each side.
    let room = usize::from(rect.width.saturating_sub(4));
    let strip = strip(&card.marks, theme, room.saturating_sub(2));
    let strip_width = strip.width();
    if strip_width > 0 {
        let x = rect.right() - 3 - u16::try_from(strip_width).unwrap_or(0);
        buf.set_string(x, y, " ", Style::default());
        buf.set_line(x + 1, y, &strip, u16::try_from(strip_width).unwrap_or(0));
        buf.set_string(rect.right() - 2, y, " ", Style::default());
    }
    let Some(reason) = card.reason.as_deref().filter(|r| !r.is_empty()) else {
        return;
    };
    let reserved = if strip_width > 0 { strip_width + 3 } else { 0 };
    let reason_room = room.saturating_sub(reserved).saturating_sub(2);
    if reason_room < 4 {
        return;
    }
    let text = format!(" {} ", truncate(reason, reason_room));
    let style = Style::default()
        .fg(theme.lamp(card.lamp))
        .add_modifier(Modifier::BOLD);
    buf.set_string(rect.x + 1, y, text, style);
}

fn draw_empty(buf: &mut Buffer, area: Rect, theme: &Theme) {
    let lines = [
        "No loops on this board yet.",
        "Press n to start one from plans/, or run `andon run plans/<plan>.md`",
        "in another terminal: this board takes it. `andon demo` shows every lamp.",
    ];
    let width = lines.iter().map(|l| l.len()).max().unwrap_or(0);
    let at = centered(
        area,
        u16::try_from(width).unwrap_or(u16::MAX),
        u16::try_from(lines.len()).unwrap_or(0),
    );
    for (dy, text) in (0..at.height).zip(lines) {
        let line = Line::styled(text, Style::default().fg(theme.dim));
        buf.set_line(at.x, at.y + dy, &line, at.width);
    }
}

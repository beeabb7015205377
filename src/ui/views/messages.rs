//! The message log: every notice of this session in full, newest first — the time, the lamp,
//! the loop it is about and its whole text wrapped to the screen — scrolled like a pager.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use unicode_width::UnicodeWidthChar;

use super::lamp_spans;
use crate::ui::board::model::BoardModel;
use crate::ui::board::screen::{MessageLog, Screen};
use crate::ui::theme::Theme;

/// Columns before a message's text: "14:03 ● " and the loop's name column.
const NAME_WIDTH: usize = 16;

/// The rows the log fills at this terminal size: (rows on screen, rows in all).
pub fn message_rows(model: &BoardModel, area: Rect) -> (usize, usize) {
    if !matches!(model.screens.last(), Some(Screen::Messages(_))) {
        return (0, 0);
    }
    let body = body_rect(area);
    let rows = lines(model, usize::from(body.width), None).len();
    (usize::from(body.height), rows)
}

/// Inside the border, above the status bar.
fn body_rect(area: Rect) -> Rect {
    let board = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    Block::bordered().inner(board)
}

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    log: &MessageLog,
    model: &BoardModel,
    theme: &Theme,
) {
    let title = format!(
        " Messages · {} this session, newest first ",
        model.messages.len()
    );
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border))
        .title(Span::styled(
            title,
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ));
    let body = block.inner(area);
    block.render(area, buf);
    let all = lines(model, usize::from(body.width), Some(theme));
    if all.is_empty() {
        let none = Line::styled(
            "No notices yet: a lamp turning red and every action's answer show here.",
            Style::default().fg(theme.dim),
        );
        buf.set_line(body.x, body.y, &none, body.width);
        return;
    }
    for (y, line) in (body.y..body.bottom()).zip(all.iter().skip(log.scroll)) {
        buf.set_line(body.x, y, line, body.width);
    }
}

/// Every message as screen rows, newest first, its text wrapped under its own column.
fn lines(model: &BoardModel, width: usize, theme: Option<&Theme>) -> Vec<Line<'static>> {
    let indent = 6 + 2 + NAME_WIDTH + 1;
    let text_width = width.saturating_sub(indent).max(8);
    let mut out = Vec::new();
    for m in model.messages.iter().rev() {
        let wrapped = wrap_whole(&m.text, text_width);
        for (i, text) in wrapped.into_iter().enumerate() {
            let Some(theme) = theme else {
                out.push(Line::default());
                continue;
            };
            let dim = Style::default().fg(theme.dim);
            let mut spans = Vec::new();
            if i == 0 {
                spans.push(Span::styled(format!("{:<6}", m.time), dim));
                spans.extend(lamp_spans(m.lamp, theme));
                spans.push(Span::styled(
                    format!(
                        " {:<NAME_WIDTH$} ",
                        super::truncate(&m.loop_name, NAME_WIDTH)
                    ),
                    Style::default()
                        .fg(theme.foreground)
                        .add_modifier(Modifier::BOLD),
                ));
            } else {
                spans.push(Span::raw(" ".repeat(indent)));
            }
            spans.push(Span::styled(text, Style::default().fg(theme.foreground)));
            out.push(Line::from(spans));
        }
    }
    out
}

/// `text` in rows of at most `width` columns, broken between words, and inside a word (a long
/// path) only where the word alone is wider than a row: nothing is cut off.
fn wrap_whole(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = vec![String::new()];
    let mut used = 0;
    for word in text.split_whitespace() {
        let word_width: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        if used > 0 && used + 1 + word_width > width {
            rows.push(String::new());
            used = 0;
        } else if used > 0 {
            rows.last_mut().into_iter().for_each(|r| r.push(' '));
            used += 1;
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width {
                rows.push(String::new());
                used = 0;
            }
            rows.last_mut().into_iter().for_each(|r| r.push(c));
            used += w;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_broken_not_cut() {
        assert_eq!(wrap_whole("ab cd", 5), vec!["ab cd"]);
        assert_eq!(wrap_whole("ab cde", 5), vec!["ab", "cde"]);
        assert_eq!(
            wrap_whole("see /a/very/long/path ok", 8),
            vec!["see", "/a/very/", "long/pat", "h ok"]
        );
        assert_eq!(wrap_whole("", 5), vec![""]);
    }
}

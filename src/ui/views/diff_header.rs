//! The diff view's header line: the loop with its lamp, the diff's targets as tabs
//! (cumulative, then the iterations around the current one), the stat and the layout.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::lamp_spans;
use crate::ui::board::model::BoardModel;
use crate::ui::diff::view::DiffViewState;
use crate::ui::theme::Theme;
use andon_core::diff::DiffTarget;
use andon_core::sanitize::one_line;

/// ` ● api-auth   cumulative  1  2  3 ` on the left; the stat and the layout on the right.
pub(super) fn draw_header(
    buf: &mut Buffer,
    area: Rect,
    state: &DiffViewState,
    model: &BoardModel,
    theme: &Theme,
    split: bool,
) {
    let dim = Style::default().fg(theme.dim);
    let mut left = vec![Span::raw(" ")];
    if let Some(card) = model.loops.iter().find(|c| c.name == state.loop_name) {
        left.extend(lamp_spans(card.lamp, theme));
        left.push(Span::raw(" "));
    }
    left.push(Span::styled(
        one_line(&state.loop_name, 40),
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    ));
    left.push(Span::styled("  diff ", dim));
    let mut right: Vec<Span> = Vec::new();
    if let Some(l) = state.loaded().filter(|l| l.target == state.target()) {
        let stat = l.diff.stat();
        let s = if stat.files == 1 { "" } else { "s" };
        right.push(Span::styled(format!("{} file{s} ", stat.files), dim));
        right.push(Span::styled(
            format!("+{}", stat.added),
            Style::default().fg(theme.mark_pass),
        ));
        right.push(Span::styled(
            format!(" -{}", stat.removed),
            Style::default().fg(theme.mark_fail),
        ));
        right.push(Span::styled("  ·  ", dim));
    }
    right.push(Span::styled(
        match (state.side_by_side, split) {
            (true, true) => "side by side ",
            (true, false) => "unified (too narrow for side by side) ",
            _ => "unified ",
        },
        dim,
    ));
    let left_width: usize = left.iter().map(Span::width).sum();
    let right_width: usize = right.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(left_width + right_width + 2);
    left.extend(tabs(state, theme, room));
    buf.set_line(area.x, area.y, &Line::from(left), area.width);
    let right = Line::from(right);
    let width = u16::try_from(right.width()).unwrap_or(0);
    if usize::from(width) + left_width < usize::from(area.width) {
        buf.set_line(area.right() - width, area.y, &right, width);
    }
}

/// The diff targets as tabs, the current one inverse; iterations around it when they do not
/// all fit.
fn tabs(state: &DiffViewState, theme: &Theme, room: usize) -> Vec<Span<'static>> {
    let current = state.target();
    let tab = |label: String, on: bool| {
        let style = if on {
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default().fg(theme.foreground)
        };
        Span::styled(format!(" {label} "), style)
    };
    let mut spans = vec![tab("cumulative".into(), current == DiffTarget::Cumulative)];
    let n = state.iterations;
    if n == 0 {
        return spans;
    }
    let width = |k: u32| k.to_string().len() + 3;
    let mut budget = room.saturating_sub(14);
    let centre = match current {
        DiffTarget::Iteration(k) => k.clamp(1, n),
        DiffTarget::Cumulative => n,
    };
    let (mut lo, mut hi) = (centre, centre);
    budget = budget.saturating_sub(width(centre));
    loop {
        let grew_hi = hi < n && width(hi + 1) <= budget;
        if grew_hi {
            hi += 1;
            budget -= width(hi);
        }
        let grew_lo = lo > 1 && width(lo - 1) <= budget;
        if grew_lo {
            lo -= 1;
            budget -= width(lo);
        }
        if !grew_hi && !grew_lo {
            break;
        }
    }
    let dim = Style::default().fg(theme.dim);
    spans.push(Span::styled("│", dim));
    if lo > 1 {
        spans.push(Span::styled("…", dim));
    }
    for k in lo..=hi {
        spans.push(tab(k.to_string(), current == DiffTarget::Iteration(k)));
    }
    if hi < n {
        spans.push(Span::styled("…", dim));
    }
    spans
}

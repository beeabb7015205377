//! The status bar: the whole line's state (a LINE STOPPED banner when stopped), the repo,
//! counts per lamp, the page, and the keys that apply in the current mode — or, for a moment,
//! the newest notice, as tmux shows a message in its status line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{lamp_spans, truncate};
use crate::ui::board::layout;
use crate::ui::board::model::{BoardModel, Toast};
use crate::ui::keys::keymap::{join_keys, Action, Keymap, Mode};
use crate::ui::theme::Theme;

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    model: &BoardModel,
    theme: &Theme,
    keymap: &Keymap,
) {
    if area.is_empty() {
        return;
    }
    let mode = Mode::of(model);
    if let Some(toast) = model.toasts.last() {
        let line = notice_line(model, toast, theme, keymap, usize::from(area.width));
        buf.set_line(area.x, area.y, &line, area.width);
        return;
    }
    let left = Line::from(state_spans(model, theme, mode, area.width));
    buf.set_line(area.x, area.y, &left, area.width);
    let left_width = u16::try_from(left.width()).unwrap_or(u16::MAX);
    let room = area.width.saturating_sub(left_width.saturating_add(2));
    let hints = Line::from(hint_spans(
        keymap,
        mode,
        theme,
        usize::from(room),
        unavailable(model),
    ));
    let hints_width = u16::try_from(hints.width()).unwrap_or(0);
    if hints_width > 0 {
        buf.set_line(area.right() - hints_width, area.y, &hints, hints_width);
    }
}

/// The newest notice over the whole bar (after the LINE STOPPED banner): the loop it is about
/// and as much of its text as fits, with the way to the message log when some is hidden.
fn notice_line(
    model: &BoardModel,
    toast: &Toast,
    theme: &Theme,
    keymap: &Keymap,
    width: usize,
) -> Line<'static> {
    let mut spans = if model.line_stopped {
        vec![banner(theme)]
    } else {
        Vec::new()
    };
    spans.push(Span::raw(" "));
    spans.extend(lamp_spans(toast.lamp, theme));
    spans.push(Span::styled(
        format!(" {} ", toast.loop_name),
        Style::default()
            .fg(theme.foreground)
            .add_modifier(Modifier::BOLD),
    ));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let log_keys = join_keys(&keymap.keys_in(Mode::Board, Action::Messages));
    let more = match model.toasts.len() {
        1 => String::new(),
        n => format!("+{} more ", n - 1),
    };
    let text_width = toast.text.chars().count();
    let pointer = if more.is_empty() && used + text_width < width {
        String::new()
    } else {
        format!("  {more}· {log_keys} messages ")
    };
    let room = width.saturating_sub(used + pointer.chars().count());
    spans.push(Span::styled(
        truncate(&toast.text, room),
        Style::default().fg(theme.foreground),
    ));
    spans.push(Span::styled(pointer, Style::default().fg(theme.dim)));
    Line::from(spans)
}

/// The LINE STOPPED banner; REVERSED keeps it a solid block under NO_COLOR.
fn banner(theme: &Theme) -> Span<'static> {
    let style = if theme.no_color {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    } else {
        Style::default()
            .fg(theme.banner_fg)
            .bg(theme.banner_bg)
            .add_modifier(Modifier::BOLD)
    };
    Span::styled(" ■ LINE STOPPED ", style)
}

/// Below this width the repo is named by its folder alone, leaving room for the queue.
const FULL_REPO_WIDTH: u16 = 120;

/// Banner or program name, repo and supervisor, lamp counts, page, attach target.
fn state_spans(model: &BoardModel, theme: &Theme, mode: Mode, width: u16) -> Vec<Span<'static>> {
    let dim = Style::default().fg(theme.dim);
    let mut spans = if model.line_stopped {
        vec![banner(theme)]
    } else {
        Vec::new()
    };
    spans.push(Span::raw(" "));
    if !model.repo.is_empty() {
        let repo = if width < FULL_REPO_WIDTH {
            model
                .repo
                .rsplit('/')
                .find(|p| !p.is_empty())
                .unwrap_or(&model.repo)
        } else {
            &model.repo
        };
        spans.push(Span::styled(
            truncate(repo, 24),
            Style::default().fg(theme.foreground),
        ));
        spans.push(Span::styled(" · ", dim));
    }
    spans.push(Span::styled(model.supervisor.clone(), dim));
    spans.push(Span::raw("  "));
    spans.extend(count_spans(model, theme));
    if !model.queue.is_empty() {
        spans.push(Span::styled(format!("  {}", model.queue), dim));
    }
    let pages = layout::pages(model.loops.len());
    if pages > 1 {
        let page = model.page.min(pages - 1) + 1;
        spans.push(Span::styled(format!("  page {page}/{pages}"), dim));
    }
    if mode == Mode::Attached {
        if let Some((_, card)) = model.selected_loop() {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                format!(" ATTACHED {} ", card.name),
                Style::default()
                    .fg(theme.accent)
                    .bg(theme.background)
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ));
        }
    }
    spans
}

/// `●3 ●1 ●0 …` in lamp colors; under NO_COLOR the non-zero lamps by name instead.
fn count_spans(model: &BoardModel, theme: &Theme) -> Vec<Span<'static>> {
    let counts = model.lamp_counts();
    let mut spans = Vec::new();
    if theme.no_color {
        for (lamp, n) in counts.iter().filter(|(_, n)| *n > 0) {
            if !spans.is_empty() {
                spans.push(Span::raw(" "));
            }
            spans.push(Span::raw(format!("{} {n}", lamp.as_str())));
        }
        if spans.is_empty() {
            spans.push(Span::raw("no loops"));
        }
        return spans;
    }
    for (i, (lamp, n)) in counts.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled("●", Style::default().fg(theme.lamp(*lamp))));
        let style = if *n == 0 {
            Style::default().fg(theme.dim)
        } else {
            Style::default().fg(theme.foreground)
        };
        spans.push(Span::styled(n.to_string(), style));
    }
    spans
}

/// Actions the current screen cannot take, so their keys are not advertised: a review whose
/// approval is closed (a stopped loop) offers no approval.
fn unavailable(model: &BoardModel) -> &'static [Action] {
    match model.screens.last() {
        Some(crate::ui::board::screen::Screen::Review(r))
            if super::review::closed_gate(r).is_some() =>
        {
            &[
                Action::Merge,
                Action::MergeOther,
                Action::KeepBranch,
                Action::PrBody,
                Action::ToggleGh,
                Action::ApproveAnyway,
            ]
        }
        _ => &[],
    }
}

/// The mode's hints from the keymap that fit in `room` columns, help always kept last so the
/// rest can be found when the bar is too narrow for everything.
fn hint_spans(
    keymap: &Keymap,
    mode: Mode,
    theme: &Theme,
    room: usize,
    unavailable: &[Action],
) -> Vec<Span<'static>> {
    let help_keys = join_keys(&keymap.keys_in(mode, Action::Help));
    let hidden: Vec<String> = unavailable
        .iter()
        .map(|a| join_keys(&keymap.keys_in(mode, *a)))
        .collect();
    let mut hints: Vec<(String, &str)> = keymap
        .hints(mode)
        .into_iter()
        .filter(|(keys, _)| !hidden.contains(keys))
        .collect();
    let help = hints
        .iter()
        .position(|(keys, _)| !help_keys.is_empty() && *keys == help_keys)
        .map(|i| hints.remove(i));
    let width = |(keys, desc): &(String, &str)| keys.chars().count() + 1 + desc.chars().count();
    let mut budget = room.saturating_sub(help.as_ref().map_or(0, |h| width(h) + 2));
    let mut shown = Vec::new();
    for hint in hints {
        let w = width(&hint) + 2;
        if w > budget {
            break;
        }
        budget -= w;
        shown.push(hint);
    }
    shown.extend(help.filter(|h| width(h) + 2 <= room));
    let key_style = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let desc_style = Style::default().fg(theme.dim);
    let mut spans = Vec::new();
    for (keys, desc) in shown {
        spans.push(Span::styled(keys, key_style));
        spans.push(Span::styled(format!(" {desc}  "), desc_style));
    }
    // One cell of margin at the right edge rather than the separator's two.
    if let Some(last) = spans.last_mut() {
        last.content = format!("{} ", last.content.trim_end()).into();
    }
    spans
}

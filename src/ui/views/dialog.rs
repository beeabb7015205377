//! Modal dialogs centered over the board: confirm a destructive action, the redirect note,
//! and the reason for approving anyway. Help has its own file.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use ratatui_textarea::{TextArea, WrapMode};

use super::{centered, help, truncate, wrap};
use crate::ui::board::model::Dialog;
use crate::ui::keys::keymap::{join_keys, Action, Keymap, Mode};
use crate::ui::theme::Theme;

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    dialog: &Dialog,
    theme: &Theme,
    keymap: &Keymap,
    help_context: &[Mode],
    help_scroll: usize,
) {
    match dialog {
        Dialog::Confirm { title, body, yes } => confirm(buf, area, title, body, yes, theme, keymap),
        Dialog::Redirect {
            loop_name,
            textarea,
        } => text_box(
            buf,
            area,
            &TextBox {
                title: format!("Redirect {loop_name}"),
                intro: "A note for the agent: stored, audited and added to every later prompt. \
                        The current run ends and a new iteration starts."
                    .into(),
                placeholder: "What should the agent do differently?",
            },
            textarea,
            theme,
            keymap,
        ),
        Dialog::Hypothesis {
            loop_name,
            reason,
            textarea,
        } => text_box(
            buf,
            area,
            &TextBox {
                title: format!("Resume {loop_name} with a hypothesis"),
                intro: format!(
                    "Your hypothesis: what broke, and what did you change? It is audited and \
                     joins every later prompt. Stopped because {reason}"
                ),
                placeholder: "What broke, and what did you change?",
            },
            textarea,
            theme,
            keymap,
        ),
        Dialog::Adopt {
            id,
            category,
            textarea,
        } => text_box(
            buf,
            area,
            &TextBox {
                title: format!(
                    "Adopt a prevention for {id} ({})",
                    andon_core::failure::classify::Category::label_of(category)
                ),
                intro: "New loops get it, committed and audited. Type `check CMD` (L2: \
                        every plan runs it), `protect GLOB` (L1: a protected path) or \
                        `skill NAME NOTE` (L3: a line in skills/NAME.md)."
                    .into(),
                placeholder: "check cargo clippy -- -D warnings",
            },
            textarea,
            theme,
            keymap,
        ),
        Dialog::ApproveAnyway {
            loop_name,
            textarea,
            approval,
        } => text_box(
            buf,
            area,
            &TextBox {
                title: format!("Approve {loop_name} anyway"),
                intro: format!(
                    "{}, although its checks do not all pass. Say why; the reason is \
                     audited with your name.",
                    approval.describe()
                ),
                placeholder: "Why is this acceptable?",
            },
            textarea,
            theme,
            keymap,
        ),
        Dialog::Help => help::draw(buf, area, theme, keymap, help_context, help_scroll),
        Dialog::Plans { choices, selected } => plans(buf, area, choices, *selected, theme, keymap),
    }
}

/// Clears `rect` and draws the dialog's border and title; returns the inside with a one-cell
/// margin left and right.
pub(super) fn frame(buf: &mut Buffer, rect: Rect, title: &str, theme: &Theme) -> Rect {
    let body = Style::default().fg(theme.foreground).bg(theme.dialog_bg);
    Clear.render(rect, buf);
    let title = truncate(title, usize::from(rect.width.saturating_sub(4)));
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(body.fg(theme.dialog_border))
        .title(Line::styled(
            format!(" {title} "),
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ))
        .style(body)
        .render(rect, buf);
    Rect::new(
        rect.x + 2,
        rect.y + 1,
        rect.width.saturating_sub(4),
        rect.height.saturating_sub(2),
    )
}

fn key_span(keymap: &Keymap, mode: Mode, action: Action, theme: &Theme) -> Span<'static> {
    Span::styled(
        join_keys(&keymap.keys_in(mode, action)),
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    )
}

fn confirm(
    buf: &mut Buffer,
    area: Rect,
    title: &str,
    body: &str,
    yes: &str,
    theme: &Theme,
    keymap: &Keymap,
) {
    let width = area.width.saturating_sub(4).min(60);
    if width < 12 {
        return;
    }
    // Room for a fix plan on a tall terminal; a short question stays short.
    let max_lines = usize::from(area.height.saturating_sub(10)).clamp(8, 30);
    let lines = wrap(body, usize::from(width - 4), max_lines);
    let height = u16::try_from(lines.len()).unwrap_or(8) + 5;
    let inner = frame(buf, centered(area, width, height), title, theme);
    for (dy, text) in (1..).zip(&lines) {
        if dy >= inner.height {
            break;
        }
        buf.set_string(inner.x, inner.y + dy, text, Style::default());
    }
    let danger = Style::default()
        .fg(theme.lamp(crate::ui::board::model::Lamp::Red))
        .add_modifier(Modifier::BOLD);
    let buttons = Line::from(vec![
        key_span(keymap, Mode::Confirm, Action::Confirm, theme),
        Span::styled(format!(" {yes}"), danger),
        Span::raw("    "),
        key_span(keymap, Mode::Confirm, Action::Cancel, theme),
        Span::styled(" cancel", Style::default().fg(theme.dim)),
    ])
    .alignment(Alignment::Center);
    let y = inner.bottom().saturating_sub(1);
    ratatui::widgets::Paragraph::new(buttons).render(
        Rect {
            y,
            height: 1,
            ..inner
        },
        buf,
    );
}

/// The plan picker: each plan of the repo, the loop it already has, the selection.
fn plans(
    buf: &mut Buffer,
    area: Rect,
    choices: &[crate::ui::port::PlanChoice],
    selected: usize,
    theme: &Theme,
    keymap: &Keymap,
) {
    let width = area.width.saturating_sub(4).min(72);
    let rows = usize::from(area.height.saturating_sub(8)).max(1);
    if width < 20 {
        return;
    }
    let shown = choices.len().min(rows);
    let height = u16::try_from(shown).unwrap_or(1) + 4;
    let inner = frame(
        buf,
        centered(area, width, height),
        "Start a loop from a plan",
        theme,
    );
    let top = selected.saturating_sub(rows.saturating_sub(1));
    for (dy, (i, choice)) in (0..).zip(choices.iter().enumerate().skip(top).take(rows)) {
        let mut spans = vec![Span::raw(if i == selected { "▸ " } else { "  " })];
        spans.push(Span::styled(
            truncate(&choice.path, usize::from(inner.width).saturating_sub(24)),
            Style::default().fg(theme.foreground),
        ));
        if let Some(state) = &choice.loop_state {
            spans.push(Span::styled(
                format!("  loop: {}", state.label()),
                Style::default().fg(theme.dim),
            ));
        }
        let mut line = Line::from(spans);
        if i == selected {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        buf.set_line(inner.x, inner.y + dy, &line, inner.width);
    }
    let footer = Line::from(vec![
        key_span(keymap, Mode::Plans, Action::StartPlan, theme),
        Span::styled(" start   ", Style::default().fg(theme.dim)),
        key_span(keymap, Mode::Plans, Action::Cancel, theme),
        Span::styled(" cancel", Style::default().fg(theme.dim)),
    ]);
    buf.set_line(
        inner.x,
        inner.bottom().saturating_sub(1),
        &footer,
        inner.width,
    );
}

struct TextBox {
    title: String,
    intro: String,
    placeholder: &'static str,
}

fn text_box(
    buf: &mut Buffer,
    area: Rect,
    spec: &TextBox,
    textarea: &TextArea<'static>,
    theme: &Theme,
    keymap: &Keymap,
) {
    let width = area.width.saturating_sub(4).min(72);
    let height = area.height.saturating_sub(2).min(18);
    if width < 20 || height < 8 {
        return;
    }
    let inner = frame(buf, centered(area, width, height), &spec.title, theme);
    let intro = wrap(&spec.intro, usize::from(inner.width), 3);
    let intro_height = u16::try_from(intro.len()).unwrap_or(3);
    for (dy, text) in (0..).zip(&intro) {
        buf.set_string(inner.x, inner.y + dy, text, Style::default().fg(theme.dim));
    }
    // Intro, a blank line, the box, the footer.
    let box_rect = Rect::new(
        inner.x,
        inner.y + intro_height + 1,
        inner.width,
        inner.height.saturating_sub(intro_height + 2),
    );
    let frame_style = Style::default().fg(theme.border).bg(theme.dialog_bg);
    let block = Block::bordered()
        .border_type(BorderType::Plain)
        .border_style(frame_style);
    let text_rect = block.inner(box_rect);
    block.render(box_rect, buf);

    // The model owns the text area; a styled copy keeps the view free of side effects.
    let mut styled = textarea.clone();
    styled.set_style(Style::default().fg(theme.foreground).bg(theme.dialog_bg));
    styled.set_cursor_line_style(Style::default());
    // A note is prose: wrap it rather than scroll sideways.
    styled.set_wrap_mode(WrapMode::WordOrGlyph);
    styled.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
    if styled.placeholder_text().is_empty() {
        styled.set_placeholder_text(spec.placeholder);
    }
    styled.set_placeholder_style(Style::default().fg(theme.dim));
    Widget::render(&styled, text_rect, buf);

    let footer = Line::from(vec![
        key_span(keymap, Mode::TextInput, Action::Submit, theme),
        Span::styled(" send    ", Style::default().fg(theme.dim)),
        key_span(keymap, Mode::TextInput, Action::Cancel, theme),
        Span::styled(" cancel    ", Style::default().fg(theme.dim)),
        Span::styled("Enter new line", Style::default().fg(theme.dim)),
    ]);
    buf.set_line(inner.x, inner.bottom() - 1, &footer, inner.width);
}

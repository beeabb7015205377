//! The review screen: what a human weighs before approving a loop, as one scrollable page
//! (built in `review_page`), over a fixed footer of approval choices.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use super::review_page::{draw_page_row, page, Styles};
use super::{lamp_spans, split_status};
use crate::ui::board::model::BoardModel;
use crate::ui::keys::keymap::{join_keys, Action, Keymap, Mode};
use crate::ui::review::{Answer, PageGeometry, PrWay, ReviewChoice, ReviewState};
use crate::ui::theme::Theme;
use andon_core::sanitize::one_line;

/// The footer: a border, the choices, what happens, a border.
const FOOTER: u16 = 4;

struct Areas {
    header: Rect,
    block: Rect,
    body: Rect,
    footer: Rect,
}

/// Lines of a refusal (or of why approval is closed) the footer shows at most.
const REFUSAL_LINES: usize = 5;

/// The footer grows to show a refusal, or why approval is closed, whole (`width`: the
/// footer's, borders included).
fn footer_rows(state: &ReviewState, width: u16) -> u16 {
    let width = width.saturating_sub(2);
    let extra = match (&state.answer, closed_gate(state)) {
        (Some(Answer::Refused(text)), _) => refusal_lines(text, width).len(),
        (None, Some(why)) => refusal_lines(why, width).len(),
        _ => 0,
    };
    FOOTER + u16::try_from(extra.saturating_sub(1)).unwrap_or(0)
}

/// Why approval is closed here (a stopped loop or line, an ended loop): nothing to choose.
pub(super) fn closed_gate(state: &ReviewState) -> Option<&str> {
    state
        .model
        .gate
        .as_ref()
        .filter(|g| !g.overridable)
        .map(|g| g.why.as_str())
}

/// A message wrapped to the footer's inner width (after a ten-column prefix), not cut at the
/// edge.
fn refusal_lines(text: &str, inner_width: u16) -> Vec<String> {
    let width = usize::from(inner_width.saturating_sub(11)).max(10);
    text.lines()
        .map(|l| one_line(l, 400))
        .filter(|l| !l.is_empty())
        .flat_map(|l| super::wrap(&l, width, REFUSAL_LINES))
        .take(REFUSAL_LINES)
        .collect()
}

fn areas(area: Rect, footer_rows: u16) -> Areas {
    let header = Rect {
        height: area.height.min(1),
        ..area
    };
    let footer_height = footer_rows.min(area.height.saturating_sub(1));
    let footer = Rect {
        y: area.bottom() - footer_height,
        height: footer_height,
        ..area
    };
    let block = Rect {
        y: header.bottom(),
        height: area.height - header.height - footer_height,
        ..area
    };
    let body = Block::bordered().inner(block);
    let body = Rect {
        x: body.x + 1,
        width: body.width.saturating_sub(2),
        ..body
    };
    Areas {
        header,
        block,
        body,
        footer,
    }
}

/// The page's rows on screen and its length, for a terminal of `area` (status bar
/// included): what scrolling needs to know.
pub fn review_geometry(area: Rect, state: &ReviewState) -> PageGeometry {
    let (screen, _) = split_status(area);
    let body = areas(screen, footer_rows(state, screen.width)).body;
    PageGeometry {
        rows: usize::from(body.height),
        len: page(state, &Styles::plain(), usize::from(body.width)).len(),
    }
}

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    state: &ReviewState,
    model: &BoardModel,
    theme: &Theme,
    keymap: &Keymap,
) {
    if area.height < 8 || area.width < 20 {
        return;
    }
    let a = areas(area, footer_rows(state, area.width));
    let m = &state.model;
    let s = Styles::of(theme);
    let mut header = vec![Span::raw(" ")];
    if let Some(card) = model.loops.iter().find(|c| c.name == m.loop_name) {
        header.extend(lamp_spans(card.lamp, theme));
        header.push(Span::raw(" "));
    }
    header.push(Span::styled(
        one_line(&m.loop_name, 40),
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    ));
    header.push(Span::styled(
        format!("  review · {}", one_line(m.state.label(), 30)),
        s.dim,
    ));
    buf.set_line(a.header.x, a.header.y, &Line::from(header), a.header.width);
    let branches = format!("{} → {} ", one_line(&m.branch, 60), one_line(&m.base, 60));
    let width = u16::try_from(branches.chars().count()).unwrap_or(u16::MAX);
    if width + 40 < a.header.width {
        buf.set_string(a.header.right() - width, a.header.y, branches, s.dim);
    }

    let page = page(state, &s, usize::from(a.body.width));
    let rows = usize::from(a.body.height);
    let top = state.scroll.min(page.len().saturating_sub(rows));
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_selected))
        .title_top(Line::styled(
            " Review ",
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ));
    if page.len() > rows {
        let last = (top + rows).min(page.len());
        block = block.title_top(
            Line::styled(format!(" {}-{last} of {} ", top + 1, page.len()), s.dim).right_aligned(),
        );
    }
    block.render(a.block, buf);
    for dy in 0..a.body.height {
        let i = top + usize::from(dy);
        let y = a.body.y + dy;
        draw_page_row(buf, a.body, y, &page, i);
    }
    footer(buf, a.footer, state, theme, keymap);
}

/// The approval choices from the keymap, the chosen one inverse under a gate, and a line on
/// what happens next (or the engine's answer, or why the gate is closed).
fn footer(buf: &mut Buffer, area: Rect, state: &ReviewState, theme: &Theme, keymap: &Keymap) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border))
        .title_top(Line::styled(
            " Approve ",
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    // A stopped or ended loop offers no choice at all: the footer says why and what to do.
    if let (None, Some(why)) = (&state.answer, closed_gate(state)) {
        closed(buf, inner, why, theme, keymap);
        return;
    }
    let choices = choice_line(state, theme, keymap, inner.width);
    buf.set_line(inner.x, inner.y, &choices, inner.width);
    if inner.height < 2 {
        return;
    }
    match &state.answer {
        Some(Answer::Waiting(what)) => {
            let line = Line::from(vec![Span::styled(
                format!(" {what}: waiting for the engine…"),
                Style::default().fg(theme.accent),
            )]);
            buf.set_line(inner.x, inner.y + 1, &line, inner.width);
        }
        Some(Answer::Refused(text)) => {
            let fail = Style::default().fg(theme.mark_fail);
            for (dy, l) in (1..inner.height).zip(refusal_lines(text, inner.width)) {
                let prefix = if dy == 1 { " Refused: " } else { "   " };
                buf.set_line(
                    inner.x,
                    inner.y + dy,
                    &Line::styled(format!("{prefix}{l}"), fail),
                    inner.width,
                );
            }
        }
        None => {
            let next = next_line(state, theme, keymap);
            buf.set_line(inner.x, inner.y + 1, &next, inner.width);
        }
    }
}

/// The keys bound to `action` on the review screen, as the footer shows them.
fn key_span(keymap: &Keymap, theme: &Theme, action: Action) -> Span<'static> {
    Span::styled(
        join_keys(&keymap.keys_in(Mode::Review, action)),
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    )
}

/// Why no approval is offered, and the way back.
fn closed(buf: &mut Buffer, inner: Rect, why: &str, theme: &Theme, keymap: &Keymap) {
    let fail = Style::default().fg(theme.mark_fail);
    for (dy, l) in (0..inner.height).zip(refusal_lines(why, inner.width)) {
        let prefix = if dy == 0 { " Closed: " } else { "         " };
        buf.set_line(
            inner.x,
            inner.y + dy,
            &Line::styled(format!("{prefix}{l}"), fail),
            inner.width,
        );
    }
    let back = Line::from(vec![
        Span::raw(" "),
        key_span(keymap, theme, Action::Back),
        Span::styled(
            " back to the board, where the loop can be resumed or redirected",
            Style::default().fg(theme.dim),
        ),
    ]);
    buf.set_line(inner.x, inner.bottom() - 1, &back, inner.width);
}

/// The four choices (and the gh box), in fewer words when the full line does not fit.
fn choice_line(state: &ReviewState, theme: &Theme, keymap: &Keymap, width: u16) -> Line<'static> {
    let m = &state.model;
    let gated = m.gate.is_some();
    let chosen = |choice: ReviewChoice| {
        let same = match (choice, state.choice) {
            (ReviewChoice::Pr { .. }, ReviewChoice::Pr { .. }) => true,
            (a, b) => a == b,
        };
        if gated && same {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(theme.foreground)
        }
    };
    let key = |action| key_span(keymap, theme, action);
    let base = one_line(&m.base, 30);
    let (first, other) = (m.history_by_default, !m.history_by_default);
    let how = |history: bool| {
        if history {
            "with history"
        } else {
            "as one commit"
        }
    };
    let choices = |merge: String, other_merge: &str, branch: &str, pr: &str, gap: &'static str| {
        vec![
            Span::raw(" "),
            key(Action::Merge),
            Span::styled(merge, chosen(ReviewChoice::Merge { history: first })),
            Span::raw(gap),
            key(Action::MergeOther),
            Span::styled(
                format!(" {other_merge}"),
                chosen(ReviewChoice::Merge { history: other }),
            ),
            Span::raw(gap),
            key(Action::KeepBranch),
            Span::styled(format!(" {branch}"), chosen(ReviewChoice::Branch)),
            Span::raw(gap),
            key(Action::PrBody),
            Span::styled(
                format!(" {pr}"),
                chosen(ReviewChoice::Pr {
                    gh: state.gh,
                    way: m.pr_way,
                }),
            ),
        ]
    };
    let gh: Vec<Span> = if m.gh_available && m.pr_way == PrWay::Body {
        let check = if state.gh { "[x]" } else { "[ ]" };
        vec![
            Span::styled(format!("  {check} "), Style::default().fg(theme.foreground)),
            key(Action::ToggleGh),
            Span::styled(" also gh pr create", Style::default().fg(theme.dim)),
        ]
    } else {
        Vec::new()
    };
    let mut spans = choices(
        format!(" merge into {base} {}", how(first)),
        how(other),
        "keep branch",
        match m.pr_way {
            PrWay::Body => "write PR body",
            PrWay::Follow => "open the PR, follow it",
            PrWay::Push => "push the fix to the PR",
        },
        "   ",
    );
    spans.extend(gh.iter().cloned());
    // A narrow screen gets every choice in fewer words rather than the last ones cut off.
    if Line::from(spans.clone()).width() > usize::from(width) {
        let short = |history: bool| if history { "history" } else { "one commit" };
        spans = choices(
            format!(" merge ({})", short(first)),
            short(other),
            "branch",
            match m.pr_way {
                PrWay::Body => "PR body",
                PrWay::Follow => "open PR",
                PrWay::Push => "push fix",
            },
            "  ",
        );
        spans.extend(gh);
    }
    Line::from(spans)
}

/// What happens next: the approval is confirmed and audited, or the gate's override, or why
/// it is refused.
fn next_line(state: &ReviewState, theme: &Theme, keymap: &Keymap) -> Line<'static> {
    let m = &state.model;
    let dim = Style::default().fg(theme.dim);
    let spans = match &m.gate {
        None => vec![Span::styled(
            " Each choice is spelled out and confirmed first; the approval is audited.",
            dim,
        )],
        Some(gate) if gate.overridable => vec![
            Span::raw(" "),
            key_span(keymap, theme, Action::ApproveAnyway),
            Span::styled(" approve anyway: ", Style::default().fg(theme.foreground)),
            Span::styled(
                format!(
                    "{}, with a reason",
                    state.choice.describe(&m.branch, &m.base)
                ),
                dim,
            ),
        ],
        Some(gate) => vec![Span::styled(
            format!(" Refused: {}.", one_line(&gate.why, 200)),
            Style::default().fg(theme.mark_fail),
        )],
    };
    Line::from(spans)
}

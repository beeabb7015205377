//! Help: every available key, generated from the keymap and grouped by the modes it works in,
//! then the lamp and iteration-strip legends. On a full screen (diff, review) help shows that
//! screen's keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::dialog::frame;
use super::{centered, lamp_spans, mark_glyph};
use crate::ui::board::model::{BoardModel, IterMark, Lamp};
use crate::ui::board::screen::Screen;
use crate::ui::keys::keymap::{join_keys, Action, KeyChord, Keymap, Mode};
use crate::ui::theme::Theme;

const BOARD_HELP: &[Mode] = &[
    Mode::Board,
    Mode::Zoomed,
    Mode::Attached,
    Mode::Confirm,
    Mode::TextInput,
];
const DIFF_HELP: &[Mode] = &[Mode::Diff, Mode::Search];
const REVIEW_HELP: &[Mode] = &[Mode::Review];
const KAIZEN_HELP: &[Mode] = &[Mode::Kaizen];
const MESSAGES_HELP: &[Mode] = &[Mode::Messages];

/// The modes whose keys help lists: those of the screen it was opened over.
pub(super) fn context(model: &BoardModel) -> &'static [Mode] {
    match model.screens.last() {
        Some(Screen::Diff(_)) => DIFF_HELP,
        Some(Screen::Review(_)) => REVIEW_HELP,
        Some(Screen::Kaizen(_)) => KAIZEN_HELP,
        Some(Screen::Messages(_)) => MESSAGES_HELP,
        None => BOARD_HELP,
    }
}

/// One row of help: keys, what they do, whether the app asks first.
struct Row {
    action: Action,
    keys: Vec<KeyChord>,
    description: &'static str,
    confirm: bool,
}

/// Bindings grouped by the exact set of modes they work in, in a stable reading order:
/// the board-wide actions first, then each mode's own keys.
fn sections(keymap: &Keymap, context: &[Mode]) -> Vec<(&'static [Mode], Vec<Row>)> {
    let mut sections: Vec<(&'static [Mode], Vec<Row>)> = Vec::new();
    let shown = |modes: &[Mode]| modes.iter().any(|m| context.contains(m));
    for b in keymap.bindings().iter().filter(|b| shown(b.modes)) {
        let at = match sections.iter().position(|(modes, _)| *modes == b.modes) {
            Some(i) => i,
            None => {
                sections.push((b.modes, Vec::new()));
                sections.len() - 1
            }
        };
        let rows = &mut sections[at].1;
        match rows.iter_mut().find(|r| r.action == b.action) {
            Some(row) => row.keys.push(b.key),
            None => rows.push(Row {
                action: b.action,
                keys: vec![b.key],
                description: b.description,
                confirm: b.confirm,
            }),
        }
    }
    let rank = |modes: &[Mode]| {
        let first = modes
            .iter()
            .filter_map(|m| Mode::ALL.iter().position(|x| x == m))
            .min()
            .unwrap_or(usize::MAX);
        (first, std::cmp::Reverse(modes.len()))
    };
    sections.sort_by_key(|(modes, _)| rank(modes));
    sections
}

fn section_title(modes: &[Mode]) -> String {
    let labels: Vec<&str> = modes.iter().map(|m| m.label()).collect();
    let mut title = match labels.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    if let Some(first) = title.get(..1) {
        title = first.to_uppercase() + &title[1..];
    }
    title
}

/// Help as blocks (a heading and its lines) to be laid out in columns.
fn blocks(keymap: &Keymap, theme: &Theme, context: &[Mode]) -> Vec<Vec<Line<'static>>> {
    let heading = Style::default()
        .fg(theme.title)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
    let key_style = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let dim = Style::default().fg(theme.dim);
    let sections = sections(keymap, context);
    let key_width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|r| join_keys(&r.keys).chars().count()))
        .max()
        .unwrap_or(0);
    let mut blocks = Vec::new();
    for (modes, rows) in sections {
        let mut out = vec![Line::styled(section_title(modes), heading)];
        for row in rows {
            let keys = join_keys(&row.keys);
            let pad = key_width.saturating_sub(keys.chars().count());
            let mut spans = vec![
                Span::styled(keys, key_style),
                Span::raw(" ".repeat(pad + 2)),
                Span::raw(row.description),
            ];
            if row.confirm {
                spans.push(Span::styled(" (confirm)", dim));
            }
            out.push(Line::from(spans));
        }
        blocks.push(out);
    }
    if !context.contains(&Mode::Board) {
        return blocks;
    }
    let mut out = vec![Line::styled("Lamps", heading)];
    for (lamp, meaning) in [
        (Lamp::Green, "checks pass, working"),
        (Lamp::Yellow, "warning: repeating, out of scope"),
        (Lamp::Red, "line stopped: needs a human"),
        (Lamp::Magenta, "Meta-Andon: planning a fix"),
        (Lamp::Blue, "awaiting approval"),
        (Lamp::Gray, "idle or ended"),
    ] {
        let mut spans = lamp_spans(lamp, theme);
        spans.push(Span::raw(format!(" {:<8}", lamp.as_str())));
        spans.push(Span::styled(meaning, dim));
        out.push(Line::from(spans));
    }
    blocks.push(out);
    let mut out = vec![Line::styled("Iteration strip (newest right)", heading)];
    for (mark, name) in [
        (IterMark::Passed, "passed"),
        (IterMark::Failed, "failed"),
        (IterMark::Planned, "plan-mode iteration"),
        (IterMark::Cancelled, "cancelled"),
        (IterMark::Interrupted, "interrupted"),
        (IterMark::Running, "running"),
    ] {
        out.push(Line::from(vec![
            mark_glyph(mark, theme),
            Span::styled(format!(" {name}"), dim),
        ]));
    }
    blocks.push(out);
    blocks
}

/// Packs blocks into columns of at most `height` lines, a blank line between blocks, a block
/// moving to the next column rather than starting at a column's foot. A block taller than
/// `height` is split.
fn pack(blocks: &[Vec<Line<'static>>], height: usize) -> Vec<Vec<Line<'static>>> {
    let height = height.max(1);
    let mut columns: Vec<Vec<Line<'static>>> = vec![Vec::new()];
    for block in blocks {
        let column = columns.last_mut().map_or(0, |c| c.len());
        if column > 0 && column + 1 + block.len() > height {
            columns.push(Vec::new());
        } else if column > 0 {
            columns
                .last_mut()
                .into_iter()
                .for_each(|c| c.push(Line::default()));
        }
        for line in block {
            if columns.last().is_some_and(|c| c.len() >= height) {
                columns.push(Vec::new());
            }
            columns
                .last_mut()
                .into_iter()
                .for_each(|c| c.push(line.clone()));
        }
    }
    columns
}

/// How help lays out at this size: balanced columns when every key fits, else one column
/// scrolled like a pager.
struct Layout {
    columns: Vec<Vec<Line<'static>>>,
    column_width: usize,
    /// Rows of the body on screen.
    height: usize,
    /// Everything does not fit: one column, scrolled.
    scrolled: bool,
}

fn layout(area: Rect, theme: &Theme, keymap: &Keymap, context: &[Mode]) -> Layout {
    let blocks = blocks(keymap, theme, context);
    let widest = blocks.iter().flatten().map(Line::width).max().unwrap_or(0);
    let column_width = widest + 2;
    // Room inside the border, the margins and the footer (a blank line and the keys).
    let max_height = usize::from(area.height.saturating_sub(6)).max(1);
    let max_columns = (usize::from(area.width.saturating_sub(4)) / column_width).max(1);
    let total: usize = blocks.iter().map(|b| b.len() + 1).sum();
    let columns_wanted = total.div_ceil(max_height).clamp(1, max_columns);
    // The shortest height whose packing needs no more columns than wanted: balanced columns.
    let balanced = (total / columns_wanted..=max_height)
        .map(|h| pack(&blocks, h))
        .find(|c| c.len() <= columns_wanted);
    match balanced {
        Some(columns) => Layout {
            height: columns.iter().map(Vec::len).max().unwrap_or(0),
            columns,
            column_width,
            scrolled: false,
        },
        None => Layout {
            columns: pack(&blocks, usize::MAX),
            column_width,
            height: max_height,
            scrolled: true,
        },
    }
}

/// The furthest help scrolls at this size (0 when everything fits).
pub fn max_scroll(area: Rect, theme: &Theme, keymap: &Keymap, context: &[Mode]) -> usize {
    let l = layout(area, theme, keymap, context);
    let rows = l.columns.first().map_or(0, Vec::len);
    if l.scrolled {
        rows.saturating_sub(l.height)
    } else {
        0
    }
}

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    theme: &Theme,
    keymap: &Keymap,
    context: &[Mode],
    scroll: usize,
) {
    let l = layout(area, theme, keymap, context);
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let shown = l
        .columns
        .len()
        .min((usize::from(area.width.saturating_sub(4)) / l.column_width).max(1));
    let width = to_u16(l.column_width * shown + 2).min(area.width);
    let height = to_u16(l.height + 4);
    let inner = frame(buf, centered(area, width, height), "andon keys", theme);
    let body = Rect {
        height: inner.height.saturating_sub(2),
        ..inner
    };
    let rows = l.columns.first().map_or(0, Vec::len);
    let scroll = if l.scrolled {
        scroll.min(rows.saturating_sub(usize::from(body.height)))
    } else {
        0
    };
    for (c, column) in l.columns.iter().enumerate() {
        let x = body.x.saturating_add(to_u16(c * l.column_width));
        if x >= body.right() {
            break;
        }
        let room = to_u16(l.column_width).min(body.right() - x);
        for (y, line) in (body.y..body.bottom()).zip(column.iter().skip(scroll)) {
            buf.set_line(x, y, line, room);
        }
    }
    let key = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let dim = Style::default().fg(theme.dim);
    let mut footer = vec![
        Span::styled(join_keys(&keymap.keys_in(Mode::Help, Action::Cancel)), key),
        Span::styled(" close", dim),
    ];
    if l.scrolled {
        let last = (scroll + usize::from(body.height)).min(rows);
        footer.extend([
            Span::styled("   ", dim),
            Span::styled(
                join_keys(
                    &[
                        keymap.keys_in(Mode::Help, Action::ScrollDown),
                        keymap.keys_in(Mode::Help, Action::ScrollUp),
                    ]
                    .concat(),
                ),
                key,
            ),
            Span::styled(format!(" scroll   [{}-{last}/{rows}]", scroll + 1), dim),
        ]);
    }
    buf.set_line(
        inner.x,
        inner.bottom() - 1,
        &Line::from(footer),
        inner.width,
    );
}

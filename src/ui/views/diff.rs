//! The diff view: a header naming the loop with the diff's targets as tabs, the file list,
//! and the hunks (unified, or side by side when wide enough) in a bordered body whose bottom
//! edge holds the search. Only the rows on screen are drawn.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use super::diff_header::draw_header;
use super::diff_lines::{self, count_spans, counts_text, status_style, RowContext};
use super::{centered, split_status, truncate, truncate_left};
use crate::ui::board::model::BoardModel;
use crate::ui::diff::view::{DiffGeometry, DiffViewState};
use crate::ui::theme::Theme;
use andon_core::diff::{DiffFile, DiffTarget};
use andon_core::sanitize::one_line;

/// The file list shows from this terminal width on.
const FILES_FROM_WIDTH: u16 = 100;
/// Side by side needs at least this many columns of code on each side (plus gutters and the
/// separator).
const MIN_SIDE_TEXT: usize = 40;

struct Areas {
    header: Rect,
    files: Option<Rect>,
    block: Rect,
    body: Rect,
    split: bool,
}

fn areas(area: Rect, state: &DiffViewState) -> Areas {
    let header = Rect {
        height: area.height.min(1),
        ..area
    };
    let rest = Rect {
        y: area.y + header.height,
        height: area.height - header.height,
        ..area
    };
    let files_width = if area.width >= FILES_FROM_WIDTH {
        file_list_width(state, area.width)
    } else {
        0
    };
    let files = (files_width > 0).then_some(Rect {
        width: files_width,
        ..rest
    });
    let block = Rect {
        x: rest.x + files_width,
        width: rest.width - files_width,
        ..rest
    };
    let inner = Block::bordered().inner(block);
    // One column of margin after the border.
    let body = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(1),
        ..inner
    };
    let number_width = state.loaded().map_or(1, |l| l.unified.number_width());
    let split =
        state.side_by_side && usize::from(body.width) > 2 * (number_width + 2 + MIN_SIDE_TEXT);
    Areas {
        header,
        files,
        block,
        body,
        split,
    }
}

/// Rows of diff on screen and the layout in effect, for a terminal of `area` (status bar
/// included): what scrolling and paging need to know.
pub fn diff_geometry(area: Rect, state: &DiffViewState) -> DiffGeometry {
    let (screen, _) = split_status(area);
    let a = areas(screen, state);
    DiffGeometry {
        rows: usize::from(a.body.height),
        split: a.split,
    }
}

fn file_list_width(state: &DiffViewState, width: u16) -> u16 {
    let widest = state.loaded().map_or(0, |l| {
        l.diff
            .files
            .iter()
            .map(|f| f.path.chars().count() + counts_text(f).chars().count() + 5)
            .max()
            .unwrap_or(0)
    });
    let most = (width / 3).max(24);
    u16::try_from(widest + 2).unwrap_or(most).clamp(24, most)
}

pub(super) fn draw(
    buf: &mut Buffer,
    area: Rect,
    state: &DiffViewState,
    model: &BoardModel,
    theme: &Theme,
) {
    if area.height < 3 || area.width < 10 {
        return;
    }
    let a = areas(area, state);
    draw_header(buf, a.header, state, model, theme, a.split);
    if let Some(files) = a.files {
        draw_files(buf, files, state, theme);
    }
    draw_block(buf, a.block, state, theme);
    let dim = Style::default().fg(theme.dim);
    let message = if let Some(error) = state.error() {
        Some((
            format!("cannot compute the diff: {}", one_line(error, 200)),
            Style::default().fg(theme.lamps.red),
        ))
    } else if state.is_loading() {
        Some((
            format!("computing the {} diff…", state.target().label()),
            dim,
        ))
    } else if state.loaded().is_some_and(|l| l.diff.is_empty()) {
        let text = match state.target() {
            DiffTarget::Cumulative => "no changes since the base".to_string(),
            DiffTarget::Iteration(k) => format!("iteration {k} changed nothing"),
        };
        Some((text, dim))
    } else {
        None
    };
    if let Some((text, style)) = message {
        let text = truncate(&text, usize::from(a.body.width));
        let width = u16::try_from(text.chars().count()).unwrap_or(a.body.width);
        let at = centered(a.body, width, 1);
        buf.set_string(at.x, at.y, text, style);
        return;
    }
    let Some(loaded) = state.loaded() else { return };
    let geo = DiffGeometry {
        rows: usize::from(a.body.height),
        split: a.split,
    };
    let rows = loaded.rows(a.split);
    let top = state.top_row(geo);
    let ctx = RowContext {
        loaded,
        search: &state.search,
        theme,
        number_width: rows.number_width(),
    };
    for (dy, row) in (0..a.body.height).zip(rows.rows().iter().skip(top)) {
        let line = Rect {
            y: a.body.y + dy,
            height: 1,
            ..a.body
        };
        diff_lines::draw_row(buf, line, *row, &ctx);
    }
}

fn file_label(file: &DiffFile) -> String {
    match &file.old_path {
        Some(old) if *old != file.path => {
            format!("{} → {}", one_line(old, 200), one_line(&file.path, 200))
        }
        _ => one_line(&file.path, 400),
    }
}

fn draw_block(buf: &mut Buffer, area: Rect, state: &DiffViewState, theme: &Theme) {
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_selected));
    let bold = Style::default()
        .fg(theme.title)
        .add_modifier(Modifier::BOLD);
    if let Some(l) = state.loaded().filter(|l| l.target == state.target()) {
        let selected = state.selected_file();
        if let Some(file) = l.diff.files.get(usize::try_from(selected).unwrap_or(0)) {
            let room = usize::from(area.width.saturating_sub(16));
            block = block
                .title_top(Line::from(vec![
                    Span::raw(" "),
                    Span::styled(
                        file.status.letter().to_string(),
                        status_style(file.status, theme),
                    ),
                    Span::styled(
                        format!(" {} ", truncate_left(&file_label(file), room)),
                        bold,
                    ),
                ]))
                .title_top(
                    Line::styled(
                        format!(" {}/{} ", selected + 1, l.diff.files.len()),
                        Style::default().fg(theme.dim),
                    )
                    .right_aligned(),
                );
        }
    }
    if let Some(search) = search_line(state, theme) {
        block = block.title_bottom(search);
    }
    block.render(area, buf);
}

/// `/query▏ 2/7` while typing; `/query 2/7  n/N` after.
fn search_line(state: &DiffViewState, theme: &Theme) -> Option<Line<'static>> {
    let search = &state.search;
    if !search.editing && search.query.is_empty() {
        return None;
    }
    let accent = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let dim = Style::default().fg(theme.dim);
    let query = one_line(&search.query, 60);
    let (at, of) = search.position();
    let count = if of == 0 {
        if query.is_empty() {
            String::new()
        } else {
            " no match ".to_string()
        }
    } else {
        format!(" {at}/{of} ")
    };
    let mut spans = vec![Span::raw(" "), Span::styled(format!("/{query}"), accent)];
    if search.editing {
        spans.push(Span::styled(
            "▏",
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::SLOW_BLINK),
        ));
    }
    spans.push(Span::styled(count, dim));
    Some(Line::from(spans))
}

fn draw_files(buf: &mut Buffer, area: Rect, state: &DiffViewState, theme: &Theme) {
    let files = state
        .loaded()
        .filter(|l| l.target == state.target())
        .map_or(&[][..], |l| &l.diff.files[..]);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border))
        .title_top(Line::styled(
            " Files ",
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ))
        .title_top(
            Line::styled(format!(" {} ", files.len()), Style::default().fg(theme.dim))
                .right_aligned(),
        );
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() {
        return;
    }
    let rows = usize::from(inner.height);
    let selected = usize::try_from(state.selected_file()).unwrap_or(0);
    // The selection stays in view, centred once the list scrolls.
    let first = selected
        .saturating_sub(rows / 2)
        .min(files.len().saturating_sub(rows));
    for (dy, (i, file)) in (0..inner.height).zip(files.iter().enumerate().skip(first)) {
        let count_width = counts_text(file).chars().count();
        let width = usize::from(inner.width);
        let path_room = width.saturating_sub(count_width + 4);
        let path = truncate_left(&one_line(&file.path, 400), path_room);
        let pad = width.saturating_sub(path.chars().count() + count_width + 4);
        let mut spans = vec![
            Span::raw(" "),
            Span::styled(
                file.status.letter().to_string(),
                status_style(file.status, theme),
            ),
            Span::raw(" "),
            Span::styled(path, Style::default().fg(theme.foreground)),
            Span::raw(" ".repeat(pad + 1)),
        ];
        spans.extend(count_spans(file, theme));
        spans.push(Span::raw(" "));
        let mut line = Line::from(spans);
        if i == selected {
            // Inverse reads as a selection bar in every theme, NO_COLOR included.
            line = line
                .patch_style(Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD));
        }
        buf.set_line(inner.x, inner.y + dy, &line, inner.width);
    }
}

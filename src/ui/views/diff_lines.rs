//! One row of the diff view: a file header, a summary, a hunk header, or a line (unified) or
//! a pair of lines (side by side) with its line-number gutter, syntax colors, the added or
//! removed tint and the search's marks. Every piece of child text is sanitized first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::ui::diff::highlight::Token;
use crate::ui::diff::rows::Row;
use crate::ui::diff::search::{display_text, Search};
use crate::ui::diff::view::Loaded;
use crate::ui::theme::Theme;
use andon_core::diff::{DiffFile, DiffLine, FileBody, FileStatus, LineKind};
use andon_core::sanitize::one_line;

pub(super) struct RowContext<'a> {
    pub loaded: &'a Loaded,
    pub search: &'a Search,
    pub theme: &'a Theme,
    pub number_width: usize,
}

pub(super) fn draw_row(buf: &mut Buffer, area: Rect, row: Row, ctx: &RowContext) {
    let theme = ctx.theme;
    let Some(file) = usize::try_from(row.file())
        .ok()
        .and_then(|f| ctx.loaded.diff.files.get(f))
    else {
        return;
    };
    let line = match row {
        Row::Spacer { .. } => return,
        Row::File { .. } => file_header(file, theme, usize::from(area.width)),
        Row::Summary { .. } => summary(file, theme),
        Row::Hunk { hunk, .. } => {
            let Some(h) = usize::try_from(hunk).ok().and_then(|h| file.hunks().get(h)) else {
                return;
            };
            hunk_header(&h.header, theme)
        }
        Row::Line {
            file: f,
            hunk,
            line,
        } => {
            draw_side(buf, area, ctx, (f, hunk, line), Gutter::Both);
            return;
        }
        Row::Pair {
            file: f,
            hunk,
            old,
            new,
        } => {
            let half = area.width.saturating_sub(1) / 2;
            let left = Rect {
                width: half,
                ..area
            };
            let right = Rect {
                x: area.x + half + 1,
                width: area.width.saturating_sub(half + 1),
                ..area
            };
            if let Some(l) = old {
                draw_side(buf, left, ctx, (f, hunk, l), Gutter::Old);
            }
            buf.set_string(
                area.x + half,
                area.y,
                "│",
                Style::default().fg(theme.border),
            );
            if let Some(l) = new {
                draw_side(buf, right, ctx, (f, hunk, l), Gutter::New);
            }
            return;
        }
    };
    buf.set_line(area.x, area.y, &line, area.width);
}

/// Which line numbers a row's gutter shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gutter {
    Both,
    Old,
    New,
}

/// One diff line into `area`: gutter, sign, code. A context line drawn on the old side of a
/// side-by-side pair shows its old number.
fn draw_side(
    buf: &mut Buffer,
    area: Rect,
    ctx: &RowContext,
    (f, h, l): (u32, u32, u32),
    gutter: Gutter,
) {
    let theme = ctx.theme;
    let Some(line) = ctx
        .loaded
        .diff
        .files
        .get(usize::try_from(f).unwrap_or(usize::MAX))
        .and_then(|file| file.hunks().get(usize::try_from(h).unwrap_or(usize::MAX)))
        .and_then(|hunk| hunk.lines.get(usize::try_from(l).unwrap_or(usize::MAX)))
    else {
        return;
    };
    let look = look(line.kind, theme);
    let w = ctx.number_width;
    let number = |n: Option<u32>| n.map_or_else(|| " ".repeat(w), |n| format!("{n:>w$}"));
    let numbers = match gutter {
        Gutter::Both => format!("{} {} ", number(line.old_no), number(line.new_no)),
        Gutter::Old => format!("{} ", number(line.old_no)),
        Gutter::New => format!("{} ", number(line.new_no)),
    };
    let mut spans = vec![Span::styled(numbers, look.number)];
    if gutter == Gutter::Both {
        spans.push(Span::styled("│", Style::default().fg(theme.border)));
    }
    let gutter_width: usize = spans.iter().map(Span::width).sum();
    if let Some(bg) = look.tint {
        let x = area.x + u16::try_from(gutter_width).unwrap_or(area.width);
        let tinted = Rect {
            x: x.min(area.right()),
            width: area.right().saturating_sub(x),
            ..area
        };
        buf.set_style(tinted, Style::default().bg(bg));
    }
    spans.push(Span::styled(look.sign.to_string(), look.sign_style));
    spans.extend(code_spans(ctx, (f, h, l), line));
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

struct Look {
    sign: char,
    sign_style: Style,
    number: Style,
    tint: Option<Color>,
}

fn look(kind: LineKind, theme: &Theme) -> Look {
    let dim = Style::default().fg(theme.dim);
    let (sign, color) = match kind {
        LineKind::Context => {
            return Look {
                sign: ' ',
                sign_style: dim,
                number: dim,
                tint: None,
            }
        }
        LineKind::Added => ('+', theme.mark_pass),
        LineKind::Removed => ('-', theme.mark_fail),
    };
    Look {
        sign,
        sign_style: Style::default().fg(color).add_modifier(Modifier::BOLD),
        number: Style::default().fg(color),
        tint: (!theme.no_color)
            .then(|| tint(color, theme.dialog_bg))
            .flatten(),
    }
}

/// A faint wash of `color` over the theme's panel color, when both are true colors (an
/// indexed or terminal-default color cannot be mixed; the sign and gutter still say it).
fn tint(color: Color, base: Color) -> Option<Color> {
    let (Color::Rgb(r, g, b), Color::Rgb(br, bg, bb)) = (color, base) else {
        return None;
    };
    let mix = |c: u8, under: u8| {
        let v = (u16::from(c) * 22 + u16::from(under) * 78) / 100;
        u8::try_from(v).unwrap_or(u8::MAX)
    };
    Some(Color::Rgb(mix(r, br), mix(g, bg), mix(b, bb)))
}

fn token_style(token: Token, theme: &Theme) -> Style {
    let fg = |c: Color| Style::default().fg(c);
    match token {
        Token::Plain => Style::default(),
        Token::Comment => fg(theme.dim).add_modifier(Modifier::ITALIC),
        Token::Keyword => fg(theme.ansi[5]),
        Token::String => fg(theme.ansi[6]),
        Token::Constant => fg(theme.ansi[3]),
        Token::Type => fg(theme.ansi[4]),
    }
}

/// The code of a line: syntax colors, then the search's marks over them (inverse, so they
/// show under NO_COLOR too; the current match also bold and underlined).
fn code_spans(ctx: &RowContext, (f, h, l): (u32, u32, u32), line: &DiffLine) -> Vec<Span<'static>> {
    let text = display_text(&line.text);
    let tokens = ctx
        .loaded
        .highlights
        .line(&ctx.loaded.diff, f, h, l)
        .unwrap_or_default();
    let marks = ctx.search.on_line(f, h, l);
    let current = ctx.search.current();
    let at = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
    let mut cuts: Vec<usize> = vec![0, text.len()];
    cuts.extend(tokens.iter().flat_map(|(_, r)| [r.start, r.end]));
    cuts.extend(marks.iter().flat_map(|m| [at(m.start), at(m.end)]));
    cuts.retain(|c| *c <= text.len() && text.is_char_boundary(*c));
    cuts.sort_unstable();
    cuts.dedup();
    let base = Style::default().fg(ctx.theme.foreground);
    let mut spans = Vec::with_capacity(cuts.len());
    for w in cuts.windows(2) {
        let (from, to) = (w[0], w[1]);
        let token = tokens
            .iter()
            .find(|(_, r)| r.start <= from && from < r.end)
            .map_or(Token::Plain, |(t, _)| *t);
        let mut style = base.patch(token_style(token, ctx.theme));
        if let Some(m) = marks
            .iter()
            .find(|m| at(m.start) <= from && from < at(m.end))
        {
            style = style.patch(if Some(*m) == current {
                Style::default()
                    .fg(ctx.theme.accent)
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED)
            } else {
                Style::default()
                    .fg(ctx.theme.lamps.yellow)
                    .add_modifier(Modifier::REVERSED)
            });
        }
        spans.push(Span::styled(text[from..to].to_string(), style));
    }
    spans
}

pub(super) fn status_style(status: FileStatus, theme: &Theme) -> Style {
    let color = match status {
        FileStatus::Added => theme.mark_pass,
        FileStatus::Deleted => theme.mark_fail,
        FileStatus::Modified => theme.lamps.yellow,
        FileStatus::Renamed => theme.lamps.blue,
        FileStatus::TypeChange => theme.lamps.magenta,
    };
    Style::default().fg(color).add_modifier(Modifier::BOLD)
}

/// `+30 -2`, or `bin` for a binary file.
pub(super) fn counts_text(file: &DiffFile) -> String {
    match file.body {
        FileBody::Binary { .. } => "bin".into(),
        _ => format!("+{} -{}", file.added, file.removed),
    }
}

pub(super) fn count_spans(file: &DiffFile, theme: &Theme) -> Vec<Span<'static>> {
    match file.body {
        FileBody::Binary { .. } => vec![Span::styled("bin", Style::default().fg(theme.dim))],
        _ => vec![
            Span::styled(
                format!("+{}", file.added),
                Style::default().fg(theme.mark_pass),
            ),
            Span::styled(
                format!(" -{}", file.removed),
                Style::default().fg(theme.mark_fail),
            ),
        ],
    }
}

/// `M src/auth/token.rs  +30 -2 ─────`: the status, the path (old → new for a rename), the
/// counts and a rule to the edge.
fn file_header(file: &DiffFile, theme: &Theme, width: usize) -> Line<'static> {
    let path = match &file.old_path {
        Some(old) if *old != file.path => {
            format!("{} → {}", one_line(old, 200), one_line(&file.path, 200))
        }
        _ => one_line(&file.path, 400),
    };
    let mut spans = vec![
        Span::styled(
            file.status.letter().to_string(),
            status_style(file.status, theme),
        ),
        Span::styled(
            format!(" {path}  "),
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ),
    ];
    spans.extend(count_spans(file, theme));
    let used: usize = spans.iter().map(Span::width).sum();
    spans.push(Span::styled(
        format!(" {}", "─".repeat(width.saturating_sub(used + 1))),
        Style::default().fg(theme.border),
    ));
    Line::from(spans)
}

/// A binary or too-large file, or a text file whose content did not change.
fn summary(file: &DiffFile, theme: &Theme) -> Line<'static> {
    let text = match file.body {
        FileBody::Binary { old_size, new_size } => {
            format!("binary file · {}", sizes(file.status, old_size, new_size))
        }
        // Over the byte limit nothing is counted; over the line limit the counts are exact.
        FileBody::TooLarge { old_size, new_size } if file.added + file.removed == 0 => format!(
            "too large to show or count · {}",
            sizes(file.status, old_size, new_size)
        ),
        FileBody::TooLarge { old_size, new_size } => format!(
            "too large to show · {} · +{} -{} lines",
            sizes(file.status, old_size, new_size),
            file.added,
            file.removed
        ),
        FileBody::Text { .. } => "no change to the content (mode or type only)".into(),
    };
    Line::styled(
        format!("  ⋯ {text}"),
        Style::default()
            .fg(theme.dim)
            .add_modifier(Modifier::ITALIC),
    )
}

fn sizes(status: FileStatus, old: u64, new: u64) -> String {
    match status {
        FileStatus::Added => bytes(new),
        FileStatus::Deleted => format!("{} removed", bytes(old)),
        _ => format!("{} → {}", bytes(old), bytes(new)),
    }
}

/// `812 B`, `12.0 KiB`, `3.2 MiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    // Display only: an f64 is exact enough for one decimal.
    #[allow(clippy::cast_precision_loss)]
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `@@ -1,16 +1,17 @@` in the accent color, the enclosing function after it dimmed.
fn hunk_header(header: &str, theme: &Theme) -> Line<'static> {
    let header = one_line(header, 400);
    let split = header
        .get(2..)
        .and_then(|rest| rest.find("@@"))
        .map_or(header.len(), |i| i + 4);
    let (marks, context) = header.split_at(split.min(header.len()));
    Line::from(vec![
        Span::styled(marks.to_string(), Style::default().fg(theme.accent)),
        Span::styled(context.to_string(), Style::default().fg(theme.dim)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_read_naturally() {
        let cases = [
            (0, "0 B"),
            (812, "812 B"),
            (12_288, "12.0 KiB"),
            (3_355_443, "3.2 MiB"),
        ];
        for (n, want) in cases {
            assert_eq!(bytes(n), want, "{n}");
        }
    }

    #[test]
    fn tints_need_true_colors() {
        let green = Color::Rgb(0x3f, 0xb9, 0x50);
        assert_eq!(
            tint(green, Color::Rgb(0x16, 0x1b, 0x22)),
            Some(Color::Rgb(0x1f, 0x3d, 0x2c))
        );
        assert_eq!(tint(green, Color::Reset), None);
        assert_eq!(tint(Color::Green, Color::Rgb(0, 0, 0)), None);
    }
}

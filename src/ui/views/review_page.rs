//! The review page's content: the refusal banner, then goal, checks, timeline, incidents and
//! redirect notes in one column and the changed files and placeholders in the other, as
//! lines to scroll through. Child text is sanitized on the way in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::diff_lines::status_style;
use super::{mark_glyph, truncate, truncate_left, wrap};
use crate::ui::board::model::IterMark;
use crate::ui::review::ReviewState;
use crate::ui::theme::Theme;
use andon_core::sanitize::{one_line, printable};

/// Two columns from this inner width on.
const TWO_COLUMNS_FROM: usize = 100;

/// The styles the page is built with; plain ones when only its length matters.
#[derive(Default)]
pub(super) struct Styles<'a> {
    heading: Style,
    pub(super) dim: Style,
    pass: Style,
    fail: Style,
    warn: Style,
    text: Style,
    theme: Option<&'a Theme>,
}

impl<'a> Styles<'a> {
    pub(super) fn plain() -> Styles<'a> {
        Styles::default()
    }

    pub(super) fn of(theme: &'a Theme) -> Styles<'a> {
        Styles {
            heading: Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            dim: Style::default().fg(theme.dim),
            pass: Style::default().fg(theme.mark_pass),
            fail: Style::default()
                .fg(theme.mark_fail)
                .add_modifier(Modifier::BOLD),
            warn: Style::default()
                .fg(theme.lamps.yellow)
                .add_modifier(Modifier::BOLD),
            text: Style::default().fg(theme.foreground),
            theme: Some(theme),
        }
    }
}

/// The page as rows: the banner across the width, then both columns side by side (or one
/// after the other when narrow).
pub(super) struct Page {
    banner: Vec<Line<'static>>,
    left: Vec<Line<'static>>,
    right: Vec<Line<'static>>,
    columns: Option<usize>,
}

impl Page {
    pub(super) fn len(&self) -> usize {
        let body = match self.columns {
            Some(_) => self.left.len().max(self.right.len()),
            None => self.left.len() + self.right.len(),
        };
        self.banner.len() + body
    }
}

pub(super) fn page(state: &ReviewState, s: &Styles, width: usize) -> Page {
    let columns = (width >= TWO_COLUMNS_FROM).then_some((width - 3) / 2);
    let column = columns.unwrap_or(width);
    let m = &state.model;
    let mut banner = Vec::new();
    // A gate that cannot be overridden here is the footer's to explain (it offers no choice).
    if let Some(gate) = m.gate.as_ref().filter(|g| g.overridable) {
        let text = format!(
            "✗ Approval refused: {}. A approves anyway, with a reason that is audited.",
            one_line(&gate.why, 600)
        );
        for line in wrap(&text, width, 8) {
            banner.push(Line::styled(line, s.fail));
        }
        banner.push(Line::default());
    }
    reviewers(&mut banner, &m.opinions, m.state, s, width);
    let mut left = Vec::new();
    left.push(Line::styled("Goal", s.heading));
    for line in wrap(&printable(&m.goal, true), column.saturating_sub(2), 12) {
        left.push(Line::styled(format!("  {line}"), s.text));
    }
    left.push(Line::default());
    checks(&mut left, state, s, column);
    left.push(Line::default());
    timeline(&mut left, state, s);
    left.push(Line::default());
    bullets(&mut left, "Incidents", &m.incidents, s, column);
    left.push(Line::default());
    bullets(&mut left, "Redirect notes", &m.notes, s, column);
    let mut right = Vec::new();
    changes(&mut right, state, s, column);
    right.push(Line::default());
    placeholders(&mut right, state, s, column);
    if columns.is_none() {
        left.push(Line::default());
    }
    Page {
        banner,
        left,
        right,
        columns,
    }
}

/// Several reviewers' answers side by side, each under its verdict, so a human sees both
/// sides of a split at once.
fn reviewers(
    out: &mut Vec<Line<'static>>,
    opinions: &[andon_core::reviewer::Opinion],
    state: andon_core::state::State,
    s: &Styles,
    width: usize,
) {
    if opinions.is_empty() {
        return;
    }
    let agree = opinions.iter().all(|o| o.approved) || opinions.iter().all(|o| !o.approved);
    let (said, style) = match (agree, state) {
        (true, _) => ("  they agree", s.dim),
        (false, andon_core::state::State::Stopped) => (
            "  they disagree: resume takes it to approval, redirect has it fixed",
            s.warn,
        ),
        (false, _) => ("  they disagreed; a human took it on", s.dim),
    };
    out.push(Line::from(vec![
        Span::styled("Reviewers", s.heading),
        Span::styled(said, style),
    ]));
    let n = opinions.len();
    let column = (width.saturating_sub(2 + 3 * (n - 1)) / n).max(10);
    let columns: Vec<Vec<(String, Style)>> = opinions
        .iter()
        .map(|o| {
            let (verdict, style) = if o.approved {
                ("APPROVE", s.pass)
            } else {
                ("REJECT", s.fail)
            };
            let mut lines = vec![(
                truncate(&format!("{} — {verdict}", o.reviewer), column),
                style,
            )];
            let reasons = printable(&o.reasons, true);
            lines.extend(wrap(&reasons, column, 6).into_iter().map(|l| (l, s.text)));
            lines
        })
        .collect();
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    for row in 0..rows {
        let mut spans = vec![Span::raw("  ")];
        for (i, col) in columns.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" │ ", s.dim));
            }
            let (text, style) = col.get(row).cloned().unwrap_or_default();
            let pad = column.saturating_sub(text.chars().count());
            spans.push(Span::styled(format!("{text}{}", " ".repeat(pad)), style));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::default());
}

fn checks(out: &mut Vec<Line<'static>>, state: &ReviewState, s: &Styles, width: usize) {
    let checks = &state.model.last_checks;
    let passed = checks.iter().filter(|c| c.passed).count();
    out.push(Line::from(vec![
        Span::styled("Checks", s.heading),
        Span::styled(
            format!("  {passed}/{} pass in the last iteration", checks.len()),
            s.dim,
        ),
    ]));
    if checks.is_empty() {
        out.push(Line::styled("  no check has run", s.dim));
    }
    let name_width = checks
        .iter()
        .map(|c| one_line(&c.name, 40).chars().count())
        .max()
        .unwrap_or(0);
    for c in checks {
        let (mark, style) = if c.passed {
            ("✓", s.pass)
        } else {
            ("✗", s.fail)
        };
        let exit = c
            .exit_code
            .map_or_else(|| "killed".to_string(), |code| format!("exit {code}"));
        out.push(Line::from(vec![
            Span::styled(format!("  {mark} "), style),
            Span::styled(format!("{:<name_width$}", one_line(&c.name, 40)), s.text),
            Span::styled(format!("  {exit:<8}{:>7}", seconds(c.duration_ms)), s.dim),
        ]));
    }
    // What the checks said before the loop changed anything: its starting point.
    if let Some(baseline) = &state.model.baseline {
        let text = format!("before any change: {}", one_line(baseline, 300));
        for line in wrap(&text, width.saturating_sub(2), 3) {
            out.push(Line::styled(format!("  {line}"), s.dim));
        }
    }
}

/// `41.2s`, `3m05s`.
fn seconds(ms: u64) -> String {
    if ms < 60_000 {
        format!("{}.{}s", ms / 1000, ms % 1000 / 100)
    } else {
        format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000)
    }
}

fn timeline(out: &mut Vec<Line<'static>>, state: &ReviewState, s: &Styles) {
    let timeline = &state.model.timeline;
    out.push(Line::from(vec![
        Span::styled("Timeline", s.heading),
        Span::styled(
            match timeline.len() {
                1 => "  1 iteration".to_string(),
                n => format!("  {n} iterations"),
            },
            s.dim,
        ),
    ]));
    for it in timeline {
        let mark = match it.status.as_str() {
            "passed" => IterMark::Passed,
            "failed" | "stopped" => IterMark::Failed,
            "planned" => IterMark::Planned,
            "cancelled" => IterMark::Cancelled,
            "interrupted" => IterMark::Interrupted,
            _ => IterMark::Running,
        };
        let glyph = match &s.theme {
            Some(theme) => mark_glyph(mark, theme),
            None => Span::raw("·"),
        };
        let mut spans = vec![
            Span::raw("  "),
            glyph,
            Span::styled(format!(" #{:<3}", it.n), s.text),
            Span::styled(format!("{:<6}", one_line(&it.mode, 6)), s.dim),
            Span::styled(format!(" {:<12}", one_line(&it.status, 12)), s.text),
        ];
        if let Some((passed, run)) = it.checks {
            let style = if passed == run { s.pass } else { s.fail };
            spans.push(Span::styled(format!("✓{passed}/{run} "), style));
        }
        if let Some(category) = &it.category {
            let label = andon_core::failure::classify::Category::label_of(category);
            spans.push(Span::styled(format!(" {}", one_line(label, 24)), s.text));
        }
        if let Some(fp) = &it.fingerprint {
            spans.push(Span::styled(format!("  {}", one_line(fp, 12)), s.dim));
        }
        out.push(Line::from(spans));
    }
}

fn bullets(out: &mut Vec<Line<'static>>, title: &str, items: &[String], s: &Styles, width: usize) {
    out.push(Line::styled(title.to_string(), s.heading));
    if items.is_empty() {
        out.push(Line::styled("  none", s.dim));
    }
    for item in items {
        // An item that starts with "↳ " belongs to the one above it (an incident's Seen
        // before): indented under it, without a bullet of its own.
        let (text, first, rest) = match item.strip_prefix("↳ ") {
            Some(sub) => (printable(sub, true), "    ↳ ", "      "),
            None => (printable(item, true), "  • ", "    "),
        };
        let indent = rest.chars().count();
        for (i, line) in wrap(&text, width.saturating_sub(indent), 6)
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { first } else { rest };
            out.push(Line::styled(format!("{lead}{line}"), s.text));
        }
    }
}

fn changes(out: &mut Vec<Line<'static>>, state: &ReviewState, s: &Styles, width: usize) {
    let m = &state.model;
    let files = if m.stat.files == 1 { "file" } else { "files" };
    out.push(Line::from(vec![
        Span::styled("Changes", s.heading),
        Span::styled(format!("  {} {files} ", m.stat.files), s.dim),
        Span::styled(format!("+{}", m.stat.added), s.pass),
        Span::styled(format!(" -{}", m.stat.removed), s.fail),
    ]));
    for f in &m.files {
        let counts = if f.binary {
            "bin".to_string()
        } else {
            format!("+{} -{}", f.added, f.removed)
        };
        let path = match &f.old_path {
            Some(old) if *old != f.path => {
                format!("{} → {}", one_line(old, 200), one_line(&f.path, 200))
            }
            _ => one_line(&f.path, 400),
        };
        let room = width.saturating_sub(counts.len() + 6);
        let path = truncate_left(&path, room);
        let pad = room.saturating_sub(path.chars().count());
        let status = match &s.theme {
            Some(theme) => status_style(f.status, theme),
            None => Style::default(),
        };
        let mut spans = vec![
            Span::styled(format!("  {}", f.status.letter()), status),
            Span::styled(format!(" {path}{} ", " ".repeat(pad)), s.text),
        ];
        if f.binary {
            spans.push(Span::styled(counts, s.dim));
        } else {
            spans.push(Span::styled(format!("+{}", f.added), s.pass));
            spans.push(Span::styled(format!(" -{}", f.removed), s.fail));
        }
        out.push(Line::from(spans));
    }
}

fn placeholders(out: &mut Vec<Line<'static>>, state: &ReviewState, s: &Styles, width: usize) {
    let found = &state.model.placeholders;
    let count = match found.len() {
        0 => "  half-done work in added lines".to_string(),
        n => format!("  {n} in added lines: half-done work?"),
    };
    out.push(Line::from(vec![
        Span::styled("Placeholders", s.heading),
        Span::styled(count, if found.is_empty() { s.dim } else { s.warn }),
    ]));
    if found.is_empty() {
        out.push(Line::styled("  ✓ none found", s.pass));
    }
    match state.model.unscanned {
        0 => {}
        1 => out.push(Line::styled("  1 binary or large file not scanned", s.dim)),
        n => out.push(Line::styled(
            format!("  {n} binary or large files not scanned"),
            s.dim,
        )),
    }
    for p in found {
        let place = format!("{}:{}", one_line(&p.path, 200), p.line);
        let place = truncate_left(&place, width.saturating_sub(p.marker.len() + 6));
        out.push(Line::from(vec![
            Span::styled(format!("  ⚠ {place}  "), s.warn),
            Span::styled(p.marker, s.warn),
        ]));
        out.push(Line::styled(
            format!(
                "    {}",
                truncate(&one_line(&p.text, 400), width.saturating_sub(4))
            ),
            s.dim,
        ));
    }
}

pub(super) fn draw_page_row(buf: &mut Buffer, body: Rect, y: u16, page: &Page, i: usize) {
    if let Some(line) = page.banner.get(i) {
        buf.set_line(body.x, y, line, body.width);
        return;
    }
    let r = i - page.banner.len();
    match page.columns {
        Some(column) => {
            let column = u16::try_from(column).unwrap_or(body.width);
            if let Some(line) = page.left.get(r) {
                buf.set_line(body.x, y, line, column);
            }
            if let Some(line) = page.right.get(r) {
                let x = body.x + column + 3;
                buf.set_line(x, y, line, body.right().saturating_sub(x));
            }
        }
        None => {
            let line = if r < page.left.len() {
                page.left.get(r)
            } else {
                page.right.get(r - page.left.len())
            };
            if let Some(line) = line {
                buf.set_line(body.x, y, line, body.width);
            }
        }
    }
}

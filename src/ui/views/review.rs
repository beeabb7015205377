//! The review screen: what a human weighs before approving a loop, as one scrollable page
//! (a refusal banner, then goal, checks, timeline, incidents and notes beside the changed
//! files and the placeholders left in them), over a fixed footer of approval choices.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use super::diff_lines::status_style;
use super::{lamp_spans, mark_glyph, split_status, truncate, truncate_left, wrap};
use crate::core::sanitize::{one_line, printable};
use crate::ui::keymap::{join_keys, Action, Keymap, Mode};
use crate::ui::model::{BoardModel, IterMark};
use crate::ui::review::{PageGeometry, ReviewChoice, ReviewState};
use crate::ui::theme::Theme;

/// Two columns from this inner width on.
const TWO_COLUMNS_FROM: usize = 100;
/// The footer: a border, the choices, what happens, a border.
const FOOTER: u16 = 4;

struct Areas {
    header: Rect,
    block: Rect,
    body: Rect,
    footer: Rect,
}

fn areas(area: Rect) -> Areas {
    let header = Rect {
        height: area.height.min(1),
        ..area
    };
    let footer_height = FOOTER.min(area.height.saturating_sub(1));
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
    let body = areas(screen).body;
    PageGeometry {
        rows: usize::from(body.height),
        len: page(state, &Styles::plain(), usize::from(body.width)).len(),
    }
}

/// The styles the page is built with; plain ones when only its length matters.
#[derive(Default)]
struct Styles<'a> {
    heading: Style,
    dim: Style,
    pass: Style,
    fail: Style,
    warn: Style,
    text: Style,
    theme: Option<&'a Theme>,
}

impl<'a> Styles<'a> {
    fn plain() -> Styles<'a> {
        Styles::default()
    }

    fn of(theme: &'a Theme) -> Styles<'a> {
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
struct Page {
    banner: Vec<Line<'static>>,
    left: Vec<Line<'static>>,
    right: Vec<Line<'static>>,
    columns: Option<usize>,
}

impl Page {
    fn len(&self) -> usize {
        let body = match self.columns {
            Some(_) => self.left.len().max(self.right.len()),
            None => self.left.len() + self.right.len(),
        };
        self.banner.len() + body
    }
}

fn page(state: &ReviewState, s: &Styles, width: usize) -> Page {
    let columns = (width >= TWO_COLUMNS_FROM).then_some((width - 3) / 2);
    let column = columns.unwrap_or(width);
    let m = &state.model;
    let mut banner = Vec::new();
    if let Some(gate) = &m.gate {
        let how = if gate.overridable {
            "A approves anyway, with a reason that is audited."
        } else {
            "It cannot be overridden here."
        };
        let text = format!("✗ Approval refused: {}. {how}", one_line(&gate.why, 200));
        for line in wrap(&text, width, 3) {
            banner.push(Line::styled(line, s.fail));
        }
        banner.push(Line::default());
    }
    let mut left = Vec::new();
    left.push(Line::styled("Goal", s.heading));
    for line in wrap(&printable(&m.goal, true), column.saturating_sub(2), 12) {
        left.push(Line::styled(format!("  {line}"), s.text));
    }
    left.push(Line::default());
    checks(&mut left, state, s);
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

fn checks(out: &mut Vec<Line<'static>>, state: &ReviewState, s: &Styles) {
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
        Span::styled(format!("  {} iterations", timeline.len()), s.dim),
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
            spans.push(Span::styled(format!(" {}", one_line(category, 24)), s.text));
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
        let text = printable(item, true);
        for (i, line) in wrap(&text, width.saturating_sub(4), 6)
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { "  • " } else { "    " };
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
    let a = areas(area);
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
        format!("  review · {}", one_line(&m.state, 30)),
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

fn draw_page_row(buf: &mut Buffer, body: Rect, y: u16, page: &Page, i: usize) {
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

/// The approval choices from the keymap, the chosen one inverse under a gate, and a line on
/// what happens next.
fn footer(buf: &mut Buffer, area: Rect, state: &ReviewState, theme: &Theme, keymap: &Keymap) {
    let m = &state.model;
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
    let key = |action| {
        Span::styled(
            join_keys(&keymap.keys_in(Mode::Review, action)),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        )
    };
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
    let base = one_line(&m.base, 30);
    let mut spans = vec![
        Span::raw(" "),
        key(Action::Merge),
        Span::styled(
            format!(" merge into {base}"),
            chosen(ReviewChoice::Merge { squash: false }),
        ),
        Span::raw("   "),
        key(Action::SquashMerge),
        Span::styled(
            " squash-merge",
            chosen(ReviewChoice::Merge { squash: true }),
        ),
        Span::raw("   "),
        key(Action::KeepBranch),
        Span::styled(" keep branch", chosen(ReviewChoice::Branch)),
        Span::raw("   "),
        key(Action::PrBody),
        Span::styled(" write PR body", chosen(ReviewChoice::Pr { gh: state.gh })),
    ];
    if m.gh_available {
        let check = if state.gh { "[x]" } else { "[ ]" };
        spans.push(Span::styled(
            format!("  {check} "),
            Style::default().fg(theme.foreground),
        ));
        spans.push(key(Action::ToggleGh));
        spans.push(Span::styled(
            " also gh pr create",
            Style::default().fg(theme.dim),
        ));
    }
    buf.set_line(inner.x, inner.y, &Line::from(spans), inner.width);
    if inner.height < 2 {
        return;
    }
    let dim = Style::default().fg(theme.dim);
    let next = match &m.gate {
        None => vec![Span::styled(
            " Each choice is spelled out and confirmed before it happens; the approval is audited.",
            dim,
        )],
        Some(gate) if gate.overridable => vec![
            Span::raw(" "),
            key(Action::ApproveAnyway),
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
    buf.set_line(inner.x, inner.y + 1, &Line::from(next), inner.width);
}

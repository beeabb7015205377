//! Test helpers: fixture boards, a recognizable pane filler and a readable dump of styles.

use std::fmt::Write as _;

use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::Terminal;

use super::draw;
use crate::ui::board::model::fixtures::card;
use crate::ui::board::model::{Badge, BoardModel, IterMark, Lamp, LoopCard};
use crate::ui::keys::keymap::{KeyChord, Keymap};
use crate::ui::theme::Theme;

const NAMES: [&str; 17] = [
    "api-auth",
    "pricing",
    "search-index",
    "billing-fix",
    "docs-site",
    "cache-layer",
    "ui-refresh",
    "migrations",
    "perf-tune",
    "i18n",
    "rate-limit",
    "audit-log",
    "csv-export",
    "sso-login",
    "webhooks",
    "dark-mode",
    "retry-queue",
];

/// Loop `i` of the fixture board: lamps, badges and strips vary with `i`.
pub fn fixture_card(i: usize) -> LoopCard {
    use IterMark::*;
    let lamp = Lamp::ALL[i % Lamp::ALL.len()];
    let mut c = card(NAMES[i % NAMES.len()], lamp);
    let n = u32::try_from(i).unwrap_or(0);
    c.title = format!("Plan {}", i + 1);
    c.iteration = 2 + n % 7;
    c.elapsed_ms = 61_000 * i64::from(n + 1) + 3_000;
    c.last_checks = Some((2 - n % 3 / 2, 2 + n % 2));
    let (badge, state, reason, marks): (_, _, _, &[IterMark]) = match lamp {
        Lamp::Green => (None, "running", None, &[Passed, Passed, Running]),
        Lamp::Yellow => (
            Some(Badge::Repeating),
            "running",
            Some("same failure twice: test_failure"),
            &[Passed, Failed, Failed, Running],
        ),
        Lamp::Red => (
            Some(Badge::Stopped),
            "stopped",
            Some("same failure 3 times (Insanity Rule): redirect it"),
            &[Passed, Failed, Failed, Failed, Interrupted],
        ),
        Lamp::Magenta => (
            Some(Badge::MetaAndon),
            "meta_andon",
            None,
            &[Failed, Failed, Failed, Planned],
        ),
        Lamp::Blue => (
            Some(Badge::AwaitingApproval),
            "awaiting_approval",
            None,
            &[Failed, Passed, Passed],
        ),
        Lamp::Gray => (None, "aborted", None, &[Passed, Cancelled]),
    };
    c.badge = badge;
    c.state = andon_core::state::State::parse(state).expect("a state name");
    c.reason = reason.map(String::from);
    c.marks = marks.to_vec();
    c.consecutive_failures = u32::try_from(
        c.marks
            .iter()
            .rev()
            .skip_while(|m| !matches!(m, Passed | Failed))
            .take_while(|m| **m == Failed)
            .count(),
    )
    .unwrap_or(0);
    c
}

pub fn board(n: usize) -> BoardModel {
    BoardModel {
        loops: (0..n).map(fixture_card).collect(),
        selected: 0,
        repo: "shop".into(),
        supervisor: "supervising".into(),
        ..BoardModel::default()
    }
}

pub fn keymap() -> Keymap {
    Keymap::default_keymap(KeyChord::ctrl('g'))
}

/// Fills a pane with its loop's name and size, so a snapshot shows where each screen goes.
pub fn fill_pane(model: &BoardModel) -> impl FnMut(usize, Rect, &mut Buffer) + '_ {
    move |i, inner, buf| {
        let name = &model.loops[i].name;
        for dy in 0..inner.height {
            let text = if dy == 0 {
                format!("{name} {}x{}", inner.width, inner.height)
            } else {
                format!("{name} ").repeat(usize::from(inner.width))
            };
            buf.set_stringn(
                inner.x,
                inner.y + dy,
                text,
                usize::from(inner.width),
                Style::default(),
            );
        }
    }
}

pub fn render_with(
    model: &BoardModel,
    theme: &Theme,
    keymap: &Keymap,
    width: u16,
    height: u16,
) -> Terminal<TestBackend> {
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).unwrap_or_else(|e| match e {});
    let mut panes = fill_pane(model);
    terminal
        .draw(|frame| draw(frame, model, theme, keymap, &mut panes))
        .unwrap_or_else(|e| match e {});
    terminal
}

pub fn render(model: &BoardModel, width: u16, height: u16) -> Terminal<TestBackend> {
    let theme = Theme::builtin("default").unwrap_or_else(|| panic!("default theme"));
    render_with(model, &theme, &keymap(), width, height)
}

pub fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

fn color(c: Color) -> String {
    match c {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => format!("i{i}"),
        other => format!("{other:?}").to_lowercase(),
    }
}

fn style_label(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut label = format!("fg {} bg {}", color(fg), color(bg));
    if !modifier.is_empty() {
        let _ = write!(label, " {modifier:?}");
    }
    label
}

/// Each row's text, then its runs of equal style as `from-to fg .. bg .. MODIFIERS` (or
/// "styles as above" when they repeat the previous row's).
pub fn styled_dump(buf: &Buffer) -> String {
    let mut out = String::new();
    let area = buf.area;
    let mut previous: Option<Vec<(u16, u16, String)>> = None;
    for y in area.top()..area.bottom() {
        let mut row = String::new();
        let mut runs: Vec<(u16, u16, String)> = Vec::new();
        for x in area.left()..area.right() {
            let cell = &buf[(x, y)];
            row.push_str(cell.symbol());
            let label = style_label(cell.fg, cell.bg, cell.modifier);
            match runs.last_mut() {
                Some((_, end, last)) if *last == label => *end = x,
                _ => runs.push((x, x, label)),
            }
        }
        let _ = writeln!(out, "{y:>2} |{row}|");
        if previous.as_ref() == Some(&runs) {
            let _ = writeln!(out, "     styles as above");
        } else {
            for (from, to, label) in &runs {
                let _ = writeln!(out, "     {from:>3}-{to:<3} {label}");
            }
        }
        previous = Some(runs);
    }
    out
}

//! The Kaizen board: the line's metrics, bar charts of incidents per category, iterations to
//! green per loop and the learning per week (failures repeating another loop's, and Seen
//! before followed by green), over the list of incident groups with their prevention level
//! and status.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Widget};

use super::title::elapsed;
use crate::ui::kaizen::view::KaizenState;
use crate::ui::theme::Theme;
use andon_core::kaizen::{one_decimal, percent, KaizenItem, KaizenStatus, Metrics};
use andon_core::sanitize::one_line;

pub(super) fn draw(buf: &mut Buffer, area: Rect, state: &KaizenState, theme: &Theme) {
    if area.height < 10 || area.width < 40 {
        return;
    }
    let base = Style::default().fg(theme.foreground).bg(theme.background);
    let title = Style::default()
        .fg(theme.title)
        .add_modifier(Modifier::BOLD);
    let metric_lines = metric_rows(
        &state.report.metrics,
        usize::from(area.width.saturating_sub(2)),
    )
    .len();
    let [header, metrics, charts, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::try_from(metric_lines).unwrap_or(1) + 2),
        Constraint::Length(9),
        Constraint::Min(3),
    ])
    .areas(area);
    let r = &state.report;
    Line::from(vec![
        Span::styled(" Kaizen", title),
        Span::styled(
            format!(
                "  {} incident groups · every incident becomes a standard prevention",
                r.items.len()
            ),
            base.fg(theme.dim),
        ),
    ])
    .render(header, buf);
    draw_metrics(buf, metrics, &r.metrics, theme);
    let [left, right, weekly] = Layout::horizontal([
        Constraint::Percentage(34),
        Constraint::Percentage(33),
        Constraint::Percentage(33),
    ])
    .areas(charts);
    let block = |name: &'static str| {
        Block::bordered()
            .border_style(Style::default().fg(theme.border))
            .title(Span::styled(name, title))
    };
    let categories: Vec<Bar> = r
        .by_category
        .iter()
        .map(|(c, n)| {
            Bar::default()
                .value(*n as u64)
                .label(Line::from(short(c)))
                .style(Style::default().fg(theme.lamps.red))
                .value_style(base.fg(theme.background).bg(theme.lamps.red))
        })
        .collect();
    BarChart::default()
        .block(block(" incidents per category "))
        .data(BarGroup::default().bars(&categories))
        .bar_width(8)
        .bar_gap(1)
        .render(left, buf);
    let loops: Vec<Bar> = r
        .metrics
        .per_loop
        .iter()
        .filter_map(|l| {
            let n = l.iterations_to_green?;
            Some(
                Bar::default()
                    .value(u64::from(n))
                    .label(Line::from(one_line(&l.name, 8)))
                    .style(Style::default().fg(theme.lamps.green))
                    .value_style(base.fg(theme.background).bg(theme.lamps.green)),
            )
        })
        .collect();
    // A narrow board keeps every title whole by dropping its last words.
    let to_green = fitting(
        " iterations to green per loop ",
        " iterations to green ",
        right.width,
    );
    let chart = BarChart::default()
        .block(block(to_green))
        .bar_width(8)
        .bar_gap(1);
    if loops.is_empty() {
        let inner = block(to_green).inner(right);
        block(to_green).render(right, buf);
        Paragraph::new(Span::styled(
            "no loop has gone green yet",
            base.fg(theme.dim),
        ))
        .render(inner, buf);
    } else {
        chart
            .data(BarGroup::default().bars(&loops))
            .render(right, buf);
    }
    draw_learning(buf, weekly, &r.metrics, theme);
    draw_list(buf, list, state, theme);
}

/// Week by week, two bars: the share of failures that repeated another loop's (yellow) and
/// the share of Seen before followed by green (green); the newest weeks that fit.
fn draw_learning(buf: &mut Buffer, area: Rect, m: &Metrics, theme: &Theme) {
    let base = Style::default().fg(theme.foreground).bg(theme.background);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    // The title is the legend: each word in its bars' color.
    let block = Block::bordered()
        .border_style(Style::default().fg(theme.border))
        .title(Line::from(vec![
            Span::styled(" repeats", bold.fg(theme.lamps.yellow)),
            Span::styled(" · ", bold.fg(theme.title)),
            Span::styled("seen→green", bold.fg(theme.lamps.green)),
            Span::styled(
                fitting(" per week ", " ", area.width.saturating_sub(22)),
                bold.fg(theme.title),
            ),
        ]));
    let inner = block.inner(area);
    block.render(area, buf);
    let weeks = &m.learning.weekly;
    if weeks.is_empty() {
        Paragraph::new(Span::styled("no failure yet", base.fg(theme.dim))).render(inner, buf);
        return;
    }
    // A week is two 3-wide bars and a gap: its `MM-DD` label fits under it.
    let fit = usize::from(inner.width / 7).max(1);
    let bar = |rate: Option<f64>, color| {
        let value = rate.map_or(0, |r| (r * 100.0).round() as u64);
        Bar::default()
            .value(value)
            .text_value(rate.map_or("—".to_string(), |_| value.to_string()))
            .style(Style::default().fg(color))
            .value_style(base.fg(theme.background).bg(color))
    };
    let mut chart = BarChart::default()
        .bar_width(3)
        .bar_gap(0)
        .group_gap(1)
        .max(100);
    for w in weeks.iter().skip(weeks.len().saturating_sub(fit)) {
        chart = chart.data(
            BarGroup::default()
                .label(Line::from(crate::wiki::date::utc_md(w.week_start)))
                .bars(&[
                    bar(w.repeat_rate(), theme.lamps.yellow),
                    bar(w.then_green_rate(), theme.lamps.green),
                ]),
        );
    }
    chart.render(inner, buf);
}

/// `long` when it fits a box `width` wide, else `short`.
fn fitting<'a>(long: &'a str, short: &'a str, width: u16) -> &'a str {
    if long.chars().count() + 2 <= usize::from(width) {
        long
    } else {
        short
    }
}

fn short(category: &str) -> String {
    match category {
        "test_failure" => "test".into(),
        "build_error" => "build".into(),
        "lint_failure" => "lint".into(),
        "environment" => "env".into(),
        "agent_error" => "agent".into(),
        "guard_violation" => "guard".into(),
        other => one_line(other, 8),
    }
}

/// The metrics as `label value` pairs in one box, as many to a row as fit (a pair is never
/// split), so no label is cut at any width.
fn metric_rows(m: &Metrics, width: usize) -> Vec<Vec<(&'static str, String)>> {
    let cells = [
        ("loops", format!("{} ({} ended)", m.loops, m.loops_ended)),
        (
            "iterations to green",
            one_decimal(m.mean_iterations_to_green),
        ),
        (
            "mean time to green",
            m.mean_time_to_green_ms
                .map_or("—".to_string(), |t| elapsed(t as i64)),
        ),
        (
            "autonomous completion",
            percent(m.autonomous_completion_rate),
        ),
        (
            "interventions / loop",
            one_decimal(m.interventions_per_loop),
        ),
        ("repeat failures", percent(m.learning.repeat_failure_rate)),
        (
            "seen before → green",
            percent(m.learning.seen_before_then_green_rate),
        ),
    ];
    let mut rows: Vec<Vec<(&'static str, String)>> = vec![Vec::new()];
    let mut used = 0;
    for (label, value) in cells {
        let w = label.chars().count() + 1 + value.chars().count() + 4;
        if used > 0 && used + w > width {
            rows.push(Vec::new());
            used = 0;
        }
        used += w;
        rows.last_mut()
            .into_iter()
            .for_each(|r| r.push((label, value.clone())));
    }
    rows
}

fn draw_metrics(buf: &mut Buffer, area: Rect, m: &Metrics, theme: &Theme) {
    let block = Block::bordered()
        .border_style(Style::default().fg(theme.border))
        .title(Span::styled(" metrics ", Style::default().fg(theme.dim)));
    let inner = block.inner(area);
    block.render(area, buf);
    let value_style = Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD);
    let label_style = Style::default().fg(theme.dim);
    for (y, row) in (inner.y..inner.bottom()).zip(metric_rows(m, usize::from(inner.width))) {
        let mut spans = Vec::new();
        for (label, value) in row {
            spans.push(Span::styled(format!(" {label} "), label_style));
            spans.push(Span::styled(value, value_style));
            spans.push(Span::raw("   "));
        }
        buf.set_line(inner.x, y, &Line::from(spans), inner.width);
    }
}

fn status_color(status: KaizenStatus, theme: &Theme) -> ratatui::style::Color {
    match status {
        KaizenStatus::Open => theme.lamps.yellow,
        KaizenStatus::Doing => theme.lamps.blue,
        KaizenStatus::Done => theme.lamps.green,
        KaizenStatus::Dropped => theme.lamps.gray,
    }
}

fn draw_list(buf: &mut Buffer, area: Rect, state: &KaizenState, theme: &Theme) {
    let block = Block::bordered()
        .border_style(Style::default().fg(theme.border))
        .title(Span::styled(
            " incidents by category and fingerprint ",
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let items = &state.report.items;
    if items.is_empty() {
        Line::from(Span::styled(
            "no incidents recorded yet: every failed iteration will show up here",
            Style::default().fg(theme.dim),
        ))
        .render(inner, buf);
        return;
    }
    let head = Style::default().fg(theme.dim).add_modifier(Modifier::BOLD);
    Line::from(Span::styled(
        format!(
            " {:<8}  {:<15}  {:>5}  {:<16}  {:<7}  {:<16}  summary",
            "id", "category", "count", "level", "status", "loops"
        ),
        head,
    ))
    .render(Rect { height: 1, ..inner }, buf);
    let rows = usize::from(inner.height.saturating_sub(1));
    let top = state.selected.saturating_sub(rows.saturating_sub(1));
    for (i, item) in items.iter().enumerate().skip(top).take(rows) {
        let y = inner.y + 1 + (i - top) as u16;
        let row = Rect {
            y,
            height: 1,
            ..inner
        };
        draw_item(buf, row, item, i == state.selected, theme);
    }
}

fn draw_item(buf: &mut Buffer, row: Rect, item: &KaizenItem, selected: bool, theme: &Theme) {
    let mut base = Style::default().fg(theme.foreground);
    if selected {
        base = base.add_modifier(Modifier::REVERSED);
        buf.set_style(row, base);
    }
    let (level, level_style) = match item.level {
        Some(l) => (format!("{} {}", l.as_str(), l.label()), base),
        None => (
            format!("{} {}?", item.suggested.as_str(), item.suggested.label()),
            base.fg(theme.dim).add_modifier(Modifier::ITALIC),
        ),
    };
    let width = usize::from(row.width);
    let line = Line::from(vec![
        Span::styled(format!(" {:<8}  ", item.id()), base.fg(theme.accent)),
        Span::styled(
            format!(
                "{:<15}  ",
                one_line(
                    andon_core::failure::classify::Category::label_of(&item.category),
                    15
                )
            ),
            base,
        ),
        Span::styled(
            format!("{:>5}  ", item.count),
            base.add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("{:<16}  ", one_line(&level, 16)), level_style),
        Span::styled(
            format!("{:<7}  ", item.status.as_str()),
            base.fg(status_color(item.status, theme)),
        ),
        Span::styled(
            format!("{:<16}  ", one_line(&item.loops.join(","), 16)),
            base,
        ),
    ]);
    // What was adopted for it comes first, in green: the incident became standard work.
    let mut line = line;
    let room = width.saturating_sub(80).max(10);
    match item.adopted.last() {
        Some(standard) => {
            let standard = one_line(&format!("✓ {standard}"), room);
            let rest = room.saturating_sub(standard.chars().count() + 3);
            line.spans
                .push(Span::styled(standard, base.fg(theme.lamps.green)));
            if rest > 8 {
                line.spans.push(Span::styled(
                    format!(" · {}", one_line(&item.summary, rest)),
                    base,
                ));
            }
        }
        None => line
            .spans
            .push(Span::styled(one_line(&item.summary, room), base)),
    }
    line.render(row, buf);
}

//! A pane's title line (lamp, name, iteration, failures, elapsed, checks, badge) and its
//! iteration strip, both fitted to the width they get.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{lamp_spans, truncate};
use crate::ui::board::model::{IterMark, Lamp, LoopCard};
use crate::ui::theme::Theme;

/// Elapsed time as the board shows it: `45s`, `12m03s`, `3h07m`, `2d04h`.
pub fn elapsed(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// The strip's glyph and color for one iteration. Shapes differ as well as colors, so a pass
/// and a fail stay apart for color-blind eyes and under NO_COLOR.
pub fn mark_glyph(mark: IterMark, theme: &Theme) -> Span<'static> {
    let (glyph, style) = match mark {
        IterMark::Passed => ("■", Style::default().fg(theme.mark_pass)),
        IterMark::Failed => (
            "✗",
            Style::default()
                .fg(theme.mark_fail)
                .add_modifier(Modifier::BOLD),
        ),
        IterMark::Planned => ("◆", Style::default().fg(theme.lamp(Lamp::Magenta))),
        IterMark::Cancelled => ("-", Style::default().fg(theme.mark_other)),
        IterMark::Interrupted => ("!", Style::default().fg(theme.mark_other)),
        IterMark::Running => ("▸", Style::default().fg(theme.accent)),
    };
    Span::styled(glyph, style)
}

/// One piece of the title line; lower `keep` survives longer when space runs out.
struct Segment {
    keep: u8,
    spans: Vec<Span<'static>>,
    /// A shorter form tried before the segment is dropped.
    short: Option<Vec<Span<'static>>>,
}

impl Segment {
    fn new(keep: u8, spans: Vec<Span<'static>>) -> Self {
        Segment {
            keep,
            spans,
            short: None,
        }
    }

    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

/// The title line for `card` in at most `width` columns, padded by a space on each side.
///
/// Segments are dropped least important first (plan title, state, elapsed, diffstat — first
/// shortened to `+a -r` —, checks, failures, iteration, badge); the lamp and the loop's name
/// always stay, the name cut with `…`. The state word is left out when a badge says it.
/// The last checks' count and the baseline's, each green when all passed.
fn checks_segments(card: &LoopCard, theme: &Theme) -> Vec<Segment> {
    let dim = Style::default().fg(theme.dim);
    let mut out = Vec::new();
    if let Some((passed, run)) = card.last_checks {
        let color = if passed == run {
            theme.mark_pass
        } else {
            theme.mark_fail
        };
        out.push(Segment::new(
            4,
            vec![Span::styled(
                format!("✓{passed}/{run}"),
                Style::default().fg(color),
            )],
        ));
    }
    // Where the loop started: its checks before any change (the first to go when narrow).
    if let Some((passed, run)) = card.baseline {
        let color = if passed == run {
            theme.mark_pass
        } else {
            theme.mark_fail
        };
        out.push(Segment::new(
            7,
            vec![
                Span::styled("base ", dim),
                Span::styled(format!("{passed}/{run}"), Style::default().fg(color)),
            ],
        ));
    }
    out
}

pub fn title_line(card: &LoopCard, theme: &Theme, width: usize, selected: bool) -> Line<'static> {
    let name_style = Style::default()
        .fg(if selected {
            theme.border_selected
        } else {
            theme.title
        })
        .add_modifier(Modifier::BOLD);
    let dim = Style::default().fg(theme.dim);
    let mut segments = vec![
        Segment::new(0, lamp_spans(card.lamp, theme)),
        Segment::new(0, vec![Span::styled(card.name.clone(), name_style)]),
    ];
    let iteration = if card.max_iterations > 0 {
        format!("{}/{}", card.iteration, card.max_iterations)
    } else {
        card.iteration.to_string()
    };
    segments.push(Segment::new(
        2,
        vec![Span::styled(
            iteration,
            Style::default().fg(theme.foreground),
        )],
    ));
    if card.consecutive_failures > 0 {
        segments.push(Segment::new(
            3,
            vec![Span::styled(
                format!("✗{}", card.consecutive_failures),
                Style::default().fg(theme.mark_fail),
            )],
        ));
    }
    segments.push(Segment::new(
        6,
        vec![Span::styled(elapsed(card.elapsed_ms), dim)],
    ));
    segments.extend(checks_segments(card, theme));
    if let Some((files, added, removed)) = card.diffstat {
        let plus = Span::styled(format!("+{added}"), Style::default().fg(theme.mark_pass));
        let minus = Span::styled(format!(" -{removed}"), Style::default().fg(theme.mark_fail));
        segments.push(Segment {
            keep: 5,
            spans: vec![
                Span::styled(
                    format!("{files} file{} ", if files == 1 { "" } else { "s" }),
                    dim,
                ),
                plus.clone(),
                minus.clone(),
            ],
            short: Some(vec![plus, minus]),
        });
    }
    if let Some(badge) = card.badge {
        // REVERSED rather than a computed background: it stays inverse under NO_COLOR and on
        // a theme whose background is the terminal's default.
        let style = Style::default()
            .fg(theme.lamp(badge.lamp()))
            .bg(theme.background)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD);
        segments.push(Segment {
            keep: 1,
            spans: vec![Span::styled(format!(" {} ", badge.label()), style)],
            short: Some(vec![Span::styled(
                format!(" {} ", badge.short_label()),
                style,
            )]),
        });
    }
    // STOPPED, AWAITING APPROVAL and META-ANDON already say the state.
    use andon_core::state::State;
    let said = match card.badge {
        Some(crate::ui::board::model::Badge::Stopped) => Some(State::Stopped),
        Some(crate::ui::board::model::Badge::AwaitingApproval) => Some(State::AwaitingApproval),
        Some(crate::ui::board::model::Badge::MetaAndon) => Some(State::MetaAndon),
        _ => None,
    };
    if Some(card.state) != said {
        let state = card.state.label().to_string();
        segments.push(Segment::new(7, vec![Span::styled(state, dim)]));
    }
    if !card.title.is_empty() {
        segments.push(Segment::new(
            8,
            vec![Span::styled(format!("· {}", card.title), dim)],
        ));
    }
    fit(segments, width)
}

/// Drops segments until the line fits, then cuts the name.
fn fit(mut segments: Vec<Segment>, width: usize) -> Line<'static> {
    // One space between segments and one at each end.
    let total = |segs: &[Segment]| segs.iter().map(|s| s.width() + 1).sum::<usize>() + 1;
    while total(&segments) > width {
        let Some(drop) = segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.keep > 0)
            .max_by_key(|(i, s)| (s.keep, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        match segments[drop].short.take() {
            Some(short) => segments[drop].spans = short,
            None => {
                segments.remove(drop);
            }
        }
    }
    let over = total(&segments).saturating_sub(width);
    if over > 0 {
        if let Some(name) = segments.get_mut(1).and_then(|s| s.spans.first_mut()) {
            let room = name.width().saturating_sub(over);
            name.content = truncate(&name.content, room).into();
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for segment in segments {
        spans.extend(segment.spans);
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// The iteration strip in at most `width` columns: newest on the right, the oldest cut off
/// behind a `…` when they do not fit.
pub fn strip(marks: &[IterMark], theme: &Theme, width: usize) -> Line<'static> {
    if width == 0 || marks.is_empty() {
        return Line::default();
    }
    let (ellipsis, shown) = if marks.len() > width {
        (true, &marks[marks.len() - (width - 1)..])
    } else {
        (false, marks)
    };
    let mut spans = Vec::with_capacity(shown.len() + 1);
    if ellipsis {
        spans.push(Span::styled("…", Style::default().fg(theme.dim)));
    }
    spans.extend(shown.iter().map(|m| mark_glyph(*m, theme)));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::board::model::fixtures::card;
    use crate::ui::board::model::Badge;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn elapsed_formats() {
        let cases = [
            (-5, "0s"),
            (999, "0s"),
            (45_000, "45s"),
            (723_000, "12m03s"),
            (3_600_000, "1h00m"),
            (11_220_000, "3h07m"),
            (187_200_000, "2d04h"),
        ];
        for (ms, expected) in cases {
            assert_eq!(elapsed(ms), expected, "{ms}");
        }
    }

    #[test]
    fn title_drops_the_least_important_first() {
        let theme = Theme::builtin("default").unwrap();
        let mut c = card("api-auth", Lamp::Yellow);
        c.iteration = 3;
        c.consecutive_failures = 2;
        c.elapsed_ms = 723_000;
        c.last_checks = Some((2, 3));
        c.badge = Some(Badge::Repeating);
        c.title = "Auth tokens".into();
        let cases = [
            (
                80,
                " ● api-auth 3/10 ✗2 12m03s ✓2/3  REPEATING  running · Auth tokens ",
            ),
            (50, " ● api-auth 3/10 ✗2 12m03s ✓2/3  REPEATING  "),
            (40, " ● api-auth 3/10 ✗2 ✓2/3  REPEATING  "),
            (26, " ● api-auth  REPEATING  "),
            (21, " ● api-auth  REPEAT  "),
            (12, " ● api-auth "),
            (10, " ● api-a… "),
        ];
        for (width, expected) in cases {
            let line = title_line(&c, &theme, width, false);
            assert_eq!(text(&line), expected, "width {width}");
            assert!(line.width() <= width, "width {width}");
        }
    }

    #[test]
    fn the_baseline_shows_where_the_loop_started_and_goes_first() {
        let theme = Theme::builtin("default").unwrap();
        let mut c = card("pricing", Lamp::Green);
        c.iteration = 2;
        c.last_checks = Some((1, 1));
        c.baseline = Some((0, 1));
        let wide = text(&title_line(&c, &theme, 80, false));
        assert!(wide.contains("✓1/1 base 0/1"), "{wide}");
        let narrow = text(&title_line(&c, &theme, 24, false));
        assert!(!narrow.contains("base"), "{narrow}");
        assert!(narrow.contains("✓1/1"), "{narrow}");
    }

    #[test]
    fn the_diffstat_outlasts_the_plan_title_and_the_state() {
        let theme = Theme::builtin("default").unwrap();
        let mut c = card("api-auth", Lamp::Green);
        c.diffstat = Some((3, 42, 7));
        c.title = "Auth".into();
        let cases = [
            (60, " ● api-auth 1/10 0s 3 files +42 -7 running · Auth "),
            (46, " ● api-auth 1/10 0s 3 files +42 -7 running "),
            (36, " ● api-auth 1/10 0s 3 files +42 -7 "),
            (30, " ● api-auth 1/10 +42 -7 "),
        ];
        for (width, expected) in cases {
            let line = title_line(&c, &theme, width, false);
            assert_eq!(text(&line), expected, "width {width}");
        }
        // A badge that says the state replaces the state word.
        c.badge = Some(Badge::AwaitingApproval);
        c.state = andon_core::state::State::AwaitingApproval;
        let line = text(&title_line(&c, &theme, 80, false));
        assert_eq!(
            line,
            " ● api-auth 1/10 0s 3 files +42 -7  AWAITING APPROVAL  · Auth "
        );
        // The agent's screen asks a human: the badge says so while the state runs on.
        c.badge = Some(Badge::NeedsHuman);
        c.state = andon_core::state::State::Running;
        let line = text(&title_line(&c, &theme, 80, false));
        assert_eq!(
            line,
            " ● api-auth 1/10 0s 3 files +42 -7  NEEDS HUMAN  running · Auth "
        );
    }

    #[test]
    fn no_color_titles_name_the_lamp() {
        let theme = Theme::builtin("default").unwrap().no_color();
        let line = title_line(&card("a", Lamp::Red), &theme, 40, false);
        assert!(text(&line).starts_with(" ● red a 1/10"), "{}", text(&line));
    }

    #[test]
    fn strip_keeps_the_newest_on_the_right() {
        let theme = Theme::builtin("default").unwrap();
        use IterMark::*;
        let marks = [
            Passed,
            Failed,
            Failed,
            Planned,
            Cancelled,
            Interrupted,
            Running,
        ];
        assert_eq!(text(&strip(&marks, &theme, 10)), "■✗✗◆-!▸");
        assert_eq!(text(&strip(&marks, &theme, 4)), "…-!▸");
        assert_eq!(text(&strip(&marks, &theme, 0)), "");
    }
}

//! From the engine's board (LoopView) to the view model's cards: the UI shows snapshots, it
//! never reads the store or git itself.

use crate::ui::board::model::{IterMark, LoopCard};
use crate::ui::port::LoopView;
use andon_core::condition::AgentCondition;
use andon_core::state::{Badge, Lamp};

fn mark(status: &str) -> IterMark {
    match status {
        "passed" => IterMark::Passed,
        "failed" | "stopped" => IterMark::Failed,
        "planned" => IterMark::Planned,
        "cancelled" => IterMark::Cancelled,
        "interrupted" => IterMark::Interrupted,
        _ => IterMark::Running,
    }
}

/// `stat` is the loop's live cumulative diffstat, when one has been computed.
pub fn card(v: &LoopView, now_ms: i64, stat: Option<andon_core::diff::DiffStat>) -> LoopCard {
    let s = &v.state;
    // What the running agent's screen says now outranks the state's own badge.
    let (lamp, badge) = match v.condition.as_ref().map(|c| c.condition) {
        Some(AgentCondition::NeedsPermission) => (Lamp::Yellow, Some(Badge::NeedsHuman)),
        Some(AgentCondition::RateLimited) => (Lamp::Yellow, Some(Badge::Waiting)),
        _ => (s.lamp, s.badge()),
    };
    LoopCard {
        name: v.name.clone(),
        // A plan's heading is text like any other: escapes in it must not reach the terminal.
        title: andon_core::sanitize::one_line(&v.title, 200),
        lamp,
        state: s.state,
        iteration: s.iteration,
        max_iterations: s.limits.max_iterations,
        consecutive_failures: s.consecutive_failures,
        // The loop's clock runs while it works and stands still while it waits.
        elapsed_ms: v.worked_ms as i64
            + v.active_since
                .map_or(0, |since| now_ms.saturating_sub(since).max(0)),
        last_checks: s.last_checks,
        badge,
        marks: v.marks.iter().map(|m| mark(&m.status)).collect(),
        reason: s
            .stop_reason()
            .or(v.condition.as_ref().map(|c| c.line.as_str()))
            .or(s.waiting.as_deref())
            .map(|r| andon_core::sanitize::one_line(r, 200))
            .or_else(|| restored_note(&s.restored)),
        // An empty diff says nothing worth a title's room.
        diffstat: stat
            .filter(|d| d.files > 0)
            .map(|d| (d.files, d.added, d.removed)),
        baseline: s.baseline.as_ref().map(|b| (b.passed, b.total)),
    }
}

/// Files the guards put back in the loop's latest iteration: a green or waiting loop still
/// says so, since the pane no longer shows it.
fn restored_note(restored: &[String]) -> Option<String> {
    let first = restored.first()?;
    let more = match restored.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some(andon_core::sanitize::one_line(
        &format!("andon restored {first}{more}"),
        200,
    ))
}

/// The panes' terminal palette from the board's theme.
pub fn palette(theme: &crate::ui::theme::Theme) -> crate::term::TermPalette {
    if theme.no_color {
        return crate::term::TermPalette::monochrome();
    }
    crate::term::TermPalette {
        foreground: theme.pane_fg,
        background: theme.pane_bg,
        cursor: theme.pane_fg,
        ansi: theme.ansi,
        dim_foreground: theme.dim,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use andon_core::state::{Limits, LoopState};

    #[test]
    fn a_hostile_plan_title_reaches_the_card_as_plain_text() {
        let view = LoopView {
            name: "x".into(),
            plan: "plans/x.md".into(),
            title: "Fix \x1b]52;c;cHdu\x07prices\x1b[2J\r\nnow\u{9b}31m".into(),
            branch: "loop/x".into(),
            worktree: "/w".into(),
            base: "b".into(),
            started_at: 0,
            updated_at: 0,
            worked_ms: 0,
            active_since: None,
            state: LoopState::new(Limits::default()),
            marks: Vec::new(),
            condition: None,
            sandbox: None,
        };
        let c = card(&view, 0, None);
        assert_eq!(c.title, "Fix prices now");
    }
}

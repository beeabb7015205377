//! The board's plain-data model: what the views render, filled by the app from engine snapshots.
//!
//! Nothing here knows about the engine, git or a PTY; the views read only these types, which
//! keeps every screen reproducible in a snapshot test.

use ratatui_textarea::TextArea;

use crate::ui::board::screen::Screen;
use crate::ui::review::ApprovalIntent;

/// A loop's Andon light (DESIGN §1): the core's own type, so the board cannot drift from it.
pub use andon_core::state::Lamp;

/// A condition that needs a human's eye, shown as an inverse badge in the pane's title line
/// (the core's own type).
pub use andon_core::state::Badge;

/// One iteration's outcome in a loop's iteration strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IterMark {
    Passed,
    Failed,
    Planned,
    Cancelled,
    Interrupted,
    Running,
}

/// Everything a pane shows about one loop, apart from the agent's screen itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopCard {
    /// The loop's slug (branch `loop/<name>`).
    pub name: String,
    /// The plan's title (its first Markdown heading).
    pub title: String,
    pub lamp: Lamp,
    /// The loop's state (shown in words by `State::label`).
    pub state: andon_core::state::State,
    pub iteration: u32,
    pub max_iterations: u32,
    pub consecutive_failures: u32,
    pub elapsed_ms: i64,
    /// Checks passed / checks run in the last finished iteration.
    pub last_checks: Option<(u32, u32)>,
    pub badge: Option<Badge>,
    /// Oldest first; the strip shows the newest on the right.
    pub marks: Vec<IterMark>,
    /// Why the loop needs a human (line stop, Insanity Rule, breaker), shown under the pane.
    pub reason: Option<String>,
    /// Files changed, lines added, lines removed, drawn in the pane's title while it fits.
    pub diffstat: Option<(u32, u32, u32)>,
    /// Checks passed / run on the untouched worktree, before iteration 1 (the baseline).
    pub baseline: Option<(u32, u32)>,
}

/// The one modal dialog open over the board, if any.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// A destructive action waiting for a yes; `yes` names the action on the confirm key.
    Confirm {
        title: String,
        body: String,
        yes: String,
    },
    /// The Insanity Rule's redirect note for a loop.
    Redirect {
        loop_name: String,
        textarea: TextArea<'static>,
    },
    /// The hypothesis a loop stopped by a second environment failure is resumed with: a note
    /// that joins every later prompt.
    Hypothesis {
        loop_name: String,
        /// Why the line stopped.
        reason: String,
        textarea: TextArea<'static>,
    },
    /// A prevention to adopt for a Kaizen item, typed as `check CMD`, `protect GLOB` or
    /// `skill NAME NOTE`.
    Adopt {
        /// The item's id and category, as the board lists them.
        id: String,
        category: String,
        textarea: TextArea<'static>,
    },
    /// The audited reason for approving a loop whose checks do not all pass.
    ApproveAnyway {
        loop_name: String,
        textarea: TextArea<'static>,
        /// The outcome chosen on the review screen.
        approval: ApprovalIntent,
    },
    Help,
    /// The plan picker: the repo's plans, the loop each already has (if any), the selection.
    Plans {
        choices: Vec<crate::ui::port::PlanChoice>,
        selected: usize,
    },
}

/// A notice shown in the status line for a moment, e.g. "a lamp turned red".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub loop_name: String,
    pub text: String,
    pub lamp: Lamp,
}

/// A notice as the message log keeps it: whole, with the time it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Local time of day, e.g. "14:03".
    pub time: String,
    pub loop_name: String,
    pub text: String,
    pub lamp: Lamp,
}

/// The whole board as one value.
#[derive(Debug, Clone, Default)]
pub struct BoardModel {
    pub loops: Vec<LoopCard>,
    /// Index into `loops`.
    pub selected: usize,
    /// Zero-based page of `layout::PER_PAGE` loops.
    pub page: usize,
    pub zoomed: bool,
    /// Keys go to the selected loop's agent until the escape key.
    pub attached: bool,
    pub line_stopped: bool,
    /// `queued 3 · max_running 2/2`: what waits for the line (empty when nothing does).
    pub queue: String,
    pub dialog: Option<Dialog>,
    /// Notices not yet seen, oldest first; the status line shows the newest.
    pub toasts: Vec<Toast>,
    /// Every notice of this session, oldest first (the message log).
    pub messages: Vec<Message>,
    /// How far help is scrolled, in lines.
    pub help_scroll: usize,
    pub repo: String,
    /// e.g. "supervising" or "read-only".
    pub supervisor: String,
    /// A human has chosen the selection; updates keep it on the same loop.
    pub selection_pinned: bool,
    /// Full screens over the board (a diff, a review), the last one shown.
    pub screens: Vec<Screen>,
}

impl BoardModel {
    /// How many loops show each lamp, in `Lamp::ALL` order.
    pub fn lamp_counts(&self) -> [(Lamp, usize); 6] {
        Lamp::ALL.map(|lamp| (lamp, self.loops.iter().filter(|l| l.lamp == lamp).count()))
    }

    /// The selected loop, if there is any loop at all (a stale index is clamped).
    pub fn selected_loop(&self) -> Option<(usize, &LoopCard)> {
        let last = self.loops.len().checked_sub(1)?;
        let i = self.selected.min(last);
        Some((i, &self.loops[i]))
    }
}

/// Toasts for every loop whose lamp has just turned red, one per loop, naming the reason.
///
/// The app rings the terminal bell when this is not empty; the view layer never writes to the
/// terminal itself. Loops are matched by name so a reordered list does not re-announce.
pub fn red_lamp_toasts(previous: &[LoopCard], current: &[LoopCard]) -> Vec<Toast> {
    current
        .iter()
        .filter(|card| card.lamp == Lamp::Red)
        .filter(|card| {
            !previous
                .iter()
                .any(|old| old.name == card.name && old.lamp == Lamp::Red)
        })
        .map(|card| Toast {
            loop_name: card.name.clone(),
            text: card
                .reason
                .clone()
                .unwrap_or_else(|| format!("lamp red ({})", card.state)),
            lamp: Lamp::Red,
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Loops shared by the view and model tests.
    use super::*;

    pub fn card(name: &str, lamp: Lamp) -> LoopCard {
        LoopCard {
            name: name.to_string(),
            title: format!("Plan for {name}"),
            lamp,
            state: andon_core::state::State::Running,
            iteration: 1,
            max_iterations: 10,
            consecutive_failures: 0,
            elapsed_ms: 0,
            last_checks: None,
            badge: None,
            marks: Vec::new(),
            reason: None,
            diffstat: None,
            baseline: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::card;
    use super::*;

    #[test]
    fn red_toasts_only_for_loops_that_just_turned_red() {
        let mut was_red = card("a", Lamp::Red);
        was_red.reason = Some("old".into());
        let before = vec![
            card("b", Lamp::Yellow),
            was_red.clone(),
            card("c", Lamp::Green),
        ];

        let mut b = card("b", Lamp::Red);
        b.reason = Some("same failure 3 times (Insanity Rule)".into());
        let mut c = card("c", Lamp::Red);
        c.state = andon_core::state::State::Stopped;
        let new_loop = card("d", Lamp::Red);
        let after = vec![was_red, b, c, new_loop, card("e", Lamp::Green)];

        let toasts = red_lamp_toasts(&before, &after);
        let got: Vec<(&str, &str)> = toasts
            .iter()
            .map(|t| (t.loop_name.as_str(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b", "same failure 3 times (Insanity Rule)"),
                ("c", "lamp red (stopped)"),
                ("d", "lamp red (running)"),
            ]
        );
        assert!(toasts.iter().all(|t| t.lamp == Lamp::Red));
    }

    #[test]
    fn lamp_counts_cover_every_lamp() {
        let model = BoardModel {
            loops: vec![
                card("a", Lamp::Green),
                card("b", Lamp::Green),
                card("c", Lamp::Blue),
            ],
            ..BoardModel::default()
        };
        let counts = model.lamp_counts();
        assert_eq!(counts[0], (Lamp::Green, 2));
        assert_eq!(counts[4], (Lamp::Blue, 1));
        assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 3);
    }

    #[test]
    fn selected_loop_clamps_a_stale_index() {
        let mut model = BoardModel {
            loops: vec![card("a", Lamp::Green), card("b", Lamp::Red)],
            selected: 7,
            ..BoardModel::default()
        };
        assert_eq!(
            model.selected_loop().map(|(i, c)| (i, c.name.as_str())),
            Some((1, "b"))
        );
        model.loops.clear();
        assert!(model.selected_loop().is_none());
    }
}

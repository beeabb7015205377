//! The review screen's model and state: everything a human weighs before approving a loop
//! (goal, checks, timeline, incidents, redirect notes, the diff's files and placeholders),
//! and the approval they choose. Keys become intents; the app confirms and sends them.

pub mod facts;

use ratatui_textarea::{TextArea, WrapMode};

use crate::ui::board::model::Dialog;
use crate::ui::keys::keymap::Action;
use andon_core::diff::{placeholders, Diff, DiffStat, FileBody, FileStatus, Placeholder};

/// One check of the last finished iteration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSummary {
    pub name: String,
    pub passed: bool,
    /// `None` when the check was killed (timeout) rather than exiting.
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
}

/// One iteration in the timeline, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IterationSummary {
    pub n: u32,
    /// e.g. "build" or "plan".
    pub mode: String,
    /// As `andon status` spells it, e.g. "passed".
    pub status: String,
    /// Checks passed / checks run.
    pub checks: Option<(u32, u32)>,
    /// The failure's category, e.g. "test_failure".
    pub category: Option<String>,
    /// The failure's fingerprint, shortened.
    pub fingerprint: Option<String>,
}

/// One changed file, as the review lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub status: FileStatus,
    pub path: String,
    pub old_path: Option<String>,
    pub added: u32,
    pub removed: u32,
    /// Binary content: no line counts.
    pub binary: bool,
}

/// Why approval is refused right now: the core's own gate, so the screen says what the
/// reducer does.
pub use andon_core::reducer::human::ApprovalGate as Gate;

/// What the review screen shows, filled by the app from the engine and the cumulative diff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewModel {
    pub loop_name: String,
    /// The loop's branch, e.g. `loop/api-auth`.
    pub branch: String,
    /// The branch it would be merged into, e.g. `main`.
    pub base: String,
    pub goal: String,
    /// The loop state as `andon status` spells it.
    pub state: andon_core::state::State,
    pub gate: Option<Gate>,
    pub last_checks: Vec<CheckSummary>,
    pub timeline: Vec<IterationSummary>,
    pub incidents: Vec<String>,
    /// Redirect notes, oldest first.
    pub notes: Vec<String>,
    pub stat: DiffStat,
    pub files: Vec<FileSummary>,
    pub placeholders: Vec<Placeholder>,
    /// `gh` is installed and the repository has a remote: offer `gh pr create`.
    pub gh_available: bool,
    /// What approving with `pr` does here.
    pub pr_way: PrWay,
    /// `[merge] history`: `m` keeps the iterations and `M` makes one commit (else the other
    /// way round).
    pub history_by_default: bool,
    /// Changed files too large or binary to be scanned for placeholders.
    pub unscanned: usize,
    /// Each reviewer's answer, when several reviewed (side by side when they disagree).
    pub opinions: Vec<andon_core::reviewer::Opinion>,
    /// The checks before the loop changed anything, in words.
    pub baseline: Option<String>,
}

impl ReviewModel {
    /// Fills the stat, the files and the placeholders from the loop's cumulative diff.
    pub fn set_diff(&mut self, diff: &Diff) {
        self.stat = diff.stat();
        self.placeholders = placeholders(diff);
        self.unscanned = diff
            .files
            .iter()
            .filter(|f| !matches!(f.body, FileBody::Text { .. }))
            .count();
        self.files = diff
            .files
            .iter()
            .map(|f| FileSummary {
                status: f.status,
                path: f.path.clone(),
                old_path: f.old_path.clone(),
                added: f.added,
                removed: f.removed,
                binary: matches!(f.body, FileBody::Binary { .. }),
            })
            .collect();
    }
}

/// What approving with `pr` does for this loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrWay {
    /// Write the PR body (and with `gh` open the PR too).
    #[default]
    Body,
    /// `[pr] follow`: push the branch, open the PR and follow its CI and reviews.
    Follow,
    /// The loop follows its PR: push the green fix to it.
    Push,
}

/// How an approved loop's work lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewChoice {
    /// Merge into the base: one commit titled by the goal, or with `history` a merge commit
    /// that keeps every iteration.
    Merge { history: bool },
    /// Keep the branch for the human to merge.
    Branch,
    /// Write a PR body, and with `gh` open the pull request too; or, following PRs, open
    /// it and follow it, or push the fix to the one followed (`way`).
    Pr { gh: bool, way: PrWay },
}

impl ReviewChoice {
    /// The choice spelled out, e.g. "Merge loop/foo into main as one commit titled by its goal".
    pub fn describe(self, branch: &str, base: &str) -> String {
        match self {
            ReviewChoice::Merge { history: false } => {
                format!("Merge {branch} into {base} as one commit titled by its goal")
            }
            ReviewChoice::Merge { history: true } => {
                format!("Merge {branch} into {base} with a merge commit that keeps every iteration")
            }
            ReviewChoice::Branch => format!("Keep {branch} for you to merge"),
            ReviewChoice::Pr {
                way: PrWay::Follow, ..
            } => format!(
                "Push {branch}, open its PR against {base} with gh, and follow its CI and reviews"
            ),
            ReviewChoice::Pr {
                way: PrWay::Push, ..
            } => format!("Push the fix on {branch} to its PR; andon follows its CI again"),
            ReviewChoice::Pr { gh: false, .. } => {
                format!("Write a PR body for {branch} → {base}")
            }
            ReviewChoice::Pr { gh: true, .. } => {
                format!("Write a PR body for {branch} → {base} and run gh pr create")
            }
        }
    }

    /// The confirm key's word.
    fn verb(self) -> &'static str {
        match self {
            ReviewChoice::Merge { .. } => "merge",
            ReviewChoice::Branch => "approve",
            ReviewChoice::Pr { .. } => "approve",
        }
    }
}

/// An approval the human chose on the review screen: sent as `HumanAction::Approve` once
/// [`ApprovalIntent::confirm_dialog`] is answered yes (or, approving anyway, once the reason
/// is typed: `anyway` is then `Some(reason)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalIntent {
    pub loop_name: String,
    pub branch: String,
    pub base: String,
    pub choice: ReviewChoice,
    /// The typed reason when approving despite red checks.
    pub anyway: Option<String>,
}

impl ApprovalIntent {
    pub fn describe(&self) -> String {
        self.choice.describe(&self.branch, &self.base)
    }

    /// The yes/no dialog that spells the outcome out.
    pub fn confirm_dialog(&self) -> Dialog {
        Dialog::Confirm {
            title: format!("Approve {}?", self.loop_name),
            body: format!(
                "{}.\nThe approval is audited with your name.",
                self.describe()
            ),
            yes: self.choice.verb().to_string(),
        }
    }

    /// The text box asking why red checks may be overridden.
    pub fn anyway_dialog(self) -> Dialog {
        let mut textarea = TextArea::default();
        textarea.set_wrap_mode(WrapMode::WordOrGlyph);
        Dialog::ApproveAnyway {
            loop_name: self.loop_name.clone(),
            textarea,
            approval: self,
        }
    }
}

/// What a review key asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewIntent {
    /// Ask to confirm, then approve.
    Confirm(ApprovalIntent),
    /// Ask for the reason, then approve anyway.
    Anyway(ApprovalIntent),
    OpenDiff,
}

/// The review page's height on screen and its length, both in rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageGeometry {
    pub rows: usize,
    pub len: usize,
}

/// The choice a review opens with: a merge, or for a loop that follows its PR, the push of
/// its fix there (the only approval it takes).
fn first_choice(model: &ReviewModel) -> ReviewChoice {
    match model.pr_way {
        PrWay::Push => ReviewChoice::Pr {
            gh: false,
            way: PrWay::Push,
        },
        PrWay::Body | PrWay::Follow => ReviewChoice::Merge { history: false },
    }
}

/// What a key did on the review screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Not a review key.
    NotMine,
    /// Handled; redraw.
    Done,
    Intent(ReviewIntent),
}

/// The review screen: its model, scroll position and the approval being chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewState {
    pub model: ReviewModel,
    pub scroll: usize,
    /// The "also run gh pr create" checkbox.
    pub gh: bool,
    /// The approval last picked; under a gate it waits for `A`.
    pub choice: ReviewChoice,
    /// The approval sent to the engine and what became of it.
    pub answer: Option<Answer>,
}

/// What happened to the approval sent from this screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Sent; the engine is merging or writing (the description of what was chosen).
    Waiting(String),
    /// Refused, with the engine's whole message (what is wrong and the fix).
    Refused(String),
}

impl ReviewState {
    pub fn new(model: ReviewModel) -> Self {
        ReviewState {
            // Opening a pull request is visible to others: the human opts in.
            gh: false,
            choice: first_choice(&model),
            model,
            scroll: 0,
            answer: None,
        }
    }

    /// A fresh model from the engine; the place, the choice and the diff's part (which comes
    /// from the diff service, not the engine's facts) are kept.
    pub fn set_model(&mut self, mut model: ReviewModel) {
        self.gh &= model.gh_available && model.pr_way == PrWay::Body;
        if model.pr_way != self.model.pr_way {
            self.choice = first_choice(&model);
        }
        model.stat = self.model.stat;
        model.files = std::mem::take(&mut self.model.files);
        model.placeholders = std::mem::take(&mut self.model.placeholders);
        model.unscanned = self.model.unscanned;
        self.model = model;
    }

    /// Applies a review key in a page of `geo.rows` rows showing `geo.len` lines.
    pub fn apply(&mut self, action: Action, geo: PageGeometry) -> Applied {
        let page = geo.rows.saturating_sub(1).max(1);
        let picked = match action {
            Action::ScrollDown => return self.scroll_to(self.scroll.saturating_add(1), geo),
            Action::ScrollUp => return self.scroll_to(self.scroll.saturating_sub(1), geo),
            Action::ScrollPageDown => return self.scroll_to(self.scroll.saturating_add(page), geo),
            Action::ScrollPageUp => return self.scroll_to(self.scroll.saturating_sub(page), geo),
            Action::ScrollTop => return self.scroll_to(0, geo),
            Action::ScrollBottom => return self.scroll_to(usize::MAX, geo),
            Action::Diff => return Applied::Intent(ReviewIntent::OpenDiff),
            Action::ToggleGh => {
                self.gh = self.model.gh_available && self.model.pr_way == PrWay::Body && !self.gh;
                if let ReviewChoice::Pr { way, .. } = self.choice {
                    self.choice = ReviewChoice::Pr { gh: self.gh, way };
                }
                return Applied::Done;
            }
            Action::ApproveAnyway => {
                return match &self.model.gate {
                    Some(gate) if gate.overridable => {
                        Applied::Intent(ReviewIntent::Anyway(self.intent(self.choice)))
                    }
                    // A stopped line is not overridden here: the page says what to do.
                    Some(_) => Applied::Done,
                    None => Applied::Intent(ReviewIntent::Confirm(self.intent(self.choice))),
                };
            }
            Action::Merge => ReviewChoice::Merge {
                history: self.model.history_by_default,
            },
            Action::MergeOther => ReviewChoice::Merge {
                history: !self.model.history_by_default,
            },
            Action::KeepBranch => ReviewChoice::Branch,
            Action::PrBody => ReviewChoice::Pr {
                gh: self.gh,
                way: self.model.pr_way,
            },
            _ => return Applied::NotMine,
        };
        self.choice = picked;
        // Under a gate the choice is remembered and the page says how to go on.
        match self.model.gate {
            None => Applied::Intent(ReviewIntent::Confirm(self.intent(picked))),
            Some(_) => Applied::Done,
        }
    }

    fn scroll_to(&mut self, to: usize, geo: PageGeometry) -> Applied {
        self.scroll = to.min(geo.len.saturating_sub(geo.rows));
        Applied::Done
    }

    fn intent(&self, choice: ReviewChoice) -> ApprovalIntent {
        ApprovalIntent {
            loop_name: self.model.loop_name.clone(),
            branch: self.model.branch.clone(),
            base: self.model.base.clone(),
            choice,
            anyway: None,
        }
    }
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;

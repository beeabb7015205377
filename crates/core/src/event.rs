//! What happens to a loop (events, from the engine and from humans) and what the reducer asks
//! the engine to do about it (effects). Both are plain data so the reducer stays pure.

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::redact::Redactor;
use crate::state::{Failure, Mode, StopCause};
use crate::usage::Usage;

/// The guards' verdict on an iteration: its diff against the loop's base commit, and the
/// writes the sandbox refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardReport {
    /// Changed files outside the plan's scope (restored from base).
    pub out_of_scope: Vec<String>,
    /// Protected files that existed in base and were changed or deleted (spec drift).
    pub spec_drift: Vec<String>,
    /// Absolute paths outside the loop's writable places that the agent tried to write and
    /// the sandbox refused (nothing to restore: the writes never happened).
    #[serde(default)]
    pub sandbox_denied: Vec<String>,
}

impl GuardReport {
    pub fn violations(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .spec_drift
            .iter()
            .chain(self.out_of_scope.iter())
            .cloned()
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// How an agent run ended, as the engine observed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentReport {
    pub exit_code: Option<i32>,
    /// Neither PTY output nor a file change for the no-progress time: the engine killed it.
    pub no_progress: bool,
    /// The iteration timeout fired: the engine killed it.
    pub timed_out: bool,
    /// Files changed since the previous snapshot (0 = the agent changed nothing).
    pub changed_since_last: u32,
    pub guards: GuardReport,
    /// The judged failure when the agent itself failed (non-zero exit, timeout, no progress).
    pub failure: Option<Failure>,
    /// What the agent's last output said about the agent (rate limit, refused credentials).
    #[serde(default)]
    pub condition: Option<Condition>,
    /// Tokens and cost the run reported.
    #[serde(default)]
    pub usage: Option<Usage>,
    /// The iteration's fix plan file exists and is not empty (what a plan-mode run must
    /// leave).
    #[serde(default)]
    pub fix_plan_written: bool,
}

/// The checks of an iteration (or the goal checks), judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecksReport {
    pub passed: u32,
    pub total: u32,
    /// None when every check passed.
    pub failure: Option<Failure>,
}

/// Something a human asks for (DESIGN §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum HumanAction {
    Stop,
    Resume {
        /// The fix plan written by the last plan-mode iteration, when there is one; resuming a
        /// Meta-Andon stop accepts it.
        fix_plan: Option<String>,
        /// The human's note (their hypothesis after the environment failed): it joins every
        /// later prompt, like a redirect's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Redirect {
        note: String,
    },
    MetaAndon,
    Abort,
    /// Reset the worktree to the last iteration whose checks all passed (or the base).
    Rollback,
    /// A human typed into the agent's terminal (attached): no change of course, but the loop
    /// did not get where it is on its own (Kaizen's autonomous completion).
    Answer,
    Approve {
        /// "Approve anyway": the typed reason that overrides red checks.
        anyway: Option<String>,
        /// What approval does with the loop's branch.
        #[serde(default)]
        outcome: Outcome,
    },
}

/// What an approval does with the loop's work (DESIGN §4: merge / keep branch / write PR body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Keep `loop/<slug>` for the human to push.
    #[default]
    Branch,
    /// Merge the branch into the main worktree's branch: one squashed commit titled by the
    /// goal (or, with `[merge] history = true`, as `History` does).
    Merge,
    /// One squashed commit on the main worktree's branch (what `Merge` does by default).
    Squash,
    /// A merge commit that keeps every iteration's commit as its second parent.
    History,
    /// Keep the branch and write `.andon/loops/<loop>/PR.md`.
    Pr,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Branch => "branch",
            Outcome::Merge => "merge",
            Outcome::Squash => "squash",
            Outcome::History => "history",
            Outcome::Pr => "pr",
        }
    }

    /// Whether the base branch receives the loop's commits.
    pub fn merges(self) -> bool {
        matches!(self, Outcome::Merge | Outcome::Squash | Outcome::History)
    }
}

impl HumanAction {
    /// The action with the secrets `r` knows taken out of the text a human typed.
    pub fn redacted(self, r: &Redactor) -> HumanAction {
        match self {
            HumanAction::Redirect { note } => HumanAction::Redirect {
                note: r.clean(&note),
            },
            HumanAction::Resume { fix_plan, note } => HumanAction::Resume {
                fix_plan: fix_plan.map(|t| r.clean(&t)),
                note: note.map(|t| r.clean(&t)),
            },
            HumanAction::Approve { anyway, outcome } => HumanAction::Approve {
                anyway: anyway.map(|t| r.clean(&t)),
                outcome,
            },
            other => other,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            HumanAction::Stop => "stop",
            HumanAction::Resume { .. } => "resume",
            HumanAction::Redirect { .. } => "redirect",
            HumanAction::MetaAndon => "meta_andon",
            HumanAction::Abort => "abort",
            HumanAction::Rollback => "rollback",
            HumanAction::Answer => "answer",
            HumanAction::Approve { outcome, .. } => match outcome {
                Outcome::Branch => "approve_branch",
                Outcome::Merge => "approve_merge",
                Outcome::Squash => "approve_squash",
                Outcome::History => "approve_history",
                Outcome::Pr => "approve_pr",
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// The loop's worktree exists; begin iteration 1.
    Start,
    /// The loop's wall-time budget ran out; `spent` says how long it ran (e.g. "2h03m").
    BudgetSpent {
        spent: String,
    },
    /// The supervisor restarted after dying mid-iteration (or a human resumed such a loop).
    Restarted,
    AgentFinished(AgentReport),
    ChecksFinished(ChecksReport),
    GoalFinished(ChecksReport),
    /// The reviewer answered (one "check": passed is an APPROVE), with the usage it reported.
    ReviewFinished {
        report: ChecksReport,
        #[serde(default)]
        usage: Option<Usage>,
        /// With several reviewers: each one's answer.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        opinions: Vec<crate::reviewer::Opinion>,
        /// The reviewers disagree: a human decides.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        split: bool,
    },
    Human(HumanAction),
    /// The plan's checks on the untouched worktree, before iteration 1.
    BaselineFinished(ChecksReport),
    /// This loop's checks failed the way other running loops' did, all green at their
    /// baselines: a common cause (`loops` are the others). `incident` is false when another
    /// loop already declared it.
    CommonCause {
        loops: Vec<String>,
        report: ChecksReport,
        #[serde(default)]
        incident: bool,
    },
    /// Another loop declared a common cause this loop's failure shares: stop here too.
    CommonCauseElsewhere {
        loops: Vec<String>,
        fingerprint: String,
        reason: String,
    },
    /// The engine could not carry out an effect (a git or disk error): stop the line.
    EngineFailed {
        reason: String,
    },
    /// The agent or a check cannot work as configured (a command not found, a script that is
    /// not there, a withheld variable): not the agent's failure.
    Misconfigured(crate::failure::misconfig::Misconfigured),
    /// Something andon was about to write or read for the loop was not what andon made (a
    /// file replaced by a link, a worktree pointed at another branch): andon refused to act
    /// for the agent and touched nothing. `what` names it.
    Tampered {
        what: String,
    },
    /// What the loop's followed pull request says.
    Pr(PrEvent),
}

/// What a followed pull request says (`[pr] follow`), as the engine read it through `gh`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PrEvent {
    /// The PR was opened for the approved loop: andon follows it, pushing its green fixes
    /// itself when `auto_push` (`[pr] push = "auto"`).
    Opened {
        url: String,
        #[serde(default)]
        auto_push: bool,
    },
    /// CI failed on the PR's `head` commit: its failed log, judged like a local check.
    CiFailed { head: String, report: ChecksReport },
    /// CI passed on `head` after failing before: the CI failures in a row are over.
    CiPassed { head: String },
    /// A reviewer with write access (or listed in `[pr] reviewers`) asked for changes: their
    /// words become a redirect note.
    ChangesRequested {
        id: String,
        reviewer: String,
        note: String,
    },
    /// A review or comment from someone andon takes no orders from: shown, never fed.
    Commented {
        id: String,
        author: String,
        text: String,
    },
    /// Every check is green and the PR is approved.
    Mergeable,
    /// It was mergeable, and is not any more (a new head's checks, an approval dismissed).
    NotMergeable,
    /// The remote refused the push of the green fix (the PR's branch moved on without it).
    PushRefused { why: String },
    /// The PR's head is a commit the loop's branch does not have (someone pushed to the PR):
    /// what CI says of it is not the loop's work.
    Diverged { head: String },
    /// The PR was merged, or closed without merging, on the forge.
    Closed { merged: bool },
}

impl PrEvent {
    /// The event with the secrets `r` knows taken out of what others wrote.
    fn redacted(self, r: &Redactor) -> PrEvent {
        match self {
            PrEvent::CiFailed { head, mut report } => {
                report.failure = report.failure.map(|f| f.redacted(r));
                PrEvent::CiFailed { head, report }
            }
            PrEvent::ChangesRequested { id, reviewer, note } => PrEvent::ChangesRequested {
                id,
                reviewer,
                note: r.clean(&note),
            },
            PrEvent::Commented { id, author, text } => PrEvent::Commented {
                id,
                author,
                text: r.clean(&text),
            },
            PrEvent::PushRefused { why } => PrEvent::PushRefused { why: r.clean(&why) },
            other => other,
        }
    }
}

impl Event {
    /// The event with the secrets `r` knows taken out of every text andon did not write: the
    /// agent's and the checks' output, a human's notes, an error's words.
    pub fn redacted(self, r: &Redactor) -> Event {
        let report = |mut report: ChecksReport| {
            report.failure = report.failure.map(|f| f.redacted(r));
            report
        };
        match self {
            Event::AgentFinished(mut a) => {
                a.failure = a.failure.map(|f| f.redacted(r));
                a.condition = a.condition.map(|c| Condition {
                    line: r.clean(&c.line),
                    ..c
                });
                Event::AgentFinished(a)
            }
            Event::ChecksFinished(c) => Event::ChecksFinished(report(c)),
            Event::GoalFinished(c) => Event::GoalFinished(report(c)),
            Event::ReviewFinished {
                report: c,
                usage,
                opinions,
                split,
            } => Event::ReviewFinished {
                report: report(c),
                usage,
                opinions: opinions
                    .into_iter()
                    .map(|o| crate::reviewer::Opinion {
                        reasons: r.clean(&o.reasons),
                        ..o
                    })
                    .collect(),
                split,
            },
            Event::Human(action) => Event::Human(action.redacted(r)),
            Event::BaselineFinished(c) => Event::BaselineFinished(report(c)),
            Event::CommonCause {
                loops,
                report: c,
                incident,
            } => Event::CommonCause {
                loops,
                report: report(c),
                incident,
            },
            Event::CommonCauseElsewhere {
                loops,
                fingerprint,
                reason,
            } => Event::CommonCauseElsewhere {
                loops,
                fingerprint,
                reason: r.clean(&reason),
            },
            Event::EngineFailed { reason } => Event::EngineFailed {
                reason: r.clean(&reason),
            },
            Event::Misconfigured(m) => {
                Event::Misconfigured(crate::failure::misconfig::Misconfigured {
                    what: r.clean(&m.what),
                    fix: r.clean(&m.fix),
                })
            }
            Event::Tampered { what } => Event::Tampered {
                what: r.clean(&what),
            },
            Event::Pr(pr) => Event::Pr(pr.redacted(r)),
            other @ (Event::Start | Event::BudgetSpent { .. } | Event::Restarted) => other,
        }
    }
}

/// How an iteration ended, for the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IterationStatus {
    Passed,
    Failed,
    /// A plan-mode iteration that produced a fix plan.
    Planned,
    /// Ended by a human (redirect, Meta-Andon, abort) before it finished.
    Cancelled,
    /// Ended by a guard or breaker that stopped the line.
    Stopped,
}

impl IterationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IterationStatus::Passed => "passed",
            IterationStatus::Failed => "failed",
            IterationStatus::Planned => "planned",
            IterationStatus::Cancelled => "cancelled",
            IterationStatus::Stopped => "stopped",
        }
    }
}

/// Work the engine performs, in order, after a transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    /// Terminate the running agent or check process group and wait until it is gone.
    EndRun,
    /// SIGSTOP / SIGCONT the running process group.
    Freeze,
    Thaw,
    /// Record iteration `iteration` as started (prompt composed from the new state).
    BeginIteration {
        iteration: u32,
        mode: Mode,
    },
    /// Launch the agent for the current iteration.
    RunAgent,
    /// Launch it again for the same iteration after a wait (a rate limit).
    RunAgentAfter {
        ms: u64,
    },
    /// Restore these paths from the loop's base commit (guard rollback).
    RestorePaths {
        paths: Vec<String>,
    },
    /// Say where a human looks (the pane, the iteration's guard incident) which files the
    /// guards restored in `iteration`, and why.
    NoteRestored {
        iteration: u32,
        out_of_scope: Vec<String>,
        spec_drift: Vec<String>,
    },
    /// Throw away every change since the last snapshot (plan mode changes no code).
    DiscardChanges,
    /// Reset the worktree and branch to the last green iteration's snapshot (or the base).
    RollbackToGreen,
    RunChecks,
    /// The plan's checks on the untouched worktree (the baseline).
    RunBaseline,
    RunGoal,
    /// Ask the plan's reviewer for a second opinion on the change.
    RunReview,
    /// Commit the worktree to the loop branch.
    Snapshot {
        message: String,
    },
    EndIteration {
        iteration: u32,
        status: IterationStatus,
        failure: Option<Failure>,
    },
    /// Record an incident for the failed iteration.
    RaiseIncident {
        iteration: u32,
        failure: Failure,
    },
    /// Push the loop's branch to its followed PR (`[pr] push = "auto"`), audited as andon's.
    PushToPr,
    /// The loop stopped the line or needs attention: the UI rings, headless prints.
    Alert {
        cause: StopCause,
        reason: String,
    },
}

/// The reducer's answer: the effects to run, a one-line description for the event log, or a
/// refusal (nothing changed) with the reason a human is shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transition {
    pub effects: Vec<Effect>,
    pub log: Option<String>,
    pub refused: Option<String>,
}

impl Transition {
    pub fn refuse(reason: impl Into<String>) -> Transition {
        Transition {
            refused: Some(reason.into()),
            ..Transition::default()
        }
    }
}

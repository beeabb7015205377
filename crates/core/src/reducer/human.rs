//! Human actions on a loop (DESIGN §4), decided by the reducer: stop, resume, redirect,
//! Meta-Andon, abort, approve. Each returns a transition or a refusal that says what to do.

use crate::event::{Effect, HumanAction, IterationStatus, Outcome, Transition};
use crate::reducer::{next_iteration, rerun, running_lamp};
use crate::state::{Lamp, LoopState, Mode, State, Stop, StopCause};

pub(crate) fn human(s: &mut LoopState, action: &HumanAction) -> Transition {
    if s.state.is_terminal() {
        return Transition::refuse(format!("loop has ended ({})", s.state.label()));
    }
    match action {
        HumanAction::Stop => human_stop(s),
        HumanAction::Resume { fix_plan, note } => {
            human_resume(s, fix_plan.as_deref(), note.as_deref())
        }
        HumanAction::Redirect { note } => redirect(s, note),
        HumanAction::MetaAndon => meta_andon_now(s),
        HumanAction::Abort => abort(s),
        HumanAction::Rollback => rollback(s),
        HumanAction::Answer => Transition {
            effects: Vec::new(),
            log: Some("a human typed into the agent's terminal".into()),
            refused: None,
        },
        HumanAction::Approve { anyway, outcome } => approve(s, anyway.as_deref(), *outcome),
    }
}

fn human_stop(s: &mut LoopState) -> Transition {
    if s.state == State::Stopped {
        return Transition::refuse("loop is already stopped");
    }
    let active = s.state.is_active();
    s.stop = Some(Stop {
        cause: StopCause::Human,
        reason: "stopped by a human".into(),
        resume_to: Some(s.state),
        frozen: active,
        human_hold: false,
    });
    s.state = State::Stopped;
    s.lamp = Lamp::Red;
    Transition {
        effects: if active {
            vec![Effect::Freeze]
        } else {
            Vec::new()
        },
        log: Some("stopped by a human; the rest of the line runs on".into()),
        refused: None,
    }
}

fn human_resume(s: &mut LoopState, fix_plan: Option<&str>, note: Option<&str>) -> Transition {
    let Some(stop) = s.stop.clone().filter(|_| s.state == State::Stopped) else {
        return Transition::refuse("loop is not stopped");
    };
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(note) = note {
        // Whatever the stop, a human's note joins every later prompt.
        s.notes.push(note.to_string());
    }
    match stop.cause {
        StopCause::Hypothesis => match note {
            Some(_) => {
                s.environment_failures = 0;
                continue_after_human(s, "resumed with a human's hypothesis")
            }
            None => Transition::refuse(format!(
                "stopped after a second environment failure ({}): resuming needs your \
                 hypothesis of what broke and what you changed\n  fix: `andon resume LOOP \
                 --note \"…\"`, or `r` on the board, which asks for it",
                stop.reason
            )),
        },
        StopCause::Human => {
            s.state = stop.resume_to.unwrap_or(State::Pending);
            s.stop = None;
            s.lamp = match s.state {
                State::AwaitingApproval | State::PrOpen | State::Mergeable => Lamp::Blue,
                State::Pending => Lamp::Gray,
                _ => running_lamp(s),
            };
            Transition {
                effects: if stop.frozen {
                    vec![Effect::Thaw]
                } else {
                    Vec::new()
                },
                log: Some(format!("resumed: {}", s.state.label())),
                refused: None,
            }
        }
        StopCause::MetaAndon => {
            match fix_plan {
                Some(plan) if !plan.trim().is_empty() => s.fix_plans.push(plan.trim().to_string()),
                _ => {
                    return Transition::refuse(
                        "the plan-mode iteration wrote no fix plan; redirect with a note instead",
                    )
                }
            }
            continue_after_human(s, "fix plan accepted")
        }
        StopCause::Interrupted
        | StopCause::AgentAuth
        | StopCause::AgentLimit
        | StopCause::Config
        | StopCause::Tampering => rerun(s, &stop),
        StopCause::CommonCause => crate::reducer::baseline::resume_common_cause(s, &stop),
        cause @ (StopCause::PrPush | StopCause::PrReview) => crate::reducer::pr::resume(s, cause),
        // The human read both sides and takes it to approval (where it is approved or not).
        StopCause::ReviewSplit => {
            s.stop = None;
            crate::reducer::passed(
                s,
                "the reviewers disagreed; a human takes it to approval".into(),
            )
        }
        StopCause::Reviewer => {
            s.stop = None;
            s.state = State::Checking;
            s.lamp = running_lamp(s);
            Transition {
                effects: vec![Effect::RunReview],
                log: Some(format!(
                    "the reviewer is asked again about iteration {}",
                    s.iteration
                )),
                refused: None,
            }
        }
        cause => Transition::refuse(format!(
            "stopped by {} ({}): redirect it with a note, or abort it",
            cause.label(),
            stop.reason
        )),
    }
}

/// A human changed the approach: the counters start again and a new code iteration begins.
fn continue_after_human(s: &mut LoopState, why: &str) -> Transition {
    s.stop = None;
    s.consecutive_failures = 0;
    s.repeat_count = 0;
    forget_ci_failures(s);
    s.state = State::Running;
    s.lamp = Lamp::Green;
    next_iteration(s, Mode::Code, why)
}

/// A human changed the approach: the PR's CI failures so far no longer count toward its
/// breakers (as the loop's own do not).
fn forget_ci_failures(s: &mut LoopState) {
    if let Some(pr) = s.pr.as_mut() {
        pr.ci_failures = 0;
        pr.ci_repeat = 0;
        pr.ci_fingerprint = None;
    }
}

/// Effects that end whatever run is in progress, recording the iteration as cancelled.
fn cancel_current(s: &LoopState) -> Vec<Effect> {
    let frozen_run = s.state == State::Stopped && s.stop.as_ref().is_some_and(|st| st.frozen);
    if s.state.is_active() || frozen_run {
        vec![
            Effect::EndRun,
            Effect::EndIteration {
                iteration: s.iteration,
                status: IterationStatus::Cancelled,
                failure: None,
            },
        ]
    } else {
        Vec::new()
    }
}

fn redirect(s: &mut LoopState, note: &str) -> Transition {
    let note = note.trim();
    if note.is_empty() {
        return Transition::refuse("a redirect needs a note saying what to do differently");
    }
    let mut effects = cancel_current(s);
    s.notes.push(note.to_string());
    // A redirect is a human's hypothesis too.
    s.environment_failures = 0;
    if s.state == State::Stopped
        && s.stop
            .as_ref()
            .is_some_and(|st| st.cause == StopCause::MaxIterations)
    {
        // The human chose to go on: enough iterations for the new approach to show whether
        // it works before Meta-Andon would fire, and no "iteration 11 of 10".
        s.limits.max_iterations = s.iteration + s.limits.consecutive_failures.max(1);
    }
    if s.state == State::Stopped
        && s.stop
            .as_ref()
            .is_some_and(|st| st.cause == StopCause::Budget)
    {
        // Going on past a spent budget is the human's call: the budget is lifted.
        s.limits.budget_ms = None;
    }
    if s.state == State::Stopped
        && s.stop
            .as_ref()
            .is_some_and(|st| st.cause == StopCause::Interrupted)
    {
        // The interrupted iteration never finished: it is re-run with the note, same number.
        s.iteration = s.iteration.saturating_sub(1);
    }
    let mut t = continue_after_human(s, "redirected by a human");
    effects.append(&mut t.effects);
    t.effects = effects;
    t
}

fn meta_andon_now(s: &mut LoopState) -> Transition {
    if s.state == State::MetaAndon {
        return Transition::refuse("a plan-mode iteration is already running");
    }
    let mut effects = cancel_current(s);
    s.stop = None;
    s.state = State::MetaAndon;
    s.lamp = Lamp::Magenta;
    forget_ci_failures(s);
    let mut t = next_iteration(s, Mode::Plan, "Meta-Andon pulled by a human");
    effects.append(&mut t.effects);
    t.effects = effects;
    t
}

fn abort(s: &mut LoopState) -> Transition {
    let effects = cancel_current(s);
    s.state = State::Aborted;
    s.lamp = Lamp::Gray;
    s.stop = None;
    Transition {
        effects,
        log: Some("aborted by a human; worktree kept".into()),
        refused: None,
    }
}

/// The state an approval ends in: merged when the branch lands on the base, else approved.
fn approved(outcome: Outcome) -> State {
    if outcome.merges() {
        State::Merged
    } else {
        State::Approved
    }
}

/// Gates (DESIGN §4): refused while the loop is stopped and while its last checks are red,
/// unless approved anyway with a typed reason. The engine carries out the outcome (merge,
/// PR body) before this transition is applied, so a refused merge changes nothing.
fn approve(s: &mut LoopState, anyway: Option<&str>, outcome: Outcome) -> Transition {
    let mut reason = anyway.map(str::trim).filter(|r| !r.is_empty());
    match approval_gate(s, false) {
        Some(gate) if !gate.overridable || reason.is_none() => {
            return Transition::refuse(gate.why);
        }
        Some(_) => {}
        // Green checks need no excuse: a reason given anyway does not make it "anyway".
        None => reason = None,
    }
    // A loop that follows its PR lands there: merging it here or keeping its branch would
    // leave the PR behind, unfollowed.
    if let Some(pr) = s.pr.as_ref().filter(|_| outcome != Outcome::Pr) {
        return Transition::refuse(format!(
            "the loop follows its PR ({}): approve with pr to push the fix there, or abort it to stop following",
            pr.url
        ));
    }
    let effects = cancel_current(s);
    // A followed PR's green fix: approving it pushes it, and the loop follows the PR again.
    if s.pr.is_some() && outcome == Outcome::Pr {
        s.state = State::PrOpen;
        s.lamp = Lamp::Blue;
        return Transition {
            effects,
            log: Some(format!("approved the PR's fix (iteration {})", s.iteration)),
            refused: None,
        };
    }
    s.state = approved(outcome);
    s.lamp = Lamp::Gray;
    let log = match reason {
        Some(reason) => format!("approved anyway ({}): {reason}", outcome.as_str()),
        None => format!("approved ({})", outcome.as_str()),
    };
    Transition {
        effects,
        log: Some(log),
        refused: None,
    }
}

/// Why a loop may not be approved right now, if it may not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalGate {
    pub why: String,
    /// Red checks yield to "approve anyway" with a typed reason; a stopped line does not.
    pub overridable: bool,
}

/// The approval gates (DESIGN §4): refused while the loop or the whole line is stopped, and
/// while its last checks are not green unless approved anyway. Shared by the reducer and the
/// review screen, so what the screen says is what the reducer does.
pub fn approval_gate(s: &LoopState, line_stopped: bool) -> Option<ApprovalGate> {
    if s.state.is_terminal() {
        return Some(ApprovalGate {
            why: format!("loop has ended ({})", s.state.label()),
            overridable: false,
        });
    }
    if matches!(s.state, State::PrOpen | State::Mergeable) {
        return Some(ApprovalGate {
            why: format!(
                "the loop follows its PR ({}): merge it on the forge, or abort to stop following",
                s.state.label()
            ),
            overridable: false,
        });
    }
    if line_stopped {
        return Some(ApprovalGate {
            why: "the whole line is stopped: resume it before approving".into(),
            overridable: false,
        });
    }
    // The maker's checks and goal passed; only the second opinion is missing because the
    // reviewer could not work. A human may approve anyway, saying why.
    if s.state == State::Stopped
        && s.stop
            .as_ref()
            .is_some_and(|st| st.cause == StopCause::Reviewer)
    {
        return Some(ApprovalGate {
            why: format!(
                "the reviewer gave no opinion ({}): approve anyway needs a typed reason",
                s.stop_reason().unwrap_or("stopped")
            ),
            overridable: true,
        });
    }
    if s.state == State::Stopped {
        return Some(ApprovalGate {
            why: format!(
                "the line is stopped ({}): resume or redirect before approving",
                s.stop_reason().unwrap_or("stopped")
            ),
            overridable: false,
        });
    }
    if s.state == State::AwaitingApproval {
        return None;
    }
    let checks = match s.last_checks {
        Some((p, t)) => format!("last checks {p}/{t}"),
        None => "no checks have passed yet".into(),
    };
    Some(ApprovalGate {
        why: format!(
            "checks are not green ({checks}, {}): approve anyway needs a typed reason",
            s.state.label()
        ),
        overridable: true,
    })
}

/// Only with no process running: a rollback under a live or frozen agent would race it.
fn rollback(s: &mut LoopState) -> Transition {
    let frozen = s.stop.as_ref().is_some_and(|st| st.frozen);
    if s.state.is_active() || frozen {
        return Transition::refuse(format!(
            "a run is in progress ({}): abort it, or wait until the loop stops, before rolling back",
            s.state.label()
        ));
    }
    Transition {
        effects: vec![Effect::RollbackToGreen],
        log: Some("rolled back".into()),
        refused: None,
    }
}

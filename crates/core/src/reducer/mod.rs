//! The Andon reducer: `(state, event) -> (state, effects)`. Every breaker of DESIGN §3 and every
//! human action of §4 is decided here, with no I/O, so the whole rule book is table-tested.

mod agent;
mod baseline;
mod breakers;
pub mod human;
pub(crate) mod pr;
mod review;

use crate::condition::AgentCondition;
use crate::event::{AgentReport, ChecksReport, Effect, Event, IterationStatus, Transition};
use crate::failure::sandbox_denial::denial_failure;
use crate::guard::out_of_scope_restored;
use crate::reducer::agent::{auth_failed, over_budget, rate_limited};
use crate::reducer::breakers::{
    agent_error_failure, exit_text, failed_iteration, guard_stop, line_stop, no_progress_failure,
    plural, record_failure,
};
use crate::reducer::human::human;
use crate::reducer::review::review_finished;
use crate::state::{Lamp, LoopState, Mode, State, Stop, StopCause};

/// Decide what `event` does to a loop. A refused event returns the state unchanged.
pub fn reduce(current: &LoopState, event: &Event) -> (LoopState, Transition) {
    let mut s = current.clone();
    let t = match event {
        Event::Start => baseline::start(&mut s),
        Event::BaselineFinished(report) => baseline::baseline_finished(&mut s, report),
        Event::CommonCause {
            loops,
            report,
            incident,
        } => baseline::common_cause(&mut s, loops, report, *incident),
        Event::CommonCauseElsewhere {
            loops,
            fingerprint,
            reason,
        } => baseline::common_cause_elsewhere(&mut s, loops, fingerprint, reason),
        Event::Restarted => restarted(&mut s),
        Event::AgentFinished(report) => agent_finished(&mut s, report),
        Event::ChecksFinished(report) => checks_finished(&mut s, report),
        Event::GoalFinished(report) => goal_finished(&mut s, report),
        Event::ReviewFinished {
            report,
            usage,
            opinions,
            split,
        } => review_finished(&mut s, report, usage.as_ref(), opinions, *split),
        Event::Human(action) => human(&mut s, action),
        Event::EngineFailed { reason } => engine_failed(&mut s, reason),
        Event::BudgetSpent { spent } => budget_spent(&mut s, spent),
        Event::Misconfigured(m) => misconfigured(&mut s, m),
        Event::Tampered { what } => tampered(&mut s, what),
        Event::Pr(pr) => pr::pr_event(&mut s, pr),
    };
    if t.refused.is_some() {
        return (current.clone(), t);
    }
    (s, t)
}

/// The supervisor is going away (or died) while this loop had work in progress: the loop
/// waits, stopped, until a restart re-runs the cut iteration (`Event::Restarted`).
pub fn interrupt(current: &LoopState, reason: &str) -> LoopState {
    let mut s = current.clone();
    // Frozen for a common cause: it stays in its group, and its resume re-runs the cut
    // iteration (nothing is left frozen to thaw).
    if let Some(stop) = s
        .stop
        .as_mut()
        .filter(|st| s.state == State::Stopped && st.cause == StopCause::CommonCause && st.frozen)
    {
        stop.frozen = false;
        return s;
    }
    let (resume_to, human_hold) = match (s.state, &s.stop) {
        (State::Stopped, Some(stop)) if stop.cause == StopCause::Human => (stop.resume_to, true),
        (state, _) if state.is_active() => (Some(state), false),
        _ => return s,
    };
    // A loop a human had stopped stays stopped: only the human's resume re-runs it.
    let how = if human_hold {
        "stopped by a human; `andon resume` re-runs the iteration"
    } else {
        "`andon run` re-runs the iteration"
    };
    s.state = State::Stopped;
    s.lamp = Lamp::Red;
    s.stop = Some(Stop {
        cause: StopCause::Interrupted,
        reason: format!("interrupted: {reason}; {how}"),
        resume_to,
        frozen: false,
        human_hold,
    });
    s
}

/// The supervisor restarted: run the cut iteration again under its own number — unless a
/// human had stopped the loop, which then waits for their resume.
fn restarted(s: &mut LoopState) -> Transition {
    let Some(stop) = s
        .stop
        .clone()
        .filter(|st| st.cause == StopCause::Interrupted)
    else {
        return Transition::refuse("loop was not interrupted");
    };
    if stop.human_hold {
        return Transition {
            effects: Vec::new(),
            log: Some(format!("iteration {} waits: {}", s.iteration, stop.reason)),
            refused: None,
        };
    }
    rerun(s, &stop)
}

/// Run an interrupted iteration again from its last snapshot, under its own number.
pub(crate) fn rerun(s: &mut LoopState, stop: &Stop) -> Transition {
    let mode = s.mode;
    s.stop = None;
    s.state = match stop.resume_to {
        Some(State::MetaAndon) => State::MetaAndon,
        _ => State::Running,
    };
    s.lamp = running_lamp(s);
    // Cut before its baseline was recorded: the baseline runs again.
    if s.iteration == 0 {
        return Transition {
            effects: vec![Effect::RunBaseline],
            log: Some("the baseline runs again after an interruption".into()),
            refused: None,
        };
    }
    let n = s.iteration.max(1);
    s.iteration = n;
    Transition {
        effects: vec![
            Effect::DiscardChanges,
            Effect::BeginIteration { iteration: n, mode },
            Effect::RunAgent,
        ],
        log: Some(format!("iteration {n} re-run after an interruption")),
        refused: None,
    }
}

/// Begin iteration `iteration + 1` in `mode`.
pub(crate) fn next_iteration(s: &mut LoopState, mode: Mode, why: &str) -> Transition {
    s.iteration += 1;
    s.mode = mode;
    s.restored.clear();
    Transition {
        effects: vec![
            Effect::BeginIteration {
                iteration: s.iteration,
                mode,
            },
            Effect::RunAgent,
        ],
        log: Some(format!(
            "iteration {} ({}): {why}",
            s.iteration,
            mode.as_str()
        )),
        refused: None,
    }
}

pub(crate) fn running_lamp(s: &LoopState) -> Lamp {
    match s.state {
        State::MetaAndon => Lamp::Magenta,
        _ if s.consecutive_failures > 0 || !s.restored.is_empty() => Lamp::Yellow,
        _ => Lamp::Green,
    }
}

fn agent_finished(s: &mut LoopState, r: &AgentReport) -> Transition {
    if !matches!(s.state, State::Running | State::MetaAndon) {
        return Transition::refuse(format!("no agent run while {}", s.state.label()));
    }
    let n = s.iteration;
    if let Some(usage) = &r.usage {
        s.spent.add(usage);
    }
    if let Some(reason) = over_budget(s) {
        return budget_stop(s, reason);
    }
    let condition = r
        .condition
        .as_ref()
        .filter(|_| !r.no_progress && !r.timed_out);
    match condition.map(|c| (c.condition, c)) {
        Some((AgentCondition::RateLimited, c)) => return rate_limited(s, &c.line),
        Some((AgentCondition::AuthFailed, c)) => return auth_failed(s, &c.line),
        _ => {}
    }
    s.waiting = None;
    s.rate_limits = 0;
    if s.mode == Mode::Plan {
        return plan_finished(s, r);
    }
    if r.no_progress {
        return no_progress_stop(s, r);
    }
    let mut effects = match guarded(s, r) {
        Ok(effects) => effects,
        Err(stop) => return stop,
    };
    if !r.guards.sandbox_denied.is_empty() {
        // The refused writes never happened; the agent is told where it may write and tries
        // again, and the breakers count it like any failed iteration.
        let failure = r
            .failure
            .clone()
            .unwrap_or_else(|| denial_failure(&r.guards.sandbox_denied, ""));
        effects.push(Effect::Snapshot {
            message: format!("andon: iteration {n} (sandbox denied writes)"),
        });
        return failed_iteration(s, failure, r.changed_since_last == 0, effects);
    }
    // An agent that changed nothing failed if it said so: a non-zero exit, or a judged
    // failure (an interactive agent's API error, whose turn "exits" 0).
    let agent_failed = r.timed_out
        || (r.changed_since_last == 0 && (r.exit_code != Some(0) || r.failure.is_some()));
    if agent_failed {
        let failure = r.failure.clone().unwrap_or_else(|| agent_error_failure(r));
        effects.push(Effect::Snapshot {
            message: format!("andon: iteration {n} (agent failed)"),
        });
        return failed_iteration(s, failure, r.changed_since_last == 0, effects);
    }
    s.state = State::Checking;
    s.lamp = running_lamp(s);
    effects.push(Effect::RunChecks);
    let oos = r.guards.out_of_scope.len();
    let log = if oos > 0 {
        format!(
            "agent done; restored {} outside scope: {}",
            plural(oos, "file"),
            r.guards.out_of_scope.join(", ")
        )
    } else {
        format!(
            "agent done ({} changed); running checks",
            plural(r.changed_since_last as usize, "file")
        )
    };
    Transition {
        effects,
        log: Some(log),
        refused: None,
    }
}

/// The run spent the plan's budget: its iteration is cancelled and the line stops.
fn budget_stop(s: &mut LoopState, reason: String) -> Transition {
    let n = s.iteration;
    let effects = vec![
        Effect::Snapshot {
            message: format!("andon: iteration {n} (budget spent)"),
        },
        Effect::EndIteration {
            iteration: n,
            status: IterationStatus::Cancelled,
            failure: None,
        },
    ];
    s.waiting = None;
    line_stop(s, StopCause::Budget, reason, effects)
}

/// Neither output nor a file change for the no-progress time: a failure, and the line stops.
fn no_progress_stop(s: &mut LoopState, r: &AgentReport) -> Transition {
    let n = s.iteration;
    let failure = r.failure.clone().unwrap_or_else(|| no_progress_failure(r));
    let mut effects = vec![Effect::Snapshot {
        message: format!("andon: iteration {n} (no progress)"),
    }];
    effects.extend(record_failure(s, &failure, IterationStatus::Stopped));
    line_stop(
        s,
        StopCause::NoProgress,
        "no progress: no output and no file change".into(),
        effects,
    )
}

/// The guards on the run's changes: files out of scope or protected are restored (and
/// noted); spec drift, or too many files out of scope, stops the line (`Err`). Otherwise the
/// effects the iteration goes on with.
fn guarded(s: &mut LoopState, r: &AgentReport) -> Result<Vec<Effect>, Transition> {
    let n = s.iteration;
    let mut effects = Vec::new();
    let violations = r.guards.violations();
    if !violations.is_empty() {
        effects.push(Effect::RestorePaths {
            paths: violations.clone(),
        });
        effects.push(Effect::NoteRestored {
            iteration: n,
            out_of_scope: r.guards.out_of_scope.clone(),
            spec_drift: r.guards.spec_drift.clone(),
        });
    }
    s.restored = violations;
    if !r.guards.spec_drift.is_empty() {
        let reason = format!(
            "spec drift: protected {} changed: {}",
            plural(r.guards.spec_drift.len(), "file"),
            r.guards.spec_drift.join(", ")
        );
        return Err(guard_stop(s, StopCause::SpecDrift, reason, effects));
    }
    let oos = r.guards.out_of_scope.len() as u32;
    if oos >= s.limits.out_of_scope_stop {
        let reason = format!(
            "{} changed outside scope (limit {}): {}",
            plural(oos as usize, "file"),
            s.limits.out_of_scope_stop,
            r.guards.out_of_scope.join(", ")
        );
        return Err(guard_stop(s, StopCause::OutOfScope, reason, effects));
    }
    if oos > 0 {
        // The iteration goes on without those files; the restore is an incident of its own.
        effects.push(Effect::RaiseIncident {
            iteration: n,
            failure: out_of_scope_restored(&r.guards.out_of_scope),
        });
    }
    Ok(effects)
}

/// A plan-mode iteration ended: keep no code, stop red until a human accepts the fix plan.
fn plan_finished(s: &mut LoopState, r: &AgentReport) -> Transition {
    let n = s.iteration;
    let effects = vec![
        Effect::DiscardChanges,
        Effect::Snapshot {
            message: format!("andon: iteration {n} (plan)"),
        },
        Effect::EndIteration {
            iteration: n,
            status: IterationStatus::Planned,
            failure: None,
        },
    ];
    let reason = if r.exit_code == Some(0) && r.fix_plan_written {
        "Meta-Andon: fix plan written; resume accepts it, redirect replaces it".to_string()
    } else if r.exit_code == Some(0) {
        "Meta-Andon: the plan-mode agent wrote no fix plan; read its log, then redirect".to_string()
    } else {
        format!(
            "Meta-Andon: plan-mode agent exited with {}; read its log, then redirect",
            exit_text(r.exit_code)
        )
    };
    line_stop(s, StopCause::MetaAndon, reason, effects)
}

fn checks_finished(s: &mut LoopState, r: &ChecksReport) -> Transition {
    if s.state != State::Checking {
        return Transition::refuse(format!("no checks running while {}", s.state.label()));
    }
    let n = s.iteration;
    s.last_checks = Some((r.passed, r.total));
    let mut effects = vec![Effect::Snapshot {
        message: format!("andon: iteration {n} ({}/{} checks)", r.passed, r.total),
    }];
    match &r.failure {
        None => {
            effects.push(Effect::RunGoal);
            Transition {
                effects,
                log: Some(format!(
                    "checks {}/{} passed; goal check",
                    r.passed, r.total
                )),
                refused: None,
            }
        }
        Some(f) => failed_iteration(s, f.clone(), false, effects),
    }
}

fn goal_finished(s: &mut LoopState, r: &ChecksReport) -> Transition {
    if s.state != State::Checking {
        return Transition::refuse(format!("no goal check running while {}", s.state.label()));
    }
    let n = s.iteration;
    match &r.failure {
        None if s.limits.review => Transition {
            effects: vec![Effect::RunReview],
            log: Some(format!(
                "goal met in iteration {n}; the reviewer gives a second opinion"
            )),
            refused: None,
        },
        None => passed(s, format!("goal met in iteration {n}: awaiting approval")),
        Some(f) => failed_iteration(s, f.clone(), false, Vec::new()),
    }
}

/// The iteration is green: the loop waits for a human's approval — or, a followed PR's fix
/// with `[pr] push = "auto"`, is pushed at once and the PR followed again.
pub(crate) fn passed(s: &mut LoopState, log: String) -> Transition {
    s.state = State::AwaitingApproval;
    s.lamp = Lamp::Blue;
    s.consecutive_failures = 0;
    s.repeat_count = 0;
    s.feedback = None;
    let mut effects = vec![Effect::EndIteration {
        iteration: s.iteration,
        status: IterationStatus::Passed,
        failure: None,
    }];
    let mut log = log;
    if s.pr.as_ref().is_some_and(|pr| pr.auto_push) {
        s.state = State::PrOpen;
        effects.push(Effect::PushToPr);
        log = format!("{log}; pushed to the PR ([pr] push = \"auto\")");
    }
    Transition {
        effects,
        log: Some(log),
        refused: None,
    }
}

/// andon could not carry out an effect: stop the line with the reason as evidence.
fn engine_failed(s: &mut LoopState, reason: &str) -> Transition {
    if s.state.is_terminal() {
        return Transition::refuse(format!("loop has ended ({})", s.state.label()));
    }
    let effects = if s.state.is_active() {
        vec![Effect::EndRun]
    } else {
        Vec::new()
    };
    line_stop(
        s,
        StopCause::EngineError,
        format!("andon could not continue: {reason}"),
        effects,
    )
}

/// A configuration mistake (a command not found, a missing script, a withheld variable): the
/// line stops at once with the fix. It is recorded as an environment incident but charged to
/// no breaker and not fed back to the agent: the agent did nothing wrong.
fn misconfigured(s: &mut LoopState, m: &crate::failure::misconfig::Misconfigured) -> Transition {
    if !s.state.is_active() {
        return Transition::refuse(format!("nothing runs ({})", s.state.label()));
    }
    let n = s.iteration;
    let mut effects = Vec::new();
    if s.state == State::Checking {
        effects.push(Effect::Snapshot {
            message: format!("andon: iteration {n} (configuration mistake)"),
        });
    }
    let failure = crate::state::Failure {
        category: crate::failure::classify::Category::Environment,
        confidence: 1.0,
        fingerprint: crate::failure::fingerprint::fingerprint(&m.what),
        summary: m.what.clone(),
        checks: Vec::new(),
        output_tail: String::new(),
        lines: Vec::new(),
    };
    effects.push(Effect::EndIteration {
        iteration: n,
        status: IterationStatus::Stopped,
        failure: Some(failure.clone()),
    });
    effects.push(Effect::RaiseIncident {
        iteration: n,
        failure,
    });
    line_stop(
        s,
        StopCause::Config,
        format!("configuration: {} — fix: {}", m.what, m.fix),
        effects,
    )
}

/// andon found what it was about to use for the loop tampered with: whatever runs ends and
/// the line stops as a guard violation. Nothing is snapshotted or restored (the worktree may
/// be what was tampered with); a resume re-runs the iteration once a human has looked.
fn tampered(s: &mut LoopState, what: &str) -> Transition {
    if s.state.is_terminal() {
        return Transition::refuse(format!("loop has ended ({})", s.state.label()));
    }
    let mut effects = Vec::new();
    if s.state.is_active() {
        effects.push(Effect::EndRun);
    }
    let reason = format!("andon refused to act for the agent: {what}");
    let failure = crate::state::Failure {
        category: crate::failure::classify::Category::GuardViolation,
        confidence: 1.0,
        fingerprint: format!("guard:{}", StopCause::Tampering.as_str()),
        summary: reason.clone(),
        checks: Vec::new(),
        output_tail: String::new(),
        lines: Vec::new(),
    };
    effects.extend(record_failure(s, &failure, IterationStatus::Stopped));
    line_stop(s, StopCause::Tampering, reason, effects)
}

/// The wall-time budget is spent: whatever runs ends and the line stops with the figure.
fn budget_spent(s: &mut LoopState, spent: &str) -> Transition {
    let Some(budget) = s.limits.budget_ms else {
        return Transition::refuse("this loop has no budget");
    };
    if !s.state.is_active() && s.state != State::Pending {
        return Transition::refuse(format!("nothing runs ({})", s.state.label()));
    }
    let mut effects = Vec::new();
    if s.state.is_active() {
        effects.push(Effect::EndRun);
        effects.push(Effect::EndIteration {
            iteration: s.iteration,
            status: IterationStatus::Cancelled,
            failure: None,
        });
    }
    let budget = crate::duration::humanize(std::time::Duration::from_millis(budget));
    line_stop(
        s,
        StopCause::Budget,
        format!("wall-time budget of {budget} spent ({spent} since the start)"),
        effects,
    )
}

#[cfg(test)]
mod pr_tests;
#[cfg(test)]
mod tests;

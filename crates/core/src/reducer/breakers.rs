//! The breakers of DESIGN §3 as rules on a failed iteration: the Insanity Rule (the same
//! fingerprint again), the iteration budget, Meta-Andon (failures in a row), guard stops, and
//! the line stop they all end in.

use crate::event::AgentReport;
use crate::event::{Effect, IterationStatus, Transition};
use crate::failure::classify::Category;
use crate::reducer::next_iteration;
use crate::state::{Failure, Lamp, LoopState, Mode, State, Stop, StopCause};

pub(crate) fn guard_stop(
    s: &mut LoopState,
    cause: StopCause,
    reason: String,
    mut effects: Vec<Effect>,
) -> Transition {
    let n = s.iteration;
    let failure = Failure {
        category: Category::GuardViolation,
        confidence: 1.0,
        fingerprint: format!("guard:{}", cause.as_str()),
        summary: reason.clone(),
        checks: Vec::new(),
        output_tail: String::new(),
        lines: Vec::new(),
    };
    effects.push(Effect::Snapshot {
        message: format!("andon: iteration {n} (guard: {})", cause.as_str()),
    });
    effects.extend(record_failure(s, &failure, IterationStatus::Stopped));
    line_stop(s, cause, reason, effects)
}

/// Count a failed iteration and let the breakers decide: Insanity, Meta-Andon, the iteration
/// budget, or the next iteration with feedback.
pub(crate) fn failed_iteration(
    s: &mut LoopState,
    failure: Failure,
    changed_nothing: bool,
    mut effects: Vec<Effect>,
) -> Transition {
    if failure.category == Category::Environment {
        return environment_failure(s, &failure, effects);
    }
    let same = s.last_fingerprint.as_deref() == Some(failure.fingerprint.as_str());
    // An iteration that changed nothing repeats the last failure by definition.
    let repeating = s.consecutive_failures > 0 && (same || changed_nothing);
    s.repeat_count = if repeating { s.repeat_count + 1 } else { 1 };
    s.consecutive_failures += 1;
    effects.extend(record_failure(s, &failure, IterationStatus::Failed));

    if s.repeat_count >= s.limits.repeat_fingerprint {
        let reason = format!(
            "Insanity Rule: the same failure {} times in a row ({}); change the approach",
            s.repeat_count, failure.summary
        );
        return line_stop(s, StopCause::Insanity, reason, effects);
    }
    if s.iteration >= s.limits.max_iterations {
        return max_iterations_stop(s, effects);
    }
    if s.consecutive_failures >= s.limits.consecutive_failures {
        s.state = State::MetaAndon;
        s.lamp = Lamp::Magenta;
        let why = format!(
            "Meta-Andon after {} consecutive failures",
            s.consecutive_failures
        );
        let mut t = next_iteration(s, Mode::Plan, &why);
        effects.append(&mut t.effects);
        t.effects = effects;
        return t;
    }
    let why = format!("retry after {} ({})", failure.category, failure.summary);
    retry(s, &why, effects)
}

/// The iteration budget is spent: the line stops.
pub(crate) fn max_iterations_stop(s: &mut LoopState, effects: Vec<Effect>) -> Transition {
    let reason = format!(
        "max iterations reached ({}) without meeting the goal",
        s.limits.max_iterations
    );
    line_stop(s, StopCause::MaxIterations, reason, effects)
}

/// The next code iteration, yellow, after the failure's `effects`.
pub(crate) fn retry(s: &mut LoopState, why: &str, mut effects: Vec<Effect>) -> Transition {
    s.state = State::Running;
    s.lamp = Lamp::Yellow;
    let mut t = next_iteration(s, Mode::Code, why);
    effects.append(&mut t.effects);
    t.effects = effects;
    t
}

/// The environment failed, not the agent: no breaker of the agent's counts it. The second
/// time in a loop the line stops until a human gives a hypothesis ("2 failures involving the
/// user: line stop, requires a hypothesis"); the first is retried with the failure as
/// feedback.
fn environment_failure(
    s: &mut LoopState,
    failure: &Failure,
    mut effects: Vec<Effect>,
) -> Transition {
    s.environment_failures += 1;
    effects.extend(record_failure(s, failure, IterationStatus::Failed));
    if s.environment_failures >= ENVIRONMENT_STOP {
        let reason = format!(
            "the environment failed {} times ({}): a service, the network or the disk, not \
             the code; resume with your hypothesis",
            s.environment_failures, failure.summary
        );
        return line_stop(s, StopCause::Hypothesis, reason, effects);
    }
    if s.iteration >= s.limits.max_iterations {
        return max_iterations_stop(s, effects);
    }
    let why = format!("retry after an environment failure ({})", failure.summary);
    retry(s, &why, effects)
}

/// Environment failures in a loop that stop its line.
pub const ENVIRONMENT_STOP: u32 = 2;

/// Remember a failure for the breakers and the next prompt; end the iteration; file an incident.
pub(crate) fn record_failure(
    s: &mut LoopState,
    failure: &Failure,
    status: IterationStatus,
) -> Vec<Effect> {
    s.last_fingerprint = Some(failure.fingerprint.clone());
    s.last_category = Some(failure.category);
    s.feedback = Some(failure.clone());
    vec![
        Effect::EndIteration {
            iteration: s.iteration,
            status,
            failure: Some(failure.clone()),
        },
        Effect::RaiseIncident {
            iteration: s.iteration,
            failure: failure.clone(),
        },
    ]
}

pub(crate) fn line_stop(
    s: &mut LoopState,
    cause: StopCause,
    reason: String,
    mut effects: Vec<Effect>,
) -> Transition {
    s.state = State::Stopped;
    s.lamp = Lamp::Red;
    s.stop = Some(Stop {
        cause,
        reason: reason.clone(),
        resume_to: None,
        frozen: false,
        human_hold: false,
    });
    effects.push(Effect::Alert {
        cause,
        reason: reason.clone(),
    });
    Transition {
        effects,
        log: Some(format!("line stop: {reason}")),
        refused: None,
    }
}

pub(crate) fn no_progress_failure(r: &AgentReport) -> Failure {
    Failure {
        category: Category::Timeout,
        confidence: 1.0,
        fingerprint: "no-progress".into(),
        summary: format!("no progress; agent killed ({})", exit_text(r.exit_code)),
        checks: Vec::new(),
        output_tail: String::new(),
        lines: Vec::new(),
    }
}

pub(crate) fn agent_error_failure(r: &AgentReport) -> Failure {
    let (category, summary) = if r.timed_out {
        (Category::Timeout, "the iteration timed out".to_string())
    } else {
        (
            Category::AgentError,
            format!(
                "agent exited with {} and changed nothing",
                exit_text(r.exit_code)
            ),
        )
    };
    Failure {
        category,
        confidence: 0.9,
        fingerprint: format!("agent:{}", exit_text(r.exit_code)),
        summary,
        checks: Vec::new(),
        output_tail: String::new(),
        lines: Vec::new(),
    }
}

pub(crate) fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("exit {c}"),
        None => "a signal".into(),
    }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

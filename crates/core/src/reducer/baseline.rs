//! The loop's start and the common cause across loops, decided: a new loop first runs its
//! checks on the untouched worktree (the baseline); a failure other loops share, green at
//! their baselines, stops the line once for the environment instead of charging the agents.

use crate::event::{ChecksReport, Effect, IterationStatus, Transition};
use crate::reducer::breakers::{line_stop, record_failure};
use crate::reducer::next_iteration;
use crate::state::{Baseline, Lamp, LoopState, Mode, State, Stop, StopCause};

/// A new loop: its checks run once on the untouched worktree before iteration 1.
pub(crate) fn start(s: &mut LoopState) -> Transition {
    if s.state != State::Pending {
        return Transition::refuse(format!("loop already started ({})", s.state.label()));
    }
    s.state = State::Running;
    s.lamp = Lamp::Green;
    Transition {
        effects: vec![Effect::RunBaseline],
        log: Some("started: the checks run once on the untouched worktree (baseline)".into()),
        refused: None,
    }
}

/// The baseline is recorded; iteration 1 begins (its prompt says what was failing before).
pub(crate) fn baseline_finished(s: &mut LoopState, r: &ChecksReport) -> Transition {
    if s.state != State::Running || s.iteration != 0 {
        return Transition::refuse(format!(
            "no baseline running while {} (iteration {})",
            s.state.label(),
            s.iteration
        ));
    }
    let baseline = Baseline {
        passed: r.passed,
        total: r.total,
        failure: r.failure.clone(),
    };
    let why = format!("baseline: {}", baseline.describe());
    s.baseline = Some(baseline);
    next_iteration(s, Mode::Code, &why)
}

/// This loop's checks failed as other running loops' did, all green at their baselines:
/// the iteration's work is kept, no breaker counts it, and the line stops once for the
/// common cause (the incident only where it was first declared).
pub(crate) fn common_cause(
    s: &mut LoopState,
    loops: &[String],
    r: &ChecksReport,
    incident: bool,
) -> Transition {
    if s.state != State::Checking {
        return Transition::refuse(format!("no checks running while {}", s.state.label()));
    }
    let Some(failure) = &r.failure else {
        return Transition::refuse("a common cause needs a failure");
    };
    let n = s.iteration;
    s.last_checks = Some((r.passed, r.total));
    let mut group: Vec<String> = loops.to_vec();
    group.sort();
    s.common_cause = group.clone();
    let reason = crate::common_cause::reason(&group, failure);
    let mut recorded = failure.clone();
    recorded.summary = reason.clone();
    let mut effects = vec![Effect::Snapshot {
        message: format!("andon: iteration {n} ({}/{} checks)", r.passed, r.total),
    }];
    let mut record = record_failure(s, &recorded, IterationStatus::Stopped);
    if !incident {
        record.retain(|e| !matches!(e, Effect::RaiseIncident { .. }));
    }
    effects.extend(record);
    line_stop(s, StopCause::CommonCause, reason, effects)
}

/// Another loop declared a common cause this loop shares: a loop at work stops where it is
/// (frozen, as a human's stop would) and the failure it was charged for is taken back.
pub(crate) fn common_cause_elsewhere(
    s: &mut LoopState,
    loops: &[String],
    fingerprint: &str,
    reason: &str,
) -> Transition {
    let already = s.state == State::Stopped
        && s.stop
            .as_ref()
            .is_some_and(|st| st.cause == StopCause::CommonCause);
    if already {
        return Transition {
            effects: Vec::new(),
            log: None,
            refused: None,
        };
    }
    // The failure it was charged for was the environment's: taken back from every count.
    if s.last_fingerprint.as_deref() == Some(fingerprint) {
        if s.last_category == Some(crate::failure::classify::Category::Environment) {
            s.environment_failures = s.environment_failures.saturating_sub(1);
        } else if s.consecutive_failures > 0 {
            s.consecutive_failures -= 1;
            s.repeat_count = s.repeat_count.saturating_sub(1);
        }
    }
    if !s.state.is_active() {
        return Transition {
            effects: Vec::new(),
            log: Some(format!("{reason} (this loop was not at work)")),
            refused: None,
        };
    }
    s.common_cause = loops.to_vec();
    s.stop = Some(Stop {
        cause: StopCause::CommonCause,
        reason: reason.to_string(),
        resume_to: Some(s.state),
        frozen: true,
        human_hold: false,
    });
    s.state = State::Stopped;
    s.lamp = Lamp::Red;
    Transition {
        effects: vec![
            Effect::Freeze,
            Effect::Alert {
                cause: StopCause::CommonCause,
                reason: reason.to_string(),
            },
        ],
        log: Some(reason.to_string()),
        refused: None,
    }
}

/// Resuming a common-cause stop: a frozen loop runs on (one whose run a restart cut runs the
/// iteration again); the loop whose checks declared it runs its checks again on the same
/// work.
pub(crate) fn resume_common_cause(s: &mut LoopState, stop: &Stop) -> Transition {
    s.common_cause.clear();
    if !stop.frozen && stop.resume_to.is_some() {
        return crate::reducer::rerun(s, stop);
    }
    s.stop = None;
    if stop.frozen {
        s.state = stop.resume_to.unwrap_or(State::Running);
        s.lamp = crate::reducer::running_lamp(s);
        return Transition {
            effects: vec![Effect::Thaw],
            log: Some(format!(
                "resumed after the common cause: {}",
                s.state.label()
            )),
            refused: None,
        };
    }
    s.state = State::Checking;
    s.lamp = crate::reducer::running_lamp(s);
    Transition {
        effects: vec![Effect::RunChecks],
        log: Some(format!(
            "resumed after the common cause: iteration {}'s checks run again",
            s.iteration
        )),
        refused: None,
    }
}

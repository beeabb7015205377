//! Table tests for the reducer: one row per breaker of DESIGN §3 and per human action of §4.

use super::*;
use crate::condition::{AgentCondition, Condition};
use crate::event::{
    AgentReport, ChecksReport, Effect, Event, GuardReport, HumanAction, IterationStatus, Outcome,
};
use crate::failure::classify::Category;
use crate::state::{Badge, Limits};
use crate::state::{Failure, Lamp, LoopState, Mode, State, StopCause};

pub(super) fn failure(fp: &str) -> Failure {
    Failure {
        category: Category::TestFailure,
        confidence: 0.9,
        fingerprint: fp.into(),
        summary: format!("tests failed ({fp})"),
        checks: vec!["tests".into()],
        output_tail: "assertion failed".into(),
        lines: Vec::new(),
    }
}

pub(super) fn agent_ok(changed: u32) -> Event {
    Event::AgentFinished(AgentReport {
        fix_plan_written: true,
        exit_code: Some(0),
        no_progress: false,
        timed_out: false,
        changed_since_last: changed,
        guards: GuardReport::default(),
        failure: None,
        condition: None,
        usage: None,
    })
}

fn agent_with(guards: GuardReport) -> Event {
    Event::AgentFinished(AgentReport {
        fix_plan_written: true,
        exit_code: Some(0),
        no_progress: false,
        timed_out: false,
        changed_since_last: 1,
        guards,
        failure: None,
        condition: None,
        usage: None,
    })
}

fn checks_fail(fp: &str) -> Event {
    Event::ChecksFinished(ChecksReport {
        passed: 0,
        total: 1,
        failure: Some(failure(fp)),
    })
}

/// Every check passes on the untouched worktree.
pub(super) fn baseline_green() -> Event {
    Event::BaselineFinished(ChecksReport {
        passed: 1,
        total: 1,
        failure: None,
    })
}

pub(super) fn checks_pass() -> Event {
    Event::ChecksFinished(ChecksReport {
        passed: 1,
        total: 1,
        failure: None,
    })
}

pub(super) fn goal_pass() -> Event {
    Event::GoalFinished(ChecksReport {
        passed: 1,
        total: 1,
        failure: None,
    })
}

pub(super) fn human(a: HumanAction) -> Event {
    Event::Human(a)
}

/// Feed events in order, asserting none is refused; return the final state and all effects.
fn run(events: &[Event]) -> (LoopState, Vec<Vec<Effect>>) {
    run_from(LoopState::new(Limits::default()), events)
}

pub(super) fn run_from(mut s: LoopState, events: &[Event]) -> (LoopState, Vec<Vec<Effect>>) {
    let mut all = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let (next, t) = reduce(&s, e);
        assert_eq!(t.refused, None, "event {i} {e:?} refused in {:?}", s.state);
        s = next;
        all.push(t.effects);
    }
    (s, all)
}

fn failed_iter(fp: &str) -> [Event; 2] {
    [agent_ok(1), checks_fail(fp)]
}

pub(super) fn stop_cause(s: &LoopState) -> Option<StopCause> {
    s.stop.as_ref().map(|st| st.cause)
}

#[test]
fn fix_on_iteration_two_awaits_approval() {
    let mut ev = vec![Event::Start, baseline_green()];
    ev.extend(failed_iter("a"));
    ev.extend([agent_ok(1), checks_pass(), goal_pass()]);
    let (s, effects) = run(&ev);
    assert_eq!(
        (s.state, s.lamp, s.iteration),
        (State::AwaitingApproval, Lamp::Blue, 2)
    );
    assert_eq!(s.consecutive_failures, 0);
    assert_eq!(s.badge(), Some(Badge::AwaitingApproval));
    let snapshots = effects
        .iter()
        .flatten()
        .filter(|e| matches!(e, Effect::Snapshot { .. }))
        .count();
    assert_eq!(snapshots, 2);
    assert!(effects[5].contains(&Effect::Snapshot {
        message: "andon: iteration 2 (1/1 checks)".into()
    }));
}

#[test]
fn breaker_table() {
    struct Row {
        name: &'static str,
        fps: &'static [&'static str],
        limits: Limits,
        state: State,
        lamp: Lamp,
        cause: Option<StopCause>,
        iteration: u32,
        consecutive: u32,
        repeat: u32,
    }
    let d = Limits::default();
    let rows = [
        Row {
            name: "one failure retries yellow",
            fps: &["a"],
            limits: d,
            state: State::Running,
            lamp: Lamp::Yellow,
            cause: None,
            iteration: 2,
            consecutive: 1,
            repeat: 1,
        },
        Row {
            name: "same fingerprint twice = repeating",
            fps: &["a", "a"],
            limits: Limits {
                consecutive_failures: 9,
                ..d
            },
            state: State::Running,
            lamp: Lamp::Yellow,
            cause: None,
            iteration: 3,
            consecutive: 2,
            repeat: 2,
        },
        Row {
            name: "same fingerprint 3x = Insanity",
            fps: &["a", "a", "a"],
            limits: d,
            state: State::Stopped,
            lamp: Lamp::Red,
            cause: Some(StopCause::Insanity),
            iteration: 3,
            consecutive: 3,
            repeat: 3,
        },
        Row {
            name: "3 different failures = Meta-Andon",
            fps: &["a", "b", "c"],
            limits: d,
            state: State::MetaAndon,
            lamp: Lamp::Magenta,
            cause: None,
            iteration: 4,
            consecutive: 3,
            repeat: 1,
        },
        Row {
            name: "a-a-b resets the repeat count",
            fps: &["a", "a", "b"],
            limits: Limits {
                consecutive_failures: 9,
                ..d
            },
            state: State::Running,
            lamp: Lamp::Yellow,
            cause: None,
            iteration: 4,
            consecutive: 3,
            repeat: 1,
        },
        Row {
            name: "max iterations stops red",
            fps: &["a", "b"],
            limits: Limits {
                max_iterations: 2,
                consecutive_failures: 9,
                ..d
            },
            state: State::Stopped,
            lamp: Lamp::Red,
            cause: Some(StopCause::MaxIterations),
            iteration: 2,
            consecutive: 2,
            repeat: 1,
        },
        Row {
            name: "repeat threshold configurable",
            fps: &["a", "a"],
            limits: Limits {
                repeat_fingerprint: 2,
                ..d
            },
            state: State::Stopped,
            lamp: Lamp::Red,
            cause: Some(StopCause::Insanity),
            iteration: 2,
            consecutive: 2,
            repeat: 2,
        },
        Row {
            name: "consecutive threshold configurable",
            fps: &["a", "b", "c", "d"],
            limits: Limits {
                consecutive_failures: 4,
                ..d
            },
            state: State::MetaAndon,
            lamp: Lamp::Magenta,
            cause: None,
            iteration: 5,
            consecutive: 4,
            repeat: 1,
        },
    ];
    for row in rows {
        let mut ev = vec![Event::Start, baseline_green()];
        for fp in row.fps {
            ev.extend(failed_iter(fp));
        }
        let (s, _) = run_from(LoopState::new(row.limits), &ev);
        assert_eq!(s.state, row.state, "{}", row.name);
        assert_eq!(s.lamp, row.lamp, "{}", row.name);
        assert_eq!(stop_cause(&s), row.cause, "{}", row.name);
        assert_eq!(s.iteration, row.iteration, "{}", row.name);
        assert_eq!(s.consecutive_failures, row.consecutive, "{}", row.name);
        assert_eq!(s.repeat_count, row.repeat, "{}", row.name);
    }
}

#[test]
fn repeating_badge_on_second_identical_failure() {
    let mut ev = vec![Event::Start, baseline_green()];
    ev.extend(failed_iter("a"));
    ev.extend(failed_iter("a"));
    let (s, _) = run_from(
        LoopState::new(Limits {
            consecutive_failures: 9,
            ..Limits::default()
        }),
        &ev,
    );
    assert_eq!(s.badge(), Some(Badge::Repeating));
}

#[test]
fn iteration_that_changed_nothing_counts_as_repeat() {
    let nothing = Event::AgentFinished(AgentReport {
        fix_plan_written: true,
        exit_code: Some(1),
        no_progress: false,
        timed_out: false,
        changed_since_last: 0,
        guards: GuardReport::default(),
        failure: None,
        condition: None,
        usage: None,
    });
    let mut ev = vec![Event::Start, baseline_green()];
    ev.extend(failed_iter("a"));
    ev.push(nothing.clone());
    let (s, _) = run(&ev);
    assert_eq!(s.repeat_count, 2);
    assert_eq!(s.last_category, Some(Category::AgentError));
}

#[test]
fn agent_error_without_change_is_failed_iteration_without_checks() {
    let ev = [
        Event::Start,
        baseline_green(),
        Event::AgentFinished(AgentReport {
            fix_plan_written: true,
            exit_code: Some(101),
            no_progress: false,
            timed_out: false,
            changed_since_last: 0,
            guards: GuardReport::default(),
            failure: None,
            condition: None,
            usage: None,
        }),
    ];
    let (s, effects) = run(&ev);
    assert_eq!(s.state, State::Running);
    assert_eq!((s.iteration, s.consecutive_failures), (2, 1));
    assert_eq!(s.last_category, Some(Category::AgentError));
    assert!(!effects[2].contains(&Effect::RunChecks));
    assert!(effects[2]
        .iter()
        .any(|e| matches!(e, Effect::RaiseIncident { .. })));
}

#[test]
fn agent_non_zero_with_changes_still_runs_checks() {
    let ev = [
        Event::Start,
        baseline_green(),
        Event::AgentFinished(AgentReport {
            fix_plan_written: true,
            exit_code: Some(1),
            no_progress: false,
            timed_out: false,
            changed_since_last: 2,
            guards: GuardReport::default(),
            failure: None,
            condition: None,
            usage: None,
        }),
    ];
    let (s, effects) = run(&ev);
    assert_eq!(s.state, State::Checking);
    assert!(effects[2].contains(&Effect::RunChecks));
}

#[test]
fn no_progress_stops_red_with_timeout_incident() {
    let ev = [
        Event::Start,
        baseline_green(),
        Event::AgentFinished(AgentReport {
            fix_plan_written: true,
            exit_code: None,
            no_progress: true,
            timed_out: false,
            changed_since_last: 0,
            guards: GuardReport::default(),
            failure: None,
            condition: None,
            usage: None,
        }),
    ];
    let (s, effects) = run(&ev);
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(stop_cause(&s), Some(StopCause::NoProgress));
    assert_eq!(s.last_category, Some(Category::Timeout));
    assert!(effects[2].iter().any(|e| matches!(
        e,
        Effect::Alert {
            cause: StopCause::NoProgress,
            ..
        }
    )));
}

#[test]
fn out_of_scope_below_limit_restores_and_continues_yellow() {
    let guards = GuardReport {
        out_of_scope: vec!["README.md".into()],
        spec_drift: vec![],
        ..GuardReport::default()
    };
    let (s, effects) = run(&[Event::Start, baseline_green(), agent_with(guards)]);
    assert_eq!((s.state, s.lamp), (State::Checking, Lamp::Yellow));
    assert_eq!(
        effects[2][0],
        Effect::RestorePaths {
            paths: vec!["README.md".into()]
        }
    );
    assert!(effects[2].contains(&Effect::RunChecks));
    assert_eq!(s.restored, vec!["README.md".to_string()]);
}

#[test]
fn out_of_scope_at_limit_rolls_back_and_stops() {
    let files: Vec<String> = (0..5).map(|i| format!("docs/{i}.md")).collect();
    let guards = GuardReport {
        out_of_scope: files.clone(),
        spec_drift: vec![],
        ..GuardReport::default()
    };
    let (s, effects) = run(&[Event::Start, baseline_green(), agent_with(guards)]);
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(stop_cause(&s), Some(StopCause::OutOfScope));
    assert_eq!(effects[2][0], Effect::RestorePaths { paths: files });
    assert!(!effects[2].contains(&Effect::RunChecks));
    assert_eq!(s.last_category, Some(Category::GuardViolation));
}

#[test]
fn spec_drift_restores_and_stops() {
    let guards = GuardReport {
        out_of_scope: vec![],
        spec_drift: vec!["tests/test_price.sh".into()],
        ..GuardReport::default()
    };
    let (s, effects) = run(&[Event::Start, baseline_green(), agent_with(guards)]);
    assert_eq!(stop_cause(&s), Some(StopCause::SpecDrift));
    assert_eq!(
        effects[2][0],
        Effect::RestorePaths {
            paths: vec!["tests/test_price.sh".into()]
        }
    );
    assert!(s
        .stop_reason()
        .unwrap_or("")
        .contains("tests/test_price.sh"));
}

#[test]
fn goal_failure_counts_as_failed_iteration() {
    let goal_fail = Event::GoalFinished(ChecksReport {
        passed: 0,
        total: 1,
        failure: Some(failure("goal")),
    });
    let (s, _) = run(&[
        Event::Start,
        baseline_green(),
        agent_ok(1),
        checks_pass(),
        goal_fail,
    ]);
    assert_eq!(
        (s.state, s.iteration, s.consecutive_failures),
        (State::Running, 2, 1)
    );
    assert_eq!(s.last_checks, Some((1, 1)));
}

#[test]
fn meta_andon_plan_iteration_then_fix_plan_accepted() {
    let mut ev = vec![Event::Start, baseline_green()];
    for fp in ["a", "b", "c"] {
        ev.extend(failed_iter(fp));
    }
    ev.push(agent_ok(0));
    let (s, effects) = run(&ev);
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(stop_cause(&s), Some(StopCause::MetaAndon));
    assert!(effects
        .last()
        .is_some_and(|e| e.contains(&Effect::DiscardChanges)));
    assert_eq!(s.badge(), Some(Badge::MetaAndon));
    assert!(s
        .stop_reason()
        .unwrap_or_default()
        .contains("fix plan written"));
    // A plan-mode agent that exits 0 and leaves no plan is not said to have written one.
    let mut silent = ev.clone();
    silent.pop();
    silent.push(match agent_ok(0) {
        Event::AgentFinished(r) => Event::AgentFinished(AgentReport {
            fix_plan_written: false,
            ..r
        }),
        other => other,
    });
    let (quiet, _) = run(&silent);
    assert!(quiet
        .stop_reason()
        .unwrap_or_default()
        .contains("wrote no fix plan"));

    // Resume without a fix plan is refused; with one, the plan joins the state.
    let (_, refused) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert!(refused.refused.is_some());
    let (s, _) = run_from(
        s,
        &[human(HumanAction::Resume {
            fix_plan: Some("use saturating_sub".into()),
            note: None,
        })],
    );
    assert_eq!(
        (s.state, s.mode, s.iteration, s.consecutive_failures),
        (State::Running, Mode::Code, 5, 0)
    );
    assert_eq!(s.fix_plans, vec!["use saturating_sub".to_string()]);
}

#[test]
fn human_stop_freezes_and_resume_thaws() {
    let (s, e) = run(&[Event::Start, baseline_green(), human(HumanAction::Stop)]);
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(e[2], vec![Effect::Freeze]);
    assert!(!s.needs_human());
    // One loop stopped: the log says only this loop stopped, not the whole line.
    let (_, t) = reduce(
        &run(&[Event::Start, baseline_green()]).0,
        &human(HumanAction::Stop),
    );
    assert_eq!(
        t.log.as_deref(),
        Some("stopped by a human; the rest of the line runs on")
    );
    let (s, e) = run_from(
        s,
        &[human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        })],
    );
    assert_eq!((s.state, s.lamp), (State::Running, Lamp::Green));
    assert_eq!(e[0], vec![Effect::Thaw]);
}

#[test]
fn resume_after_breaker_is_refused_with_a_way_forward() {
    let mut ev = vec![Event::Start, baseline_green()];
    for _ in 0..3 {
        ev.extend(failed_iter("a"));
    }
    let (s, _) = run(&ev);
    let (after, t) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert_eq!(after, s);
    assert!(t.refused.unwrap_or_default().contains("redirect"));
}

#[test]
fn redirect_ends_run_keeps_note_and_resets_counters() {
    let mut ev = vec![Event::Start, baseline_green()];
    ev.extend(failed_iter("a"));
    ev.push(human(HumanAction::Redirect {
        note: "validate input first".into(),
    }));
    let (s, effects) = run(&ev);
    assert_eq!(
        (s.state, s.iteration, s.consecutive_failures),
        (State::Running, 3, 0)
    );
    assert_eq!(s.notes, vec!["validate input first".to_string()]);
    let e = &effects[4];
    assert_eq!(e[0], Effect::EndRun);
    assert!(matches!(
        e[1],
        Effect::EndIteration {
            iteration: 2,
            status: IterationStatus::Cancelled,
            ..
        }
    ));
    assert!(e.contains(&Effect::RunAgent));
    // An empty note is refused.
    let (_, t) = reduce(&s, &human(HumanAction::Redirect { note: "  ".into() }));
    assert!(t.refused.is_some());
}

#[test]
fn redirect_after_insanity_continues() {
    let mut ev = vec![Event::Start, baseline_green()];
    for _ in 0..3 {
        ev.extend(failed_iter("a"));
    }
    ev.push(human(HumanAction::Redirect {
        note: "try another approach".into(),
    }));
    let (s, effects) = run(&ev);
    assert_eq!(
        (s.state, s.iteration, s.repeat_count),
        (State::Running, 4, 0)
    );
    assert!(!effects.last().is_some_and(|e| e.contains(&Effect::EndRun)));
}

#[test]
fn meta_andon_by_hand_cancels_current_run() {
    let (s, e) = run(&[
        Event::Start,
        baseline_green(),
        human(HumanAction::MetaAndon),
    ]);
    assert_eq!(
        (s.state, s.lamp, s.mode, s.iteration),
        (State::MetaAndon, Lamp::Magenta, Mode::Plan, 2)
    );
    assert_eq!(e[2][0], Effect::EndRun);
}

#[test]
fn abort_is_gray_and_terminal() {
    let (s, e) = run(&[Event::Start, baseline_green(), human(HumanAction::Abort)]);
    assert_eq!((s.state, s.lamp), (State::Aborted, Lamp::Gray));
    assert_eq!(e[2][0], Effect::EndRun);
    let (_, t) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert!(t.refused.is_some());
}

#[test]
fn approval_gates() {
    // Red checks: refused without a reason, accepted with one.
    let mut ev = vec![Event::Start, baseline_green()];
    ev.extend(failed_iter("a"));
    let (s, _) = run(&ev);
    let (_, t) = reduce(&s, &human(approve(None, Outcome::Branch)));
    assert!(t.refused.unwrap_or_default().contains("approve anyway"));
    let (s2, _) = run_from(
        s.clone(),
        &[human(approve(Some("flaky CI"), Outcome::Merge))],
    );
    assert_eq!(s2.state, State::Merged);

    // Stopped line: refused even with a reason.
    let (stopped, _) = run_from(s, &[human(HumanAction::Stop)]);
    let (_, t) = reduce(&stopped, &human(approve(Some("x"), Outcome::Branch)));
    assert!(t.refused.is_some());

    // Green: each outcome ends in its own state.
    let table = [
        (Outcome::Branch, State::Approved),
        (Outcome::Pr, State::Approved),
        (Outcome::Merge, State::Merged),
        (Outcome::Squash, State::Merged),
    ];
    for (outcome, want) in table {
        let (s, _) = run(&[
            Event::Start,
            baseline_green(),
            agent_ok(1),
            checks_pass(),
            goal_pass(),
            human(approve(None, outcome)),
        ]);
        assert_eq!((s.state, s.lamp), (want, Lamp::Gray), "{outcome:?}");
        let (_, t) = reduce(&s, &human(approve(None, outcome)));
        assert!(
            t.refused.is_some(),
            "an ended loop cannot be approved twice"
        );
    }
}

fn approve(anyway: Option<&str>, outcome: Outcome) -> HumanAction {
    HumanAction::Approve {
        anyway: anyway.map(str::to_string),
        outcome,
    }
}

#[test]
fn interrupt_only_touches_loops_with_work_in_progress() {
    let (running, _) = run(&[Event::Start, baseline_green()]);
    let cut = interrupt(&running, "SIGTERM");
    assert_eq!((cut.state, cut.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(
        cut.stop.as_ref().and_then(|s| s.resume_to),
        Some(State::Running)
    );
    let (waiting, _) = run(&[
        Event::Start,
        baseline_green(),
        agent_ok(1),
        checks_pass(),
        goal_pass(),
    ]);
    assert_eq!(interrupt(&waiting, "x"), waiting);
    let (frozen, _) = run(&[
        Event::Start,
        baseline_green(),
        agent_ok(1),
        human(HumanAction::Stop),
    ]);
    let cut = interrupt(&frozen, "x");
    assert_eq!(
        cut.stop.as_ref().map(|s| (s.cause, s.resume_to)),
        Some((StopCause::Interrupted, Some(State::Checking)))
    );
}

#[test]
fn interrupted_iteration_reruns_under_its_number() {
    let (s, _) = run(&[Event::Start, baseline_green(), agent_ok(1)]);
    let s = interrupt(&s, "supervisor died");
    let (s, e) = run_from(s, &[Event::Restarted]);
    assert_eq!((s.state, s.iteration), (State::Running, 1));
    assert_eq!(
        e[0],
        vec![
            Effect::DiscardChanges,
            Effect::BeginIteration {
                iteration: 1,
                mode: Mode::Code
            },
            Effect::RunAgent
        ]
    );
}

#[test]
fn stale_events_are_refused() {
    let s = LoopState::new(Limits::default());
    for e in [agent_ok(1), checks_pass(), goal_pass(), Event::Restarted] {
        let (after, t) = reduce(&s, &e);
        assert!(t.refused.is_some(), "{e:?}");
        assert_eq!(after, s);
    }
}

#[test]
fn a_human_stop_survives_a_crash_until_the_human_resumes() {
    let (s, _) = run(&[Event::Start, baseline_green(), human(HumanAction::Stop)]);
    let cut = interrupt(&s, "SIGKILL");
    assert!(cut.stop.as_ref().is_some_and(|st| st.human_hold));
    // The restart leaves it stopped, and says why.
    let (after, t) = reduce(&cut, &Event::Restarted);
    assert_eq!(t.refused, None);
    assert!(t.effects.is_empty());
    assert_eq!(after.state, State::Stopped);
    assert!(t.log.unwrap_or_default().contains("stopped by a human"));
    // The human's resume re-runs the cut iteration under its own number.
    let (s, e) = run_from(
        after,
        &[human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        })],
    );
    assert_eq!((s.state, s.iteration), (State::Running, 1));
    assert!(e[0].contains(&Effect::RunAgent));
}

#[test]
fn max_iterations_wins_over_meta_andon() {
    let limits = Limits {
        max_iterations: 3,
        ..Limits::default()
    };
    let mut ev = vec![Event::Start, baseline_green()];
    for fp in ["a", "b", "c"] {
        ev.extend(failed_iter(fp));
    }
    let (s, _) = run_from(LoopState::new(limits), &ev);
    assert_eq!((s.state, s.iteration), (State::Stopped, 3));
    assert_eq!(stop_cause(&s), Some(StopCause::MaxIterations));

    // A human redirect after the budget is spent grants a few more iterations, never
    // "iteration 4 of 3".
    let (s, e) = run_from(
        s,
        &[human(HumanAction::Redirect {
            note: "try the other parser".into(),
        })],
    );
    assert_eq!((s.state, s.iteration), (State::Running, 4));
    assert_eq!(
        s.limits.max_iterations,
        3 + Limits::default().consecutive_failures
    );
    assert!(e[0].contains(&Effect::RunAgent));
}

#[test]
fn an_engine_failure_stops_the_line_and_ends_the_run() {
    let (s, e) = run(&[
        Event::Start,
        baseline_green(),
        Event::EngineFailed {
            reason: "disk full".into(),
        },
    ]);
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(stop_cause(&s), Some(StopCause::EngineError));
    assert_eq!(e[2][0], Effect::EndRun);
    assert!(s.stop_reason().unwrap_or("").contains("disk full"));
    let (_, t) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert!(
        t.refused.is_some(),
        "resume after an engine error needs a redirect or abort"
    );
}

#[test]
fn rollback_only_when_nothing_runs() {
    let (running, _) = run(&[Event::Start, baseline_green()]);
    let (_, t) = reduce(&running, &human(HumanAction::Rollback));
    assert!(t.refused.is_some());
    let (frozen, _) = run(&[Event::Start, baseline_green(), human(HumanAction::Stop)]);
    let (_, t) = reduce(&frozen, &human(HumanAction::Rollback));
    assert!(t.refused.is_some(), "not under a frozen agent");
    let mut ev = vec![Event::Start, baseline_green()];
    for _ in 0..3 {
        ev.extend(failed_iter("a"));
    }
    let (stopped, _) = run(&ev);
    let (after, t) = reduce(&stopped, &human(HumanAction::Rollback));
    assert_eq!(t.effects, vec![Effect::RollbackToGreen]);
    assert_eq!(after.state, State::Stopped);
}

#[test]
fn a_spent_budget_ends_the_run_and_stops_the_line_until_a_redirect_lifts_it() {
    let limits = Limits {
        budget_ms: Some(7_200_000),
        ..Limits::default()
    };
    let (running, _) = run_from(LoopState::new(limits), &[Event::Start, baseline_green()]);
    let spent = Event::BudgetSpent {
        spent: "2h0m3s".into(),
    };
    let (s, t) = reduce(&running, &spent);
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    assert_eq!(stop_cause(&s), Some(StopCause::Budget));
    assert_eq!(
        s.stop_reason(),
        Some("wall-time budget of 2h spent (2h0m3s since the start)")
    );
    assert_eq!(t.effects[0], Effect::EndRun);
    assert!(matches!(
        t.effects[1],
        Effect::EndIteration {
            status: IterationStatus::Cancelled,
            ..
        }
    ));
    // Spent twice, or without a budget: refused.
    assert!(reduce(&s, &spent).1.refused.is_some());
    let (no_budget, _) = run(&[Event::Start, baseline_green()]);
    assert!(reduce(&no_budget, &spent).1.refused.is_some());
    // A human goes on: the budget is lifted, a new iteration starts.
    let (s, _) = run_from(
        s,
        &[human(HumanAction::Redirect {
            note: "finish the parser only".into(),
        })],
    );
    assert_eq!((s.state, s.limits.budget_ms), (State::Running, None));
}

fn agent_said(exit: i32, condition: AgentCondition, line: &str) -> Event {
    Event::AgentFinished(AgentReport {
        fix_plan_written: true,
        exit_code: Some(exit),
        no_progress: false,
        timed_out: false,
        changed_since_last: 0,
        guards: GuardReport::default(),
        failure: Some(failure("agent")),
        condition: Some(Condition {
            condition,
            line: line.into(),
        }),
        usage: None,
    })
}

#[test]
fn a_rate_limit_waits_doubling_and_counts_no_failure() {
    let limited = || agent_said(1, AgentCondition::RateLimited, "429 Too Many Requests");
    let (s, effects) = run(&[Event::Start, baseline_green(), limited(), limited()]);
    let effects: Vec<Effect> = effects.into_iter().flatten().collect();
    assert_eq!(
        (s.state, s.lamp, s.iteration),
        (State::Running, Lamp::Yellow, 1)
    );
    assert_eq!(s.consecutive_failures, 0);
    assert_eq!(s.badge(), Some(Badge::Waiting));
    assert_eq!(s.waiting.as_deref(), Some("429 Too Many Requests"));
    let waits: Vec<u64> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::RunAgentAfter { ms } => Some(*ms),
            _ => None,
        })
        .collect();
    assert_eq!(waits, [30_000, 60_000]);
    assert!(!effects.iter().any(|e| matches!(
        e,
        Effect::EndIteration { .. } | Effect::RaiseIncident { .. }
    )));
    // Past eight waits in a row the line stops for a human; resume tries again.
    let mut events = vec![Event::Start, baseline_green()];
    events.extend((0..9).map(|_| limited()));
    let (s, _) = run(&events);
    assert_eq!(
        (s.state, stop_cause(&s)),
        (State::Stopped, Some(StopCause::AgentLimit))
    );
    assert!(
        s.stop_reason()
            .is_some_and(|r| r.contains("9 times in a row")),
        "{:?}",
        s.stop_reason()
    );
    events.push(Event::Human(HumanAction::Resume {
        fix_plan: None,
        note: None,
    }));
    let (s, _) = run(&events);
    assert_eq!(
        (s.state, s.iteration, s.rate_limits),
        (State::Running, 1, 0)
    );
    // The run that gets through clears the wait and goes on to the checks.
    let (s, _) = run(&[Event::Start, baseline_green(), limited(), agent_ok(1)]);
    assert_eq!(
        (s.state, s.waiting.as_ref(), s.rate_limits),
        (State::Checking, None, 0)
    );
}

#[test]
fn refused_credentials_stop_the_line_and_resume_reruns_the_iteration() {
    let refused = agent_said(1, AgentCondition::AuthFailed, "Invalid API key");
    let (s, effects) = run(&[Event::Start, baseline_green(), refused.clone()]);
    let effects: Vec<Effect> = effects.into_iter().flatten().collect();
    assert_eq!((s.state, s.lamp), (State::Stopped, Lamp::Red));
    let stop = s.stop.clone().expect("stopped");
    assert_eq!(stop.cause, StopCause::AgentAuth);
    assert!(stop.reason.contains("Invalid API key"), "{}", stop.reason);
    assert_eq!(s.consecutive_failures, 0, "not the code's failure");
    assert!(s.needs_human());
    assert!(effects.iter().any(|e| matches!(e, Effect::Alert { .. })));
    let resume = Event::Human(HumanAction::Resume {
        fix_plan: None,
        note: None,
    });
    let (s, effects) = run(&[Event::Start, baseline_green(), refused, resume]);
    assert_eq!((s.state, s.iteration), (State::Running, 1));
    assert!(effects
        .last()
        .is_some_and(|last| last.contains(&Effect::RunAgent)));
}

#[test]
fn an_interactive_api_error_that_changed_nothing_fails_though_the_turn_exits_0() {
    let said = agent_said(1, AgentCondition::ApiError, "API Error: 500");
    let Event::AgentFinished(mut report) = said else {
        unreachable!()
    };
    report.exit_code = Some(0);
    let (s, _) = run(&[Event::Start, baseline_green(), Event::AgentFinished(report)]);
    assert_eq!(
        (s.state, s.iteration, s.consecutive_failures),
        (State::Running, 2, 1)
    );
    assert_eq!(
        s.last_category,
        Some(Category::TestFailure),
        "the failure judged by the engine"
    );
}

#[test]
fn an_api_error_is_an_ordinary_failed_iteration() {
    let (s, _) = run(&[
        Event::Start,
        baseline_green(),
        agent_said(1, AgentCondition::ApiError, "API Error: 500"),
    ]);
    assert_eq!(
        (s.state, s.iteration, s.consecutive_failures),
        (State::Running, 2, 1)
    );
    assert_eq!(s.waiting, None);
}

#[test]
fn a_reviewer_gates_approval_and_its_reject_counts_as_a_failure() {
    let reviewed = LoopState::new(Limits {
        review: true,
        ..Limits::default()
    });
    let review = |fail: Option<&str>| Event::ReviewFinished {
        report: ChecksReport {
            passed: u32::from(fail.is_none()),
            total: 1,
            failure: fail.map(failure),
        },
        usage: None,
        opinions: Vec::new(),
        split: false,
    };
    let (s, effects) = run_from(
        reviewed.clone(),
        &[
            Event::Start,
            baseline_green(),
            agent_ok(1),
            checks_pass(),
            goal_pass(),
        ],
    );
    assert_eq!(s.state, State::Checking);
    assert_eq!(effects.last(), Some(&vec![Effect::RunReview]));
    let (s, effects) = run_from(
        reviewed.clone(),
        &[
            Event::Start,
            baseline_green(),
            agent_ok(1),
            checks_pass(),
            goal_pass(),
            review(Some("r")),
        ],
    );
    assert_eq!(
        (s.state, s.iteration, s.consecutive_failures),
        (State::Running, 2, 1)
    );
    assert_eq!(
        effects.last().and_then(|e| e.first()),
        Some(&Effect::DiscardChanges)
    );
    let (s, effects) = run_from(
        reviewed,
        &[
            Event::Start,
            baseline_green(),
            agent_ok(1),
            checks_pass(),
            goal_pass(),
            review(None),
        ],
    );
    assert_eq!((s.state, s.lamp), (State::AwaitingApproval, Lamp::Blue));
    assert_eq!(
        effects.last().and_then(|e| e.first()),
        Some(&Effect::DiscardChanges)
    );
    // A reviewer that could not review stops the line; the maker's green work can still be
    // approved anyway, with a reason, or the review asked again.
    let down = Event::ReviewFinished {
        report: ChecksReport {
            passed: 0,
            total: 1,
            failure: Some(crate::reviewer::reviewer_failed("codex", "API Error: 500")),
        },
        usage: None,
        opinions: Vec::new(),
        split: false,
    };
    let stopped_events = [
        Event::Start,
        baseline_green(),
        agent_ok(1),
        checks_pass(),
        goal_pass(),
        down,
    ];
    let (s, _) = run_from(
        LoopState::new(Limits {
            review: true,
            ..Limits::default()
        }),
        &stopped_events,
    );
    assert_eq!(
        (s.state, stop_cause(&s), s.consecutive_failures),
        (State::Stopped, Some(StopCause::Reviewer), 0)
    );
    let anyway = |reason: Option<&str>| {
        Event::Human(HumanAction::Approve {
            anyway: reason.map(str::to_string),
            outcome: Outcome::Branch,
        })
    };
    assert!(reduce(&s, &anyway(None)).1.refused.is_some());
    assert_eq!(
        reduce(&s, &anyway(Some("reviewer is down"))).0.state,
        State::Approved
    );
    let (again, t) = reduce(
        &s,
        &Event::Human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert_eq!(
        (again.state, t.effects),
        (State::Checking, vec![Effect::RunReview])
    );
    // Without a reviewer a review answer is refused.
    let (plain, _) = run(&[Event::Start, baseline_green(), agent_ok(1), checks_pass()]);
    assert!(reduce(&plain, &review(None)).1.refused.is_some());
}

#[test]
fn reported_usage_adds_up_and_a_crossed_budget_stops_the_line_with_the_figures() {
    let with_usage = |input: u64, output: u64, cost: Option<u64>| {
        Event::AgentFinished(AgentReport {
            usage: Some(crate::usage::Usage {
                input_tokens: input,
                output_tokens: output,
                cost_micros: cost,
            }),
            ..match agent_ok(1) {
                Event::AgentFinished(r) => r,
                _ => unreachable!(),
            }
        })
    };
    let budget = |tokens: Option<u64>, cost: Option<u64>| {
        LoopState::new(Limits {
            token_budget: tokens,
            cost_budget_micros: cost,
            ..Limits::default()
        })
    };
    // Under budget: the usage is kept and the loop goes on to its checks.
    let (s, _) = run_from(
        budget(Some(10_000), None),
        &[
            Event::Start,
            baseline_green(),
            with_usage(4_000, 1_000, None),
        ],
    );
    assert_eq!((s.state, s.spent.tokens()), (State::Checking, 5_000));
    // Over it on the second run: stopped red with both figures.
    let (s, effects) = run_from(
        budget(Some(10_000), None),
        &[
            Event::Start,
            baseline_green(),
            with_usage(4_000, 1_000, None),
            checks_fail("a"),
            with_usage(5_000, 1_000, None),
        ],
    );
    assert_eq!(
        (s.state, stop_cause(&s)),
        (State::Stopped, Some(StopCause::Budget))
    );
    assert_eq!(
        s.stop_reason(),
        Some("token budget spent: 11,000 tokens used of 10,000 (9,000 in, 2,000 out)")
    );
    assert!(effects
        .last()
        .is_some_and(|e| e.iter().any(|e| matches!(e, Effect::Alert { .. }))));
    let (s, _) = run_from(
        budget(None, Some(2_000_000)),
        &[
            Event::Start,
            baseline_green(),
            with_usage(10, 10, Some(2_500_000)),
        ],
    );
    assert_eq!(s.stop_reason(), Some("cost budget spent: $2.50 of $2.00"));
}

fn misconfigured() -> Event {
    Event::Misconfigured(crate::failure::misconfig::Misconfigured {
        what: "check `tests` runs `pytset`, which is not installed".into(),
        fix: "install `pytset`".into(),
    })
}

#[test]
fn a_configuration_mistake_stops_at_once_and_charges_no_breaker() {
    // (events before the mistake, snapshot expected: the checks ran on the agent's work)
    let rows: [(Vec<Event>, bool); 3] = [
        (vec![Event::Start, baseline_green()], false),
        (vec![Event::Start, baseline_green(), agent_ok(1)], true),
        // After two real failures, still no Meta-Andon and no repeat is counted.
        (
            vec![
                Event::Start,
                baseline_green(),
                agent_ok(1),
                checks_fail("a"),
                agent_ok(1),
                checks_fail("a"),
                agent_ok(1),
            ],
            true,
        ),
    ];
    for (before, snapshot) in rows {
        let (s, _) = run(&before);
        let (failures, repeats, fingerprint) = (
            s.consecutive_failures,
            s.repeat_count,
            s.last_fingerprint.clone(),
        );
        let (next, t) = reduce(&s, &misconfigured());
        assert_eq!(t.refused, None);
        assert_eq!((next.state, next.lamp), (State::Stopped, Lamp::Red));
        let stop = next.stop.clone().unwrap();
        assert_eq!(stop.cause, StopCause::Config);
        assert!(stop
            .reason
            .starts_with("configuration: check `tests` runs `pytset`"));
        assert!(stop.reason.contains("fix: install `pytset`"));
        assert_eq!(next.mode, Mode::Code, "no Meta-Andon");
        assert_eq!(
            (
                next.consecutive_failures,
                next.repeat_count,
                next.last_fingerprint.clone()
            ),
            (failures, repeats, fingerprint),
            "no breaker counts it"
        );
        assert_eq!(
            t.effects
                .iter()
                .any(|e| matches!(e, Effect::Snapshot { .. })),
            snapshot
        );
        assert!(t.effects.iter().any(|e| matches!(
            e,
            Effect::RaiseIncident { failure, .. } if failure.category == Category::Environment
        )));
        // Resume re-runs the same iteration once the human has fixed things.
        let (resumed, t) = reduce(
            &next,
            &human(HumanAction::Resume {
                fix_plan: None,
                note: None,
            }),
        );
        assert_eq!(t.refused, None);
        assert_eq!(resumed.state, State::Running);
        assert_eq!(resumed.iteration, next.iteration);
    }
    // Nothing runs: nothing to stop.
    let (idle, t) = reduce(&LoopState::new(Limits::default()), &misconfigured());
    assert!(t.refused.is_some());
    assert_eq!(idle.state, State::Pending);
}

#[test]
fn tampering_stops_the_line_as_a_guard_violation_and_touches_nothing() {
    let what = "/repo/.andon/loops/x/iter-2/agent.log was replaced by a link";
    for before in [
        vec![Event::Start, baseline_green()],
        vec![Event::Start, baseline_green(), agent_ok(1)],
    ] {
        let (s, _) = run(&before);
        let (next, t) = reduce(
            &s,
            &Event::Tampered {
                what: what.to_string(),
            },
        );
        assert_eq!(t.refused, None);
        assert_eq!((next.state, next.lamp), (State::Stopped, Lamp::Red));
        let stop = next.stop.clone().unwrap();
        assert_eq!(stop.cause, StopCause::Tampering);
        assert_eq!(
            stop.reason,
            format!("andon refused to act for the agent: {what}")
        );
        assert_eq!(
            t.effects.first(),
            Some(&Effect::EndRun),
            "whatever runs ends"
        );
        assert!(
            t.effects.iter().any(|e| matches!(e,
                Effect::RaiseIncident { failure, .. }
                    if failure.category == crate::failure::classify::Category::GuardViolation)),
            "{:?}",
            t.effects
        );
        assert!(
            !t.effects.iter().any(|e| matches!(
                e,
                Effect::Snapshot { .. }
                    | Effect::DiscardChanges
                    | Effect::RestorePaths { .. }
                    | Effect::RollbackToGreen
            )),
            "nothing in the worktree is touched: {:?}",
            t.effects
        );
        // A human who has looked resumes: the iteration runs again.
        let (resumed, t) = reduce(
            &next,
            &human(HumanAction::Resume {
                fix_plan: None,
                note: None,
            }),
        );
        assert_eq!(t.refused, None);
        assert!(resumed.state.is_active(), "{:?}", resumed.state);
    }
    let (ended, _) = run(&[Event::Start, baseline_green(), human(HumanAction::Abort)]);
    let (_, t) = reduce(
        &ended,
        &Event::Tampered {
            what: what.to_string(),
        },
    );
    assert!(t.refused.is_some());
}

fn checks_fail_env(fp: &str) -> Event {
    Event::ChecksFinished(ChecksReport {
        passed: 0,
        total: 1,
        failure: Some(Failure {
            category: Category::Environment,
            summary: format!("tests exit 1: Connection refused ({fp})"),
            ..failure(fp)
        }),
    })
}

/// The environment's failures charge none of the agent's breakers; the second in a loop
/// stops it for a human's hypothesis. (failures as (environment?, fingerprint), then what
/// the loop is: state, stop cause, environment failures, consecutive failures, repeats)
#[test]
fn environment_failures_stop_for_a_hypothesis_on_the_second() {
    type Row = (
        &'static str,
        Vec<(bool, &'static str)>,
        (State, Option<StopCause>, u32, u32, u32),
    );
    let rows: Vec<Row> = vec![
        (
            "one environment failure retries, no breaker charged",
            vec![(true, "e")],
            (State::Running, None, 1, 0, 0),
        ),
        (
            "the second stops the line for a hypothesis",
            vec![(true, "e"), (true, "e")],
            (State::Stopped, Some(StopCause::Hypothesis), 2, 0, 0),
        ),
        (
            "even when the two differ",
            vec![(true, "e"), (true, "f")],
            (State::Stopped, Some(StopCause::Hypothesis), 2, 0, 0),
        ),
        (
            "between the agent's own failures, they count apart",
            vec![(false, "a"), (true, "e"), (false, "b")],
            (State::Running, None, 1, 2, 1),
        ),
        (
            "environment failures never make a Meta-Andon",
            vec![(false, "a"), (false, "b"), (true, "e")],
            (State::Running, None, 1, 2, 1),
        ),
    ];
    for (name, failures, want) in rows {
        let mut events = vec![Event::Start, baseline_green()];
        for (environment, fp) in failures {
            events.push(agent_ok(1));
            events.push(if environment {
                checks_fail_env(fp)
            } else {
                checks_fail(fp)
            });
        }
        let (s, _) = run(&events);
        let got = (
            s.state,
            stop_cause(&s),
            s.environment_failures,
            s.consecutive_failures,
            s.repeat_count,
        );
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn a_hypothesis_stop_resumes_only_with_a_note() {
    let events = [
        Event::Start,
        baseline_green(),
        agent_ok(1),
        checks_fail_env("e"),
        agent_ok(1),
        checks_fail_env("e"),
    ];
    let (s, effects) = run(&events);
    assert_eq!(s.badge(), Some(Badge::Hypothesis));
    assert!(effects.last().unwrap().iter().any(|e| matches!(
        e,
        Effect::Alert {
            cause: StopCause::Hypothesis,
            ..
        }
    )));
    // Without a note (or with a blank one) the resume is refused, saying how to give one.
    for note in [None, Some("  ".to_string())] {
        let (after, t) = reduce(
            &s,
            &human(HumanAction::Resume {
                fix_plan: None,
                note,
            }),
        );
        let why = t.refused.expect("refused");
        assert!(why.contains("--note"), "{why}");
        assert_eq!(after, s, "a refusal changes nothing");
    }
    // With one: a new code iteration, the note in every later prompt, the count reset.
    let (after, t) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: Some("the test database was down; restarted it".into()),
        }),
    );
    assert_eq!(t.refused, None);
    assert_eq!(
        (
            after.state,
            after.mode,
            after.iteration,
            after.environment_failures
        ),
        (State::Running, Mode::Code, 3, 0)
    );
    assert_eq!(after.notes, ["the test database was down; restarted it"]);
    // A redirect is a hypothesis too.
    let (after, t) = reduce(
        &s,
        &human(HumanAction::Redirect {
            note: "mock the service".into(),
        }),
    );
    assert_eq!(t.refused, None);
    assert_eq!(
        (after.state, after.environment_failures),
        (State::Running, 0)
    );
}

/// Several reviewers, joined by `reviewer::panel` and decided by the reducer: agreement
/// passes or is fed back, a split stops for a human (both opinions kept), one that cannot
/// review stops as a single reviewer does. (reviews as (name, approved? / could not), then
/// the loop's state, stop cause, consecutive failures)
#[test]
fn several_reviewers_agree_or_stop_for_a_human() {
    use crate::reviewer::{panel, reviewer_failed, Review};
    let review = |name: &str, answer: Option<bool>| Review {
        reviewer: name.into(),
        failure: match answer {
            Some(true) => None,
            Some(false) => Some(Failure {
                category: Category::ReviewRejected,
                ..failure(&format!("reject-{name}"))
            }),
            None => Some(reviewer_failed(name, "API Error: 500")),
        },
        reasons: format!("{name} says so"),
    };
    type Row = (
        &'static str,
        Vec<(&'static str, Option<bool>)>,
        (State, Option<StopCause>, u32),
    );
    let rows: Vec<Row> = vec![
        (
            "both approve",
            vec![("codex", Some(true)), ("gemini", Some(true))],
            (State::AwaitingApproval, None, 0),
        ),
        (
            "both reject: fed back",
            vec![("codex", Some(false)), ("gemini", Some(false))],
            (State::Running, None, 1),
        ),
        (
            "split: a human decides",
            vec![("codex", Some(true)), ("gemini", Some(false))],
            (State::Stopped, Some(StopCause::ReviewSplit), 0),
        ),
        (
            "one cannot review",
            vec![("codex", Some(true)), ("gemini", None)],
            (State::Stopped, Some(StopCause::Reviewer), 0),
        ),
        (
            "a single reviewer as before",
            vec![("codex", Some(false))],
            (State::Running, None, 1),
        ),
    ];
    let reviewed = LoopState::new(Limits {
        review: true,
        ..Limits::default()
    });
    for (name, reviews, want) in rows {
        let p = panel(reviews.iter().map(|(n, a)| review(n, *a)).collect());
        let event = Event::ReviewFinished {
            report: p.report,
            usage: None,
            opinions: p.opinions.clone(),
            split: p.split,
        };
        let (s, _) = run_from(
            reviewed.clone(),
            &[
                Event::Start,
                baseline_green(),
                agent_ok(1),
                checks_pass(),
                goal_pass(),
                event,
            ],
        );
        assert_eq!(
            (s.state, stop_cause(&s), s.consecutive_failures),
            want,
            "{name}"
        );
        if name.starts_with("split") {
            assert_eq!(s.opinions, p.opinions);
            assert_eq!(s.badge(), Some(Badge::NeedsHuman));
            let reason = s.stop_reason().unwrap();
            assert!(
                reason.contains("codex APPROVE (codex says so)")
                    && reason.contains("gemini REJECT (gemini says so)"),
                "{reason}"
            );
            // Resumed: the human takes it to approval.
            let (after, t) = reduce(
                &s,
                &human(HumanAction::Resume {
                    fix_plan: None,
                    note: None,
                }),
            );
            assert_eq!(t.refused, None);
            assert_eq!(after.state, State::AwaitingApproval);
        }
        if name.starts_with("both reject") {
            let feedback = s.feedback.as_ref().unwrap();
            assert!(feedback
                .summary
                .starts_with("the reviewers (codex, gemini) all rejected"));
            assert!(
                feedback.output_tail.contains("--- gemini:"),
                "{}",
                feedback.output_tail
            );
        }
    }
}

#[test]
fn a_loop_starts_with_its_baseline_and_remembers_it() {
    let (s, effects) = run(&[Event::Start]);
    assert_eq!((s.state, s.iteration), (State::Running, 0));
    assert_eq!(effects[0], vec![Effect::RunBaseline]);
    let red = Event::BaselineFinished(ChecksReport {
        passed: 0,
        total: 1,
        failure: Some(failure("before")),
    });
    let (s, effects) = run(&[Event::Start, red]);
    assert_eq!((s.state, s.iteration), (State::Running, 1));
    assert_eq!(s.baseline.as_ref().map(|b| b.passed), Some(0));
    assert!(!s.baseline.as_ref().unwrap().was_green("tests"));
    assert!(effects[1].contains(&Effect::RunAgent));
    // A baseline only before iteration 1.
    let (after, t) = reduce(&s, &baseline_green());
    assert!(t.refused.is_some());
    assert_eq!(after, s);
    // Cut while the baseline ran: the restart runs it again.
    let cut = interrupt(&run(&[Event::Start]).0, "killed");
    let (s, effects) = run_from(cut, &[Event::Restarted]);
    assert_eq!((s.state, s.iteration), (State::Running, 0));
    assert_eq!(effects[0], vec![Effect::RunBaseline]);
}

/// The loop that saw a common cause stops once (its work kept, no breaker charged, the
/// incident raised where it was declared); another at work is frozen and the failure it
/// was charged for is taken back; resuming either goes on where it was.
#[test]
fn a_common_cause_stops_the_loops_without_charging_them() {
    let common = |incident| Event::CommonCause {
        loops: vec!["b".into()],
        report: ChecksReport {
            passed: 0,
            total: 1,
            failure: Some(failure("svc")),
        },
        incident,
    };
    let (s, effects) = run(&[Event::Start, baseline_green(), agent_ok(1), common(true)]);
    assert_eq!(
        (
            s.state,
            stop_cause(&s),
            s.consecutive_failures,
            s.repeat_count
        ),
        (State::Stopped, Some(StopCause::CommonCause), 0, 0)
    );
    let last = effects.last().unwrap();
    assert!(
        matches!(last[0], Effect::Snapshot { .. }),
        "the work is kept"
    );
    let incident = last.iter().find_map(|e| match e {
        Effect::RaiseIncident { failure, .. } => Some(failure.summary.clone()),
        _ => None,
    });
    assert!(incident
        .unwrap()
        .starts_with("common cause: b failed the same way"));
    assert!(s.needs_human());
    let (_, effects) = run(&[Event::Start, baseline_green(), agent_ok(1), common(false)]);
    assert!(!effects
        .last()
        .unwrap()
        .iter()
        .any(|e| matches!(e, Effect::RaiseIncident { .. })));
    // Resumed: its checks run again on the same work.
    let (after, t) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert_eq!((after.state, after.iteration), (State::Checking, 1));
    assert_eq!(t.effects, vec![Effect::RunChecks]);

    // Elsewhere: charged for svc in iteration 1, its agent at work on iteration 2.
    let mut ev = vec![Event::Start, baseline_green()];
    ev.extend(failed_iter("svc"));
    let (charged, _) = run(&ev);
    assert_eq!(charged.consecutive_failures, 1);
    let elsewhere = Event::CommonCauseElsewhere {
        loops: vec!["a".into(), "b".into()],
        fingerprint: "svc".into(),
        reason: "common cause: a, b failed the same way".into(),
    };
    let (s, effects) = run_from(charged, std::slice::from_ref(&elsewhere));
    assert_eq!(
        (s.state, stop_cause(&s), s.consecutive_failures),
        (State::Stopped, Some(StopCause::CommonCause), 0)
    );
    assert_eq!(effects[0][0], Effect::Freeze);
    // Told twice (another loop joins the cause): nothing more happens.
    let (again, t) = reduce(&s, &elsewhere);
    assert_eq!((again, t.effects), (s.clone(), Vec::new()));
    let (after, t) = reduce(
        &s,
        &human(HumanAction::Resume {
            fix_plan: None,
            note: None,
        }),
    );
    assert_eq!(
        (after.state, t.effects),
        (State::Running, vec![Effect::Thaw])
    );
}

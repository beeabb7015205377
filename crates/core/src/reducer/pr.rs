//! A followed pull request (`[pr] follow`): its CI failures counted by the loop's breakers
//! and fed back as the next iteration's failure, a change request from a reviewer with write
//! access fed back as a redirect note, the green fix pushed (after a human confirms, or at once
//! with `[pr] push = "auto"`: see `passed`), and the PR ending mergeable, merged or closed.

use crate::event::{ChecksReport, Effect, PrEvent, Transition};
use crate::reducer::breakers::{line_stop, max_iterations_stop, retry};
use crate::reducer::{next_iteration, running_lamp};
use crate::state::{Lamp, LoopState, Mode, PullRequest, State, StopCause};

pub(super) fn pr_event(s: &mut LoopState, e: &PrEvent) -> Transition {
    match e {
        PrEvent::Opened { url, auto_push } => opened(s, url, *auto_push),
        PrEvent::CiFailed { head, report } => ci_failed(s, head, report),
        PrEvent::CiPassed { head } => ci_passed(s, head),
        PrEvent::ChangesRequested { id, reviewer, note } => {
            changes_requested(s, id, reviewer, note)
        }
        PrEvent::Commented { id, author, text } => commented(s, id, author, text),
        PrEvent::Mergeable => mergeable(s),
        PrEvent::NotMergeable => not_mergeable(s),
        PrEvent::PushRefused { why } => push_refused(s, why),
        PrEvent::Diverged { head } => diverged(s, head),
        PrEvent::Closed { merged } => closed(s, *merged),
    }
}

fn logged(log: String) -> Transition {
    Transition {
        effects: Vec::new(),
        log: Some(log),
        refused: None,
    }
}

/// The PR andon follows, while it waits on it.
fn following(s: &mut LoopState) -> Result<&mut PullRequest, Transition> {
    if !matches!(s.state, State::PrOpen | State::Mergeable) {
        return Err(Transition::refuse(format!(
            "no PR is followed while {}",
            s.state.label()
        )));
    }
    s.pr.as_mut()
        .ok_or_else(|| Transition::refuse("no PR is followed"))
}

fn opened(s: &mut LoopState, url: &str, auto_push: bool) -> Transition {
    if s.state != State::Approved || s.pr.is_some() {
        return Transition::refuse(format!("no PR to follow while {}", s.state.label()));
    }
    s.state = State::PrOpen;
    s.lamp = Lamp::Blue;
    s.pr = Some(PullRequest {
        url: url.to_string(),
        auto_push,
        ..PullRequest::default()
    });
    logged(format!("following the PR {url}: its CI and reviews"))
}

/// CI failed on the PR: the loop's breakers count it (across green local iterations, which
/// do not make CI green), and the next iteration gets its log as feedback.
fn ci_failed(s: &mut LoopState, head: &str, r: &ChecksReport) -> Transition {
    let Some(failure) = r.failure.clone() else {
        return Transition::refuse("a CI failure with nothing failed");
    };
    let pr = match following(s) {
        Ok(pr) => pr,
        Err(t) => return t,
    };
    if pr.judged_heads.iter().any(|h| h == head) {
        return Transition::refuse(format!("CI on {head} was judged already"));
    }
    pr.judged_heads.push(head.to_string());
    let same = pr.ci_fingerprint.as_deref() == Some(failure.fingerprint.as_str());
    pr.ci_repeat = if same && pr.ci_failures > 0 {
        pr.ci_repeat + 1
    } else {
        1
    };
    pr.ci_failures += 1;
    pr.ci_fingerprint = Some(failure.fingerprint.clone());
    let (repeat, failures) = (pr.ci_repeat, pr.ci_failures);
    s.last_fingerprint = Some(failure.fingerprint.clone());
    s.last_category = Some(failure.category);
    s.last_checks = Some((r.passed, r.total));
    s.feedback = Some(failure.clone());
    s.consecutive_failures = failures;
    s.repeat_count = repeat;
    let effects = vec![Effect::RaiseIncident {
        iteration: s.iteration,
        failure: failure.clone(),
    }];
    if repeat >= s.limits.repeat_fingerprint {
        let reason = format!(
            "Insanity Rule: the same CI failure {repeat} times in a row ({}); change the approach",
            failure.summary
        );
        return line_stop(s, StopCause::Insanity, reason, effects);
    }
    if s.iteration >= s.limits.max_iterations {
        return max_iterations_stop(s, effects);
    }
    if failures >= s.limits.consecutive_failures {
        s.state = State::MetaAndon;
        s.lamp = Lamp::Magenta;
        let why = format!("Meta-Andon after {failures} CI failures in a row on the PR");
        let mut t = next_iteration(s, Mode::Plan, &why);
        let mut all = effects;
        all.append(&mut t.effects);
        t.effects = all;
        return t;
    }
    let why = format!("CI failed on the PR ({})", failure.summary);
    retry(s, &why, effects)
}

fn ci_passed(s: &mut LoopState, head: &str) -> Transition {
    let pr = match following(s) {
        Ok(pr) => pr,
        Err(t) => return t,
    };
    if pr.ci_failures == 0 {
        return Transition::refuse("CI had not failed");
    }
    pr.ci_failures = 0;
    pr.ci_repeat = 0;
    pr.ci_fingerprint = None;
    s.consecutive_failures = 0;
    s.repeat_count = 0;
    logged(format!("CI passed on the PR at {}", short(head)))
}

/// A reviewer with write access asked for changes: a redirect note in their name, and the
/// next iteration.
fn changes_requested(s: &mut LoopState, id: &str, reviewer: &str, note: &str) -> Transition {
    let pr = match following(s) {
        Ok(pr) => pr,
        Err(t) => return t,
    };
    if pr.reviews_seen.iter().any(|r| r == id) {
        return Transition::refuse("that review was acted on already");
    }
    pr.reviews_seen.push(id.to_string());
    let url = pr.url.clone();
    let note = note.trim();
    if note.is_empty() {
        // Only inline comments: nothing andon can hand the agent. A human reads them and
        // redirects the loop with what to do.
        let reason = format!(
            "{reviewer} requested changes in inline comments only: read them on the PR ({url}) and redirect the loop with what to do"
        );
        return line_stop(s, StopCause::PrReview, reason, Vec::new());
    }
    if s.iteration >= s.limits.max_iterations {
        return max_iterations_stop(s, Vec::new());
    }
    s.notes
        .push(format!("{reviewer} (PR review, changes requested): {note}"));
    s.state = State::Running;
    s.lamp = running_lamp(s);
    next_iteration(
        s,
        Mode::Code,
        &format!("{reviewer} requested changes on the PR"),
    )
}

/// Said on the board and in the log, never in a prompt.
fn commented(s: &mut LoopState, id: &str, author: &str, text: &str) -> Transition {
    let Some(pr) = s.pr.as_mut() else {
        return Transition::refuse("no PR is followed");
    };
    if pr.reviews_seen.iter().any(|r| r == id) {
        return Transition::refuse("that comment was shown already");
    }
    pr.reviews_seen.push(id.to_string());
    let text = crate::sanitize::one_line(text.trim(), 200);
    logged(format!(
        "{author} on the PR (shown here, never fed to the agent): {text}"
    ))
}

fn mergeable(s: &mut LoopState) -> Transition {
    if s.state != State::PrOpen {
        return Transition::refuse(format!("not waiting on the PR while {}", s.state.label()));
    }
    s.state = State::Mergeable;
    s.lamp = Lamp::Blue;
    if let Some(pr) = s.pr.as_mut() {
        pr.ci_failures = 0;
        pr.ci_repeat = 0;
    }
    logged("the PR's checks are green and it is approved: mergeable".into())
}

/// The remote refused the fix (the PR's branch has commits the loop's has not): the line
/// stops until a human brings the branch up to date and resumes (see [`resume`]).
fn push_refused(s: &mut LoopState, why: &str) -> Transition {
    let Some(pr) = s.pr.as_ref() else {
        return Transition::refuse("no PR is followed");
    };
    let reason = format!(
        "the push to the PR was refused ({}): bring the loop's branch up to date with the PR's ({}), then resume to push again",
        crate::sanitize::one_line(why, 200),
        pr.url
    );
    line_stop(s, StopCause::PrPush, reason, Vec::new())
}

/// Someone else pushed to the PR's branch: the loop's branch is behind it, and CI judges
/// their commit, not the loop's. The line stops until a human brings the branch up to date
/// and resumes (which pushes it).
fn diverged(s: &mut LoopState, head: &str) -> Transition {
    let Some(pr) = s.pr.as_ref() else {
        return Transition::refuse("no PR is followed");
    };
    if !matches!(s.state, State::PrOpen | State::Mergeable) {
        return Transition::refuse(format!("not following the PR while {}", s.state.label()));
    }
    // What happened first: a pane's title shows the start of it.
    let reason = format!(
        "the PR's branch has commits the loop's has not (head {}): bring the branch up to date with the PR's ({}), then resume to push it",
        short(head),
        pr.url
    );
    line_stop(s, StopCause::PrPush, reason, Vec::new())
}

/// A human resumes a PR stop: after a refused push the fix is pushed again; after a review
/// andon could not pass on, the loop goes on following the PR as it is.
pub(crate) fn resume(s: &mut LoopState, cause: StopCause) -> Transition {
    s.stop = None;
    s.state = State::PrOpen;
    s.lamp = Lamp::Blue;
    match cause {
        StopCause::PrPush => Transition {
            effects: vec![Effect::PushToPr],
            log: Some(format!("iteration {} pushed to the PR again", s.iteration)),
            refused: None,
        },
        _ => logged("resumed: following the PR as it is".into()),
    }
}

fn not_mergeable(s: &mut LoopState) -> Transition {
    if s.state != State::Mergeable {
        return Transition::refuse(format!("not mergeable while {}", s.state.label()));
    }
    s.state = State::PrOpen;
    logged("the PR is not mergeable any more (its checks or its approval changed)".into())
}

fn closed(s: &mut LoopState, merged: bool) -> Transition {
    if s.pr.is_none() || s.state.is_terminal() {
        return Transition::refuse(format!("no PR is followed while {}", s.state.label()));
    }
    if s.state.is_active() {
        // The PR closed under a running iteration: that run ends with it.
        return Transition {
            effects: vec![Effect::EndRun],
            ..closed_state(s, merged)
        };
    }
    closed_state(s, merged)
}

fn closed_state(s: &mut LoopState, merged: bool) -> Transition {
    s.state = if merged {
        State::Merged
    } else {
        State::Aborted
    };
    s.lamp = Lamp::Gray;
    s.stop = None;
    logged(if merged {
        "the PR was merged on the forge".into()
    } else {
        "the PR was closed without merging".into()
    })
}

fn short(head: &str) -> &str {
    head.get(..8).unwrap_or(head)
}

//! The reducer's rule for the reviewer's answer (the Checker as a second opinion): APPROVE
//! lets the loop wait for a human, REJECT is the maker's failed iteration, a reviewer that
//! could not review stops the line without charging the maker, and reviewers that disagree
//! stop it for a human, who resumes it to approval or redirects it.

use crate::event::{ChecksReport, Effect, IterationStatus, Transition};
use crate::failure::classify::Category;
use crate::reducer::agent::over_budget;
use crate::reducer::breakers::{failed_iteration, line_stop};
use crate::reducer::passed;
use crate::reviewer::{split_reason, Opinion};
use crate::state::{LoopState, State, StopCause};
use crate::usage::Usage;

/// The reviewer answered. Whatever it did to the worktree is discarded: only the maker
/// writes code.
pub(crate) fn review_finished(
    s: &mut LoopState,
    r: &ChecksReport,
    usage: Option<&Usage>,
    opinions: &[Opinion],
    split: bool,
) -> Transition {
    if s.state != State::Checking || !s.limits.review {
        return Transition::refuse(format!("no review running while {}", s.state.label()));
    }
    let n = s.iteration;
    s.opinions = opinions.to_vec();
    // The reviewer spends from the loop's budget like the maker.
    if let Some(usage) = usage {
        s.spent.add(usage);
    }
    if let Some(reason) = over_budget(s) {
        return line_stop(s, StopCause::Budget, reason, vec![Effect::DiscardChanges]);
    }
    if split {
        // Agreement builds confidence; disagreement is for a human, who sees both sides.
        let mut effects = vec![Effect::DiscardChanges];
        effects.push(Effect::EndIteration {
            iteration: n,
            status: IterationStatus::Stopped,
            failure: None,
        });
        return line_stop(s, StopCause::ReviewSplit, split_reason(opinions), effects);
    }
    match &r.failure {
        None => {
            let mut t = passed(
                s,
                format!("the reviewer approved iteration {n}: awaiting approval"),
            );
            t.effects.insert(0, Effect::DiscardChanges);
            t
        }
        // The reviewer could not work: a human looks; the maker is not charged.
        Some(f) if f.category == Category::AgentError => {
            let resume_to = Some(State::Checking);
            let t = line_stop(
                s,
                StopCause::Reviewer,
                format!("{}; resume to ask again", f.summary),
                vec![Effect::DiscardChanges],
            );
            if let Some(stop) = s.stop.as_mut() {
                stop.resume_to = resume_to;
            }
            t
        }
        Some(f) => failed_iteration(s, f.clone(), false, vec![Effect::DiscardChanges]),
    }
}

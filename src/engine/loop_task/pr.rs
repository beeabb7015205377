//! A loop that follows its pull request (`[pr] follow`): every `[pr] poll` it looks at the
//! PR and feeds what it heard — a CI failure with its log, a trusted reviewer's change request
//! (audited in their name), what others said (shown only), green CI, mergeable, merged — and
//! pushes a green fix itself when the reducer says so (`[pr] push = "auto"`).

use andon_core::event::{Event, PrEvent};
use andon_core::pr_follow::{heard, Heard};
use andon_core::state::State;

use super::step_error::StepError;
use super::{run_blocking, LoopTask};
use crate::engine::delivery::pull_request::push_branch;
use crate::engine::forge::follow;

/// Most changes of the loop's state from one look at the PR (what is only shown is not
/// counted: each comment is shown once, then seen).
const MOST_PER_LOOK: usize = 8;

impl LoopTask {
    /// It waits on its PR: the PR is looked at every `[pr] poll`.
    pub(super) fn following(&self) -> bool {
        matches!(self.p.state.state, State::PrOpen | State::Mergeable) && self.p.state.pr.is_some()
    }

    /// Looks at the PR once and feeds what it says. A forge that does not answer (the network,
    /// a rate limit) is logged and asked again at the next poll.
    pub(super) async fn follow_pr(&mut self) {
        let root = self.shared.repo_root().to_path_buf();
        // The PR by its address: a branch name could name another PR (a fork's, a remote's).
        let Some((url, seen)) = self
            .p
            .state
            .pr
            .as_ref()
            .map(|pr| (pr.url.clone(), pr.reviews_seen.clone()))
        else {
            return;
        };
        let reviewers = self.shared.config().pr.reviewers.clone();
        let looked = {
            let root = root.clone();
            run_blocking(move || {
                follow::look(&root, &url, &reviewers, &seen).map_err(|e| e.to_input_error().message)
            })
            .await
        };
        let status = match looked {
            Ok(status) => {
                self.pr_unread = false;
                status
            }
            Err(e) => {
                tracing::warn!(loop_name = %self.spec.name, "the PR could not be read: {e}");
                // Said once on the board and in the log, not at every poll.
                if !std::mem::replace(&mut self.pr_unread, true) {
                    self.publish(
                        Some(format!(
                            "the PR could not be read ({e}); andon asks again every poll"
                        )),
                        None,
                    );
                }
                return;
            }
        };
        // What is only shown does not count: a flood of comments cannot hold back the rest.
        // (Each comment is heard once at most: the steps are bounded all the same.)
        let mut changes = 0;
        for _ in 0..MOST_PER_LOOK + status.reviews.len() {
            if changes >= MOST_PER_LOOK {
                break;
            }
            let event = match heard(&self.p.state, &status) {
                Heard::Nothing => break,
                Heard::Event(e) => e,
                Heard::CiFailed { head, .. } if !self.has_commit(&head).await => {
                    // CI judged a commit someone else pushed: not the loop's work to fix.
                    PrEvent::Diverged { head }
                }
                Heard::CiFailed { head, failing } => {
                    let (root, status) = (root.clone(), status.clone());
                    let report = run_blocking(move || {
                        follow::ci_report(&root, &status, &failing)
                            .map_err(|e| e.to_input_error().message)
                    })
                    .await;
                    match report {
                        Ok(report) => PrEvent::CiFailed { head, report },
                        Err(e) => {
                            // Judged at the next poll, once the log can be read.
                            tracing::info!(loop_name = %self.spec.name, "CI's log is not readable yet: {e}");
                            break;
                        }
                    }
                }
            };
            if let PrEvent::ChangesRequested { reviewer, note, .. } = &event {
                // The note reaches the agent in the reviewer's name: the trail says whose.
                let actor = format!("{reviewer} (PR review)");
                let note = self.shared.redactor().clean(note);
                self.rec.audit_by(&actor, &self.p, "redirect", Some(note));
            }
            if !matches!(event, PrEvent::Commented { .. }) {
                changes += 1;
            }
            self.feed(Event::Pr(event), Vec::new()).await;
            if !self.following() {
                break;
            }
        }
    }

    /// Whether the loop's branch has `head` (its tip, or behind it).
    async fn has_commit(&self, head: &str) -> bool {
        let (git, branch, head) = (
            self.shared.git().clone(),
            self.spec.branch.clone(),
            head.to_string(),
        );
        run_blocking(move || {
            git.branch_contains(&branch, &head)
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or(false)
    }

    /// `[pr] push = "auto"` (or a human's resume after a refused push): the green fix goes to
    /// the PR's branch, audited as andon's. A refused push stops the line with git's words
    /// (the PR's branch moved on without andon): a human brings the branch up to date and
    /// resumes, which pushes again.
    pub(super) async fn push_to_pr(&mut self) -> Result<(), StepError> {
        let (git, root, branch) = (
            self.shared.git().clone(),
            self.shared.repo_root().to_path_buf(),
            self.spec.branch.clone(),
        );
        if let Err(why) = run_blocking(move || push_branch(&git, &root, &branch)).await {
            // Not andon's error: the PR's branch moved on. The reducer stops for a human.
            self.follow_up = Some(Event::Pr(PrEvent::PushRefused { why }));
            return Ok(());
        }
        let reason = format!("iteration {} pushed to the PR", self.p.state.iteration);
        self.rec
            .audit_by("andon (push = auto)", &self.p, "push", Some(reason));
        Ok(())
    }
}

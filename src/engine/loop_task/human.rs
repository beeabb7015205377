//! A loop task's human actions: the reducer's gates, the audit row before the action takes
//! effect, and an approval's delivery (merge, PR body) and cleanup.

use std::sync::Arc;

use super::{run_blocking, LoopTask};
use crate::engine::delivery::cleanup;
use crate::engine::delivery::deliver::{self, Delivered, Place};
use crate::engine::delivery::pull_request;
use crate::engine::forge::gh;
use crate::engine::memory::{self, WhysFor};
use crate::or_log::OrLog;
use andon_core::event::{Effect, Event, HumanAction, Outcome, PrEvent};
use andon_core::reducer::reduce;
use andon_core::state::LoopState;

/// What carrying out an approval did.
#[derive(Default)]
struct Approval {
    /// What the delivery says, for the answer and the event log.
    said: Option<String>,
    /// Merged into the base with this outcome: the worktree is cleaned up.
    merged: Option<Outcome>,
    /// A merged loop's 90_LOG page went into its merge commit.
    logged: Option<String>,
    /// The PR opened for a loop that will follow it.
    opened: Option<String>,
}

impl LoopTask {
    /// The action as it is carried out: a Meta-Andon resume takes the fix plan the plan-mode
    /// agent wrote, and a secret typed into a note goes no further.
    fn prepared(&self, action: HumanAction) -> HumanAction {
        let meta_andon_stop = self
            .p
            .state
            .stop
            .as_ref()
            .is_some_and(|s| s.cause == andon_core::state::StopCause::MetaAndon);
        match action {
            // Resuming a Meta-Andon stop accepts the fix plan the plan-mode agent wrote (the
            // board and the CLI pass the text they showed; otherwise it is read here).
            HumanAction::Resume {
                fix_plan: None,
                note,
            } if meta_andon_stop => HumanAction::Resume {
                fix_plan: crate::own_file::read_to_string(
                    &self
                        .shared
                        .dirs()
                        .fix_plan(&self.spec.name, self.p.state.iteration),
                )
                .ok(),
                note,
            },
            other => other,
        }
        // A secret typed into a note goes no further than here.
        .redacted(self.shared.redactor())
    }

    pub(super) async fn human(&mut self, action: HumanAction) -> Result<String, String> {
        let action = self.prepared(action);
        if matches!(action, HumanAction::Approve { .. }) && self.shared.is_line_stopped() {
            return Err("the whole line is stopped: resume it before approving".into());
        }
        let (mut next, mut t) = reduce(&self.p.state, &Event::Human(action.clone()));
        if let Some(reason) = t.refused {
            // The reducer does not know the loop's name; the command it names does.
            return Err(reason.replace(
                "andon resume LOOP",
                &format!("andon resume {}", self.spec.name),
            ));
        }
        // Resumed: what it saw before is no evidence of a common cause any more.
        if matches!(action, HumanAction::Resume { .. }) {
            self.line.forget(&self.spec.name);
        }
        let approval = match &action {
            HumanAction::Approve { outcome, anyway } => Some((*outcome, anyway.clone())),
            _ => None,
        };
        if let Some((outcome, _)) = &approval {
            // A merge that would be refused is refused before anything is recorded.
            let (git, place, outcome) =
                (self.shared.git().clone(), Place::of(&self.spec), *outcome);
            run_blocking(move || deliver::check(&git, &place, outcome)).await?;
        }
        let mut message = t.log.clone().unwrap_or_else(|| action.name().to_string());
        // The audit row is written before the action takes effect (DESIGN §4).
        self.rec.audit(&self.shared, &self.p, &action);
        if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
            return Err(format!("cannot record the action in the audit trail: {e}"));
        }
        let mut done = Approval::default();
        if let Some((outcome, anyway)) = approval {
            done = self.carry_out(outcome, anyway, &next, &mut t).await?;
            if let Some(said) = &done.said {
                message = format!("{message}: {said}");
                t.log = Some(message.clone());
            }
        }
        let Approval {
            merged,
            logged,
            opened,
            ..
        } = done;
        let follows = opened.is_some();
        if let Some(url) = opened {
            self.follow_from_approval(url, &mut next, &mut t);
        }
        if let Some(failed) = self.apply(next, t, Vec::new()).await {
            self.feed(failed.event(), Vec::new()).await;
        }
        if let Some(note) = self.effect_note.take() {
            message = format!("{message}: {note}");
        }
        // A run that finished while frozen reports now that the loop is running again.
        if self.p.state.state.is_active() && self.current.is_none() {
            if let Some((event, runs)) = self.parked.take() {
                self.feed(event, runs).await;
            }
        }
        // Its record of the loop goes in 90_LOG as the loop ends — or leaves for its PR.
        if self.p.state.state.is_terminal() || follows {
            // Before the cleanup: the page's diffstat is read from the branch.
            let page = match logged {
                Some(page) => Some(page),
                None => self.write_loop_log(message.clone()).await,
            };
            if let Some(page) = page {
                message = format!("{message}; logged in {}", self.repo_relative(&page));
            }
        }
        if let Some(outcome) = merged {
            message = format!("{message}; {}", self.clean_up_after_merge(outcome).await);
        }
        Ok(message)
    }

    /// Carries an approval's outcome out before its transition is applied: the merge, the PR
    /// body (and with `[pr] follow` the PR opened), or a followed PR's fix pushed. A failure
    /// changes nothing, unless the run was ended for it: then the line stops with the reason.
    async fn carry_out(
        &mut self,
        outcome: Outcome,
        anyway: Option<String>,
        next: &LoopState,
        t: &mut andon_core::event::Transition,
    ) -> Result<Approval, String> {
        // Approved anyway while a run goes on: the run ends first, so nothing writes to the
        // worktree while its branch is merged and cleaned up.
        let ends_run = t.effects.contains(&Effect::EndRun);
        if ends_run {
            self.end_run().await;
        }
        let delivered = if outcome == Outcome::Pr && self.p.state.pr.is_some() {
            self.push_fix().await.map(|done| (done, None))
        } else {
            self.deliver(outcome, anyway, next.clone()).await
        };
        match delivered {
            Ok((done, page)) => {
                let mut said = done.message;
                let mut opened = None;
                if outcome == Outcome::Pr && self.p.state.pr.is_none() {
                    let (more, url) = self.open_followed_pr().await;
                    opened = url;
                    // Opened already: the way to open it by hand is no news.
                    if let Some(hint) = done.how_to_open.filter(|_| opened.is_none()) {
                        said = format!("{said}; {hint}");
                    }
                    said.push_str(&more);
                }
                Ok(Approval {
                    said: Some(said),
                    merged: done.merged.map(|_| outcome),
                    logged: page,
                    opened,
                })
            }
            Err(e) if ends_run => {
                // The run is gone and the approval failed: the line stops with the reason
                // rather than leave a loop that looks busy with nothing running.
                let reason = format!("approval failed after the run was ended: {e}");
                self.feed(Event::EngineFailed { reason }, Vec::new()).await;
                Err(e)
            }
            Err(e) => {
                // Nothing changed: the loop still waits for approval.
                self.rec.event(&self.p.state, "approval_failed", &e);
                self.rec.commit(&self.shared, &self.spec, &self.p).or_log("the failed approval's event is said in the answer even if the store refuses it");
                Err(e)
            }
        }
    }

    /// The PR opened: the loop follows it from the approval's own transition (`next`, `t`),
    /// so no crash in between can leave an open PR unfollowed.
    fn follow_from_approval(
        &self,
        url: String,
        next: &mut LoopState,
        t: &mut andon_core::event::Transition,
    ) {
        let auto_push = self.shared.config().pr.push == crate::config::PushMode::Auto;
        let (following, then) = reduce(next, &Event::Pr(PrEvent::Opened { url, auto_push }));
        if then.refused.is_some() {
            return;
        }
        *next = following;
        t.effects.extend(then.effects);
        t.log = Some(match (t.log.take(), then.log) {
            (Some(a), Some(b)) => format!("{a}; {b}"),
            (a, b) => a.or(b).unwrap_or_default(),
        });
    }

    /// Approving a followed PR's green fix pushes it to the PR's branch.
    async fn push_fix(&self) -> Result<Delivered, String> {
        let (git, root, branch) = (
            self.shared.git().clone(),
            self.shared.repo_root().to_path_buf(),
            self.spec.branch.clone(),
        );
        let pushed = branch.clone();
        run_blocking(move || pull_request::push_branch(&git, &root, &branch)).await?;
        Ok(Delivered {
            message: format!("{pushed} pushed to the PR; andon follows its CI"),
            merged: None,
            how_to_open: None,
        })
    }

    /// With `[pr] follow`, the approved loop's PR is opened (its branch pushed, `gh pr
    /// create` run) and followed. What to add to the answer, and the PR's address when it is
    /// followed; without `gh`, or logged out, nothing is followed and the answer says why.
    async fn open_followed_pr(&self) -> (String, Option<String>) {
        if !self.shared.config().pr.follow {
            return (String::new(), None);
        }
        let root = self.shared.repo_root().to_path_buf();
        let git = self.shared.git().clone();
        let branch = self.spec.branch.clone();
        let body = self.shared.dirs().loop_dir(&self.spec.name).join("PR.md");
        let opened = run_blocking(move || {
            gh::ready(&root).map_err(|e| {
                let e = e.to_input_error();
                format!("{}\n  fix: {}", e.message, e.fix)
            })?;
            let cmd =
                pull_request::gh_command(&branch, &body).ok_or("the PR body could not be read")?;
            let out = pull_request::open_pr(&git, &root, &branch, &cmd)?;
            pull_request::pr_url(&out).ok_or_else(|| format!("gh pr create said no address: {out}"))
        })
        .await;
        match opened {
            Ok(url) => (
                format!("; PR opened: {url}; andon follows its CI and reviews"),
                Some(url),
            ),
            Err(e) => (format!("; [pr] follow: nothing is followed: {e}"), None),
        }
    }

    /// Carry out an approval's outcome (merge, PR body) before the transition is applied. A
    /// merge commits the loop's 90_LOG page with it (written for `after`, the approved state);
    /// its path comes back with the delivery.
    async fn deliver(
        &self,
        outcome: Outcome,
        anyway: Option<String>,
        after: LoopState,
    ) -> Result<(Delivered, Option<String>), String> {
        let shared = Arc::clone(&self.shared);
        let spec = Arc::clone(&self.spec);
        let place = Place::of(&self.spec);
        let state = self.p.state.clone();
        run_blocking(move || {
            let mut page = None;
            let target = shared
                .git()
                .merge_target()
                .ok()
                .flatten()
                .unwrap_or_else(|| "HEAD".into());
            let how = match deliver::style(outcome, shared.config().merge.history) {
                Some(crate::git::MergeStyle::History) => "with its iterations",
                _ => "as one commit",
            };
            let detail = format!(
                "approved ({}): merged into {target} {how}",
                outcome.as_str()
            );
            let mut memory = || {
                let written = memory::write_loop_log(&shared, &spec, &after, Some(&detail))?;
                page = Some(written.main.to_string_lossy().into_owned());
                Ok(written.files)
            };
            let delivery = deliver::Delivery {
                store: shared.store(),
                dirs: shared.dirs(),
                history_by_default: shared.config().merge.history,
                redactor: shared.redactor(),
                memory: &mut memory,
            };
            let done = deliver::deliver(
                shared.git(),
                delivery,
                &place,
                &state,
                outcome,
                anyway.as_deref(),
            )?;
            Ok((done, page))
        })
        .await
    }

    /// The merged worktree is removed (and a merged, not squashed, branch with it); work no
    /// snapshot holds keeps it in place.
    async fn clean_up_after_merge(&mut self, outcome: Outcome) -> String {
        let git = self.shared.git().clone();
        let place = Place::of(&self.spec);
        // A branch merged with its history is in the base; a squashed one keeps its iterations.
        let delete_branch = deliver::style(outcome, self.shared.config().merge.history)
            == Some(crate::git::MergeStyle::History);
        let result = run_blocking(move || {
            let plan = cleanup::CleanupPlan::of(&git, &place, delete_branch)?;
            cleanup::cleanup(&git, &place, &plan, false)
        })
        .await;
        let text = match result {
            Ok(done) => done,
            Err(e) => format!(
                "worktree kept: {e}\n  to remove it anyway: andon cleanup {} --force --reason TEXT",
                self.spec.name
            ),
        };
        self.rec.event(&self.p.state, "cleanup", &text);
        if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
            tracing::error!(loop_name = %self.spec.name, "store commit failed: {e}");
        }
        text
    }

    /// The prefilled Five Whys file for a Meta-Andon (`iteration` is the plan-mode one) or a
    /// line stop, recorded as an event. The repo's memory is not worth stopping the line for:
    /// a failure is logged.
    pub(super) async fn write_five_whys(
        &mut self,
        iteration: u32,
        kind: WhysFor,
    ) -> Option<String> {
        let (shared, spec) = (Arc::clone(&self.shared), Arc::clone(&self.spec));
        let state = self.p.state.clone();
        let snapshot = self.p.last_snapshot.clone();
        let streak = memory::failure_streak(
            shared.store(),
            &spec.name,
            &self.p.marks,
            self.rec.pending_incidents(),
        );
        let result = run_blocking(move || {
            let written = memory::write_five_whys(
                &shared, &spec, &state, &snapshot, iteration, kind, &streak,
            )?;
            let subject = format!("Five Whys for loop {} iteration {iteration}", spec.name);
            if let Err(e) = memory::commit(&shared, &written, &subject) {
                tracing::warn!(loop_name = %spec.name, "Five Whys not committed: {e}");
            }
            Ok(written.main)
        })
        .await;
        match result {
            Ok(path) => {
                let path = path.to_string_lossy().into_owned();
                let shown = self.repo_relative(&path);
                self.rec
                    .event(&self.p.state, "five_whys", &format!("Five Whys: {shown}"));
                Some(path)
            }
            Err(e) => {
                tracing::warn!(loop_name = %self.spec.name, "Five Whys not written: {e}");
                None
            }
        }
    }

    /// Commits the plan-mode iteration's Five Whys file as the agent completed its copy
    /// (read no-follow from the agent's folder, redacted; nothing when it did not touch it).
    /// A refusal is logged: the prefilled file stays for the human.
    pub(super) async fn commit_five_whys(&self) {
        let Some(path) = self.five_whys.clone() else {
            return;
        };
        let draft = self
            .shared
            .dirs()
            .five_whys_draft(&self.spec.name, self.p.state.iteration);
        let completed = match crate::own_file::read_to_string(&draft) {
            Ok(text) => text,
            Err(e) => {
                tracing::warn!(loop_name = %self.spec.name, "Five Whys copy not read: {e}");
                return;
            }
        };
        if std::fs::read_to_string(&path).is_ok_and(|prefilled| prefilled == completed) {
            return;
        }
        // The agent's words, committed to the repository: redacted, and inert for the forge.
        let text = andon_core::markdown::defuse(&self.shared.redactor().redact(&completed));
        // Renamed over the wiki file, never written through whatever stands at its name.
        if let Err(e) = crate::atomic::write(std::path::Path::new(&path), &text) {
            tracing::warn!(loop_name = %self.spec.name, "Five Whys not updated: {e}");
            return;
        }
        let file = self.repo_relative(&path);
        let shared = Arc::clone(&self.shared);
        let subject = format!(
            "Five Whys for loop {} iteration {}, completed by the agent",
            self.spec.name, self.p.state.iteration
        );
        let result = run_blocking(move || {
            let written = memory::Written {
                main: path.into(),
                files: vec![file],
            };
            memory::commit(&shared, &written, &subject).map(|_| ())
        })
        .await;
        if let Err(e) = result {
            tracing::warn!(loop_name = %self.spec.name, "Five Whys not committed: {e}");
        }
    }

    /// A path inside the repository as the repository sees it.
    pub(super) fn repo_relative(&self, path: &str) -> String {
        memory::repo_relative(self.shared.repo_root(), path)
    }

    /// The 90_LOG page of a loop that has just ended.
    async fn write_loop_log(&self, detail: String) -> Option<String> {
        let (shared, spec) = (Arc::clone(&self.shared), Arc::clone(&self.spec));
        let state = self.p.state.clone();
        let result = run_blocking(move || {
            let written = memory::write_loop_log(&shared, &spec, &state, Some(&detail))?;
            let subject = format!("log loop {} ({})", spec.name, state.state.label());
            if let Err(e) = memory::commit(&shared, &written, &subject) {
                tracing::warn!(loop_name = %spec.name, "90_LOG page not committed: {e}");
            }
            Ok(written.main)
        })
        .await;
        match result {
            Ok(path) => Some(path.to_string_lossy().into_owned()),
            Err(e) => {
                tracing::warn!(loop_name = %self.spec.name, "90_LOG page not written: {e}");
                None
            }
        }
    }
}

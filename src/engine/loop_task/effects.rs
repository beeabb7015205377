//! A loop task's effects: what each of the reducer's effects does — runs, freezes, prompts,
//! guards' rollbacks, snapshots, iteration records, incidents — and the prompt it composes.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::LoopTask;
use crate::config::AgentMode;
use crate::engine::loop_task::operations::{blocking, check_jobs, git_step, goal_jobs, PendingOp};
use crate::engine::loop_task::step_error::StepError;
use crate::git::DiffLimits;
use crate::pty::signal::{continue_group, stop_group};
use andon_core::event::Effect;
use andon_core::failure::seen_before::SeenBefore;
use andon_core::prompt::{compose, follow_up, PromptInput};
use andon_core::state::{Failure, Mode};

impl LoopTask {
    pub(super) async fn effect(&mut self, effect: Effect) -> Result<(), StepError> {
        let s = Arc::clone(&self.shared);
        let spec = Arc::clone(&self.spec);
        match effect {
            Effect::EndRun => self.end_run().await,
            // The running group, and an interactive session idling beside the checks: a
            // stopped line is frozen whole.
            Effect::Freeze => {
                self.run.frozen.store(true, Ordering::SeqCst);
                for id in self.run_groups() {
                    stop_group(id).map_err(|e| format!("cannot freeze process group {id}: {e}"))?;
                }
            }
            Effect::Thaw => {
                self.run.frozen.store(false, Ordering::SeqCst);
                for id in self.run_groups() {
                    continue_group(id)
                        .map_err(|e| format!("cannot resume process group {id}: {e}"))?;
                }
            }
            Effect::BeginIteration { iteration, mode } => {
                self.begin_iteration(iteration, mode).await?;
            }
            Effect::RunAgent => self.pending = Some(PendingOp::Agent { delay_ms: 0 }),
            Effect::RunAgentAfter { ms } => self.pending = Some(PendingOp::Agent { delay_ms: ms }),
            Effect::RunChecks => {
                self.pending = Some(PendingOp::Checks {
                    kind: "check",
                    jobs: check_jobs(&spec),
                })
            }
            Effect::RunBaseline => {
                // Its logs go in iter-0, before any iteration's.
                crate::own_file::dir(&s.dirs().iter_dir(&spec.name, 0))
                    .map_err(|e| StepError::io(&e))?;
                self.pending = Some(PendingOp::Checks {
                    kind: "baseline",
                    jobs: check_jobs(&spec),
                })
            }
            Effect::RunReview => self.pending = Some(PendingOp::Review),
            Effect::PushToPr => self.push_to_pr().await?,
            Effect::RunGoal => {
                self.pending = Some(PendingOp::Checks {
                    kind: "goal",
                    jobs: goal_jobs(&spec),
                })
            }
            Effect::RestorePaths { paths } => {
                let (worktree, base) = (spec.worktree.clone(), spec.base.clone());
                git_step(move || s.git().restore_paths(&worktree, &base, &paths)).await?;
            }
            Effect::NoteRestored {
                iteration,
                out_of_scope,
                spec_drift,
            } => {
                // Not into an interactive agent's TUI: its own screen owns the pane.
                if let Some(out) = spec.side_output(s.output()) {
                    let note =
                        crate::engine::iteration::pane_text::guard_note(&out_of_scope, &spec_drift);
                    out(&spec.name, note.as_bytes());
                }
                self.rec.restored(iteration, &out_of_scope, &spec_drift);
            }
            Effect::DiscardChanges => {
                let (worktree, to) = (spec.worktree.clone(), self.p.last_snapshot.clone());
                git_step(move || s.git().reset_worktree(&worktree, &to)).await?;
            }
            Effect::RollbackToGreen => self.rollback_to_green().await?,
            Effect::Snapshot { message } => {
                let worktree = spec.worktree.clone();
                let id = git_step(move || s.git().snapshot(&worktree, &message)).await?;
                self.p.last_snapshot = id.clone();
                self.rec.snapshot(&id);
            }
            Effect::EndIteration {
                iteration,
                status,
                failure,
            } => {
                self.rec.end_iteration(iteration, status, failure.as_ref());
                self.p.mark(iteration, status.as_str());
            }
            Effect::RaiseIncident { iteration, failure } => {
                // The evidence includes what the loop had changed by then (base to snapshot).
                let (base, snapshot) = (spec.base.clone(), self.p.last_snapshot.clone());
                let git = s.git().clone();
                let stat =
                    blocking(move || git.diff_commits(&base, &snapshot, DiffLimits::default()))
                        .await
                        .ok()
                        .map(|d| d.stat());
                // Each failure looks again: other loops may have failed (or been fixed) since.
                self.seen_before = None;
                let seen = self.seen_before(&failure).await;
                self.rec
                    .incident(&s, &spec, iteration, &failure, stat, &seen);
            }
            // Carried by the transition's event and update (see `apply`).
            Effect::Alert { .. } => {}
        }
        Ok(())
    }

    /// A new iteration's folder, its Five Whys draft in plan mode, and its prompt (with the
    /// follow-up an interactive session gets pasted instead).
    async fn begin_iteration(&mut self, iteration: u32, mode: Mode) -> Result<(), StepError> {
        let s = Arc::clone(&self.shared);
        let spec = Arc::clone(&self.spec);
        let dir = s.dirs().iter_dir(&spec.name, iteration);
        crate::own_file::dir(&dir).map_err(|e| StepError::io(&e))?;
        // Where the agent may write its fix plan (the one folder of `.andon/` it may).
        crate::own_file::dir(&s.dirs().agent_dir(&spec.name)).map_err(|e| StepError::io(&e))?;
        self.five_whys = match mode {
            Mode::Plan => {
                self.write_five_whys(iteration, crate::engine::memory::WhysFor::MetaAndon)
                    .await
            }
            Mode::Code => None,
        };
        if let Some(wiki) = &self.five_whys {
            // The agent completes a copy in its own folder: it never writes the
            // repository, sandboxed or not.
            let text = std::fs::read(wiki).map_err(|e| StepError::io(&e))?;
            crate::own_file::write(&s.dirs().five_whys_draft(&spec.name, iteration), &text)
                .map_err(|e| StepError::io(&e))?;
        }
        let seen = match self.p.state.feedback.clone() {
            Some(failure) => self.seen_before(&failure).await,
            None => Vec::new(),
        };
        let path = s.dirs().prompt(&spec.name, iteration);
        crate::own_file::write(&path, self.compose_prompt(None, &seen).as_bytes())
            .map_err(|e| StepError::io(&e))?;
        if spec.profile.mode == AgentMode::Interactive {
            // What a session that already has the brief gets pasted instead.
            let follow_up = s.dirs().follow_up(&spec.name, iteration);
            let brief = path.to_string_lossy().to_string();
            crate::own_file::write(
                &follow_up,
                self.compose_prompt(Some(&brief), &seen).as_bytes(),
            )
            .map_err(|e| StepError::io(&e))?;
        }
        self.rec.begin_iteration(iteration, mode, &path);
        self.p.mark(iteration, "running");
        Ok(())
    }

    /// Resets the worktree and branch to the last iteration whose checks all passed.
    async fn rollback_to_green(&mut self) -> Result<(), StepError> {
        let s = Arc::clone(&self.shared);
        let spec = Arc::clone(&self.spec);
        let (shared, name, base) = (Arc::clone(&s), spec.name.clone(), spec.base.clone());
        let target = tokio::task::spawn_blocking(move || {
            crate::engine::delivery::rollback::target(shared.store(), shared.git(), &name, &base)
        })
        .await
        .map_err(|e| format!("rollback task failed: {e}"))??;
        let (worktree, to) = (spec.worktree.clone(), target.commit.clone());
        git_step(move || s.git().reset_worktree(&worktree, &to)).await?;
        self.p.last_snapshot = target.commit.clone();
        let detail = format!(
            "worktree and branch reset to {}; dropped {}",
            target.label(),
            target.loss()
        );
        self.rec.event(&self.p.state, "rollback", &detail);
        self.effect_note = Some(detail);
        Ok(())
    }

    /// The process groups a stop freezes: the running one and the interactive session.
    fn run_groups(&self) -> Vec<i32> {
        let mut ids = vec![self.run.pgid.load(Ordering::SeqCst)];
        let live = self.run.session.lock().ok().and_then(|s| s.clone());
        if let Some(session) = live.filter(|s| s.alive()) {
            ids.push(session.pid());
        }
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|id| *id > 0);
        ids
    }

    /// Other loops' failures like `failure`: looked up when its incident is raised, and kept
    /// for the prompt that follows (a restarted supervisor looks again).
    async fn seen_before(&mut self, failure: &Failure) -> Vec<SeenBefore> {
        if let Some((fingerprint, seen)) = &self.seen_before {
            if *fingerprint == failure.fingerprint {
                return seen.clone();
            }
        }
        let (s, name, f) = (
            Arc::clone(&self.shared),
            self.spec.name.clone(),
            failure.clone(),
        );
        let seen = tokio::task::spawn_blocking(move || {
            crate::engine::memory::seen_before::lookup(&s, &name, &f)
        })
        .await
        .unwrap_or_default();
        self.seen_before = Some((failure.fingerprint.clone(), seen.clone()));
        seen
    }

    /// The iteration's prompt; with the brief's path, the follow-up a continuing interactive
    /// session gets instead.
    pub(super) fn compose_prompt(&self, brief: Option<&str>, seen_before: &[SeenBefore]) -> String {
        let s = &self.shared;
        let iteration = self.p.state.iteration;
        let fix_plan = s
            .dirs()
            .fix_plan(&self.spec.name, iteration)
            .to_string_lossy()
            .to_string();
        let skills =
            crate::engine::memory::skills::load(s.repo_root(), &self.spec.plan, self.p.state.mode);
        let failures = if self.p.state.mode == Mode::Plan {
            crate::engine::memory::failure_streak(
                s.store(),
                &self.spec.name,
                &self.p.marks,
                self.rec.pending_incidents(),
            )
        } else {
            Vec::new()
        };
        let five_whys = self.five_whys.as_ref().map(|_| {
            s.dirs()
                .five_whys_draft(&self.spec.name, iteration)
                .to_string_lossy()
                .into_owned()
        });
        let andon = s.andon_exe().to_string_lossy().into_owned();
        let input = PromptInput {
            plan: &self.spec.plan,
            state: &self.p.state,
            skills: &skills,
            fix_plan_path: &fix_plan,
            five_whys_path: five_whys.as_deref(),
            failures: &failures,
            seen_before,
            andon: Some(&andon),
        };
        match brief {
            Some(brief) => follow_up(&input, brief),
            None => compose(&input),
        }
    }
}

pub(super) fn effect_name(e: &Effect) -> &'static str {
    match e {
        Effect::EndRun => "end_run",
        Effect::Freeze => "freeze",
        Effect::Thaw => "thaw",
        Effect::BeginIteration { .. } => "begin_iteration",
        Effect::RunAgent => "run_agent",
        Effect::RunAgentAfter { .. } => "run_agent_after",
        Effect::RestorePaths { .. } => "restore_paths",
        Effect::NoteRestored { .. } => "note_restored",
        Effect::DiscardChanges => "discard_changes",
        Effect::RollbackToGreen => "rollback",
        Effect::RunChecks => "run_checks",
        Effect::RunBaseline => "run_baseline",
        Effect::RunGoal => "run_goal",
        Effect::RunReview => "run_review",
        Effect::Snapshot { .. } => "snapshot",
        Effect::EndIteration { .. } => "end_iteration",
        Effect::RaiseIncident { .. } => "raise_incident",
        Effect::PushToPr => "push_to_pr",
        Effect::Alert { .. } => "alert",
    }
}

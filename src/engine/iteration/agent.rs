//! One agent run (DESIGN §2 step 2): the agent in its PTY in the worktree, watched by the
//! no-progress and iteration-timeout breakers, then the guards on its diff.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::config::AgentMode;
use crate::engine::iteration::child::{self, spawn_kept, ChildCommand, Prompt};
use crate::engine::iteration::env::AndonVars;
use crate::engine::iteration::session::SessionSlot;
use crate::engine::loop_task::step_error::StepError;
use crate::engine::sandbox::{Launch, LoopSandbox};
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;
use crate::pty::signal::{stop_group, terminate_group};
use crate::pty::spawn::{ExitInfo, PtyChild};
use crate::watch::WorktreeWatcher;
use andon_core::agent::states::{recognise, AgentCondition};
use andon_core::event::AgentReport;
use andon_core::failure::sandbox_denial::denial_failure;
use andon_core::failure::verdict::judge_agent;
use andon_core::guard::{ChangedPath, Guards};
use andon_core::state::Mode;
use andon_core::usage::{usage_in, Usage};

/// How often the breakers look at a running agent: a twentieth of the no-progress time,
/// between 1 and 5 seconds. Its exit is noticed at once (the wait is event-driven); this only
/// bounds how late a breaker fires, and a slower look keeps a board of idle agents idle.
fn tick(no_progress: Duration) -> Duration {
    (no_progress / 20).clamp(Duration::from_secs(1), Duration::from_secs(5))
}
/// How many of the last lines of output say what the agent thinks of itself.
const CONDITION_LINES: usize = 12;
/// Grace between SIGTERM and SIGKILL when a breaker ends a run.
pub const KILL_GRACE: Duration = Duration::from_secs(3);

pub struct AgentRun<'a> {
    pub shared: &'a Shared,
    pub spec: &'a LoopSpec,
    pub iteration: u32,
    pub mode: Mode,
    pub prompt_path: PathBuf,
    pub prompt: String,
    pub fix_plan_path: PathBuf,
    pub last_snapshot: String,
    pub pgid: Arc<AtomicI32>,
    pub frozen: Arc<AtomicBool>,
    pub activity: Option<Arc<WorktreeWatcher>>,
    /// The loop's interactive session (interactive profiles only).
    pub session: SessionSlot,
}

/// How a run ended, before the guards look at the worktree.
pub(crate) struct RunEnd {
    pub exit: ExitInfo,
    pub no_progress: bool,
    pub timed_out: bool,
    pub output_tail: String,
    /// Lines of output the sandbox's refusals are read from.
    pub denial_lines: Vec<String>,
    /// Where this run's output starts in the iteration's `agent.log` (a re-run of the same
    /// iteration appends to it; usage is read from this run's part only).
    pub log_start: u64,
}

impl AgentRun<'_> {
    /// The run's report; `Err` names what andon found tampered with and refused to use.
    pub async fn run(self) -> Result<AgentReport, String> {
        match self.run_inner().await {
            Ok(report) => Ok(report),
            Err(StepError::Tampered(what)) => Err(what),
            Err(StepError::Failed(message)) => {
                // The agent could not even start: an agent error with the reason as evidence.
                let failure = judge_agent(&message, Some(127), false, false);
                Ok(AgentReport {
                    fix_plan_written: false,
                    exit_code: Some(127),
                    no_progress: false,
                    timed_out: false,
                    changed_since_last: 0,
                    guards: Default::default(),
                    failure: Some(failure),
                    condition: None,
                    usage: None,
                })
            }
        }
    }

    async fn run_inner(self) -> Result<AgentReport, StepError> {
        if self.spec.profile.mode == AgentMode::Interactive {
            return self.run_interactive().await;
        }
        let s = self.shared;
        let spec = self.spec;
        crate::engine::iteration::turn_hook::exclude_agent_files(s, spec)?;
        let sandbox = LoopSandbox::for_loop(s, spec);
        let cmd = self.command(sandbox.as_ref())?;
        let (rows, cols) = s.pane_size(&spec.name);
        let log_start = self.log_len();
        // The loop's own watcher when it has one (it also marks the diff stale), else one for
        // this run.
        let own = match &self.activity {
            Some(_) => None,
            None => WorktreeWatcher::start(&spec.worktree, crate::clock::instant_now()).ok(),
        };
        let watcher = self.activity.as_deref().or(own.as_ref());
        if let Some(out) = &s.output() {
            let banner = crate::engine::iteration::pane_text::iteration_banner(
                &spec.name,
                self.iteration,
                self.mode,
            );
            out(&spec.name, banner.as_bytes());
        }
        let log_path = s.dirs().agent_log(&spec.name, self.iteration);
        let (pty, state) = cmd.in_pane(spec, (rows, cols), log_path);
        let (child, kept) = spawn_kept(
            &spec.name,
            pty,
            s.output().clone(),
            16 * 1024,
            sandbox.is_some(),
        )
        .map_err(|e| StepError::pty(&e))?;
        let (exit, no_progress, timed_out) = self.supervise(child, (rows, cols), watcher).await;
        if let Some(state) = &state {
            state.finish();
        }
        self.conclude(
            RunEnd {
                exit,
                no_progress,
                timed_out,
                output_tail: kept.text(),
                denial_lines: kept.denial_lines(),
                log_start,
            },
            sandbox.as_ref(),
        )
        .await
    }

    /// The agent's command for this run, with the prompt where its profile wants it.
    pub(crate) fn command(&self, sandbox: Option<&LoopSandbox>) -> Result<ChildCommand, String> {
        let prompt = Prompt {
            text: &self.prompt,
            file: &self.prompt_path,
            passed: self.spec.profile.mode != AgentMode::Interactive,
        };
        let (fix_plan, socket, prompt_file, worktree) = self.var_texts();
        let vars = self.andon_vars(&fix_plan, &socket, &prompt_file, &worktree);
        child::command(
            self.shared,
            self.spec,
            &self.spec.profile,
            Launch::Agent,
            sandbox,
            &prompt,
            &vars,
        )
    }

    /// The agent from its spawn to its end: registered with the reaper and the loop's PTY
    /// slot, frozen at once if a human stopped the line meanwhile, resized if the pane moved,
    /// and watched by the breakers. Returns (exit, no progress, timed out).
    async fn supervise(
        &self,
        mut child: PtyChild,
        spawned_at: (u16, u16),
        watcher: Option<&WorktreeWatcher>,
    ) -> (ExitInfo, bool, bool) {
        let s = self.shared;
        let spec = self.spec;
        let pgid = child.pid();
        s.reaper_register(pgid);
        self.pgid.store(pgid, Ordering::SeqCst);
        // A human stopped the line while the agent was being spawned: freeze it now.
        if self.frozen.load(Ordering::SeqCst) {
            if let Err(e) = stop_group(pgid) {
                tracing::warn!(loop_name = %spec.name, "the agent could not be frozen: {e}");
            }
        }
        let done = child.finished();
        let child = Arc::new(child);
        s.ptys().insert(&spec.name, Arc::clone(&child));
        // The board may have resized the pane while the agent was being spawned.
        let now = s.pane_size(&spec.name);
        if now != spawned_at {
            if let Err(e) = child.resize(now.0, now.1) {
                tracing::debug!(loop_name = %spec.name, "the agent's PTY kept its size: {e}");
            }
        }
        let (no_progress, timed_out) = self.watch(&child, done, watcher).await;
        s.ptys().remove(&spec.name);
        let exit = child.try_exit().unwrap_or(ExitInfo::UNKNOWN);
        drop(child);
        self.pgid.store(0, Ordering::SeqCst);
        s.reaper_unregister(pgid);
        (exit, no_progress, timed_out)
    }

    /// The paths `ANDON_*` variables name, as text: (fix plan, agents' socket, prompt file,
    /// worktree).
    fn var_texts(&self) -> (String, String, String, String) {
        (
            self.fix_plan_path.to_string_lossy().to_string(),
            self.shared
                .dirs()
                .agent_socket()
                .to_string_lossy()
                .to_string(),
            self.prompt_path.to_string_lossy().to_string(),
            self.spec.worktree.to_string_lossy().to_string(),
        )
    }

    /// The `ANDON_*` variables of this run.
    fn andon_vars<'v>(
        &'v self,
        fix_plan: &'v str,
        socket: &'v str,
        prompt_file: &'v str,
        worktree: &'v str,
    ) -> AndonVars<'v> {
        AndonVars {
            loop_name: &self.spec.name,
            iteration: self.iteration,
            prompt_file,
            worktree,
            mode: self.mode,
            base: &self.spec.base,
            fix_plan,
            supervisor_token: self.shared.token(),
            socket: Some(socket),
        }
    }

    /// The guards on the run's changes, and the judgement of how the agent itself did.
    pub(crate) async fn conclude(
        &self,
        end: RunEnd,
        sandbox: Option<&LoopSandbox>,
    ) -> Result<AgentReport, StepError> {
        let RunEnd {
            exit,
            no_progress,
            timed_out,
            output_tail,
            denial_lines,
            log_start,
        } = end;
        let (changes, changed_since_last) = self.diff().await?;
        let mut guards = Guards::new(&self.spec.plan.scope, &self.spec.protected)
            .map_err(|e| e.to_string())?
            .evaluate(&changes);
        if let Some(sandbox) = sandbox {
            guards.sandbox_denied = sandbox.refused_writes(&denial_lines);
        }
        // What the agent said about itself (a rate limit, refused credentials, an API error),
        // read only from a run that did not succeed — a one-shot agent's non-zero exit, an
        // interactive turn that changed nothing — so a plan about rate limiting that ends
        // with "429 Too Many Requests" in a summary is not taken for one.
        let unsuccessful = match self.spec.profile.mode {
            AgentMode::Oneshot => exit.code != Some(0),
            AgentMode::Interactive => changed_since_last == 0,
        };
        let condition = unsuccessful
            .then(|| recognise(self.spec.profile.family(), &output_tail, CONDITION_LINES))
            .flatten()
            .filter(|c| c.condition != AgentCondition::NeedsPermission);
        let api_error = condition
            .as_ref()
            .is_some_and(|c| c.condition == AgentCondition::ApiError);
        let failed = no_progress
            || timed_out
            || (exit.code != Some(0) && changed_since_last == 0)
            || (api_error && changed_since_last == 0);
        // A refused write explains a failed run better than its exit code does.
        let failure = if no_progress || timed_out || guards.sandbox_denied.is_empty() {
            failed.then(|| {
                let mut failure = judge_agent(&output_tail, exit.code, timed_out, no_progress);
                if let Some(c) = condition.as_ref().filter(|_| !no_progress && !timed_out) {
                    failure.summary = format!("{}: {}", c.condition.label().to_lowercase(), c.line);
                }
                failure
            })
        } else {
            Some(denial_failure(&guards.sandbox_denied, &output_tail))
        };
        let fix_plan = self.shared.dirs().fix_plan(&self.spec.name, self.iteration);
        Ok(AgentReport {
            // Looked at, not followed: a link there is no plan the agent wrote.
            fix_plan_written: fix_plan
                .symlink_metadata()
                .is_ok_and(|m| m.is_file() && m.len() > 0),
            exit_code: exit.code,
            no_progress,
            timed_out,
            changed_since_last,
            guards,
            failure,
            condition,
            usage: self.reported_usage(log_start),
        })
    }

    /// The current length of this iteration's `agent.log` (0 before the first run).
    pub(crate) fn log_len(&self) -> u64 {
        std::fs::metadata(
            self.shared
                .dirs()
                .agent_log(&self.spec.name, self.iteration),
        )
        .map(|m| m.len())
        .unwrap_or(0)
    }

    /// The usage the agent printed in this iteration's log (the end of it: a JSON result
    /// can be longer than the output tail).
    fn reported_usage(&self, log_start: u64) -> Option<Usage> {
        use std::io::{Read, Seek, SeekFrom};
        const READ: u64 = 512 * 1024;
        let path = self
            .shared
            .dirs()
            .agent_log(&self.spec.name, self.iteration);
        let mut file = crate::own_file::open(&path).ok()?;
        let len = file.metadata().ok()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(READ).max(log_start)))
            .ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        usage_in(&String::from_utf8_lossy(&bytes))
    }

    /// Wait for the child while enforcing the no-progress and timeout breakers. Time spent
    /// frozen by a human counts toward neither.
    async fn watch(
        &self,
        child: &PtyChild,
        done: impl std::future::Future<Output = ()>,
        watcher: Option<&WorktreeWatcher>,
    ) -> (bool, bool) {
        let spec = self.spec;
        tokio::pin!(done);
        let mut busy = Duration::ZERO;
        let mut quiet_since = tokio::time::Instant::now();
        let mut last_seen = 0;
        let mut last_tick = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = &mut done => return (false, false),
                _ = tokio::time::sleep(tick(spec.no_progress)) => {}
            }
            let now = tokio::time::Instant::now();
            let frozen = self.frozen.load(Ordering::SeqCst);
            if !frozen {
                busy += now - last_tick;
            }
            last_tick = now;
            let seen = child
                .last_output_ms()
                .max(watcher.map(|w| w.last_change_ms()).unwrap_or(0));
            if seen != last_seen || frozen {
                last_seen = seen;
                quiet_since = now;
            }
            let no_progress = now - quiet_since >= spec.no_progress;
            let timed_out = busy >= spec.iteration_timeout;
            if no_progress || timed_out {
                if let Err(e) = terminate_group(child.pid(), KILL_GRACE).await {
                    tracing::warn!("ending a stuck agent: {e}");
                }
                done.await;
                return (no_progress, timed_out && !no_progress);
            }
        }
    }

    /// Changes since the base (for the guards) and the number since the last snapshot.
    async fn diff(&self) -> Result<(Vec<ChangedPath>, u32), StepError> {
        let git = self.shared.git().clone();
        let worktree = self.spec.worktree.clone();
        let base = self.spec.base.clone();
        let last = self.last_snapshot.clone();
        tokio::task::spawn_blocking(move || {
            let since_base = git
                .changes_since(&worktree, &base)
                .map_err(|e| crate::engine::loop_task::operations::git_error(&e))?;
            let since_last = git
                .changes_since(&worktree, &last)
                .map_err(|e| crate::engine::loop_task::operations::git_error(&e))?;
            let changes = since_base
                .into_iter()
                .map(|c| ChangedPath {
                    path: c.path,
                    in_base: c.in_base,
                })
                .collect();
            Ok((changes, since_last.len() as u32))
        })
        .await
        .map_err(|e| StepError::Failed(e.to_string()))?
    }
}

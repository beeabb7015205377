//! One agent run (DESIGN §2 step 2): the agent in its PTY in the worktree, watched by the
//! no-progress and iteration-timeout breakers, then the guards on its diff.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::PromptMode;
use crate::core::event::AgentReport;
use crate::core::guard::{ChangedPath, Guards};
use crate::core::sandbox_denial::{denial_failure, DenialLines};
use crate::core::state::Mode;
use crate::core::template::{expand, TemplateVars};
use crate::core::verdict::judge_agent;
use crate::engine::env::{child_env, AndonVars};
use crate::engine::sandbox::LoopSandbox;
use crate::engine::shared::Shared;
use crate::engine::spec::LoopSpec;
use crate::engine::tail::Tail;
use crate::pty::signal::{stop_group, terminate_group};
use crate::pty::spawn::{ExitInfo, PtyChild, PtySpec};
use crate::watch::WorktreeWatcher;

/// How often the breakers look at a running agent. Its exit is noticed at once (the wait is
/// event-driven); this only bounds how late a breaker fires.
const TICK: Duration = Duration::from_secs(1);
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
}

impl AgentRun<'_> {
    pub async fn run(self) -> AgentReport {
        match self.run_inner().await {
            Ok(report) => report,
            Err(message) => {
                // The agent could not even start: an agent error with the reason as evidence.
                let failure = judge_agent(&message, Some(127), false, false);
                AgentReport {
                    exit_code: Some(127),
                    no_progress: false,
                    timed_out: false,
                    changed_since_last: 0,
                    guards: Default::default(),
                    failure: Some(failure),
                }
            }
        }
    }

    async fn run_inner(self) -> Result<AgentReport, String> {
        let s = self.shared;
        let spec = self.spec;
        let worktree = spec.worktree.to_string_lossy().to_string();
        let prompt_file = self.prompt_path.to_string_lossy().to_string();
        let vars = TemplateVars {
            prompt_file: prompt_file.clone(),
            prompt: self.prompt.clone(),
            worktree: worktree.clone(),
            repo: s.repo_root.to_string_lossy().to_string(),
            loop_name: spec.name.clone(),
            iteration: self.iteration,
            andon: s.andon_exe.to_string_lossy().to_string(),
        };
        let template = absolutize_repo_paths(&spec.profile.command, &s.repo_root);
        let mut argv = expand(&template, &vars).map_err(|e| e.to_string())?;
        let mentions_prompt = spec.profile.command.iter().any(|a| a.contains("{prompt}"));
        if spec.profile.prompt == PromptMode::Arg && !mentions_prompt {
            argv.push(self.prompt.clone());
        }
        let sandbox = LoopSandbox::for_loop(s, spec);
        if let Some(sandbox) = &sandbox {
            argv = sandbox.wrap(&argv);
        }
        let stdin_data =
            (spec.profile.prompt == PromptMode::Stdin).then(|| self.prompt.clone().into_bytes());
        let fix_plan = self.fix_plan_path.to_string_lossy().to_string();
        let env = child_env(
            &s.config.env,
            Some(&spec.profile),
            &AndonVars {
                loop_name: &spec.name,
                iteration: self.iteration,
                prompt_file: &prompt_file,
                worktree: &worktree,
                mode: self.mode,
                base: &spec.base,
                fix_plan: &fix_plan,
                supervisor_token: s.token(),
            },
            std::env::vars(),
        );
        let tail = Arc::new(Mutex::new(Tail::new(16 * 1024)));
        let sink_tail = Arc::clone(&tail);
        // Refusals are caught as the bytes stream, so a flood cannot push them out of the tail.
        let denials = sandbox
            .as_ref()
            .map(|_| Arc::new(Mutex::new(DenialLines::new())));
        let sink_denials = denials.clone();
        let output = s.output.clone();
        let loop_name = spec.name.clone();
        let (rows, cols) = s.pane_size(&spec.name);
        let started = Instant::now();
        // The loop's own watcher when it has one (it also marks the diff stale), else one for
        // this run.
        let own = match &self.activity {
            Some(_) => None,
            None => WorktreeWatcher::start(&spec.worktree, started).ok(),
        };
        let watcher = self.activity.as_deref().or(own.as_ref());
        if let Some(out) = &s.output {
            let banner = format!(
                "\r\n\x1b[2m── {} iteration {} ({}) ──\x1b[0m\r\n",
                spec.name,
                self.iteration,
                self.mode.as_str()
            );
            out(&spec.name, banner.as_bytes());
        }
        let mut child = PtyChild::spawn(
            PtySpec {
                argv,
                cwd: spec.worktree.clone(),
                env,
                rows,
                cols,
                log_path: s.dirs.agent_log(&spec.name, self.iteration),
                stdin_data,
            },
            Box::new(move |bytes: &[u8]| {
                if let Ok(mut t) = sink_tail.lock() {
                    t.push(bytes);
                }
                if let Some(Ok(mut d)) = sink_denials.as_ref().map(|d| d.lock()) {
                    d.push(bytes);
                }
                if let Some(out) = &output {
                    out(&loop_name, bytes);
                }
            }),
        )
        .map_err(|e| e.to_string())?;
        let pgid = child.pid();
        s.reaper_register(pgid);
        self.pgid.store(pgid, Ordering::SeqCst);
        // A human stopped the line while the agent was being spawned: freeze it now.
        if self.frozen.load(Ordering::SeqCst) {
            let _ = stop_group(pgid);
        }

        let done = child.finished();
        let child = Arc::new(child);
        s.ptys.insert(&spec.name, Arc::clone(&child));
        // The board may have resized the pane while the agent was being spawned.
        let (now_rows, now_cols) = s.pane_size(&spec.name);
        if (now_rows, now_cols) != (rows, cols) {
            let _ = child.resize(now_rows, now_cols);
        }
        let (no_progress, timed_out) = self.watch(&child, done, watcher).await;
        s.ptys.remove(&spec.name);
        let exit = child.try_exit().unwrap_or(ExitInfo::UNKNOWN);
        drop(child);
        self.pgid.store(0, Ordering::SeqCst);
        s.reaper_unregister(pgid);

        let output_tail = tail.lock().map(|t| t.text()).unwrap_or_default();
        let (changes, changed_since_last) = self.diff().await?;
        let mut guards = Guards::new(&spec.plan.scope, &spec.protected)
            .map_err(|e| e.to_string())?
            .evaluate(&changes);
        if let (Some(sandbox), Some(denials)) = (&sandbox, &denials) {
            let lines = denials.lock().map(|d| d.lines()).unwrap_or_default();
            guards.sandbox_denied = sandbox.refused_writes(&lines);
        }
        let failed = no_progress || timed_out || (exit.code != Some(0) && changed_since_last == 0);
        // A refused write explains a failed run better than its exit code does.
        let failure = if no_progress || timed_out || guards.sandbox_denied.is_empty() {
            failed.then(|| judge_agent(&output_tail, exit.code, timed_out, no_progress))
        } else {
            Some(denial_failure(&guards.sandbox_denied, &output_tail))
        };
        Ok(AgentReport {
            exit_code: exit.code,
            no_progress,
            timed_out,
            changed_since_last,
            guards,
            failure,
        })
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
        let mut quiet_since = Instant::now();
        let mut last_seen = 0;
        let mut last_tick = Instant::now();
        loop {
            tokio::select! {
                _ = &mut done => return (false, false),
                _ = tokio::time::sleep(TICK) => {}
            }
            let now = Instant::now();
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
    async fn diff(&self) -> Result<(Vec<ChangedPath>, u32), String> {
        let git = self.shared.git.clone();
        let worktree = self.spec.worktree.clone();
        let base = self.spec.base.clone();
        let last = self.last_snapshot.clone();
        tokio::task::spawn_blocking(move || {
            let since_base = git
                .changes_since(&worktree, &base)
                .map_err(|e| e.to_string())?;
            let since_last = git
                .changes_since(&worktree, &last)
                .map_err(|e| e.to_string())?;
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
        .map_err(|e| e.to_string())?
    }
}

/// A relative program path (e.g. `agents/fixer.sh`) names a file under the repo root
/// (DESIGN §5), so it is made absolute; the other arguments stay relative to the worktree,
/// which holds the same committed files — so `sh agents/fixer.sh` works either way.
fn absolutize_repo_paths(argv: &[String], repo_root: &Path) -> Vec<String> {
    let mut out = argv.to_vec();
    if let Some(program) = out.first_mut() {
        let relative_path =
            program.contains('/') && !program.starts_with('/') && !program.contains('{');
        if relative_path && repo_root.join(&*program).exists() {
            *program = repo_root.join(&*program).to_string_lossy().to_string();
        }
    }
    out
}

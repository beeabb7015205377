//! The long operations of a loop — an agent run, a batch of checks — started as tasks that
//! report one event back; plus the blocking-git helper the effects use.

use std::sync::atomic::{AtomicBool, AtomicI32};
use std::sync::Arc;

use crate::engine::iteration::agent::AgentRun;
use crate::engine::iteration::checks::{CheckBatch, CheckJob};
use crate::engine::iteration::session::SessionSlot;
use crate::engine::loop_task::step_error::StepError;
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;
use crate::or_log::OrLog;
use crate::store::CheckRunRow;
use andon_core::event::Event;
use andon_core::failure::sandbox_denial::with_denied_writes;
use andon_core::failure::verdict::judge_checks;
use andon_core::state::Mode;

/// An operation the reducer asked for, started only after the transition that asked for it is
/// safely in the store (so a crash never finds an agent running for an unrecorded iteration).
pub enum PendingOp {
    /// The agent, after `delay_ms` (a rate limit's wait).
    Agent { delay_ms: u64 },
    Checks {
        kind: &'static str,
        jobs: Vec<CheckJob>,
    },
    /// The plan's reviewer on the change.
    Review,
}

/// What a loop's running process looks like from outside: its process group and whether a
/// human froze it. Shared with the op so a stop can reach whatever runs now.
#[derive(Clone, Default)]
pub struct RunHandle {
    pub pgid: Arc<AtomicI32>,
    pub frozen: Arc<AtomicBool>,
    /// The loop's worktree watcher: its activity clock feeds the no-progress breaker.
    pub activity: Option<Arc<crate::watch::WorktreeWatcher>>,
    /// An interactive agent's session, alive across iterations.
    pub session: SessionSlot,
}

impl RunHandle {
    /// A process group of this loop's just started: the reaper knows it, a stop reaches it,
    /// and if a human stopped the line while it was starting it is frozen at once.
    pub fn adopt(&self, shared: &Shared, pgid: i32) {
        shared.reaper_register(pgid);
        self.pgid.store(pgid, std::sync::atomic::Ordering::SeqCst);
        if self.frozen.load(std::sync::atomic::Ordering::SeqCst) {
            crate::pty::signal::stop_group(pgid)
                .or_log("the group ended before it could be frozen");
        }
    }
}

/// The future of an op: the event it ends with, and the check rows it produced.
pub type OpFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = (Event, Vec<CheckRunRow>)> + Send>>;

pub fn agent_op(
    shared: Arc<Shared>,
    spec: Arc<LoopSpec>,
    iteration: u32,
    mode: Mode,
    last_snapshot: String,
    run: RunHandle,
    delay_ms: u64,
) -> OpFuture {
    Box::pin(async move {
        if delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        let prompt_path = shared.dirs().prompt(&spec.name, iteration);
        let prompt = match crate::own_file::read_to_string(&prompt_path) {
            Ok(text) => text,
            Err(e) if crate::own_file::refused_link(&e) => {
                return (
                    Event::Tampered {
                        what: e.to_string(),
                    },
                    Vec::new(),
                )
            }
            Err(_) => String::new(),
        };
        let report = AgentRun {
            shared: &shared,
            spec: &spec,
            iteration,
            mode,
            fix_plan_path: shared.dirs().fix_plan(&spec.name, iteration),
            prompt_path,
            prompt,
            last_snapshot,
            pgid: run.pgid,
            frozen: run.frozen,
            activity: run.activity,
            session: run.session,
        }
        .run()
        .await;
        let report = match report {
            Ok(report) => report,
            Err(what) => return (Event::Tampered { what }, Vec::new()),
        };
        if let Some(m) = agent_misconfigured(&shared, &spec, &report) {
            return (Event::Misconfigured(m), Vec::new());
        }
        (Event::AgentFinished(report), Vec::new())
    })
}

/// An agent run that failed because its command cannot work as configured.
fn agent_misconfigured(
    shared: &Shared,
    spec: &LoopSpec,
    report: &andon_core::event::AgentReport,
) -> Option<andon_core::failure::misconfig::Misconfigured> {
    let output = report.failure.as_ref()?.output_tail.as_str();
    let withheld = crate::engine::iteration::env::withheld(
        &shared.config().env,
        Some(&spec.profile),
        std::env::vars(),
    );
    andon_core::failure::misconfig::agent(&andon_core::failure::misconfig::AgentRun {
        agent: &spec.profile.name,
        command: &spec.profile.command,
        exit_code: report.exit_code,
        changed_nothing: report.changed_since_last == 0,
        output,
        withheld: &withheld,
        allow_in: &|var| {
            let value = std::env::var(var).unwrap_or_default();
            shared.config().floor.allow_in(var, &value)
        },
    })
}

pub fn checks_op(
    shared: Arc<Shared>,
    spec: Arc<LoopSpec>,
    iteration: u32,
    kind: &'static str,
    jobs: Vec<CheckJob>,
    run: RunHandle,
) -> OpFuture {
    Box::pin(async move {
        let done = CheckBatch {
            shared: &shared,
            spec: &spec,
            iteration,
            kind,
            jobs,
            pgid: run.pgid,
            frozen: run.frozen,
        }
        .run()
        .await;
        // The baseline belongs to no iteration: its logs are kept, its rows are not.
        let rows = if kind == "baseline" {
            Vec::new()
        } else {
            done.rows
        };
        if let Some(what) = done.tampered {
            return (Event::Tampered { what }, rows);
        }
        let plan = spec.plan.path.to_string_lossy();
        let misconfigured = done.outcomes.iter().find_map(|o| {
            andon_core::failure::misconfig::check(
                &o.name,
                &o.command,
                o.exit_code,
                &o.output_tail,
                &plan,
            )
        });
        if let Some(m) = misconfigured {
            return (Event::Misconfigured(m), rows);
        }
        let report = with_denied_writes(judge_checks(&done.outcomes), &done.refused_writes);
        match kind {
            "goal" => (Event::GoalFinished(report), rows),
            "baseline" => (Event::BaselineFinished(report), rows),
            _ => (Event::ChecksFinished(report), rows),
        }
    })
}

/// The plan's checks as jobs.
pub fn check_jobs(spec: &LoopSpec) -> Vec<CheckJob> {
    spec.plan
        .checks
        .iter()
        .map(|c| CheckJob {
            name: c.name.clone(),
            run: c.run.clone(),
            timeout: c.timeout,
            network: c.network,
        })
        .collect()
}

/// The goal checks as jobs, with the longest check timeout; offline unless the `[goal]`
/// table says `network = true`.
pub fn goal_jobs(spec: &LoopSpec) -> Vec<CheckJob> {
    let timeout = spec
        .plan
        .checks
        .iter()
        .map(|c| c.timeout)
        .max()
        .unwrap_or(std::time::Duration::from_secs(600));
    let one = spec.plan.goal_checks.len() == 1;
    spec.plan
        .goal_checks
        .iter()
        .enumerate()
        .map(|(i, run)| CheckJob {
            name: if one {
                "goal".into()
            } else {
                format!("goal-{}", i + 1)
            },
            run: run.clone(),
            timeout,
            network: spec.plan.goal_network,
        })
        .collect()
}

/// Blocking git work of a loop's step, off the async threads: a worktree found tampered with
/// is tampering (the line stops as a guard violation), any other error andon's own failure.
pub async fn git_step<T, F>(f: F) -> Result<T, StepError>
where
    F: FnOnce() -> Result<T, crate::git::GitError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(git_error(&e)),
        Err(e) => Err(StepError::Failed(format!("git task failed: {e}"))),
    }
}

/// A git error of a loop's step, told apart.
pub fn git_error(e: &crate::git::GitError) -> StepError {
    match e {
        crate::git::GitError::Tampered { .. } => StepError::Tampered(e.to_string()),
        other => StepError::Failed(crate::error_chain::chain(other)),
    }
}

/// Run blocking git work off the async threads.
pub async fn blocking<T, E, F>(f: F) -> Result<T, String>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: std::error::Error + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(crate::error_chain::chain(&e)),
        Err(e) => Err(format!("git task failed: {e}")),
    }
}

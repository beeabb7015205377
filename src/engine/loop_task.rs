//! One loop, one task: feeds events to the reducer and carries out its effects — agent runs,
//! guards, checks, snapshots — persisting every transition in one store transaction.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::core::event::{ChecksReport, Effect, Event, HumanAction, Transition};
use crate::core::prompt::{compose, PromptInput};
use crate::core::reducer::reduce;
use crate::core::verdict::judge_checks;
use crate::engine::agent_run::{AgentRun, KILL_GRACE};
use crate::engine::checks::{CheckBatch, CheckJob};
use crate::engine::record::Recorder;
use crate::engine::shared::{LoopView, Shared};
use crate::engine::spec::{now_ms, LoopSpec, Persisted};
use crate::pty::signal::{continue_group, stop_group, terminate_group};
use crate::store::CheckRunRow;

/// A request to a loop task.
pub enum LoopCommand {
    Human {
        action: HumanAction,
        reply: oneshot::Sender<Result<String, String>>,
    },
    Event(Event),
    /// End any run and leave the loop as interrupted (the supervisor is going away).
    Shutdown {
        reason: String,
        done: oneshot::Sender<()>,
    },
}

/// What a finished operation reports back, tagged with the run it belongs to.
struct OpDone {
    token: u64,
    event: Event,
    check_runs: Vec<CheckRunRow>,
}

struct CurrentOp {
    token: u64,
    handle: JoinHandle<()>,
}

pub struct LoopTask {
    shared: Arc<Shared>,
    spec: Arc<LoopSpec>,
    p: Persisted,
    rec: Recorder,
    current: Option<CurrentOp>,
    next_token: u64,
    pgid: Arc<AtomicI32>,
    frozen: Arc<AtomicBool>,
    op_tx: mpsc::Sender<OpDone>,
}

impl LoopTask {
    pub fn spawn(
        shared: Arc<Shared>,
        spec: LoopSpec,
        p: Persisted,
        first: Option<Event>,
    ) -> mpsc::Sender<LoopCommand> {
        let (tx, rx) = mpsc::channel(32);
        let (op_tx, op_rx) = mpsc::channel(4);
        let rec = Recorder::new(&spec, &p);
        let task = LoopTask {
            shared,
            spec: Arc::new(spec),
            p,
            rec,
            current: None,
            next_token: 1,
            pgid: Arc::new(AtomicI32::new(0)),
            frozen: Arc::new(AtomicBool::new(false)),
            op_tx,
        };
        tokio::spawn(task.run(rx, op_rx, first));
        tx
    }

    async fn run(
        mut self,
        mut rx: mpsc::Receiver<LoopCommand>,
        mut op_rx: mpsc::Receiver<OpDone>,
        first: Option<Event>,
    ) {
        // Publish only once the first event is applied, so nobody sees a stale "interrupted".
        match first {
            Some(event) => self.feed(event, Vec::new()).await,
            None => self.publish(None, None),
        }
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(LoopCommand::Human { action, reply }) => {
                        let answer = self.human(action).await;
                        let _ = reply.send(answer);
                    }
                    Some(LoopCommand::Event(event)) => {
                        self.feed(event, Vec::new()).await;
                    }
                    Some(LoopCommand::Shutdown { reason, done }) => {
                        self.shutdown(&reason).await;
                        let _ = done.send(());
                        return;
                    }
                    None => {
                        self.shutdown("supervisor gone").await;
                        return;
                    }
                },
                Some(done) = op_rx.recv() => {
                    if self.current.as_ref().is_some_and(|c| c.token == done.token) {
                        self.current = None;
                        self.feed(done.event, done.check_runs).await;
                    }
                }
            }
        }
    }

    async fn human(&mut self, action: HumanAction) -> Result<String, String> {
        let action = match action {
            // Resuming a Meta-Andon stop accepts the fix plan the plan-mode agent wrote.
            HumanAction::Resume { fix_plan: None } => HumanAction::Resume {
                fix_plan: std::fs::read_to_string(
                    self.shared
                        .dirs
                        .fix_plan(&self.spec.name, self.p.state.iteration),
                )
                .ok(),
            },
            other => other,
        };
        if matches!(action, HumanAction::Approve { .. }) && self.shared.is_line_stopped() {
            return Err("the whole line is stopped: resume it before approving".into());
        }
        let (next, t) = reduce(&self.p.state, &Event::Human(action.clone()));
        if let Some(reason) = t.refused {
            return Err(reason);
        }
        let message = t.log.clone().unwrap_or_else(|| action.name().to_string());
        // The audit row is written before the action takes effect (DESIGN §4).
        self.rec.audit(&self.shared, &self.p, &action);
        if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
            return Err(format!("cannot record the action in the audit trail: {e}"));
        }
        self.apply(next, t, Vec::new()).await;
        Ok(message)
    }

    async fn feed(&mut self, event: Event, check_runs: Vec<CheckRunRow>) {
        let (next, t) = reduce(&self.p.state, &event);
        if let Some(reason) = &t.refused {
            tracing::warn!(loop_name = %self.spec.name, ?event, "event refused: {reason}");
            return;
        }
        if let Event::ChecksFinished(r) | Event::GoalFinished(r) = &event {
            self.rec.checks(r);
        }
        self.apply(next, t, check_runs).await;
    }

    /// Take the new state, run the effects in order, persist, publish.
    async fn apply(
        &mut self,
        next: crate::core::state::LoopState,
        t: Transition,
        check_runs: Vec<CheckRunRow>,
    ) {
        self.p.state = next;
        self.rec.add_check_runs(check_runs);
        let mut alert = None;
        for effect in t.effects {
            if let Effect::Alert { cause, reason } = &effect {
                alert = Some((*cause, reason.clone()));
                continue;
            }
            let started = std::time::Instant::now();
            let name = effect_name(&effect);
            let result = self.effect(effect).await;
            tracing::debug!(loop_name = %self.spec.name, effect = name, micros = started.elapsed().as_micros() as u64, "effect");
            if let Err(e) = result {
                tracing::error!(loop_name = %self.spec.name, "effect failed: {e}");
                self.rec.event(&self.p.state, "error", &e);
            }
        }
        if let Some(log) = &t.log {
            let kind = match &alert {
                Some((cause, _)) => format!("line_stop:{}", cause.as_str()),
                None => "transition".into(),
            };
            self.rec.event(&self.p.state, &kind, log);
        }
        let started = std::time::Instant::now();
        if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
            tracing::error!(loop_name = %self.spec.name, "store commit failed: {e}");
        }
        tracing::debug!(loop_name = %self.spec.name, micros = started.elapsed().as_micros() as u64, "store commit");
        self.publish(t.log, alert);
    }

    async fn effect(&mut self, effect: Effect) -> Result<(), String> {
        let s = Arc::clone(&self.shared);
        let spec = Arc::clone(&self.spec);
        match effect {
            Effect::EndRun => self.end_run().await,
            Effect::Freeze => {
                self.frozen.store(true, Ordering::SeqCst);
                let id = self.pgid.load(Ordering::SeqCst);
                if id > 0 {
                    if let Err(e) = stop_group(id) {
                        return Err(format!("cannot freeze process group {id}: {e}"));
                    }
                }
            }
            Effect::Thaw => {
                self.frozen.store(false, Ordering::SeqCst);
                let id = self.pgid.load(Ordering::SeqCst);
                if id > 0 {
                    if let Err(e) = continue_group(id) {
                        return Err(format!("cannot resume process group {id}: {e}"));
                    }
                }
            }
            Effect::BeginIteration { iteration, mode } => {
                let dir = s.dirs.iter_dir(&spec.name, iteration);
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let prompt = self.compose_prompt();
                let path = s.dirs.prompt(&spec.name, iteration);
                std::fs::write(&path, &prompt).map_err(|e| format!("{}: {e}", path.display()))?;
                self.rec.begin_iteration(iteration, mode, &path);
            }
            Effect::RunAgent => {
                let iteration = self.p.state.iteration;
                let mode = self.p.state.mode;
                let last_snapshot = self.p.last_snapshot.clone();
                let (pgid, frozen) = (Arc::clone(&self.pgid), Arc::clone(&self.frozen));
                self.start_op(async move {
                    let prompt_path = s.dirs.prompt(&spec.name, iteration);
                    let prompt = tokio::fs::read_to_string(&prompt_path)
                        .await
                        .unwrap_or_default();
                    let report = AgentRun {
                        shared: &s,
                        spec: &spec,
                        iteration,
                        mode,
                        fix_plan_path: s.dirs.fix_plan(&spec.name, iteration),
                        prompt_path,
                        prompt,
                        last_snapshot,
                        pgid,
                        frozen,
                    }
                    .run()
                    .await;
                    (Event::AgentFinished(report), Vec::new())
                });
            }
            Effect::RestorePaths { paths } => {
                let (worktree, base) = (spec.worktree.clone(), spec.base.clone());
                blocking(move || s.git.restore_paths(&worktree, &base, &paths)).await?;
            }
            Effect::DiscardChanges => {
                let (worktree, to) = (spec.worktree.clone(), self.p.last_snapshot.clone());
                blocking(move || s.git.reset_worktree(&worktree, &to)).await?;
            }
            Effect::RunChecks => {
                let jobs = spec
                    .plan
                    .checks
                    .iter()
                    .map(|c| CheckJob {
                        name: c.name.clone(),
                        run: c.run.clone(),
                        timeout: c.timeout,
                    })
                    .collect();
                self.start_checks("check", jobs);
            }
            Effect::RunGoal => {
                let timeout = spec
                    .plan
                    .checks
                    .iter()
                    .map(|c| c.timeout)
                    .max()
                    .unwrap_or(std::time::Duration::from_secs(600));
                let jobs = spec
                    .plan
                    .goal_checks
                    .iter()
                    .enumerate()
                    .map(|(i, run)| CheckJob {
                        name: if spec.plan.goal_checks.len() == 1 {
                            "goal".into()
                        } else {
                            format!("goal-{}", i + 1)
                        },
                        run: run.clone(),
                        timeout,
                    })
                    .collect();
                self.start_checks("goal", jobs);
            }
            Effect::Snapshot { message } => {
                let worktree = spec.worktree.clone();
                let id = blocking(move || s.git.snapshot(&worktree, &message)).await?;
                self.p.last_snapshot = id.clone();
                self.rec.snapshot(&id);
            }
            Effect::EndIteration {
                iteration,
                status,
                failure,
            } => {
                self.rec.end_iteration(iteration, status, failure.as_ref());
            }
            Effect::RaiseIncident { iteration, failure } => {
                self.rec.incident(&s, &spec, iteration, &failure);
            }
            // Carried by the transition's event and update (see `apply`).
            Effect::Alert { .. } => {}
        }
        Ok(())
    }

    fn compose_prompt(&self) -> String {
        let s = &self.shared;
        let iteration = self.p.state.iteration;
        let fix_plan = s
            .dirs
            .fix_plan(&self.spec.name, iteration)
            .to_string_lossy()
            .to_string();
        let skills = crate::engine::skills::load(&s.repo_root, &self.spec.plan, self.p.state.mode);
        compose(&PromptInput {
            plan: &self.spec.plan,
            state: &self.p.state,
            skills: &skills,
            fix_plan_path: &fix_plan,
        })
    }

    fn start_checks(&mut self, kind: &'static str, jobs: Vec<CheckJob>) {
        let (s, spec) = (Arc::clone(&self.shared), Arc::clone(&self.spec));
        let (pgid, frozen) = (Arc::clone(&self.pgid), Arc::clone(&self.frozen));
        let iteration = self.p.state.iteration;
        self.start_op(async move {
            let (outcomes, rows) = CheckBatch {
                shared: &s,
                spec: &spec,
                iteration,
                kind,
                jobs,
                pgid,
                frozen,
            }
            .run()
            .await;
            let report: ChecksReport = judge_checks(&outcomes);
            let event = if kind == "goal" {
                Event::GoalFinished(report)
            } else {
                Event::ChecksFinished(report)
            };
            (event, rows)
        });
    }

    fn start_op<F>(&mut self, fut: F)
    where
        F: std::future::Future<Output = (Event, Vec<CheckRunRow>)> + Send + 'static,
    {
        let token = self.next_token;
        self.next_token += 1;
        let tx = self.op_tx.clone();
        let handle = tokio::spawn(async move {
            let (event, check_runs) = fut.await;
            let _ = tx
                .send(OpDone {
                    token,
                    event,
                    check_runs,
                })
                .await;
        });
        self.current = Some(CurrentOp { token, handle });
    }

    /// Terminate the running process group (SIGCONT, SIGTERM, grace, SIGKILL) and the op.
    async fn end_run(&mut self) {
        let id = self.pgid.swap(0, Ordering::SeqCst);
        if id > 0 {
            if let Err(e) = terminate_group(id, KILL_GRACE).await {
                tracing::warn!(loop_name = %self.spec.name, "ending process group {id}: {e}");
            }
            self.shared.reaper_unregister(id);
        }
        self.frozen.store(false, Ordering::SeqCst);
        if let Some(op) = self.current.take() {
            op.handle.abort();
            let _ = op.handle.await;
        }
    }

    async fn shutdown(&mut self, reason: &str) {
        let was_running = self.current.is_some()
            || self.p.state.state.is_active()
            || self.frozen.load(Ordering::SeqCst);
        self.end_run().await;
        if was_running {
            self.p.state = crate::core::reducer::interrupt(&self.p.state, reason);
            self.rec.interrupt(self.p.state.iteration);
            if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
                tracing::error!(loop_name = %self.spec.name, "store commit failed: {e}");
            }
            self.publish(Some(format!("interrupted: {reason}")), None);
        }
    }

    fn publish(
        &self,
        message: Option<String>,
        alert: Option<(crate::core::state::StopCause, String)>,
    ) {
        let spec = &self.spec;
        let view = LoopView {
            name: spec.name.clone(),
            plan: spec.plan.path.to_string_lossy().to_string(),
            title: spec.plan.title.clone(),
            branch: spec.branch.clone(),
            worktree: spec.worktree.to_string_lossy().to_string(),
            base: spec.base.clone(),
            started_at: self.p.started_at,
            updated_at: now_ms(),
            state: self.p.state.clone(),
        };
        self.shared.publish(view, message, alert);
    }
}

/// Run blocking git work off the async threads.
async fn blocking<T, E, F>(f: F) -> Result<T, String>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: std::error::Error + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(crate::engine::input_error::chain(&e)),
        Err(e) => Err(format!("git task failed: {e}")),
    }
}

fn effect_name(e: &Effect) -> &'static str {
    match e {
        Effect::EndRun => "end_run",
        Effect::Freeze => "freeze",
        Effect::Thaw => "thaw",
        Effect::BeginIteration { .. } => "begin_iteration",
        Effect::RunAgent => "run_agent",
        Effect::RestorePaths { .. } => "restore_paths",
        Effect::DiscardChanges => "discard_changes",
        Effect::RunChecks => "run_checks",
        Effect::RunGoal => "run_goal",
        Effect::Snapshot { .. } => "snapshot",
        Effect::EndIteration { .. } => "end_iteration",
        Effect::RaiseIncident { .. } => "raise_incident",
        Effect::Alert { .. } => "alert",
    }
}

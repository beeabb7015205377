//! One loop, one task: feeds events to the reducer and carries out its effects — agent runs,
//! guards, checks, snapshots — persisting every transition in one store transaction before
//! the next operation starts.

pub mod operations;
pub mod record;
pub mod replay;
pub mod restore;
pub mod step_error;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::engine::iteration::agent::KILL_GRACE;
use crate::engine::loop_task::operations::{agent_op, checks_op, OpFuture, PendingOp, RunHandle};
use crate::engine::loop_task::step_error::StepError;
use andon_core::event::{Effect, Event, HumanAction, Transition};
use andon_core::failure::seen_before::SeenBefore;
use andon_core::reducer::{interrupt, reduce};
use andon_core::state::{Badge, LoopState, Mode, State, StopCause};
mod common_cause;
mod effects;
mod human;
mod pr;

use effects::effect_name;

use crate::engine::loop_task::record::Recorder;
use crate::engine::spec::{LoopSpec, Persisted};
use crate::engine::supervisor::line::Line;
use crate::engine::supervisor::shared::{LoopView, Shared};
use crate::or_log::OrLog;
use crate::pty::signal::terminate_group;
use crate::store::CheckRunRow;

/// A request to a loop task.
pub enum LoopCommand {
    Human {
        action: HumanAction,
        reply: oneshot::Sender<Result<String, String>>,
    },
    /// `andon signal done` from the loop's interactive agent: its turn is over.
    Signal,
    /// Another loop declared a common cause this loop shares: stop it too.
    CommonCause {
        loops: Vec<String>,
        fingerprint: String,
        reason: String,
    },
    /// End any run and leave the loop as interrupted (the supervisor is going away).
    Shutdown {
        reason: String,
        done: oneshot::Sender<()>,
    },
}

/// Run blocking git or file work off the async threads.
async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(format!("background task failed: {e}")))
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
    /// An op that finished while a human had the loop stopped: its result is fed on resume.
    parked: Option<(Event, Vec<CheckRunRow>)>,
    pending: Option<PendingOp>,
    next_token: u64,
    run: RunHandle,
    op_tx: mpsc::Sender<OpDone>,
    /// The Five Whys file the current plan-mode iteration completes.
    five_whys: Option<String>,
    /// What an effect did that the human who asked for it must hear (a rollback's target).
    effect_note: Option<String>,
    /// The other loops of the line, for a common cause.
    line: Arc<Line>,
    /// Other loops' failures like the last one (by its fingerprint), for its incident and
    /// the next prompt.
    seen_before: Option<(String, Vec<SeenBefore>)>,
    /// What an effect found that the reducer must hear next (a push the remote refused).
    follow_up: Option<Event>,
    /// The followed PR could not be read at the last poll (said once until it can).
    pr_unread: bool,
}

impl LoopTask {
    pub fn spawn(
        shared: Arc<Shared>,
        line: Arc<Line>,
        spec: LoopSpec,
        p: Persisted,
        first: Option<Event>,
    ) -> mpsc::Sender<LoopCommand> {
        let (tx, rx) = mpsc::channel(32);
        let (op_tx, op_rx) = mpsc::channel(4);
        let watcher = crate::engine::diffs::service::start(&shared, &spec);
        let task = LoopTask {
            rec: Recorder::new(&spec.name, shared.clock().clone()),
            shared,
            spec: Arc::new(spec),
            p,
            current: None,
            parked: None,
            pending: None,
            next_token: 1,
            run: RunHandle {
                activity: watcher.map(Arc::new),
                ..RunHandle::default()
            },
            op_tx,
            five_whys: None,
            effect_note: None,
            line,
            seen_before: None,
            follow_up: None,
            pr_unread: false,
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
        let mut next_look: Option<tokio::time::Instant> = None;
        loop {
            let budget_left = self.budget_left();
            // A followed PR is looked at every `[pr] poll`, whatever else wakes the task.
            let poll = self.following().then(|| {
                *next_look.get_or_insert_with(|| {
                    tokio::time::Instant::now() + self.shared.config().pr.poll
                })
            });
            tokio::select! {
                () = tokio::time::sleep_until(poll.unwrap_or_else(tokio::time::Instant::now)), if poll.is_some() => {
                    next_look = None;
                    self.follow_pr().await;
                }
                // The wall-time budget runs out while the loop works.
                _ = tokio::time::sleep(budget_left.unwrap_or_default()), if budget_left.is_some() => {
                    let spent = andon_core::duration::humanize(std::time::Duration::from_millis(self.spent_ms()));
                    self.feed(Event::BudgetSpent { spent }, Vec::new()).await;
                }
                cmd = rx.recv() => match cmd {
                    Some(LoopCommand::Human { action, reply }) => {
                        let answer = self.human(action).await;
                        if reply.send(answer).is_err() {
                            tracing::debug!("the human who asked left before the answer");
                        }
                    }
                    Some(LoopCommand::CommonCause { loops, fingerprint, reason }) => {
                        self.common_cause_elsewhere(loops, fingerprint, reason).await;
                    }
                    Some(LoopCommand::Signal) => {
                        let session = self.run.session.lock().ok().and_then(|s| s.clone());
                        if let Some(session) = session {
                            session.signal_done();
                        }
                    }
                    Some(LoopCommand::Shutdown { reason, done }) => {
                        self.shutdown(&reason).await;
                        if done.send(()).is_err() {
                            tracing::debug!("shutdown stopped waiting for this loop");
                        }
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
                        if self.human_frozen() {
                            self.parked = Some((done.event, done.check_runs));
                        } else {
                            let event = self.across_the_line(done.event);
                            self.feed(event, done.check_runs).await;
                        }
                    }
                }
            }
        }
    }

    /// How long the loop may still work before its wall-time budget is spent; `None` when
    /// it has no budget or is not working (a stopped or waiting loop spends nothing new).
    fn budget_left(&self) -> Option<std::time::Duration> {
        let budget = self.p.state.limits.budget_ms?;
        if !self.p.state.state.is_active() {
            return None;
        }
        Some(std::time::Duration::from_millis(
            budget.saturating_sub(self.spent_ms()),
        ))
    }

    /// The wall time the budget has spent: since the loop's start — or, once it follows a
    /// PR, only the time it worked (hours waiting on CI and reviewers are not the loop's).
    fn spent_ms(&self) -> u64 {
        self.p.budget_spent_ms(self.shared.clock().now_ms())
    }

    /// Stopped where it was, its run frozen (by a human, or for a common cause).
    fn human_frozen(&self) -> bool {
        self.p.state.state == State::Stopped
            && self.p.state.stop.as_ref().is_some_and(|s| {
                matches!(s.cause, StopCause::Human | StopCause::CommonCause) && s.frozen
            })
    }

    /// Reduce an event and apply it; an effect that fails stops the line (EngineFailed).
    pub(super) async fn feed(&mut self, event: Event, check_runs: Vec<CheckRunRow>) {
        let mut next = Some((event, check_runs));
        while let Some((event, runs)) = next.take() {
            // Nothing andon did not write reaches the store, a page or a prompt with a secret.
            let event = event.redacted(self.shared.redactor());
            let (state, t) = reduce(&self.p.state, &event);
            if let Some(reason) = &t.refused {
                tracing::warn!(loop_name = %self.spec.name, ?event, "event refused: {reason}");
                return;
            }
            if let Event::ChecksFinished(r) | Event::GoalFinished(r) = &event {
                self.rec.checks(r);
            }
            if let Some(failed) = self.apply(state, t, runs).await {
                next = Some((failed.event(), Vec::new()));
            } else if let Some(event) = self.follow_up.take() {
                next = Some((event, Vec::new()));
            }
        }
    }

    /// Take the new state, run the effects in order, persist, then start the next operation
    /// and publish. Returns the first effect error.
    async fn apply(
        &mut self,
        next: LoopState,
        t: Transition,
        check_runs: Vec<CheckRunRow>,
    ) -> Option<StepError> {
        let was_active = self.p.state.state.is_active();
        self.p.state = next;
        self.p.clock(was_active, self.shared.clock().now_ms());
        self.rec.add_check_runs(check_runs);
        let mut alert = None;
        let mut failed = None;
        for effect in t.effects {
            if let Effect::Alert { cause, reason } = &effect {
                alert = Some((*cause, reason.clone()));
                continue;
            }
            let started = tokio::time::Instant::now();
            let name = effect_name(&effect);
            let result = self.effect(effect).await;
            tracing::debug!(loop_name = %self.spec.name, effect = name, micros = started.elapsed().as_micros() as u64, "effect");
            if let Err(e) = result {
                tracing::error!(loop_name = %self.spec.name, "effect {name} failed: {e}");
                failed = Some(match e {
                    StepError::Failed(reason) => StepError::Failed(format!("{name}: {reason}")),
                    tampered => tampered,
                });
                self.pending = None;
                break;
            }
        }
        let mut message = t.log;
        if self.p.state.badge() == Some(Badge::Repeating) {
            message = message.map(|m| format!("[REPEATING] {m}"));
        }
        if let Some(log) = &message {
            let kind = match &alert {
                Some((cause, _)) => format!("line_stop:{}", cause.as_str()),
                None => "transition".into(),
            };
            self.rec.event(&self.p.state, &kind, log);
        }
        if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
            tracing::error!(loop_name = %self.spec.name, "store commit failed: {e}");
            failed.get_or_insert(StepError::Failed(format!("store: {e}")));
            self.pending = None;
        }
        if let Some(op) = self.pending.take() {
            self.start(op);
        }
        // An interactive session lives while the loop works (or a human holds it frozen);
        // a loop that waits for approval, a redirect or nothing at all ends it.
        if !self.p.state.state.is_active() && !self.human_frozen() {
            self.end_session().await;
        }
        // The plan-mode agent completed the Five Whys file in the main worktree: andon
        // commits it (only that file) once the iteration's work stops.
        // (Not while a human holds the agent frozen mid-edit.)
        if was_active
            && !self.p.state.state.is_active()
            && !self.human_frozen()
            && self.p.state.mode == Mode::Plan
        {
            self.commit_five_whys().await;
        }
        if let Some((cause, _)) = &alert {
            if cause.is_line_stop() {
                let kind = crate::engine::memory::WhysFor::LineStop(*cause);
                if let Some(path) = self.write_five_whys(self.p.state.iteration, kind).await {
                    // The stop's evidence file, in the log and on the board right away.
                    if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
                        tracing::error!(loop_name = %self.spec.name, "store commit failed: {e}");
                    }
                    let shown = self.repo_relative(&path);
                    message = Some(match message {
                        Some(m) => format!("{m} (Five Whys: {shown})"),
                        None => format!("Five Whys: {shown}"),
                    });
                }
            }
        }
        self.publish(message, alert);
        failed
    }

    fn start(&mut self, op: PendingOp) {
        let (s, spec) = (Arc::clone(&self.shared), Arc::clone(&self.spec));
        let iteration = self.p.state.iteration;
        let fut: OpFuture = match op {
            PendingOp::Agent { delay_ms } => agent_op(
                s,
                spec,
                iteration,
                self.p.state.mode,
                self.p.last_snapshot.clone(),
                self.run.clone(),
                delay_ms,
            ),
            PendingOp::Checks { kind, jobs } => {
                checks_op(s, spec, iteration, kind, jobs, self.run.clone())
            }
            PendingOp::Review => crate::engine::iteration::reviewer::review_op(
                s,
                spec,
                (iteration, self.p.last_snapshot.clone()),
                self.run.clone(),
            ),
        };
        let token = self.next_token;
        self.next_token += 1;
        let tx = self.op_tx.clone();
        let handle = tokio::spawn(async move {
            let (event, check_runs) = fut.await;
            tx.send(OpDone {
                token,
                event,
                check_runs,
            })
            .await
            .or_log("the loop task ended before its operation did");
        });
        self.current = Some(CurrentOp { token, handle });
    }

    /// Terminate the running process group (SIGCONT, SIGTERM, grace, SIGKILL) and the op.
    pub(super) async fn end_run(&mut self) {
        let id = self.run.pgid.swap(0, Ordering::SeqCst);
        if id > 0 {
            if let Err(e) = terminate_group(id, KILL_GRACE).await {
                tracing::warn!(loop_name = %self.spec.name, "ending process group {id}: {e}");
            }
            self.shared.reaper_unregister(id);
        }
        self.run.frozen.store(false, Ordering::SeqCst);
        self.parked = None;
        if let Some(op) = self.current.take() {
            op.handle.abort();
            op.handle
                .await
                .or_log("the aborted operation's task ended as it was cancelled");
        }
        self.end_session().await;
    }

    /// End the interactive agent's session, if one runs.
    async fn end_session(&mut self) {
        let session = self
            .run
            .session
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        let Some(session) = session else {
            return;
        };
        let id = session.pid();
        if let Err(e) = terminate_group(id, KILL_GRACE).await {
            tracing::warn!(loop_name = %self.spec.name, "ending the agent's session {id}: {e}");
        }
        self.shared.reaper_unregister(id);
        self.shared.ptys().remove(&self.spec.name);
    }

    async fn shutdown(&mut self, reason: &str) {
        let had_work =
            self.current.is_some() || self.parked.is_some() || self.p.state.state.is_active();
        self.end_run().await;
        if had_work {
            self.p.state = interrupt(&self.p.state, reason);
            self.rec.interrupt(self.p.state.iteration);
            self.p.mark(self.p.state.iteration, "interrupted");
            let detail = format!("interrupted: {reason}");
            self.rec.event(&self.p.state, "interrupted", &detail);
            if let Err(e) = self.rec.commit(&self.shared, &self.spec, &self.p) {
                tracing::error!(loop_name = %self.spec.name, "store commit failed: {e}");
            }
            self.publish(Some(detail), None);
        }
    }

    fn publish(&self, message: Option<String>, alert: Option<(StopCause, String)>) {
        let spec = &self.spec;
        let view = LoopView {
            name: spec.name.clone(),
            plan: spec.plan.path.to_string_lossy().to_string(),
            title: spec.plan.title.clone(),
            branch: spec.branch.clone(),
            worktree: spec.worktree.to_string_lossy().to_string(),
            base: spec.base.clone(),
            started_at: self.p.started_at,
            updated_at: self.shared.clock().now_ms(),
            worked_ms: self.p.worked_ms,
            active_since: self.p.active_since(),
            state: self.p.state.clone(),
            marks: self.p.marks.clone(),
            condition: None,
            sandbox: Some(spec.sandbox),
        };
        self.shared.publish(view, message, alert);
    }
}

//! The supervisor: one task per loop, the repo lock, the reaper, the control socket, and the
//! whole-line actions. Loops run concurrently; each decides alone through its reducer.

pub mod admission;
pub mod control;
pub mod launch;
pub mod line;
pub mod lock;
pub mod offline;
pub mod ptys;
pub mod queue;
pub mod remote;
pub mod shared;
pub mod worktree_setup;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, Notify};

use crate::engine::loop_task::{LoopCommand, LoopTask};
use crate::engine::spec::{LoopSpec, Persisted};
use crate::engine::supervisor::line::Line;
use crate::engine::supervisor::lock::RepoLock;
use crate::engine::supervisor::shared::Shared;
use crate::or_log::OrLog;
use andon_core::event::{Event, HumanAction};

pub struct Supervisor {
    shared: Arc<Shared>,
    /// The hosted loops' channels, and what they saw (for a common cause).
    line: Arc<Line>,
    /// Control requests being answered: a headless run waits for them before it exits, so
    /// the human who ended the last loop still gets the answer.
    requests: AtomicUsize,
    requests_done: Notify,
    /// The repo lock; `None` on a read-only board, where another process supervises.
    _lock: Option<RepoLock>,
    /// On a read-only board: the supervisor's control socket, which every action goes to.
    remote: Option<PathBuf>,
    /// Loops of the repo this supervisor could not host, and why (a plan changed since the
    /// loop started): what a human acting on one of them is told.
    unhosted: Mutex<BTreeMap<String, (String, String)>>,
    /// The queue's drains (see [`queue`]).
    admission: queue::AdmissionState,
}

/// Held while a control request is answered.
pub struct RequestGuard(Arc<Supervisor>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if self.0.requests.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.requests_done.notify_waiters();
        }
    }
}

impl Supervisor {
    pub fn new(shared: Arc<Shared>, lock: RepoLock) -> Arc<Supervisor> {
        let window = shared.config().line.common_cause_window.as_millis();
        Arc::new(Supervisor {
            line: Arc::new(Line::new(i64::try_from(window).unwrap_or(i64::MAX))),
            shared,
            requests: AtomicUsize::new(0),
            requests_done: Notify::new(),
            _lock: Some(lock),
            remote: None,
            unhosted: Mutex::new(BTreeMap::new()),
            admission: queue::AdmissionState::default(),
        })
    }

    /// A read-only board's stand-in: no loops of its own; human actions go through `socket`
    /// to the process that supervises the repo.
    pub fn remote(shared: Arc<Shared>, socket: PathBuf) -> Arc<Supervisor> {
        Arc::new(Supervisor {
            shared,
            line: Arc::new(Line::default()),
            requests: AtomicUsize::new(0),
            requests_done: Notify::new(),
            _lock: None,
            remote: Some(socket),
            unhosted: Mutex::new(BTreeMap::new()),
            admission: queue::AdmissionState::default(),
        })
    }

    /// Whether another process supervises (a read-only board).
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Marks a control request in progress until the guard drops.
    pub fn begin_request(self: &Arc<Self>) -> RequestGuard {
        self.requests.fetch_add(1, Ordering::SeqCst);
        RequestGuard(Arc::clone(self))
    }

    pub fn requests_in_flight(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Resolves when the last request in flight has been answered.
    pub async fn requests_answered(&self) {
        let done = self.requests_done.notified();
        tokio::pin!(done);
        // Registered before the check, so a request ending in between still wakes us.
        done.as_mut().enable();
        if self.requests_in_flight() == 0 {
            return;
        }
        done.await;
    }

    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Start a loop task; `first` is the event that sets it going (Start, Restarted, or none
    /// for a loop that only waits for a human).
    pub fn add_loop(&self, spec: LoopSpec, persisted: Persisted, first: Option<Event>) {
        let name = spec.name.clone();
        // Every git operation on the loop's worktree first checks it is still itself.
        self.shared.git().pin(&spec.worktree, &spec.branch);
        let tx = LoopTask::spawn(
            Arc::clone(&self.shared),
            Arc::clone(&self.line),
            spec,
            persisted,
            first,
        );
        self.line.insert(name, tx);
    }

    pub fn loop_names(&self) -> Vec<String> {
        self.line.names()
    }

    fn sender(&self, name: &str) -> Option<mpsc::Sender<LoopCommand>> {
        self.line.sender(name)
    }

    /// A human action on one loop; the answer says what happened or why it was refused.
    pub async fn act(self: &Arc<Self>, name: &str, action: HumanAction) -> Result<String, String> {
        if let Some(socket) = &self.remote {
            let target = crate::engine::supervisor::control::Target::Loop(name.to_string());
            return crate::engine::supervisor::remote::act(socket.clone(), target, action).await;
        }
        // Loops stopped by one common cause are resumed together.
        let group = match action {
            HumanAction::Resume { .. } => self.common_cause_group(name),
            _ => Vec::new(),
        };
        let said = self.act_or_queue(name, action.clone()).await?;
        let mut with = Vec::new();
        for other in group.iter().filter(|o| *o != name) {
            if self.common_cause_group(other).is_empty() {
                continue;
            }
            match self.act_or_queue(other, action.clone()).await {
                Ok(_) => with.push(other.clone()),
                Err(e) => tracing::warn!(loop_name = %other, "not resumed with {name}: {e}"),
            }
        }
        Ok(if with.is_empty() {
            said
        } else {
            format!(
                "{said}; resumed with it (the same common cause): {}",
                with.join(", ")
            )
        })
    }

    /// Acts on one loop; a stopped loop's resume goes through the queue, so it starts only
    /// when the line has room (`[line] max_running`).
    async fn act_or_queue(
        self: &Arc<Self>,
        name: &str,
        action: HumanAction,
    ) -> Result<String, String> {
        if !matches!(action, HumanAction::Resume { .. }) {
            return self.act_one(name, action).await;
        }
        // Only a resume that sets the loop working again needs a place on the line (one
        // stopped while it awaited approval goes back to waiting for its human).
        let stopped = self.shared.board().into_iter().find(|v| {
            v.name == name
                && v.state.state == andon_core::state::State::Stopped
                && v.state
                    .stop
                    .as_ref()
                    .and_then(|s| s.resume_to)
                    .is_none_or(andon_core::state::State::occupies_line)
        });
        match stopped {
            Some(view) => self.resume_when_room(name, &view.plan, action).await,
            None => self.act_one(name, action).await,
        }
    }

    async fn act_one(&self, name: &str, action: HumanAction) -> Result<String, String> {
        let Some(tx) = self.sender(name) else {
            return Err(self.not_hosted(name));
        };
        let (reply, answer) = oneshot::channel();
        tx.send(LoopCommand::Human { action, reply })
            .await
            .map_err(|_| format!("loop `{name}` has ended"))?;
        answer
            .await
            .map_err(|_| format!("loop `{name}` did not answer"))?
    }

    /// The loops stopped with `name` by a common cause (none when it is not so stopped).
    fn common_cause_group(&self, name: &str) -> Vec<String> {
        self.shared
            .board()
            .into_iter()
            .find(|v| v.name == name)
            .filter(|v| {
                v.state.state == andon_core::state::State::Stopped
                    && v.state
                        .stop
                        .as_ref()
                        .is_some_and(|s| s.cause == andon_core::state::StopCause::CommonCause)
            })
            .map(|v| v.state.common_cause)
            .unwrap_or_default()
    }

    /// A loop of the repo this supervisor could not host: the human acting on it hears why and
    /// the way out.
    pub fn mark_unhosted(&self, name: &str, plan: &str, why: &str) {
        if let Ok(mut unhosted) = self.unhosted.lock() {
            unhosted.insert(name.to_string(), (plan.to_string(), why.to_string()));
        }
    }

    /// The loops this supervisor could not host, each with why and the way out.
    pub fn unhosted(&self) -> Vec<(String, String)> {
        let mut names: Vec<String> = self
            .unhosted
            .lock()
            .map(|u| u.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .map(|name| {
                let why = self.not_hosted(&name);
                (name, why)
            })
            .collect()
    }

    /// Why loop `name` cannot be acted on here.
    fn not_hosted(&self, name: &str) -> String {
        let why = self.unhosted.lock().ok().and_then(|u| u.get(name).cloned());
        match why {
            Some((plan, why)) => format!(
                "loop `{name}` is not hosted: {why}\n  fix: `andon run --replace {plan}` aborts `{name}` and starts a new loop from the plan as it is now; or restore the plan as it was"
            ),
            None => format!(
                "no loop named `{name}` in this supervisor (loops: {})",
                self.loop_names().join(", ")
            ),
        }
    }

    /// Starts loops from plan files — `andon run`, another terminal's `andon run`, the board's
    /// plan picker, `andon queue add` — through the queue: what the line has room for starts
    /// now, the rest waits. With `replace`, the loops the plans replace end first (a plan
    /// that cannot start replaces nothing).
    pub async fn start_plans(self: &Arc<Self>, s: admission::Submission) -> Result<String, String> {
        if self.remote.is_some() {
            return self.forward_submission(s).await;
        }
        let mut said = Vec::new();
        if s.replace {
            let config = crate::engine::supervisor::launch::with_agent(
                self.shared.config(),
                s.agent.as_deref(),
            )
            .map_err(|e| e.to_string())?;
            let (shared, check) = (Arc::clone(&self.shared), s.paths.clone());
            tokio::task::spawn_blocking(move || {
                crate::engine::supervisor::launch::validate(
                    shared.git(),
                    &config,
                    shared.store(),
                    &check,
                    true,
                )
                .map(|_| ())
            })
            .await
            .map_err(|e| format!("start task failed: {e}"))?
            .map_err(|e| e.to_string())?;
            said.extend(self.retire_for(&s.paths).await?);
        }
        let submitted = self.submit(s).await.map_err(|e| e.to_string())?;
        said.push(self.describe_submitted(&submitted).await);
        Ok(said.join("\n"))
    }

    /// What a submission did, in a line per outcome: the loops started, the plans queued.
    async fn describe_submitted(self: &Arc<Self>, s: &queue::Submitted) -> String {
        let mut lines = vec![match s.started.as_slice() {
            [] if s.ids.is_empty() => "no plan given: nothing started".to_string(),
            [] => String::new(),
            [one] => format!("loop `{one}` started"),
            many => format!("loops started: {}", many.join(", ")),
        }];
        for (row, wait) in self.queue_waits().await {
            if s.ids.contains(&row.id) && row.status == "waiting" {
                let why = wait.map_or_else(|| "starts next".to_string(), |w| w.describe());
                lines.push(format!("queued #{}: {} ({why})", row.id, row.plan_path));
            }
        }
        lines.retain(|l| !l.is_empty());
        lines.join("\n")
    }

    /// Ends the loops that plans handed with `replace` supersede: a hosted one is aborted like
    /// any loop (audited); one this supervisor could not host runs nothing and is aborted in
    /// the store.
    async fn retire_for(self: &Arc<Self>, paths: &[PathBuf]) -> Result<Vec<String>, String> {
        let mut said = Vec::new();
        for path in paths {
            let reason = format!("replaced by a new loop from {}", path.display());
            let (shared, plan) = (Arc::clone(&self.shared), path.clone());
            let names = tokio::task::spawn_blocking(move || {
                crate::engine::supervisor::launch::replaced_by(
                    shared.store(),
                    shared.repo_root(),
                    &plan,
                )
            })
            .await
            .map_err(|e| format!("retire task failed: {e}"))??;
            for slug in names {
                said.extend(self.retire(&slug, &reason).await?);
            }
        }
        Ok(said)
    }

    /// Ends loop `slug`, which a corrected plan replaces: aborted by its task when hosted
    /// here, in the store alone when it could not be hosted (its plan changed).
    async fn retire(self: &Arc<Self>, slug: &str, reason: &str) -> Result<Option<String>, String> {
        let said = format!("loop `{slug}` aborted: {reason}");
        if self.sender(slug).is_some() {
            let ended = self
                .shared
                .board()
                .iter()
                .any(|v| v.name == slug && v.state.state.is_terminal());
            if ended {
                return Ok(None);
            }
            self.act(slug, HumanAction::Abort).await?;
            return Ok(Some(said));
        }
        let shared = Arc::clone(&self.shared);
        let (name, why) = (slug.to_string(), reason.to_string());
        let retired = tokio::task::spawn_blocking(move || {
            crate::engine::supervisor::offline::retire(
                shared.store(),
                shared.actor(),
                &name,
                &why,
                shared.clock(),
            )
        })
        .await
        .map_err(|e| format!("retire task failed: {e}"))??;
        Ok(retired.then_some(said))
    }

    /// `andon signal done` from a loop's interactive agent: its turn is over.
    pub async fn signal_done(&self, name: &str) -> Result<String, String> {
        let Some(tx) = self.sender(name) else {
            return Err(format!("no loop named `{name}` in this supervisor"));
        };
        tx.send(LoopCommand::Signal)
            .await
            .map_err(|_| format!("loop `{name}` has ended"))?;
        Ok(format!("{name}: turn over"))
    }

    /// Stop / resume the whole line, or the same action on every loop.
    pub async fn act_all(self: &Arc<Self>, action: HumanAction) -> Result<String, String> {
        if let Some(socket) = &self.remote {
            let target = crate::engine::supervisor::control::Target::All;
            return crate::engine::supervisor::remote::act(socket.clone(), target, action).await;
        }
        match action {
            HumanAction::Stop => self.shared.set_line_stopped(true),
            HumanAction::Resume { .. } => self.shared.set_line_stopped(false),
            _ => {}
        }
        let mut lines = Vec::new();
        for name in self.loop_names() {
            // Resuming the line undoes human stops only: it must not accept a Meta-Andon fix
            // plan or override a breaker on some loop nobody looked at.
            if matches!(action, HumanAction::Resume { .. }) && !self.stopped_by_human(&name) {
                continue;
            }
            match self.act(&name, action.clone()).await {
                Ok(m) => lines.push(format!("{name}: {m}")),
                Err(m) => lines.push(format!("{name}: not changed ({m})")),
            }
        }
        // A resumed line admits what waited in the queue.
        self.nudge();
        let head = match action {
            HumanAction::Stop => "LINE STOPPED",
            HumanAction::Resume { .. } => "line resumed",
            _ => "done",
        };
        Ok(format!("{head}\n{}", lines.join("\n")))
    }

    fn stopped_by_human(&self, name: &str) -> bool {
        self.shared.board().iter().any(|v| {
            v.name == name
                && v.state.state == andon_core::state::State::Stopped
                && v.state
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.cause == andon_core::state::StopCause::Human)
        })
    }

    /// Remove an ended loop's worktree (see [`crate::engine::supervisor::offline::clean_up`]).
    pub async fn clean_up(
        &self,
        name: &str,
        force: Option<String>,
        delete_branch: bool,
    ) -> Result<String, String> {
        let shared = Arc::clone(&self.shared);
        let name = name.to_string();
        tokio::task::spawn_blocking(move || {
            crate::engine::supervisor::offline::clean_up(
                shared.git(),
                shared.store(),
                shared.actor(),
                &name,
                force.as_deref(),
                delete_branch,
                shared.clock(),
            )
        })
        .await
        .unwrap_or_else(|e| Err(format!("cleanup task failed: {e}")))
    }

    /// What the review screen shows about a loop.
    pub async fn review(
        &self,
        name: &str,
    ) -> Result<crate::engine::delivery::review::ReviewFacts, String> {
        let shared = Arc::clone(&self.shared);
        let name = name.to_string();
        tokio::task::spawn_blocking(move || {
            crate::engine::delivery::review::review_facts(&shared, &name)
        })
        .await
        .unwrap_or_else(|e| Err(format!("review task failed: {e}")))
    }

    /// Pushes a loop's branch and runs `gh pr create` with its PR body (written by an
    /// approval with the `pr` outcome).
    pub async fn open_pr(&self, name: &str) -> Result<String, String> {
        let pr = self.shared.dirs().loop_dir(name).join("PR.md");
        let branch = self
            .shared
            .board()
            .into_iter()
            .find(|v| v.name == name)
            .map_or_else(|| format!("loop/{name}"), |v| v.branch);
        let root = self.shared.repo_root().to_path_buf();
        let git = self.shared.git().clone();
        tokio::task::spawn_blocking(move || {
            let cmd = crate::engine::delivery::pull_request::gh_command(&branch, &pr)
                .ok_or("gh is not on PATH, or the PR body is missing")?;
            crate::engine::delivery::pull_request::open_pr(&git, &root, &branch, &cmd)
        })
        .await
        .unwrap_or_else(|e| Err(format!("gh task failed: {e}")))
    }

    /// What a human reads before accepting a Meta-Andon fix plan: the plan the plan-mode
    /// iteration wrote, and the Five Whys file beside it (repo-relative).
    pub async fn fix_plan_review(&self, name: &str) -> Result<(String, Option<String>), String> {
        let view = self
            .shared
            .board()
            .into_iter()
            .find(|v| v.name == name)
            .ok_or_else(|| format!("no loop named {name}"))?;
        let n = view.state.iteration;
        let shared = Arc::clone(&self.shared);
        let name = name.to_string();
        tokio::task::spawn_blocking(move || {
            crate::engine::memory::fix_plan_review(shared.dirs(), shared.repo_root(), &name, n)
        })
        .await
        .unwrap_or_else(|e| Err(format!("fix plan task failed: {e}")))
    }

    /// Where a rollback of loop `name` would go and what it would give up (the confirm text).
    pub async fn rollback_preview(
        &self,
        name: &str,
    ) -> Result<crate::engine::delivery::rollback::RollbackTarget, String> {
        let base = self
            .shared
            .board()
            .into_iter()
            .find(|v| v.name == name)
            .map(|v| v.base)
            .ok_or_else(|| format!("no loop named {name}"))?;
        let shared = Arc::clone(&self.shared);
        let name = name.to_string();
        tokio::task::spawn_blocking(move || {
            crate::engine::delivery::rollback::target(shared.store(), shared.git(), &name, &base)
        })
        .await
        .unwrap_or_else(|e| Err(format!("rollback task failed: {e}")))
    }

    /// The repo's plans the board offers to start (the plan picker).
    pub async fn plan_choices(&self) -> Vec<crate::engine::supervisor::launch::PlanChoice> {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || {
            crate::engine::supervisor::launch::plan_choices(shared.repo_root(), shared.store())
        })
        .await
        .unwrap_or_default()
    }

    /// The Kaizen board's data.
    pub async fn kaizen_report(
        &self,
    ) -> Result<crate::engine::queries::kaizen::KaizenReport, String> {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || crate::engine::queries::kaizen::report(shared.store()))
            .await
            .unwrap_or_else(|e| Err(format!("Kaizen task failed: {e}")))
    }

    /// Records (and audits) a human's Kaizen decision about one group of incidents.
    pub async fn kaizen_decide(
        &self,
        category: &str,
        fingerprint: &str,
        change: crate::engine::queries::kaizen::Change,
    ) -> Result<String, String> {
        let shared = Arc::clone(&self.shared);
        let (category, fingerprint) = (category.to_string(), fingerprint.to_string());
        tokio::task::spawn_blocking(move || {
            crate::engine::queries::kaizen::decide(
                shared.store(),
                shared.actor(),
                &fingerprint,
                Some(&category),
                change,
                shared.clock(),
            )
        })
        .await
        .unwrap_or_else(|e| Err(format!("Kaizen task failed: {e}")))
    }

    /// Adopts a prevention for a Kaizen group: written, committed and audited (see
    /// [`crate::engine::memory::standards`]). New loops get it; running ones keep theirs.
    pub async fn kaizen_adopt(
        &self,
        id: &str,
        prevention: andon_core::standards::Prevention,
    ) -> Result<String, String> {
        if let Some(socket) = &self.remote {
            return crate::engine::supervisor::control::forward(
                socket.clone(),
                crate::engine::supervisor::control::Request::Adopt {
                    id: id.to_string(),
                    prevention,
                },
            )
            .await;
        }
        let shared = Arc::clone(&self.shared);
        let id = id.to_string();
        tokio::task::spawn_blocking(move || {
            crate::engine::memory::standards::adopt(
                &crate::engine::memory::standards::Adoption {
                    git: shared.git(),
                    store: shared.store(),
                    actor: shared.actor(),
                    clock: shared.clock(),
                },
                &id,
                &prevention,
            )
        })
        .await
        .unwrap_or_else(|e| Err(format!("Kaizen task failed: {e}")))
    }

    /// End every loop's run (agents and checks) and record the cut iterations as interrupted.
    pub async fn shutdown(&self, reason: &str) {
        let senders: Vec<_> = self.line.senders().into_iter().map(|(_, tx)| tx).collect();
        let mut waits = Vec::new();
        for tx in senders {
            let (done, wait) = oneshot::channel();
            if tx
                .send(LoopCommand::Shutdown {
                    reason: reason.to_string(),
                    done,
                })
                .await
                .is_ok()
            {
                waits.push(wait);
            }
        }
        for w in waits {
            w.await
                .or_log("a loop task ended (or panicked) before shutdown waited for it");
        }
    }
}

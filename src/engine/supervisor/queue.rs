//! The supervisor's side of the queue: plans and resumes go in through [`Supervisor::submit`]
//! and [`Supervisor::resume_when_room`], and one drain at a time starts what the schedule
//! allows — after every change on the board, every submission and every line action.

use std::sync::Arc;

use andon_core::event::{Event, HumanAction};
use andon_core::queue::{Glance, Wait};

use crate::engine::supervisor::admission::{self, Drained, Ground, Submission};
use crate::engine::supervisor::control::{self, Request};
use crate::engine::supervisor::launch::NotAdmitted;
use crate::engine::supervisor::Supervisor;
use crate::or_log::OrLog;
use crate::store::queue::QueueRow;

impl Supervisor {
    fn ground(&self) -> Ground<'_> {
        Ground {
            git: self.shared.git(),
            config: self.shared.config(),
            store: self.shared.store(),
            clock: self.shared.clock(),
            line_stopped: self.shared.is_line_stopped(),
            unhosted: self.unhosted().into_iter().map(|(name, _)| name).collect(),
        }
    }

    /// Queues plans and starts what the line has room for now; says what started and what
    /// waits. Bad input queues nothing. The one way plans become loops: `andon run`, plans
    /// handed to a running supervisor, the board's plan picker, `andon queue add`.
    pub async fn submit(self: &Arc<Self>, s: Submission) -> Result<Submitted, NotAdmitted> {
        let _one = self.admission.drains.lock().await;
        let me = Arc::clone(self);
        let ids = tokio::task::spawn_blocking(move || admission::submit(&me.ground(), &s))
            .await
            .map_err(|e| NotAdmitted::Store(format!("queue task failed: {e}")))??;
        let drained = self.drain_locked(ids.clone()).await?;
        let started: Vec<String> = drained
            .started
            .iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, name)| name.clone())
            .collect();
        Ok(Submitted { ids, started })
    }

    /// Starts what the schedule allows now; entries that cannot start are logged (and listed
    /// as failed by `andon queue`).
    pub async fn drain(self: &Arc<Self>) {
        let _one = self.admission.drains.lock().await;
        if let Err(e) = self.drain_locked(Vec::new()).await {
            tracing::warn!("the queue could not be drained: {e}");
        }
        self.refresh_glance().await;
    }

    /// Reads the queue's glance again; the board redraws its status bar if it changed.
    async fn refresh_glance(self: &Arc<Self>) {
        let me = Arc::clone(self);
        let glance = tokio::task::spawn_blocking(move || admission::glance(&me.ground()))
            .await
            .unwrap_or_else(|e| Err(format!("queue task failed: {e}")))
            .or_log("the status bar keeps the queue it showed");
        let changed = match (glance, self.admission.glance.lock()) {
            (Some(glance), Ok(mut shown)) if *shown != glance => {
                *shown = glance;
                true
            }
            _ => false,
        };
        if changed {
            self.admission.glance_changed.notify_one();
        }
    }

    /// Woken when the queue's glance changed (the board redraws its status bar).
    pub fn queue_changed(&self) -> &tokio::sync::Notify {
        &self.admission.glance_changed
    }

    /// The queue at a glance, as the last drain left it (a snapshot for the board).
    pub fn queue_glance(&self) -> Glance {
        self.admission
            .glance
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default()
    }

    /// One drain, the caller holding the drain lock.
    async fn drain_locked(
        self: &Arc<Self>,
        submitted: Vec<i64>,
    ) -> Result<DrainOutcome, NotAdmitted> {
        if self.is_remote() {
            return Ok(DrainOutcome::default());
        }
        let me = Arc::clone(self);
        let Drained {
            started,
            resumes,
            failed,
        } = tokio::task::spawn_blocking(move || admission::drain(&me.ground(), &submitted))
            .await
            .map_err(|e| NotAdmitted::Store(format!("queue task failed: {e}")))??;
        // A start that failed freed the place it was given: the next drain uses it (failed
        // holds only entries marked failed: one still waiting would fail again at once).
        let mut again = !failed.is_empty();
        for (id, why) in failed {
            tracing::warn!(entry = id, "a queued plan could not start: {why}");
        }
        let mut out = DrainOutcome::default();
        for (id, spec, p) in started {
            out.started.push((id, spec.name.clone()));
            self.add_loop(spec, p, Some(Event::Start));
        }
        for (id, name, action) in resumes {
            let answer = self.act_one(&name, action).await;
            let store = self.shared.store();
            let marked = match &answer {
                Ok(_) => store
                    .mark_started(id, &name, self.shared.clock().now_ms())
                    .map(|_| ()),
                Err(why) => store.mark_failed(id, why),
            }
            .or_log("the resume's entry is settled on the next drain")
            .is_some();
            again |= answer.is_err() && marked;
            out.started.push((id, name));
            out.answers.insert(id, answer);
        }
        if again {
            self.nudge();
        }
        Ok(out)
    }

    /// Resumes stopped loop `name` when the line has room — now, or once a place frees (the
    /// answer says which).
    pub(super) async fn resume_when_room(
        self: &Arc<Self>,
        name: &str,
        plan: &str,
        resume: HumanAction,
    ) -> Result<String, String> {
        let _one = self.admission.drains.lock().await;
        let me = Arc::clone(self);
        let (who, plan_path) = (name.to_string(), plan.to_string());
        let id = tokio::task::spawn_blocking(move || {
            admission::submit_resume(&me.ground(), &who, &plan_path, &resume)
        })
        .await
        .map_err(|e| format!("queue task failed: {e}"))??;
        let mut drained = self
            .drain_locked(Vec::new())
            .await
            .map_err(|e| e.to_string())?;
        match drained.answers.remove(&id) {
            Some(answer) => answer,
            None => {
                let why = self
                    .queue_waits()
                    .await
                    .into_iter()
                    .find(|(row, _)| row.id == id)
                    .and_then(|(_, w)| w)
                    .map_or_else(|| "the line is full".into(), |w| w.describe());
                Ok(format!(
                    "resume queued (#{id}): {why}; `{name}` resumes when the line has room"
                ))
            }
        }
    }

    /// Every queue entry with why it waits (`None` once it is not waiting, or starts next).
    pub async fn queue_waits(self: &Arc<Self>) -> Vec<(QueueRow, Option<Wait>)> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || admission::waits(&me.ground()))
            .await
            .unwrap_or_else(|e| Err(format!("queue task failed: {e}")))
            .or_log("the queue is shown empty")
            .unwrap_or_default()
    }

    /// Drains the queue after every change on the board and every nudge, for as long as the
    /// supervisor runs. A read-only board (another andon supervises) drains nothing: it reads
    /// the queue's glance again, at every change and every second (a plan added changes no
    /// loop), for its status bar.
    pub fn start_admission(self: &Arc<Self>) {
        let me = Arc::clone(self);
        let mut updates = self.shared.updates().subscribe();
        let remote = self.is_remote();
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                if remote {
                    me.refresh_glance().await;
                } else {
                    me.drain().await;
                }
                tokio::select! {
                    update = updates.recv() => {
                        if matches!(update, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                            return;
                        }
                    }
                    () = me.admission.wake.notified() => {}
                    _ = every.tick(), if remote => {}
                }
            }
        });
    }

    /// Asks for a drain soon (the line resumed, the queue changed).
    pub fn nudge(&self) {
        self.admission.wake.notify_one();
    }

    /// Hands a submission to the supervisor of the repo (a read-only board's plan picker).
    pub(super) async fn forward_submission(&self, s: Submission) -> Result<String, String> {
        let Some(socket) = &self.remote else {
            return Err("no supervisor to hand the plans to".into());
        };
        let req = Request::Start {
            plans: s.paths,
            replace: s.replace,
            agent: s.agent,
            priority: s.priority,
            after: s.after,
        };
        control::forward(socket.clone(), req).await
    }
}

/// What a submission did: its entries, and the loops that started at once.
#[derive(Debug, Clone, Default)]
pub struct Submitted {
    pub ids: Vec<i64>,
    pub started: Vec<String>,
}

/// What one drain started: (entry, loop) for each, and each resume's answer by entry.
#[derive(Default)]
struct DrainOutcome {
    started: Vec<(i64, String)>,
    answers: std::collections::BTreeMap<i64, Result<String, String>>,
}

/// The supervisor's admission state: one drain at a time, and its wake-up.
#[derive(Default)]
pub struct AdmissionState {
    drains: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
    glance: std::sync::Mutex<Glance>,
    glance_changed: tokio::sync::Notify,
}

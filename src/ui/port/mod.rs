//! The board's one door into the engine. The UI reads snapshots (the loops, the line, diffs
//! already computed) and sends typed requests (act, write to a pane, resize it, ask for a
//! diff, fetch a review); it never holds the supervisor, git, the store or a PTY. A request
//! returns a future: actions are spawned and answer later in the status line; what a screen
//! needs before it can open (a review's facts, the plan picker's plans, the Kaizen report)
//! is awaited, a store read of a few milliseconds.
//!
//! [`SupervisorPort`] is the real engine behind it; the whole-board tests put a recording
//! fake in its place (as zellij's `ServerOsApi` lets its tests run real logic on fake PTYs).

#[cfg(test)]
pub mod fake;

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::Notify;

use crate::engine::supervisor::Supervisor;

// What crosses the port, named here so the rest of the UI never names the engine (a test in
// `tests/it/architecture.rs` holds the UI to it).
pub use crate::engine::delivery::review::ReviewFacts;
pub use crate::engine::delivery::rollback::RollbackTarget;
pub use crate::engine::diffs::DiffResult;
pub use crate::engine::queries::kaizen::{Change, KaizenReport};
pub use crate::engine::supervisor::launch::PlanChoice;
pub use crate::engine::supervisor::shared::{LoopView, OutputHook, Update};
// A review's facts carry the store's rows of the loop.
pub use crate::store::{CheckRunRow, IncidentRow, IterationRow};
use andon_core::diff::{DiffStat, DiffTarget};
use andon_core::event::HumanAction;
pub use andon_core::queue::Glance;
use andon_core::standards::Prevention;

/// An answer that comes later: what was done, or why not.
pub type Answer<T> = BoxFuture<'static, Result<T, String>>;

/// The engine as the board sees it.
pub type Port = Arc<dyn EnginePort>;

/// Everything the board may read from or ask of the engine.
pub trait EnginePort: Send + Sync {
    // Snapshots: cheap, never waiting on a loop.

    /// Every loop's latest picture.
    fn board(&self) -> Vec<LoopView>;
    /// Whether the whole line is stopped.
    fn line_stopped(&self) -> bool;
    /// The queue at a glance: what waits, and why the first in line does.
    fn queue(&self) -> Glance;
    /// A loop's cumulative diffstat, once computed.
    fn diff_stat(&self, loop_name: &str) -> Option<DiffStat>;
    /// The latest diff computed for exactly `target`, with its generation.
    fn latest_diff(&self, loop_name: &str, target: DiffTarget) -> Option<DiffResult>;
    /// Loops this board cannot host, and why (their plan changed).
    fn unhosted(&self) -> Vec<(String, String)>;
    /// Whether another andon supervises the repo (this board only reads and forwards).
    fn is_remote(&self) -> bool;
    /// Bubblewrap's path, or why the sandbox has no namespaces here.
    fn namespaces(&self) -> Result<PathBuf, String>;
    /// Whether a loop's agent runs now (there is something to attach to).
    fn agent_running(&self, loop_name: &str) -> bool;
    /// Woken whenever a diff was computed.
    fn diff_computed(&self) -> &Notify;
    /// Woken whenever the queue's glance changed.
    fn queue_changed(&self) -> &Notify;

    // Requests without an answer.

    /// Bytes for a loop's agent: keys, pastes, mouse reports of an attached human.
    fn write_pane(&self, loop_name: &str, bytes: Vec<u8>);
    /// The pane a loop is drawn in has this size; its PTY follows.
    fn resize_pane(&self, loop_name: &str, rows: u16, cols: u16);
    /// Compute a loop's diff; [`EnginePort::latest_diff`] has it when done.
    fn request_diff(&self, loop_name: &str, target: DiffTarget);

    // Requests with an answer.

    /// A human action on one loop (audited by the engine before it takes effect).
    fn act(&self, loop_name: &str, action: HumanAction) -> Answer<String>;
    /// A human action on the whole line.
    fn act_all(&self, action: HumanAction) -> Answer<String>;
    /// Start a loop from a plan (repo-relative path); `replace` aborts its loop first.
    fn start_plan(&self, plan: &str, replace: bool) -> Answer<String>;
    /// The plans the picker offers.
    fn plan_choices(&self) -> BoxFuture<'static, Vec<PlanChoice>>;
    /// The review screen's facts for a loop.
    fn review(&self, loop_name: &str) -> Answer<ReviewFacts>;
    /// A Meta-Andon stop's fix plan and where its Five Whys file is.
    fn fix_plan_review(&self, loop_name: &str) -> Answer<(String, Option<String>)>;
    /// Where a rollback would go and what it would give up.
    fn rollback_preview(&self, loop_name: &str) -> Answer<RollbackTarget>;
    /// The Kaizen board's data.
    fn kaizen_report(&self) -> Answer<KaizenReport>;
    /// Records a human's Kaizen decision about one group of incidents.
    fn kaizen_decide(&self, category: &str, fingerprint: &str, change: Change) -> Answer<String>;
    /// Adopt a prevention for a Kaizen item: written, committed and audited by the engine.
    fn kaizen_adopt(&self, id: &str, prevention: Prevention) -> Answer<String>;
    /// Push an approved loop's branch and open its pull request.
    fn open_pr(&self, loop_name: &str) -> Answer<String>;
    /// End every loop's run; the board is closing.
    fn shutdown(&self, why: &str) -> BoxFuture<'static, ()>;
}

/// The real engine: this process's supervisor (or the forwarder to another's).
pub struct SupervisorPort(pub Arc<Supervisor>);

impl SupervisorPort {
    pub fn port(sup: Arc<Supervisor>) -> Port {
        Arc::new(SupervisorPort(sup))
    }

    /// The supervisor, and `name` owned, for a future that outlives the call.
    fn with(&self, name: &str) -> (Arc<Supervisor>, String) {
        (Arc::clone(&self.0), name.to_string())
    }
}

impl EnginePort for SupervisorPort {
    fn board(&self) -> Vec<LoopView> {
        self.0.shared().board()
    }

    fn line_stopped(&self) -> bool {
        self.0.shared().is_line_stopped()
    }

    fn queue(&self) -> Glance {
        self.0.queue_glance()
    }

    fn queue_changed(&self) -> &Notify {
        self.0.queue_changed()
    }

    fn diff_stat(&self, loop_name: &str) -> Option<DiffStat> {
        self.0.shared().diff_service(loop_name)?.stat()
    }

    fn latest_diff(&self, loop_name: &str, target: DiffTarget) -> Option<DiffResult> {
        let service = self.0.shared().diff_service(loop_name)?;
        service.latest().get(target).cloned()
    }

    fn unhosted(&self) -> Vec<(String, String)> {
        self.0.unhosted()
    }

    fn is_remote(&self) -> bool {
        self.0.is_remote()
    }

    fn namespaces(&self) -> Result<PathBuf, String> {
        self.0.shared().namespaces().clone()
    }

    fn agent_running(&self, loop_name: &str) -> bool {
        self.0.shared().ptys().is_running(loop_name)
    }

    fn diff_computed(&self) -> &Notify {
        self.0.shared().diff_wake()
    }

    fn write_pane(&self, loop_name: &str, bytes: Vec<u8>) {
        self.0.shared().ptys().write(loop_name, bytes);
    }

    fn resize_pane(&self, loop_name: &str, rows: u16, cols: u16) {
        self.0.shared().set_pane_size(loop_name, rows, cols);
    }

    fn request_diff(&self, loop_name: &str, target: DiffTarget) {
        if let Some(service) = self.0.shared().diff_service(loop_name) {
            service.request(target);
        }
    }

    fn act(&self, loop_name: &str, action: HumanAction) -> Answer<String> {
        let (sup, name) = self.with(loop_name);
        Box::pin(async move { sup.act(&name, action).await })
    }

    fn act_all(&self, action: HumanAction) -> Answer<String> {
        let sup = Arc::clone(&self.0);
        Box::pin(async move { sup.act_all(action).await })
    }

    fn start_plan(&self, plan: &str, replace: bool) -> Answer<String> {
        let sup = Arc::clone(&self.0);
        let path = sup.shared().repo_root().join(plan);
        Box::pin(async move {
            sup.start_plans(crate::engine::supervisor::admission::Submission {
                paths: vec![path],
                replace,
                ..Default::default()
            })
            .await
        })
    }

    fn plan_choices(&self) -> BoxFuture<'static, Vec<PlanChoice>> {
        let sup = Arc::clone(&self.0);
        Box::pin(async move { sup.plan_choices().await })
    }

    fn review(&self, loop_name: &str) -> Answer<ReviewFacts> {
        let (sup, name) = self.with(loop_name);
        Box::pin(async move { sup.review(&name).await })
    }

    fn fix_plan_review(&self, loop_name: &str) -> Answer<(String, Option<String>)> {
        let (sup, name) = self.with(loop_name);
        Box::pin(async move { sup.fix_plan_review(&name).await })
    }

    fn rollback_preview(&self, loop_name: &str) -> Answer<RollbackTarget> {
        let (sup, name) = self.with(loop_name);
        Box::pin(async move { sup.rollback_preview(&name).await })
    }

    fn kaizen_report(&self) -> Answer<KaizenReport> {
        let sup = Arc::clone(&self.0);
        Box::pin(async move { sup.kaizen_report().await })
    }

    fn kaizen_decide(&self, category: &str, fingerprint: &str, change: Change) -> Answer<String> {
        let (sup, category) = self.with(category);
        let fingerprint = fingerprint.to_string();
        Box::pin(async move { sup.kaizen_decide(&category, &fingerprint, change).await })
    }

    fn kaizen_adopt(&self, id: &str, prevention: Prevention) -> Answer<String> {
        let (sup, id) = self.with(id);
        Box::pin(async move {
            sup.kaizen_adopt(&id, prevention)
                .await
                .map(|m| format!("Kaizen {m}"))
        })
    }

    fn open_pr(&self, loop_name: &str) -> Answer<String> {
        let (sup, name) = self.with(loop_name);
        Box::pin(async move { sup.open_pr(&name).await })
    }

    fn shutdown(&self, why: &str) -> BoxFuture<'static, ()> {
        let (sup, why) = self.with(why);
        Box::pin(async move { sup.shutdown(&why).await })
    }
}

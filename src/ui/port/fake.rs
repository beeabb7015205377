//! A fake engine behind the board's port, for the whole-board tests: it holds the loops it
//! is given, answers every request at once, applies stop, resume and approve to its loops
//! the way the engine would show them, and records every request in order.

use std::path::PathBuf;
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use tokio::sync::Notify;

use crate::ui::port::DiffResult;
use crate::ui::port::LoopView;
use crate::ui::port::PlanChoice;
use crate::ui::port::ReviewFacts;
use crate::ui::port::RollbackTarget;
use crate::ui::port::{Answer, EnginePort};
use crate::ui::port::{Change, KaizenReport};
use andon_core::diff::{DiffStat, DiffTarget};
use andon_core::event::HumanAction;
use andon_core::standards::Prevention;
use andon_core::state::{Lamp, Limits, LoopState, State};

pub struct FakePort {
    loops: Mutex<Vec<LoopView>>,
    /// Preventions adopted, as (item id, in words).
    adopted: Mutex<Vec<(String, String)>>,
    requests: Mutex<Vec<String>>,
    diff_wake: Notify,
    queue_wake: Notify,
}

/// A loop as the engine shows it: `state` with `lamp`, on iteration `iteration`.
pub fn view(name: &str, state: State, lamp: Lamp, iteration: u32, at_ms: i64) -> LoopView {
    let mut s = LoopState::new(Limits::default());
    s.state = state;
    s.lamp = lamp;
    s.iteration = iteration;
    LoopView {
        name: name.into(),
        plan: format!("plans/{name}.md"),
        title: format!("{name}: the goal"),
        branch: format!("loop/{name}"),
        worktree: format!("/tmp/shop.worktrees/{name}"),
        base: "0123456789abcdef".into(),
        started_at: at_ms - 300_000,
        updated_at: at_ms - 5_000,
        worked_ms: 240_000,
        active_since: None,
        state: s,
        marks: Vec::new(),
        condition: None,
        sandbox: None,
    }
}

impl FakePort {
    pub fn new(loops: Vec<LoopView>) -> FakePort {
        FakePort {
            loops: Mutex::new(loops),
            adopted: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            diff_wake: Notify::new(),
            queue_wake: Notify::new(),
        }
    }

    /// Every request so far, as `verb loop detail`.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn record(&self, request: String) {
        if let Ok(mut r) = self.requests.lock() {
            r.push(request);
        }
    }

    /// What the engine would make of `action` on loop `name`.
    fn apply(&self, name: &str, action: &HumanAction) -> Result<String, String> {
        let mut loops = self.loops.lock().map_err(|e| e.to_string())?;
        let view = loops
            .iter_mut()
            .find(|v| v.name == name)
            .ok_or_else(|| format!("no loop named {name}"))?;
        let (state, lamp, said) = match action {
            HumanAction::Stop => (State::Stopped, Lamp::Red, "stopped"),
            HumanAction::Resume { .. } => (State::Running, Lamp::Green, "resumed"),
            HumanAction::Redirect { .. } => (State::Running, Lamp::Green, "redirected"),
            HumanAction::Approve { .. } => (State::Merged, Lamp::Gray, "merged into main"),
            _ => return Ok("done".into()),
        };
        view.state.state = state;
        view.state.lamp = lamp;
        Ok(said.into())
    }
}

fn now<T: Send + 'static>(value: T) -> BoxFuture<'static, T> {
    Box::pin(async move { value })
}

impl EnginePort for FakePort {
    fn board(&self) -> Vec<LoopView> {
        self.loops.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn line_stopped(&self) -> bool {
        false
    }

    fn queue(&self) -> crate::ui::port::Glance {
        crate::ui::port::Glance::default()
    }

    fn diff_stat(&self, _loop_name: &str) -> Option<DiffStat> {
        None
    }

    fn latest_diff(&self, _loop_name: &str, _target: DiffTarget) -> Option<DiffResult> {
        None
    }

    fn unhosted(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    fn is_remote(&self) -> bool {
        false
    }

    fn namespaces(&self) -> Result<PathBuf, String> {
        Ok("/usr/bin/bwrap".into())
    }

    fn agent_running(&self, loop_name: &str) -> bool {
        self.board()
            .iter()
            .any(|v| v.name == loop_name && v.state.state.is_active())
    }

    fn diff_computed(&self) -> &Notify {
        &self.diff_wake
    }

    fn queue_changed(&self) -> &Notify {
        &self.queue_wake
    }

    fn write_pane(&self, loop_name: &str, bytes: Vec<u8>) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        self.record(format!("write {loop_name} {text:?}"));
    }

    fn resize_pane(&self, loop_name: &str, rows: u16, cols: u16) {
        self.record(format!("resize {loop_name} {rows}x{cols}"));
    }

    fn request_diff(&self, loop_name: &str, target: DiffTarget) {
        self.record(format!("diff {loop_name} {target:?}"));
    }

    fn act(&self, loop_name: &str, action: HumanAction) -> Answer<String> {
        let detail = match &action {
            HumanAction::Redirect { note }
            | HumanAction::Resume {
                note: Some(note), ..
            } => format!(" {note:?}"),
            HumanAction::Approve { outcome, .. } => format!(" {outcome:?}"),
            _ => String::new(),
        };
        self.record(format!("act {loop_name} {}{detail}", action.name()));
        now(self.apply(loop_name, &action))
    }

    fn act_all(&self, action: HumanAction) -> Answer<String> {
        self.record(format!("act_all {}", action.name()));
        now(Ok("done".into()))
    }

    fn kaizen_adopt(&self, id: &str, prevention: Prevention) -> Answer<String> {
        self.record(format!("adopt {id} {}", prevention.describe()));
        if let Ok(mut adopted) = self.adopted.lock() {
            adopted.push((id.to_string(), prevention.describe()));
        }
        now(Ok(format!("adopted for {id}")))
    }

    fn start_plan(&self, plan: &str, replace: bool) -> Answer<String> {
        self.record(format!("start {plan} replace={replace}"));
        now(Ok("started".into()))
    }

    fn plan_choices(&self) -> BoxFuture<'static, Vec<PlanChoice>> {
        now(Vec::new())
    }

    fn review(&self, loop_name: &str) -> Answer<ReviewFacts> {
        self.record(format!("review {loop_name}"));
        let view = self.board().into_iter().find(|v| v.name == loop_name);
        now(view
            .map(|v| ReviewFacts {
                loop_name: v.name.clone(),
                branch: v.branch.clone(),
                target: "main".into(),
                goal: v.title.clone(),
                state: v.state.state,
                gate: None,
                last_checks: Vec::new(),
                iterations: Vec::new(),
                incidents: Vec::new(),
                notes: Vec::new(),
                gh_available: false,
                follows_prs: false,
                has_pr: false,
                history_by_default: false,
                opinions: v.state.opinions.clone(),
                baseline: v.state.baseline.as_ref().map(|b| b.describe()),
            })
            .ok_or_else(|| format!("no loop named {loop_name}")))
    }

    fn fix_plan_review(&self, loop_name: &str) -> Answer<(String, Option<String>)> {
        now(Err(format!("{loop_name} has no fix plan")))
    }

    fn rollback_preview(&self, loop_name: &str) -> Answer<RollbackTarget> {
        now(Err(format!("{loop_name} has nothing to roll back to")))
    }

    /// One incident group: a test failure in loop fix-price.
    fn kaizen_report(&self) -> Answer<KaizenReport> {
        self.record("kaizen".into());
        let incident = andon_core::kaizen::IncidentFact {
            loop_name: "fix-price".into(),
            iteration: 1,
            at: 0,
            category: "test_failure".into(),
            fingerprint: "9f2c41d07a3be5aa".into(),
            summary: "tests exit 1: FAIL: price 5 10 = -5".into(),
            seen_before: false,
        };
        let adopted = self.adopted.lock().map(|a| a.clone()).unwrap_or_default();
        // An adoption sets the group's level (L2 for the checks this fake is given) and done.
        let decisions: Vec<andon_core::kaizen::Decision> = adopted
            .iter()
            .map(|_| andon_core::kaizen::Decision {
                category: incident.category.clone(),
                fingerprint: incident.fingerprint.clone(),
                level: Some(andon_core::kaizen::Level::L2),
                status: andon_core::kaizen::KaizenStatus::Done,
            })
            .collect();
        let mut items = andon_core::kaizen::items(std::slice::from_ref(&incident), &decisions);
        for item in &mut items {
            item.adopted = adopted
                .iter()
                .filter(|(id, _)| *id == item.id)
                .map(|(_, said)| said.clone())
                .collect();
        }
        now(Ok(KaizenReport {
            by_category: andon_core::kaizen::by_category(&items),
            metrics: andon_core::kaizen::metrics(&[], &[], &[], &[incident]),
            items,
        }))
    }

    fn kaizen_decide(
        &self,
        _category: &str,
        _fingerprint: &str,
        _change: Change,
    ) -> Answer<String> {
        now(Err("no Kaizen in the fake engine".into()))
    }

    fn open_pr(&self, loop_name: &str) -> Answer<String> {
        now(Err(format!("{loop_name}: no gh in the fake engine")))
    }

    fn shutdown(&self, why: &str) -> BoxFuture<'static, ()> {
        self.record(format!("shutdown {why}"));
        now(())
    }
}

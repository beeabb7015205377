//! What a loop task writes to the store: it gathers the rows one transition produces (the loop
//! row, the current iteration, check runs, events, incidents, audit) and commits them together,
//! so a SIGKILL between two transitions never leaves half of one.

use crate::clock::Clock;
use crate::engine::spec::{LoopSpec, Persisted};
use crate::engine::supervisor::shared::Shared;
use crate::store::{
    AuditRow, CheckRunRow, EventRow, IncidentRow, IterationRow, LoopRow, Step, StoreError,
};
use andon_core::event::{ChecksReport, HumanAction, IterationStatus};
use andon_core::failure::classify::Category;
use andon_core::failure::seen_before::SeenBefore;
use andon_core::state::{Failure, LoopState, Mode};

pub struct Recorder {
    loop_name: String,
    iteration: Option<IterationRow>,
    iteration_dirty: bool,
    /// Earlier iterations changed by the same transition (one ends as the next begins).
    finished: Vec<IterationRow>,
    check_runs: Vec<CheckRunRow>,
    events: Vec<EventRow>,
    incidents: Vec<IncidentRow>,
    audit: Vec<AuditRow>,
    /// What the guards restored in an iteration: the evidence of its guard incident.
    restored: Option<(u32, serde_json::Value)>,
    /// What the rows are stamped with.
    clock: Clock,
}

impl Recorder {
    /// Incidents recorded by the transition being applied, not yet committed.
    pub fn pending_incidents(&self) -> &[IncidentRow] {
        &self.incidents
    }

    pub fn new(loop_name: &str, clock: Clock) -> Recorder {
        Recorder {
            loop_name: loop_name.to_string(),
            iteration: None,
            iteration_dirty: false,
            finished: Vec::new(),
            check_runs: Vec::new(),
            events: Vec::new(),
            incidents: Vec::new(),
            audit: Vec::new(),
            restored: None,
            clock,
        }
    }

    /// The guards restored these files in iteration `n`; its guard incident names them.
    pub fn restored(&mut self, n: u32, out_of_scope: &[String], spec_drift: &[String]) {
        self.restored = Some((
            n,
            andon_core::guard::restored_evidence(out_of_scope, spec_drift),
        ));
    }

    pub fn begin_iteration(&mut self, n: u32, mode: Mode, prompt: &std::path::Path) {
        if self.iteration_dirty {
            self.finished.extend(self.iteration.take());
        }
        self.iteration = Some(IterationRow {
            loop_name: self.loop_name.clone(),
            n,
            mode: mode.as_str().into(),
            status: "running".into(),
            started_at: self.clock.now_ms(),
            ended_at: None,
            agent_exit: None,
            changed_files: None,
            checks_passed: None,
            checks_total: None,
            fingerprint: None,
            category: None,
            confidence: None,
            snapshot: None,
            prompt_path: prompt.to_string_lossy().to_string(),
            note: None,
            failure_lines: None,
        });
        self.iteration_dirty = true;
    }

    fn current(&mut self, n: u32) -> Option<&mut IterationRow> {
        self.iteration_dirty = true;
        self.iteration.as_mut().filter(|it| it.n == n)
    }

    pub fn snapshot(&mut self, commit: &str) {
        if let Some(it) = self.iteration.as_mut() {
            it.snapshot = Some(commit.to_string());
            self.iteration_dirty = true;
        }
    }

    pub fn checks(&mut self, report: &ChecksReport) {
        if let Some(it) = self.iteration.as_mut() {
            // Goal checks are reported on top of the plan's checks.
            it.checks_passed = Some(it.checks_passed.unwrap_or(0) + report.passed);
            it.checks_total = Some(it.checks_total.unwrap_or(0) + report.total);
            self.iteration_dirty = true;
        }
    }

    pub fn end_iteration(&mut self, n: u32, status: IterationStatus, failure: Option<&Failure>) {
        let at = self.clock.now_ms();
        if let Some(it) = self.current(n) {
            it.status = status.as_str().into();
            it.ended_at = Some(at);
            if let Some(f) = failure {
                it.fingerprint = Some(f.fingerprint.clone());
                it.category = Some(f.category.to_string());
                it.confidence = Some(f.confidence as f64);
                it.note = Some(f.summary.clone());
                it.failure_lines = (!f.lines.is_empty()).then(|| f.lines.join("\n"));
            }
        }
    }

    /// The iteration in progress was cut short.
    pub fn interrupt(&mut self, n: u32) {
        let at = self.clock.now_ms();
        if let Some(it) = self.current(n) {
            if it.status == "running" {
                it.status = "interrupted".into();
                it.ended_at = Some(at);
            }
        }
    }

    pub fn add_check_runs(&mut self, rows: Vec<CheckRunRow>) {
        self.check_runs.extend(rows);
    }

    pub fn event(&mut self, state: &LoopState, kind: &str, detail: &str) {
        self.events.push(EventRow {
            id: None,
            loop_name: self.loop_name.clone(),
            iteration: state.iteration,
            at: self.clock.now_ms(),
            kind: kind.into(),
            lamp: state.lamp.to_string(),
            state: state.state.to_string(),
            detail: detail.into(),
        });
    }

    pub fn incident(
        &mut self,
        shared: &Shared,
        spec: &LoopSpec,
        n: u32,
        failure: &Failure,
        stat: Option<andon_core::diff::DiffStat>,
        seen_before: &[SeenBefore],
    ) {
        let logs: Vec<String> = self
            .check_runs
            .iter()
            .filter(|c| c.iteration == n && !c.passed)
            .map(|c| c.log_path.clone())
            .collect();
        let restored = self
            .restored
            .as_ref()
            .filter(|(at, _)| *at == n && failure.category == Category::GuardViolation)
            .map(|(_, files)| files.clone());
        let evidence = serde_json::json!({
            "summary": failure.summary,
            "restored": restored,
            "checks": failure.checks,
            "check_logs": logs,
            "agent_log": shared.dirs().agent_log(&spec.name, n).to_string_lossy(),
            "diffstat": stat.map(|d| serde_json::json!({"files": d.files, "added": d.added, "removed": d.removed})),
            "seen_before": seen_before,
            "output_tail": failure.output_tail.chars().rev().take(2000).collect::<String>().chars().rev().collect::<String>(),
        });
        self.incidents.push(IncidentRow {
            id: None,
            loop_name: self.loop_name.clone(),
            iteration: n,
            at: self.clock.now_ms(),
            category: failure.category.to_string(),
            confidence: failure.confidence as f64,
            fingerprint: failure.fingerprint.clone(),
            summary: failure.summary.clone(),
            evidence_json: evidence.to_string(),
            level: None,
            status: "open".into(),
        });
    }

    pub fn audit(&mut self, shared: &Shared, p: &Persisted, action: &HumanAction) {
        let reason = match action {
            HumanAction::Redirect { note } => Some(note.clone()),
            // The accepted fix plan joins every later prompt: the trail keeps its text.
            HumanAction::Resume {
                fix_plan: Some(plan),
                ..
            } => Some(format!("fix plan accepted:\n{}", plan.trim())),
            // A resume's note (a hypothesis after the environment failed) is kept whole.
            HumanAction::Resume {
                note: Some(note), ..
            } => Some(note.clone()),
            HumanAction::Approve { anyway, .. } => anyway.clone(),
            _ => None,
        };
        self.audit_by(shared.actor(), p, action.name(), reason);
    }

    /// An audit row in `actor`'s name: a human's action, or what a PR's reviewer or andon's
    /// own `[pr] push = "auto"` did to the loop.
    pub fn audit_by(&mut self, actor: &str, p: &Persisted, action: &str, reason: Option<String>) {
        self.audit.push(AuditRow {
            id: None,
            at: self.clock.now_ms(),
            actor: actor.to_string(),
            loop_name: Some(self.loop_name.clone()),
            iteration: Some(p.state.iteration),
            commit_id: Some(p.last_snapshot.clone()),
            action: action.into(),
            reason,
        });
    }

    /// Write everything gathered since the last commit, with the loop row, in one transaction.
    pub fn commit(
        &mut self,
        shared: &Shared,
        spec: &LoopSpec,
        p: &Persisted,
    ) -> Result<(), StoreError> {
        let step = Step {
            upsert_loop: Some(loop_row(spec, p, self.clock.now_ms())),
            upsert_iterations: {
                let mut rows = std::mem::take(&mut self.finished);
                if self.iteration_dirty {
                    rows.extend(self.iteration.clone());
                }
                rows
            },
            check_runs: std::mem::take(&mut self.check_runs),
            events: std::mem::take(&mut self.events),
            incidents: std::mem::take(&mut self.incidents),
            audit: std::mem::take(&mut self.audit),
            kaizen: Vec::new(),
        };
        self.iteration_dirty = false;
        shared.store().commit(&step)
    }
}

/// The loop's row as of `at`.
pub fn loop_row(spec: &LoopSpec, p: &Persisted, at: i64) -> LoopRow {
    let s = &p.state;
    LoopRow {
        name: spec.name.clone(),
        plan_path: spec.plan.path.to_string_lossy().to_string(),
        plan_hash: spec.plan_hash.clone(),
        state: s.state.to_string(),
        lamp: s.lamp.to_string(),
        iteration: s.iteration,
        consecutive_failures: s.consecutive_failures,
        last_fingerprint: s.last_fingerprint.clone(),
        last_category: s.last_category.map(|c| c.to_string()),
        branch: spec.branch.clone(),
        worktree: spec.worktree.to_string_lossy().to_string(),
        base: spec.base.clone(),
        reason: s.stop_reason().map(str::to_string),
        state_json: serde_json::to_string(p).unwrap_or_default(),
        created_at: p.started_at,
        updated_at: at,
    }
}

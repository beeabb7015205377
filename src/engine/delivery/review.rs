//! What the review screen shows about a loop, read from the store, the board and git off the
//! UI thread: the goal, the approval gate, the last checks, the iteration timeline, incidents,
//! redirect notes, and where a merge would go.

use std::sync::Arc;

use crate::engine::supervisor::shared::Shared;
use crate::error_chain::chain;
use crate::store::{CheckRunRow, IncidentRow, IterationRow};
use andon_core::reducer::human::{approval_gate, ApprovalGate};

/// A loop's review, as plain data for the board.
#[derive(Debug, Clone)]
pub struct ReviewFacts {
    pub loop_name: String,
    pub branch: String,
    /// The branch a merge goes into (the main worktree's), or `HEAD` when detached.
    pub target: String,
    pub goal: String,
    pub state: andon_core::state::State,
    pub gate: Option<ApprovalGate>,
    /// The checks of the last iteration that ran any.
    pub last_checks: Vec<CheckRunRow>,
    pub iterations: Vec<IterationRow>,
    pub incidents: Vec<IncidentRow>,
    pub notes: Vec<String>,
    /// `gh` is on PATH and the repository has a remote.
    pub gh_available: bool,
    /// `[pr] follow`: approving with `pr` opens the PR and follows it.
    pub follows_prs: bool,
    /// The loop follows a PR already: approving with `pr` pushes its fix there.
    pub has_pr: bool,
    /// `[merge] history`: `m` keeps the iterations, and `M` squashes (else the other way).
    pub history_by_default: bool,
    /// The last review's answers, when several reviewers gave them.
    pub opinions: Vec<andon_core::reviewer::Opinion>,
    /// The checks before the loop changed anything, in words.
    pub baseline: Option<String>,
}

/// Gathers a loop's review (blocking: store and git reads).
pub fn review_facts(shared: &Arc<Shared>, name: &str) -> Result<ReviewFacts, String> {
    let view = shared
        .board()
        .into_iter()
        .find(|v| v.name == name)
        .ok_or_else(|| format!("no loop named {name} on the board"))?;
    let store = &shared.store();
    let iterations = store.iterations(name).map_err(|e| chain(&e))?;
    let last = iterations
        .iter()
        .rev()
        .find(|i| i.checks_total.is_some())
        .map(|i| i.n);
    let last_checks = match last {
        Some(n) => store.check_runs(name, Some(n)).map_err(|e| chain(&e))?,
        None => Vec::new(),
    };
    let goal = shared
        .store()
        .get_loop(name)
        .ok()
        .flatten()
        .and_then(|row| std::fs::read_to_string(shared.repo_root().join(&row.plan_path)).ok())
        .and_then(|text| andon_core::plan::parse_plan(std::path::Path::new(&view.plan), &text).ok())
        .map(|plan| plan.goal)
        .unwrap_or_else(|| view.title.clone());
    Ok(ReviewFacts {
        loop_name: name.to_string(),
        branch: view.branch.clone(),
        target: shared
            .git()
            .merge_target()
            .ok()
            .flatten()
            .unwrap_or_else(|| "HEAD".into()),
        goal,
        state: view.state.state,
        gate: approval_gate(&view.state, shared.is_line_stopped()).or_else(|| {
            let place = crate::engine::delivery::deliver::Place {
                name: name.to_string(),
                branch: view.branch.clone(),
                worktree: view.worktree.clone().into(),
                base: view.base.clone(),
                plan_path: view.plan.clone(),
                title: String::new(),
                goal: String::new(),
            };
            crate::engine::delivery::deliver::nothing_to_approve(shared.git(), &place).map(|why| {
                ApprovalGate {
                    why: why.lines().next().unwrap_or_default().to_string(),
                    overridable: false,
                }
            })
        }),
        history_by_default: shared.config().merge.history,
        last_checks,
        iterations,
        incidents: store.incidents(Some(name)).map_err(|e| chain(&e))?,
        notes: view.state.notes.clone(),
        opinions: view.state.opinions.clone(),
        baseline: view.state.baseline.as_ref().map(|b| b.describe()),
        gh_available: crate::engine::delivery::pull_request::gh_available(shared.git()),
        follows_prs: shared.config().pr.follow,
        has_pr: view.state.pr.is_some(),
    })
}

//! Acting on a loop without a running supervisor (`andon approve`, `andon cleanup` when no
//! board or headless run holds the repo), and cleaning up ended loops.
//!
//! An offline approval hosts just that loop in a short-lived supervisor under the repo lock, so
//! it takes exactly the path the board's approval takes: gates, audit row, delivery, store.

use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::delivery::cleanup;
use crate::engine::delivery::deliver::Place;
use crate::engine::loop_task::restore::{load, recover_interrupted};
use crate::engine::paths::AndonDir;
use crate::engine::spec::Persisted;
use crate::engine::supervisor::lock::{LockError, RepoLock};
use crate::engine::supervisor::ptys::PtyRegistry;
use crate::engine::supervisor::shared::Shared;
use crate::engine::supervisor::Supervisor;
use crate::error_chain::chain;
use crate::git::GitOwner;
use crate::or_log::OrLog;
use crate::pty::reaper::fresh_token;
use crate::store::{AuditRow, EventRow, LoopRow, Step, Store};
use andon_core::event::HumanAction;
use andon_core::state::State;

fn take_lock(dirs: &AndonDir) -> Result<RepoLock, String> {
    RepoLock::acquire(&dirs.lock()).map_err(|e| match e {
        LockError::Held { pid } => format!(
            "a supervisor (pid {pid}) started on this repo meanwhile; nothing was changed\n  fix: run the command again (it will go through that supervisor)"
        ),
        other => other.to_string(),
    })
}

/// The loop's row, or a message naming the loops there are.
pub fn find_loop(store: &Store, name: &str) -> Result<LoopRow, String> {
    store.get_loop(name).map_err(|e| chain(&e))?.ok_or_else(|| {
        let known: Vec<String> = store
            .loops()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.name)
            .collect();
        format!(
            "no loop named `{name}` in this repo (known: {})\n  fix: `andon status` lists the loops",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        )
    })
}

/// A human action on one loop with no supervisor running: the loop is hosted alone, acted on
/// and put down again, all under the repo lock.
pub async fn act_offline(
    git: &GitOwner,
    config: &Config,
    andon_exe: PathBuf,
    name: &str,
    action: HumanAction,
    clock: Clock,
) -> Result<String, String> {
    let root = git.repo_root().to_path_buf();
    let dirs = AndonDir::new(&root);
    let lock = take_lock(&dirs)?;
    let store = Store::open(&dirs.db()).map_err(|e| chain(&e))?;
    recover_interrupted(
        &store,
        "the supervisor stopped before the iteration ended",
        &clock,
    )
    .map_err(|e| chain(&e))?;
    let row = find_loop(&store, name)?;
    let (spec, p) = load(&row, config, &root)?;
    let shared = Shared::new(
        root,
        git.clone(),
        store,
        config.clone(),
        andon_exe,
        None,
        fresh_token(),
        None,
        PtyRegistry::default(),
    )
    .with_clock(clock)
    .without_live_diffs();
    let sup = Supervisor::new(Arc::new(shared), lock);
    sup.add_loop(spec, p, None);
    let result = sup.act(name, action).await;
    sup.shutdown("offline action done").await;
    result
}

/// Aborts loop `name` in the store alone, for a loop no supervisor can host (its plan changed)
/// that a corrected plan replaces: the reducer's abort, audited with `reason`. Call only under
/// the repo lock, with no supervisor alive (so nothing of the loop runs). Returns whether the
/// loop was aborted (an ended loop is left as it is).
pub fn retire(
    store: &Store,
    actor: &str,
    name: &str,
    reason: &str,
    clock: &Clock,
) -> Result<bool, String> {
    let Some(mut row) = store.get_loop(name).map_err(|e| chain(&e))? else {
        return Ok(false);
    };
    let mut p: Persisted = serde_json::from_str(&row.state_json)
        .map_err(|e| format!("loop {name}: unreadable state in the store: {e}"))?;
    if p.state.state.is_terminal() {
        return Ok(false);
    }
    let (next, t) = andon_core::reducer::reduce(
        &p.state,
        &andon_core::event::Event::Human(HumanAction::Abort),
    );
    if let Some(why) = t.refused {
        return Err(format!("loop {name} cannot be aborted: {why}"));
    }
    let at = clock.now_ms();
    p.state = next;
    p.clock(false, at);
    row.state = p.state.state.to_string();
    row.lamp = p.state.lamp.to_string();
    row.reason = None;
    row.state_json = serde_json::to_string(&p)
        .map_err(|e| format!("loop {name}: cannot record its state: {e}"))?;
    row.updated_at = at;
    let event = EventRow {
        id: None,
        loop_name: name.to_string(),
        iteration: p.state.iteration,
        at,
        kind: "transition".into(),
        lamp: row.lamp.clone(),
        state: row.state.clone(),
        detail: format!("aborted: {reason}"),
    };
    let audit = AuditRow {
        id: None,
        at,
        actor: actor.to_string(),
        loop_name: Some(name.to_string()),
        iteration: Some(p.state.iteration),
        commit_id: Some(p.last_snapshot.clone()),
        action: "abort".into(),
        reason: Some(reason.to_string()),
    };
    store
        .commit(&Step {
            upsert_loop: Some(row),
            events: vec![event],
            audit: vec![audit],
            ..Step::default()
        })
        .map_err(|e| chain(&e))?;
    Ok(true)
}

/// Whether a loop in this state may have its worktree removed.
fn ended(state: &str) -> bool {
    [State::Approved, State::Merged, State::Aborted]
        .iter()
        .any(|s| s.to_string() == state)
}

/// Removes an ended loop's worktree (and its branch when asked). Work no snapshot holds keeps
/// it, unless `force` names a reason — which is audited before anything is removed.
pub fn clean_up(
    git: &GitOwner,
    store: &Store,
    actor: &str,
    name: &str,
    force: Option<&str>,
    delete_branch: bool,
    clock: &Clock,
) -> Result<String, String> {
    let row = find_loop(store, name)?;
    if !ended(&row.state) {
        return Err(format!(
            "loop {name} is {}: only an approved, merged or aborted loop is cleaned up\n  fix: approve or abort it first",
            row.state
        ));
    }
    let force = force.map(str::trim);
    if force.is_some_and(str::is_empty) {
        return Err("a forced cleanup needs a reason\n  fix: --force --reason \"why the unsaved work may go\"".into());
    }
    let place = Place::of_row(&row);
    // Everything that can refuse is checked before the audit row: a refused cleanup is not
    // an action that took effect.
    let plan = cleanup::CleanupPlan::of(git, &place, delete_branch)?;
    if plan.is_noop() {
        return cleanup::cleanup(git, &place, &plan, false);
    }
    if let (Some(why), None) = (plan.refusal(&place), force) {
        return Err(format!(
            "{why}\n  to remove it anyway: andon cleanup {name}{} --force --reason TEXT",
            if delete_branch {
                " --delete-branch"
            } else {
                ""
            }
        ));
    }
    let iteration = serde_json::from_str::<Persisted>(&row.state_json)
        .ok()
        .map(|p| p.state.iteration);
    let mut reason: Vec<String> = force.iter().map(|r| r.to_string()).collect();
    if delete_branch && plan.check.branch_exists {
        reason.push(format!("deletes branch {}", row.branch));
    }
    store
        .commit(&Step {
            audit: vec![AuditRow {
                id: None,
                at: clock.now_ms(),
                actor: actor.to_string(),
                loop_name: Some(name.to_string()),
                iteration,
                commit_id: git.branch_tip(&row.branch).ok(),
                action: if force.is_some() {
                    "cleanup_forced".into()
                } else {
                    "cleanup".into()
                },
                reason: (!reason.is_empty()).then(|| reason.join("; ")),
            }],
            ..Step::default()
        })
        .map_err(|e| format!("cannot record the action in the audit trail: {}", chain(&e)))?;
    let result = cleanup::cleanup(git, &place, &plan, force.is_some());
    let detail = match &result {
        Ok(m) => m.clone(),
        Err(e) => format!("cleanup failed: {e}"),
    };
    // The cleanup happened (or failed) whatever the store says; its event is a record.
    store
        .commit(&Step {
            events: vec![EventRow {
                id: None,
                loop_name: name.to_string(),
                iteration: iteration.unwrap_or(0),
                at: clock.now_ms(),
                kind: "cleanup".into(),
                lamp: row.lamp.clone(),
                state: row.state.clone(),
                detail,
            }],
            ..Step::default()
        })
        .or_log("the cleanup's event could not be recorded");
    result
}

/// Cleanup with no supervisor running: under the repo lock.
pub fn clean_up_offline(
    git: &GitOwner,
    actor: &str,
    name: &str,
    force: Option<&str>,
    delete_branch: bool,
    clock: &Clock,
) -> Result<String, String> {
    let dirs = AndonDir::new(git.repo_root());
    let _lock = take_lock(&dirs)?;
    let store = Store::open(&dirs.db()).map_err(|e| chain(&e))?;
    clean_up(git, &store, actor, name, force, delete_branch, clock)
}

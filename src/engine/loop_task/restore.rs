//! Finding loops again after a restart: loops whose supervisor died mid-iteration are marked
//! interrupted (their cut iteration too), and any loop can be rebuilt from its store row and
//! its plan file — which must be unchanged, since plans are immutable once run.

use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::spec::{plan_hash, LoopSpec, Persisted};
use crate::store::{EventRow, LoopRow, Step, Store, StoreError};
use andon_core::plan::parse_plan;
use andon_core::reducer::interrupt;

/// Mark every loop that had work in progress as interrupted. Call only while holding the repo
/// lock (no live supervisor). Returns the loops changed.
pub fn recover_interrupted(
    store: &Store,
    why: &str,
    clock: &Clock,
) -> Result<Vec<String>, StoreError> {
    let mut changed = Vec::new();
    for mut row in store.loops()? {
        let Ok(mut p) = serde_json::from_str::<Persisted>(&row.state_json) else {
            continue;
        };
        let cut = interrupt(&p.state, why);
        if cut == p.state {
            continue;
        }
        let at = clock.now_ms();
        // The cut iteration, the loop row and the event change together or not at all.
        let cut_iterations: Vec<_> = store
            .iterations(&row.name)?
            .into_iter()
            .filter(|it| it.status == "running")
            .map(|mut it| {
                it.status = "interrupted".into();
                it.ended_at = Some(at);
                it
            })
            .collect();
        p.state = cut;
        // The cut spell's time since the last recorded change is unknown: the clock counts
        // none of it, and none of the time the loop waited for this restart.
        p.clock(false, at);
        p.mark(p.state.iteration, "interrupted");
        row.state = p.state.state.to_string();
        row.lamp = p.state.lamp.to_string();
        row.reason = p.state.stop_reason().map(str::to_string);
        row.state_json = serde_json::to_string(&p).unwrap_or_default();
        row.updated_at = at;
        let event = EventRow {
            id: None,
            loop_name: row.name.clone(),
            iteration: p.state.iteration,
            at,
            kind: "interrupted".into(),
            lamp: row.lamp.clone(),
            state: row.state.clone(),
            detail: format!("iteration {} interrupted: {why}", p.state.iteration),
        };
        changed.push(row.name.clone());
        store.commit(&Step {
            upsert_loop: Some(row),
            upsert_iterations: cut_iterations,
            events: vec![event],
            ..Step::default()
        })?;
    }
    Ok(changed)
}

/// Rebuild a loop's spec and persisted state from its row.
pub fn load(
    row: &LoopRow,
    config: &Config,
    repo_root: &std::path::Path,
) -> Result<(LoopSpec, Persisted), String> {
    let p: Persisted = serde_json::from_str(&row.state_json)
        .map_err(|e| format!("loop {}: unreadable state in the store: {e}", row.name))?;
    let rel = PathBuf::from(&row.plan_path);
    let text = std::fs::read_to_string(repo_root.join(&rel)).map_err(|e| {
        format!(
            "{}: cannot read the plan of loop {}: {e}",
            rel.display(),
            row.name
        )
    })?;
    if plan_hash(&text) != row.plan_hash {
        return Err(format!(
            "{}: the plan changed since loop {} started; plans are immutable once run — restore it, or write a new plan (fix forward)",
            rel.display(),
            row.name
        ));
    }
    let plan = parse_plan(&rel, &text).map_err(|e| e.to_string())?;
    let profile = config.agents.get(&p.agent).cloned().ok_or_else(|| {
        format!(
            "loop {}: agent profile `{}` is no longer configured",
            row.name, p.agent
        )
    })?;
    let reviewers = plan
        .reviewers
        .iter()
        .map(|name| {
            config.agents.get(name).cloned().ok_or_else(|| {
                format!(
                    "loop {}: reviewer profile `{name}` is no longer configured",
                    row.name
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // A loop that needs Landlock is not hosted where it cannot be confined.
    let sandbox = crate::engine::sandbox::require(
        config.sandbox_for(&plan, &profile),
        &crate::sandbox::landlock_status(),
        crate::sandbox::namespaces::status().is_ok(),
        repo_root,
        config,
    )
    .map_err(|e| format!("loop {}: {e}", row.name))?;
    // The standards' checks it started with, whatever the standards are now.
    let mut plan = plan;
    plan.checks
        .extend(p.standards.iter().map(andon_core::standards::check_spec));
    let spec = LoopSpec {
        name: row.name.clone(),
        standards: p.standards.clone(),
        plan,
        plan_hash: row.plan_hash.clone(),
        profile,
        reviewers,
        protected: p.protected.clone(),
        no_progress: Duration::from_millis(p.no_progress_ms),
        iteration_timeout: Duration::from_millis(p.iteration_timeout_ms),
        worktree: PathBuf::from(&row.worktree),
        branch: row.branch.clone(),
        base: row.base.clone(),
        sandbox,
    };
    Ok((spec, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{iteration_row, loop_row, temp_store};
    use andon_core::event::Event;
    use andon_core::state::{Limits, LoopState};

    #[test]
    fn a_cut_iteration_is_marked_interrupted_at_the_clocks_time() {
        let (_dir, _path, store) = temp_store();
        let (started, _) =
            andon_core::reducer::reduce(&LoopState::new(Limits::default()), &Event::Start);
        let (running, _) = andon_core::reducer::reduce(
            &started,
            &Event::BaselineFinished(andon_core::event::ChecksReport {
                passed: 1,
                total: 1,
                failure: None,
            }),
        );
        let p = Persisted {
            state: running,
            last_snapshot: "base".into(),
            agent: "sim".into(),
            protected: Vec::new(),
            no_progress_ms: 0,
            iteration_timeout_ms: 0,
            started_at: 100,
            marks: Vec::new(),
            worked_ms: 0,
            changed_at: 100,
            standards: Vec::new(),
        };
        let mut row = loop_row("pricing", 100);
        row.state_json = serde_json::to_string(&p).unwrap();
        let mut it = iteration_row("pricing", 1);
        (it.status, it.ended_at) = ("running".into(), None);
        store
            .commit(&Step {
                upsert_loop: Some(row),
                upsert_iterations: vec![it],
                ..Step::default()
            })
            .unwrap();

        let clock = Clock::fixed(7_000);
        let changed = recover_interrupted(&store, "the supervisor died", &clock).unwrap();
        assert_eq!(changed, ["pricing"]);
        let it = &store.iterations("pricing").unwrap()[0];
        assert_eq!(
            (it.status.as_str(), it.ended_at),
            ("interrupted", Some(7_000))
        );
        assert_eq!(
            store.get_loop("pricing").unwrap().unwrap().updated_at,
            7_000
        );
        // Nothing is left to cut: a second recovery changes nothing.
        assert!(recover_interrupted(&store, "again", &clock)
            .unwrap()
            .is_empty());
    }
}

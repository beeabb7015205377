//! Starting a loop's diff service: its source (the worktree against the base, iterations from
//! the store's snapshots), the worktree watcher that marks it stale, and the wake-up the board
//! waits on. Registered in `Shared` under the loop's name.

use std::sync::{Arc, Weak};

use tokio::runtime::Handle;

use crate::engine::diffs::{
    iteration_range, DiffService, DiffSource, IterationCommits, LatestSnapshot,
};
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;
use crate::git::DiffLimits;
use crate::watch::WorktreeWatcher;
use andon_core::diff::DiffTarget;

/// Starts the service (with a first cumulative diff) and returns the watcher, which the loop
/// task keeps for its life. Closures hold `Shared` weakly: `Shared` owns the service.
pub fn start(shared: &Arc<Shared>, spec: &LoopSpec) -> Option<WorktreeWatcher> {
    if !shared.live_diffs() {
        return None;
    }
    let weak: Weak<Shared> = Arc::downgrade(shared);
    let (name, base) = (spec.name.clone(), spec.base.clone());
    let (weak_latest, name_latest) = (weak.clone(), name.clone());
    let latest: LatestSnapshot = Arc::new(move || {
        let shared = weak_latest.upgrade()?;
        let rows = shared.store().iterations(&name_latest).ok()?;
        rows.into_iter().rev().find_map(|r| r.snapshot)
    });
    let iterations: IterationCommits = Arc::new(move |k| {
        let shared = weak.upgrade()?;
        let rows = shared.store().iterations(&name).ok()?;
        iteration_range(rows.iter().map(|r| (r.n, r.snapshot.as_deref())), &base, k)
    });
    let service = DiffService::new(
        Handle::current(),
        DiffSource {
            git: shared.git().clone(),
            worktree: spec.worktree.clone(),
            base: spec.base.clone(),
            limits: DiffLimits::default(),
            iterations,
            latest,
        },
    );
    let mut results = service.subscribe();
    let weak = Arc::downgrade(shared);
    tokio::spawn(async move {
        while results.changed().await.is_ok() {
            match weak.upgrade() {
                Some(shared) => shared.diff_wake().notify_one(),
                None => return,
            }
        }
    });
    let watcher = if spec.worktree.is_dir() {
        match service.watch_worktree(crate::clock::instant_now()) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(loop_name = %spec.name, "no live diff refresh: {e}");
                None
            }
        }
    } else {
        None
    };
    if spec.worktree.is_dir() {
        service.request(DiffTarget::Cumulative);
    }
    shared.add_diff_service(&spec.name, service);
    watcher
}

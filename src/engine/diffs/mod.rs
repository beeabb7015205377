//! A loop's live diffs: computed on tokio's blocking pool, one at a time per loop, with
//! requests and "diff stale" marks collapsing like gitui's single-job slot — a storm of file
//! events or key presses costs one diff running and one queued, not one diff each.
//!
//! Results are published through a `tokio::sync::watch` channel holding the latest result of
//! each kind (cumulative, iteration), so a burst of cumulative refreshes never overwrites the
//! iteration diff a person asked for before the UI read it.

pub mod service;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::git::{DiffLimits, GitError, GitOwner};
use crate::watch::{Debounce, WatchError, WorktreeWatcher};
use andon_core::diff::{Diff, DiffStat, DiffTarget};

/// The commits iteration `k`'s diff compares: (the snapshot before it, or the base; its own
/// snapshot). `None` while iteration `k` has no snapshot.
pub type IterationCommits = Arc<dyn Fn(u32) -> Option<(String, String)> + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("iteration {0} has no snapshot yet")]
    NoSnapshot(u32),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("the diff computation panicked")]
    Panicked,
}

/// One published diff.
#[derive(Debug, Clone)]
pub struct DiffResult {
    pub target: DiffTarget,
    /// Increases with every result the service publishes (of either kind).
    pub generation: u64,
    pub diff: Result<Arc<Diff>, Arc<DiffError>>,
}

/// The latest result of each kind; what the watch channel carries.
#[derive(Debug, Clone, Default)]
pub struct LoopDiffs {
    pub cumulative: Option<DiffResult>,
    /// The last iteration diff computed (its `target` says which iteration).
    pub iteration: Option<DiffResult>,
}

impl LoopDiffs {
    /// The latest result for exactly `target`.
    pub fn get(&self, target: DiffTarget) -> Option<&DiffResult> {
        let slot = match target {
            DiffTarget::Cumulative => &self.cumulative,
            DiffTarget::Iteration(_) => &self.iteration,
        };
        slot.as_ref().filter(|r| r.target == target)
    }

    /// The cumulative diff's stat, for the board's pane titles.
    pub fn stat(&self) -> Option<DiffStat> {
        let result = self.cumulative.as_ref()?;
        result.diff.as_ref().ok().map(|diff| diff.stat())
    }
}

/// What a loop's diffs are computed from.
pub struct DiffSource {
    pub git: GitOwner,
    pub worktree: PathBuf,
    pub base: String,
    pub limits: DiffLimits,
    pub iterations: IterationCommits,
    /// The loop's last snapshot: what the cumulative diff shows once the worktree is gone
    /// (after a merge and its cleanup).
    pub latest: LatestSnapshot,
}

/// The commit of a loop's last snapshot, if it took one.
pub type LatestSnapshot = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// Clone-able handle on one loop's diff service.
#[derive(Clone)]
pub struct DiffService {
    inner: Arc<Inner>,
}

struct Inner {
    source: DiffSource,
    runtime: Handle,
    queue: Mutex<Queue>,
    results: watch::Sender<LoopDiffs>,
    computations: AtomicU64,
}

/// Wanted work. At most one computation runs (`running`); what arrives meanwhile collapses
/// into one pending cumulative diff and one pending iteration diff (the latest asked for).
#[derive(Default)]
struct Queue {
    running: bool,
    cumulative: bool,
    iteration: Option<u32>,
    generation: u64,
}

impl DiffService {
    /// Computations run on `runtime`'s blocking pool.
    pub fn new(runtime: Handle, source: DiffSource) -> DiffService {
        let (results, _) = watch::channel(LoopDiffs::default());
        DiffService {
            inner: Arc::new(Inner {
                source,
                runtime,
                queue: Mutex::new(Queue::default()),
                results,
                computations: AtomicU64::new(0),
            }),
        }
    }

    /// Asks for `target`'s diff. Returns at once; the result arrives on [`Self::subscribe`].
    pub fn request(&self, target: DiffTarget) {
        let start = {
            let mut queue = self.inner.queue();
            match target {
                DiffTarget::Cumulative => queue.cumulative = true,
                DiffTarget::Iteration(k) => queue.iteration = Some(k),
            }
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            let inner = Arc::clone(&self.inner);
            // The handle is not awaited: the worker publishes its results itself.
            drop(self.inner.runtime.spawn_blocking(move || inner.drain()));
        }
    }

    /// The worktree changed: the cumulative diff is stale.
    pub fn mark_stale(&self) {
        self.request(DiffTarget::Cumulative);
    }

    /// Starts the worktree's one watcher: the activity clock for the no-progress breaker
    /// (`start` is its zero) and stale marks for this service.
    pub fn watch_worktree(&self, start: Instant) -> Result<WorktreeWatcher, WatchError> {
        self.watch_worktree_with(start, Debounce::default())
    }

    /// [`DiffService::watch_worktree`] with its own debounce timing.
    pub fn watch_worktree_with(
        &self,
        start: Instant,
        timing: Debounce,
    ) -> Result<WorktreeWatcher, WatchError> {
        let service = Arc::downgrade(&self.inner);
        WorktreeWatcher::with_stale(
            &self.inner.source.worktree,
            start,
            timing,
            Box::new(move || mark_stale(&service)),
        )
    }

    pub fn subscribe(&self) -> watch::Receiver<LoopDiffs> {
        self.inner.results.subscribe()
    }

    /// The latest results, without waiting.
    pub fn latest(&self) -> LoopDiffs {
        self.inner.results.borrow().clone()
    }

    /// The last cumulative diff's stat (`None` before the first one).
    pub fn stat(&self) -> Option<DiffStat> {
        self.inner.results.borrow().stat()
    }

    /// How many diffs this service has computed: what a storm of requests really cost.
    pub fn computations(&self) -> u64 {
        self.inner.computations.load(Ordering::SeqCst)
    }
}

/// The watcher holds the service weakly: a loop that drops its service stops refreshing even
/// if the watcher lives on a little longer.
fn mark_stale(service: &Weak<Inner>) {
    if let Some(inner) = service.upgrade() {
        DiffService { inner }.mark_stale();
    }
}

impl Inner {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // Plain flags: a panic while holding the lock cannot leave them half-updated.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Computes until nothing is pending. An iteration diff goes first: a person asked for
    /// it, while cumulative refreshes keep coming as long as the agent works.
    fn drain(&self) {
        loop {
            let target = {
                let mut queue = self.queue();
                if let Some(k) = queue.iteration.take() {
                    DiffTarget::Iteration(k)
                } else if std::mem::take(&mut queue.cumulative) {
                    DiffTarget::Cumulative
                } else {
                    queue.running = false;
                    return;
                }
            };
            let diff = catch_unwind(AssertUnwindSafe(|| self.compute(target)))
                .unwrap_or(Err(DiffError::Panicked));
            self.computations.fetch_add(1, Ordering::SeqCst);
            if let Err(e) = &diff {
                tracing::warn!(?target, "diff failed: {e:#}");
            }
            let generation = {
                let mut queue = self.queue();
                queue.generation += 1;
                queue.generation
            };
            let result = DiffResult {
                target,
                generation,
                diff: diff.map(Arc::new).map_err(Arc::new),
            };
            self.results.send_modify(|diffs| match target {
                DiffTarget::Cumulative => diffs.cumulative = Some(result),
                DiffTarget::Iteration(_) => diffs.iteration = Some(result),
            });
        }
    }

    fn compute(&self, target: DiffTarget) -> Result<Diff, DiffError> {
        let s = &self.source;
        match target {
            DiffTarget::Cumulative if !s.worktree.is_dir() => {
                let tip = (s.latest)().unwrap_or_else(|| s.base.clone());
                Ok(s.git.diff_commits(&s.base, &tip, s.limits)?)
            }
            DiffTarget::Cumulative => Ok(s.git.diff_worktree(&s.worktree, &s.base, s.limits)?),
            DiffTarget::Iteration(k) => {
                let (old, new) = (s.iterations)(k).ok_or(DiffError::NoSnapshot(k))?;
                Ok(s.git.diff_commits(&old, &new, s.limits)?)
            }
        }
    }
}

/// Iteration `k`'s commits from a loop's `(iteration, snapshot)` list (the store's iteration
/// rows): its snapshot, and the latest snapshot of an earlier iteration — the base when there
/// is none.
pub fn iteration_range<'a>(
    snapshots: impl IntoIterator<Item = (u32, Option<&'a str>)>,
    base: &str,
    k: u32,
) -> Option<(String, String)> {
    let mut new = None;
    let mut old: Option<(u32, &str)> = None;
    for (n, snapshot) in snapshots {
        let Some(commit) = snapshot else { continue };
        if n == k {
            new = Some(commit);
        } else if n < k && old.is_none_or(|(m, _)| n > m) {
            old = Some((n, commit));
        }
    }
    let old = old.map_or(base, |(_, commit)| commit);
    Some((old.to_string(), new?.to_string()))
}

#[cfg(test)]
#[path = "diffs_tests.rs"]
mod tests;

//! File activity in a worktree, from one recursive notify watcher per worktree serving two
//! readers: the no-progress breaker (when did anything outside `.git/` last change — build
//! output counts, it is the agent at work) and the live diff (a debounced "diff stale" signal
//! for changes that can show in the diff: not build output, not gitignored paths). Noise
//! (access, metadata-only) is dropped at the source.

mod debounce;
mod filter;

use crate::or_log::OrLog;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use notify::event::ModifyKind;
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

pub use debounce::{Debounce, StaleHook};

use debounce::Batch;
use filter::{is_git_entry, under_noise_dir, IgnoreCache};

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch {path}")]
    Notify { path: String, source: notify::Error },
    #[error("cannot start the file-event thread")]
    Thread(#[source] std::io::Error),
}

/// Keeps the watcher (and its debounce thread) alive; dropping it stops both.
pub struct WorktreeWatcher {
    _watcher: RecommendedWatcher,
    last: Arc<AtomicU64>,
}

impl WorktreeWatcher {
    /// Activity tracking only.
    pub fn start(dir: &Path, start: Instant) -> Result<WorktreeWatcher, WatchError> {
        WorktreeWatcher::spawn(dir, start, None)
    }

    /// Activity tracking plus `on_stale`, called (debounced) when the diff may have changed.
    pub fn with_stale(
        dir: &Path,
        start: Instant,
        timing: Debounce,
        on_stale: StaleHook,
    ) -> Result<WorktreeWatcher, WatchError> {
        WorktreeWatcher::spawn(dir, start, Some((timing, on_stale)))
    }

    fn spawn(
        dir: &Path,
        start: Instant,
        stale: Option<(Debounce, StaleHook)>,
    ) -> Result<WorktreeWatcher, WatchError> {
        let last = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&last);
        let stale_tx = match stale {
            Some((timing, on_stale)) => {
                let (tx, rx) = mpsc::channel::<Batch>();
                let ignore = IgnoreCache::open(dir);
                std::thread::Builder::new()
                    .name("andon-watch".into())
                    .spawn(move || debounce::run(rx, ignore, timing, on_stale))
                    .map_err(WatchError::Thread)?;
                Some(tx)
            }
            None => None,
        };
        let root = dir.to_path_buf();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| {
            let event = match res {
                Ok(event) => event,
                Err(_) => {
                    // Events were lost: the diff may be anything now.
                    if let Some(tx) = &stale_tx {
                        tx.send(None)
                            .or_log("the diff service that listened has ended with its loop");
                    }
                    return;
                }
            };
            if event.need_rescan() {
                if let Some(tx) = &stale_tx {
                    tx.send(None)
                        .or_log("the diff service that listened has ended with its loop");
                }
            }
            if !is_change(&event.kind) {
                return;
            }
            // Relative paths; one outside the root (it should not happen) is kept as is.
            let rels: Vec<_> = event
                .paths
                .iter()
                .map(|p| p.strip_prefix(&root).unwrap_or(p))
                .filter(|rel| !is_git_entry(rel))
                .collect();
            if rels.is_empty() {
                return;
            }
            let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            seen.fetch_max(ms.max(1), Ordering::Relaxed);
            if let Some(tx) = &stale_tx {
                let diffable: Vec<_> = rels
                    .into_iter()
                    .filter(|rel| !under_noise_dir(rel))
                    .map(Path::to_path_buf)
                    .collect();
                if !diffable.is_empty() {
                    tx.send(Some(diffable))
                        .or_log("the diff service that listened has ended with its loop");
                }
            }
        })
        .map_err(|source| notify_error(dir, source))?;
        watcher
            .watch(dir, RecursiveMode::Recursive)
            .map_err(|source| notify_error(dir, source))?;
        Ok(WorktreeWatcher {
            _watcher: watcher,
            last,
        })
    }

    /// Milliseconds since `start` of the last change outside `.git/` (0 = none yet).
    pub fn last_change_ms(&self) -> u64 {
        self.last.load(Ordering::Relaxed)
    }
}

fn is_change(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Data(_))
            | EventKind::Modify(ModifyKind::Name(_))
            | EventKind::Modify(ModifyKind::Any)
            | EventKind::Remove(_)
    )
}

fn notify_error(dir: &Path, source: notify::Error) -> WatchError {
    WatchError::Notify {
        path: dir.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests;

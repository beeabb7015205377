//! The "diff stale" signal's debounce thread: collapses a burst of relevant file events into
//! one call, fired once the worktree has been quiet for a moment — or, while a burst goes on,
//! at most every `max_wait`, so a long build-and-edit still refreshes the diff.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use super::filter::IgnoreCache;

/// Called when the worktree's diff may have changed. Runs on the debounce thread, so it should
/// only hand the work on (e.g. mark a diff service stale).
pub type StaleHook = Box<dyn Fn() + Send>;

/// What notify's thread forwards: paths relative to the worktree that passed the cheap
/// checks, or `None` when events were lost (queue overflow) and anything may have changed.
pub(super) type Batch = Option<Vec<PathBuf>>;

#[derive(Debug, Clone, Copy)]
pub struct Debounce {
    /// Quiet time that ends a burst.
    pub quiet: Duration,
    /// Longest a burst can delay the signal.
    pub max_wait: Duration,
}

impl Default for Debounce {
    fn default() -> Self {
        Debounce {
            quiet: Duration::from_millis(150),
            max_wait: Duration::from_secs(1),
        }
    }
}

/// Runs until the watcher (the sending side) is dropped.
pub(super) fn run(
    events: Receiver<Batch>,
    mut ignore: IgnoreCache,
    timing: Debounce,
    on_stale: StaleHook,
) {
    let mut relevant = |batch: Batch| match batch {
        None => true,
        Some(paths) => paths.iter().any(|rel| !ignore.is_ignored(rel)),
    };
    while let Ok(batch) = events.recv() {
        if !relevant(batch) {
            continue;
        }
        let burst = crate::clock::instant_now();
        let mut last = burst;
        loop {
            let deadline = (last + timing.quiet).min(burst + timing.max_wait);
            let Some(left) = deadline.checked_duration_since(crate::clock::instant_now()) else {
                break;
            };
            match events.recv_timeout(left) {
                Ok(batch) => {
                    if relevant(batch) {
                        last = crate::clock::instant_now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                // The watcher is gone: nobody wants the signal any more.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        on_stale();
    }
}

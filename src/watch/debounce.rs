//! The "diff stale" signal's debounce thread: collapses a burst of relevant file events into
//! one call, fired once the worktree has been quiet for a moment — or, while a burst goes on,
//! at most every `max_wait`, so a long build-and-edit still refreshes the diff.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

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

/// A burst of relevant events: when it began and when the last one came. Pure, so its timing
/// rules are tested on made-up instants, without waiting.
#[derive(Debug, Clone, Copy)]
struct Burst {
    start: Instant,
    last: Instant,
}

impl Burst {
    fn new(at: Instant) -> Burst {
        Burst {
            start: at,
            last: at,
        }
    }

    fn event(&mut self, at: Instant) {
        self.last = at;
    }

    /// When the signal fires unless another event comes first: `quiet` after the last event,
    /// but no later than `max_wait` after the burst began.
    fn deadline(&self, timing: Debounce) -> Instant {
        (self.last + timing.quiet).min(self.start + timing.max_wait)
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
        let mut burst = Burst::new(crate::clock::instant_now());
        loop {
            let deadline = burst.deadline(timing);
            let Some(left) = deadline.checked_duration_since(crate::clock::instant_now()) else {
                break;
            };
            match events.recv_timeout(left) {
                Ok(batch) => {
                    if relevant(batch) {
                        burst.event(crate::clock::instant_now());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_fires_after_quiet_or_at_its_longest_wait() {
        let timing = Debounce {
            quiet: Duration::from_millis(150),
            max_wait: Duration::from_secs(1),
        };
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut burst = Burst::new(t0);
        assert_eq!(burst.deadline(timing), ms(150), "one event: quiet after it");
        burst.event(ms(100));
        assert_eq!(burst.deadline(timing), ms(250), "another event moves it");
        // Events every 100 ms would never leave 150 ms of quiet: max_wait bounds the wait.
        for n in (200..=1200).step_by(100) {
            burst.event(ms(n));
        }
        assert_eq!(burst.deadline(timing), ms(1000));
    }
}

//! The one wall clock andon reads: milliseconds since the epoch, the store's time unit. The
//! engine and the board take a [`Clock`]; tests hold a fixed one they move by hand, so what a
//! screen says about time ("3m ago", a toast's "14:02") is the same on every run. Clippy's
//! `disallowed-methods` keeps `SystemTime::now` in this file.
//! The monotonic clock is read here too (`instant_now`, for threads of their own); async code
//! reads tokio's, which paused-time tests can move. Clippy bans `Instant::now` elsewhere.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The machine's clock, or a fixed one a test moves.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<AtomicI64>>,
    /// The wall clock when this clock started, and the monotonic instant it was read at:
    /// the system clock moves on monotonically from there, so a wall clock stepped back (NTP)
    /// or forward (a resume from suspend) neither freezes nor rushes what it times.
    origin: Option<(i64, std::time::Instant)>,
}

impl Clock {
    /// The machine's clock: the wall clock's time, moving monotonically.
    pub fn system() -> Clock {
        Clock {
            fixed: None,
            origin: Some((wall_ms(), instant_now())),
        }
    }

    /// A clock that stands at `ms` until [`Clock::advance`] moves it.
    pub fn fixed(ms: i64) -> Clock {
        Clock {
            fixed: Some(Arc::new(AtomicI64::new(ms))),
            origin: None,
        }
    }

    /// Moves a fixed clock on (and every copy of it); the system clock moves by itself.
    pub fn advance(&self, ms: i64) {
        if let Some(fixed) = &self.fixed {
            fixed.fetch_add(ms, Ordering::SeqCst);
        }
    }

    pub fn now_ms(&self) -> i64 {
        match (&self.fixed, &self.origin) {
            (Some(fixed), _) => fixed.load(Ordering::SeqCst),
            (None, Some((wall, at))) => {
                wall.saturating_add(i64::try_from(at.elapsed().as_millis()).unwrap_or(i64::MAX))
            }
            (None, None) => wall_ms(),
        }
    }
}

/// Wall-clock milliseconds since the epoch.
#[allow(
    clippy::disallowed_methods,
    reason = "this is the one place the wall clock is read"
)]
pub fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The monotonic clock, for code on threads of its own (the watcher's debounce, the PTY
/// reader, the reaper) or outside an async runtime; async code reads tokio's pausable clock.
#[allow(
    clippy::disallowed_methods,
    reason = "this is the one place std's monotonic clock is read"
)]
pub fn instant_now() -> std::time::Instant {
    std::time::Instant::now()
}

/// Wall-clock nanoseconds since the epoch, for names that must not repeat.
#[allow(
    clippy::disallowed_methods,
    reason = "this is the one place the wall clock is read"
)]
pub fn wall_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_copies_move_together() {
        let clock = Clock::fixed(1_000);
        let copy = clock.clone();
        assert_eq!(clock.now_ms(), 1_000);
        copy.advance(250);
        assert_eq!(clock.now_ms(), 1_250);
        assert!(Clock::system().now_ms() > 1_700_000_000_000);
    }
}

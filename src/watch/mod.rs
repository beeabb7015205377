//! File activity in a worktree, for the no-progress breaker: a recursive notify watcher that
//! records when anything outside `.git/` last changed. Noise (access, metadata-only) is dropped
//! at the source.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// Keeps the watcher alive; `last_change_ms` is milliseconds since `start` (0 = none yet).
pub struct ActivityWatcher {
    _watcher: RecommendedWatcher,
    last: Arc<AtomicU64>,
}

impl ActivityWatcher {
    pub fn start(dir: &Path, start: Instant) -> notify::Result<ActivityWatcher> {
        let last = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&last);
        let git_dir = dir.join(".git");
        let mut watcher =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                let Ok(event) = res else { return };
                let relevant = matches!(
                    event.kind,
                    EventKind::Create(_)
                        | EventKind::Modify(notify::event::ModifyKind::Data(_))
                        | EventKind::Modify(notify::event::ModifyKind::Name(_))
                        | EventKind::Modify(notify::event::ModifyKind::Any)
                        | EventKind::Remove(_)
                );
                if relevant && event.paths.iter().any(|p| !p.starts_with(&git_dir)) {
                    let ms = start.elapsed().as_millis() as u64;
                    seen.fetch_max(ms.max(1), Ordering::Relaxed);
                }
            })?;
        watcher.watch(dir, RecursiveMode::Recursive)?;
        Ok(ActivityWatcher {
            _watcher: watcher,
            last,
        })
    }

    pub fn last_change_ms(&self) -> u64 {
        self.last.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sees_file_writes_but_not_git_dir() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let start = Instant::now();
        let w = ActivityWatcher::start(dir.path(), start).unwrap();
        std::fs::write(dir.path().join(".git/index"), "x").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(w.last_change_ms(), 0, ".git writes are not progress");
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while w.last_change_ms() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(w.last_change_ms() > 0);
    }
}

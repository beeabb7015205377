use std::fs;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use andon_test_support::{eventually, wait_for};

use super::*;

/// A git repo ignoring `*.log`, watched with a counting stale hook.
fn watched_repo(timing: Debounce) -> (tempfile::TempDir, WorktreeWatcher, Arc<AtomicUsize>) {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    fs::write(dir.path().join(".gitignore"), "*.log\n").unwrap();
    let fired = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&fired);
    let watcher = WorktreeWatcher::with_stale(
        dir.path(),
        Instant::now(),
        timing,
        Box::new(move || {
            count.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .unwrap();
    (dir, watcher, fired)
}

#[test]
fn sees_file_writes_but_not_git_dir() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    let start = Instant::now();
    let w = WorktreeWatcher::start(dir.path(), start).unwrap();
    fs::write(dir.path().join(".git/index"), "x").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(w.last_change_ms(), 0, ".git writes are not progress");
    fs::write(dir.path().join("a.txt"), "x").unwrap();
    wait_for("activity", || w.last_change_ms() > 0);
}

#[test]
fn build_output_is_activity_but_does_not_make_the_diff_stale() {
    let (dir, w, fired) = watched_repo(Debounce::default());
    fs::create_dir_all(dir.path().join("target/debug")).unwrap();
    // The new `target` directory itself is a change at the root: its signal comes first.
    wait_for("the directory's own signal", || {
        fired.load(Ordering::SeqCst) >= 1
    });
    std::thread::sleep(Duration::from_millis(400));
    let before = fired.load(Ordering::SeqCst);
    let activity = w.last_change_ms();

    fs::write(dir.path().join("target/debug/out"), "x").unwrap();
    fs::write(dir.path().join("run.log"), "ignored").unwrap();
    fs::write(dir.path().join(".git/index"), "x").unwrap();
    wait_for("activity", || w.last_change_ms() > activity);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(fired.load(Ordering::SeqCst), before, "no stale signal");

    fs::write(dir.path().join("src.rs"), "fn main() {}").unwrap();
    wait_for("stale signal", || fired.load(Ordering::SeqCst) > before);
}

#[test]
fn a_burst_of_writes_is_one_stale_signal() {
    // A quiet time longer than any pause a busy machine puts between these writes.
    let (dir, _w, fired) = watched_repo(Debounce {
        quiet: Duration::from_secs(2),
        max_wait: Duration::from_secs(30),
    });
    for i in 0..200 {
        fs::write(dir.path().join(format!("f{i}.txt")), "x").unwrap();
    }
    eventually(Duration::from_secs(10), "stale signal", || {
        (fired.load(Ordering::SeqCst) > 0).then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fired.load(Ordering::SeqCst), 1);
}

#[test]
fn a_long_burst_still_signals_every_max_wait() {
    let (dir, _w, fired) = watched_repo(Debounce {
        quiet: Duration::from_millis(300),
        max_wait: Duration::from_millis(300),
    });
    // Writes every 50 ms until two signals came: never quiet for 300 ms, so only max_wait
    // can end a burst. (Written until it happens, however slow the machine, or 10 s.)
    let until = Instant::now() + Duration::from_secs(10);
    let mut i = 0;
    while fired.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < until, "no signal during a long burst");
        fs::write(dir.path().join(format!("f{i}.txt")), "x").unwrap();
        i += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
}

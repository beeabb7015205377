//! What andon's tests share, in one place: real temp repositories (`repo`), the real `git`
//! CLI, waiting for a condition without timing assumptions (`eventually`), running a child
//! to its end, a tmux server of the test's own (`tmux`), ordinary users (`users`) and the
//! processes left working in a folder (`procs`). Nothing here knows andon's types, so the
//! library's unit tests, the integration tests and the benches all use it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod procs;
pub mod repo;
pub mod tmux;
pub mod users;

/// Runs the real git CLI in `dir` as a fixed test author, asserts it succeeded and returns
/// its stdout without the trailing newline.
#[track_caller]
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// Polls `f` until it returns `Some`, or panics naming `what` after `limit`.
#[track_caller]
pub fn eventually<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() <= limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `cond` holds, or panics naming `what` after five seconds.
#[track_caller]
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    eventually(Duration::from_secs(5), what, || cond().then_some(()));
}

/// Runs `command` with its output captured until it ends (panics after `limit`).
pub fn run_to_end(mut command: Command, limit: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    wait_output(child, limit)
}

/// Waits for `child` to end and returns its output; kills it and panics after `limit`.
pub fn wait_output(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            // Killing a child that has just ended fails harmlessly; its output follows.
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the command did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pids of live processes whose environment has `ANDON_LOOP=<slug>` (agents and checks).
pub fn loop_processes(slug: &str) -> Vec<i32> {
    procs::matching(&format!("ANDON_LOOP={slug}"))
}

/// Asserts a child's exit code, showing its output when it differs.
#[track_caller]
pub fn expect_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

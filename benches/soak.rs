//! Soak: 16 loops on the full-screen board (in tmux, 200x50) for 10 minutes (or `-- MINUTES`),
//! their agents mixing floods of colored output, quiet sleeps, edits and failures. Samples the
//! supervisor's RSS every 10 s and prints the curve's start and end; checks that every loop
//! kept iterating (none stuck) and that nothing panicked. Needs tmux.
//! Run: cargo bench --bench soak [-- MINUTES]   (or bash bench/soak.sh)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use andon::store::Store;

#[path = "support/endless.rs"]
mod endless;

const ANDON: &str = env!("CARGO_BIN_EXE_andon");
const LOOPS: usize = 16;
const SESSION: &str = "andon-soak";

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The agent: by iteration, a flood of colored lines, a quiet pause, an edit, or a noisy
/// failure — never the fix, so every loop keeps going.
const AGENT: &str = r##"#!/bin/sh
case $(( ANDON_ITERATION % 4 )) in
  0) i=0; while [ $i -lt 4000 ]; do printf '\033[3%dm%s line %d: the quick brown fox jumps over the lazy dog\033[0m\n' $(( i % 7 )) "$ANDON_LOOP" $i; i=$(( i + 1 )); done ;;
  1) sleep 2 ;;
  2) echo "# attempt $ANDON_ITERATION" >> src/price.sh ;;
  3) echo "error: something broke in iteration $ANDON_ITERATION" >&2; exit 3 ;;
esac
"##;

fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn iterations(db: &Path) -> Vec<(String, u32)> {
    let Ok(store) = Store::open_read_only(db) else {
        return Vec::new();
    };
    store
        .loops()
        .unwrap_or_default()
        .into_iter()
        .map(|l| (l.name, l.iteration))
        .collect()
}

fn main() {
    let minutes: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("repo");
    let plans = endless::build(&root, AGENT, LOOPS, "soak");
    let command = format!(
        "cd {} && exec {ANDON} run {} 2> {}",
        root.display(),
        plans.join(" "),
        tmp.path().join("stderr.txt").display()
    );
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", SESSION])
        .status();
    run(
        tmp.path(),
        "tmux",
        &[
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            "200",
            "-y",
            "50",
            &command,
        ],
    );
    std::thread::sleep(Duration::from_secs(2));
    let pid = run(
        tmp.path(),
        "tmux",
        &["list-panes", "-t", SESSION, "-F", "#{pane_pid}"],
    );
    println!(
        "soak: {LOOPS} loops on the board (200x50, tmux) for {minutes} min, supervisor pid {pid}"
    );
    let db = root.join(".andon/andon.db");
    let started = Instant::now();
    let mut samples: Vec<(u64, u64)> = Vec::new();
    let mut last_minute = iterations(&db);
    let mut stuck_checks = 0;
    while started.elapsed() < Duration::from_secs(minutes * 60) {
        std::thread::sleep(Duration::from_secs(10));
        let Some(rss) = rss_kib(&pid) else {
            println!(
                "  the supervisor is gone after {} s",
                started.elapsed().as_secs()
            );
            break;
        };
        samples.push((started.elapsed().as_secs(), rss));
        if samples.len() % 6 == 0 {
            // Every minute, every loop must have moved on.
            let now = iterations(&db);
            for (name, n) in &now {
                let before = last_minute
                    .iter()
                    .find(|(m, _)| m == name)
                    .map_or(0, |(_, b)| *b);
                if *n <= before {
                    stuck_checks += 1;
                    println!("  loop {name} made no iteration in the last minute (at {n})");
                }
            }
            last_minute = now;
            println!("  {:>4} s  RSS {:>7} KiB", started.elapsed().as_secs(), rss);
        }
    }
    let alive = rss_kib(&pid).is_some();
    let _ = Command::new("tmux")
        .args(["send-keys", "-t", SESSION, "q"])
        .status();
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("tmux")
        .args(["send-keys", "-t", SESSION, "y"])
        .status();
    std::thread::sleep(Duration::from_secs(3));
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", SESSION])
        .status();
    let stderr = std::fs::read_to_string(tmp.path().join("stderr.txt")).unwrap_or_default();
    let log = std::fs::read_to_string(root.join(".andon/andon.log")).unwrap_or_default();
    let panicked = stderr.contains("panicked") || log.contains("panicked");
    let total: u32 = iterations(&db).iter().map(|(_, n)| n).sum();
    let first = samples.first().copied().unwrap_or_default();
    let third = samples.get(samples.len() / 3).copied().unwrap_or_default();
    let last = samples.last().copied().unwrap_or_default();
    println!("  {total} iterations over {LOOPS} loops");
    println!(
        "  RSS: {} KiB at {} s, {} KiB at {} s, {} KiB at {} s (end)",
        first.1, first.0, third.1, third.0, last.1, last.0
    );
    println!("  loops stuck for a minute: {stuck_checks}; panicked: {panicked}; alive to the end: {alive}");
    if stuck_checks > 0 || panicked || !alive {
        std::process::exit(1);
    }
}

//! Crash safety under SIGKILL: a supervisor running 4 loops is killed at random moments (50 by
//! default) and restarted each time. After every kill: no agent or check process is left, the
//! store passes `PRAGMA integrity_check`, and every iteration the store had recorded as
//! finished before the kill is still there, unchanged. Prints the counts.
//! Run: cargo bench --bench crash_kill [-- KILLS]   (or bash bench/crash.sh)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use andon::store::Store;
use andon_test_support::procs;

#[path = "support/endless.rs"]
mod endless;

const ANDON: &str = env!("CARGO_BIN_EXE_andon");
const LOOPS: usize = 4;

/// xorshift64*: random kill moments without a dependency; the seed is printed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

/// The agent: a short pause, then an edit that never fixes the bug.
const AGENT: &str = "#!/bin/sh\nsleep 0.$(( $(date +%N) % 5 + 1 ))\necho \"# attempt $ANDON_ITERATION $(date +%N)\" >> src/price.sh\n";

fn spawn(root: &Path, plans: &[String]) -> Child {
    let mut args = vec!["run".to_string(), "--headless".to_string()];
    args.extend(plans.iter().cloned());
    Command::new(ANDON)
        .args(&args)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn andon")
}

/// Every finished iteration in the store: (loop, n) → (status, checks passed).
fn finished(db: &Path) -> BTreeMap<(String, u32), (String, Option<u32>)> {
    let Ok(store) = Store::open_read_only(db) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for l in store.loops().unwrap_or_default() {
        for it in store.iterations(&l.name).unwrap_or_default() {
            if matches!(it.status.as_str(), "passed" | "failed" | "planned") {
                out.insert((l.name.clone(), it.n), (it.status, it.checks_passed));
            }
        }
    }
    out
}

fn main() {
    let kills: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let seed = andon::clock::wall_nanos() as u64 | 1;
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("repo");
    let plans = endless::build(&root, AGENT, LOOPS, "loop");
    let db = root.join(".andon/andon.db");
    println!("crash_kill: {LOOPS} loops, {kills} SIGKILLs at random moments (seed {seed:#x})");

    let started = Instant::now();
    let (mut orphan_kills, mut integrity_ok, mut lost) = (0, 0, 0);
    let mut child = spawn(&root, &plans);
    for k in 0..kills {
        std::thread::sleep(Duration::from_millis(rng.between(150, 2500)));
        let before = finished(&db);
        // SIGKILL: no handler runs; the reaper ends the agents.
        let _ = child.kill();
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while procs::processes_working_in(tmp.path()) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let left = procs::processes_working_in(tmp.path());
        if left > 0 {
            orphan_kills += 1;
            eprintln!("kill {k}: {left} processes outlived the supervisor");
        }
        match Store::open_read_only(&db).and_then(|s| s.integrity_check()) {
            Ok(result) if result == "ok" => integrity_ok += 1,
            Ok(result) => eprintln!("kill {k}: integrity_check: {result}"),
            Err(e) => eprintln!("kill {k}: cannot check the store: {e}"),
        }
        let after = finished(&db);
        for (key, value) in &before {
            if after.get(key) != Some(value) {
                lost += 1;
                eprintln!(
                    "kill {k}: finished iteration {key:?} {value:?} became {:?}",
                    after.get(key)
                );
            }
        }
        // With no plan, `andon run` resumes the interrupted loops (the cut iteration re-runs).
        child = spawn(&root, &[]);
    }
    let _ = child.kill();
    let _ = child.wait();
    let total = finished(&db).len();
    let reruns = Store::open_read_only(&db)
        .and_then(|s| s.events(None, None))
        .map(|e| e.iter().filter(|e| e.kind == "interrupted").count())
        .unwrap_or(0);
    println!(
        "  {kills} kills in {:.0} s: {total} finished iterations in the store, {reruns} cut iterations recorded",
        started.elapsed().as_secs_f64()
    );
    println!("  integrity_check ok after {integrity_ok}/{kills} kills");
    println!("  kills that left a process behind: {orphan_kills}");
    println!("  finished iterations lost or changed: {lost}");
    if orphan_kills > 0 || integrity_ok < kills || lost > 0 {
        std::process::exit(1);
    }
}

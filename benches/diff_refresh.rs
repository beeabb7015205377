//! Diff refresh on a synthetic repo of 20 000 files with 1 000 modified in a loop worktree:
//! andon's cumulative diff (full hunks and lines) against `git diff --stat` and
//! `git status --porcelain` run as processes (median of several runs after a warm-up), then a
//! storm of 1 000 file writes through the worktree watcher and the diff service, counting the
//! diffs it cost. Run: cargo bench --bench diff_refresh  (or bash bench/diff.sh)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods
)]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use andon::engine::diffs::{DiffService, DiffSource};
use andon::git::{DiffLimits, GitOwner};
use andon_core::diff::{DiffTarget, LineKind};

const DIRS: usize = 200;
const FILES_PER_DIR: usize = 100;
const MODIFIED_EVERY: usize = 20; // 20 000 / 20 = 1 000 modified files
const RUNS: usize = 9;

fn main() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("repo");
    let wt = tmp.path().join("repo.worktrees/bench");
    let started = Instant::now();
    build_repo(&root);
    let git = GitOwner::open(&root).expect("open repo");
    let base = git.head_commit().expect("HEAD");
    git.create_worktree("bench", &wt, "loop/bench", &base)
        .expect("create worktree");
    let modified = modify(&wt, "edit");
    println!(
        "diff_refresh: {} files, {modified} modified, built in {:.1} s",
        DIRS * FILES_PER_DIR,
        started.elapsed().as_secs_f64()
    );

    let limits = DiffLimits::default();
    let ours = || {
        git.diff_worktree(&wt, &base, limits)
            .expect("diff_worktree")
    };
    let stat = ours().stat();
    println!(
        "  andon's diff: {stat}; git: {}",
        git_out(&wt, &["diff", "--shortstat", &base])
    );
    // Interleaved rounds, so a busy machine slows every contender alike. git's first run also
    // refreshes the worktree index's stat cache (andon's diff only reads it; see git::diff).
    let contenders: [(&str, &dyn Fn()); 4] = [
        ("andon diff_worktree (hunks+lines)", &|| drop(ours())),
        ("git diff --stat", &|| git_run(&wt, &["diff", "--stat"])),
        ("git diff --stat <base>", &|| {
            git_run(&wt, &["diff", "--stat", &base])
        }),
        ("git status --porcelain", &|| {
            git_run(&wt, &["status", "--porcelain"])
        }),
    ];
    let medians = medians(&contenders);
    println!("  median of {RUNS} interleaved runs after one warm-up:");
    for ((label, _), time) in contenders.iter().zip(&medians) {
        println!("    {label:36} {:8.1} ms", ms(*time));
    }
    println!(
        "    andon / git diff --stat: {:.2}x",
        medians[0].as_secs_f64() / medians[1].as_secs_f64()
    );

    storm(git, &wt, base, limits);
}

fn build_repo(root: &Path) {
    for d in 0..DIRS {
        let dir = root.join(format!("src/m{d:03}"));
        fs::create_dir_all(&dir).expect("mkdir");
        for f in 0..FILES_PER_DIR {
            fs::write(dir.join(format!("f{f:03}.rs")), source(d, f, "base")).expect("write");
        }
    }
    fs::write(root.join(".gitignore"), "target/\n").expect("write");
    git_run(root, &["init", "-q", "-b", "main"]);
    git_run(root, &["add", "-A"]);
    git_run(
        root,
        &[
            "-c",
            "user.name=b",
            "-c",
            "user.email=b@b",
            "commit",
            "-qm",
            "base",
        ],
    );
}

/// About 1.2 KB of Rust-looking text; `tag` changes one line.
fn source(d: usize, f: usize, tag: &str) -> String {
    let mut text = format!("//! module {d} file {f}\n\n");
    for i in 0..30 {
        let _ = writeln!(
            text,
            "pub fn item_{i}(x: u64) -> u64 {{ x * {i} + {f} }} // {d}"
        );
    }
    text.replace(
        "item_10(x: u64) -> u64 { x * 10",
        &format!("item_10(x: u64) -> u64 {{ x * 10 /* {tag} */"),
    )
}

/// Rewrites every `MODIFIED_EVERY`th file with `tag`; returns how many.
fn modify(wt: &Path, tag: &str) -> usize {
    let mut n = 0;
    for d in 0..DIRS {
        for f in 0..FILES_PER_DIR {
            if (d * FILES_PER_DIR + f) % MODIFIED_EVERY == 0 {
                let path = wt.join(format!("src/m{d:03}/f{f:03}.rs"));
                fs::write(path, source(d, f, tag) + "// added\n").expect("write");
                n += 1;
            }
        }
    }
    n
}

/// 1 000 writes through the real watcher and diff service: how many diffs did they cost?
fn storm(git: GitOwner, wt: &Path, base: String, limits: DiffLimits) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let service = DiffService::new(
        runtime.handle().clone(),
        DiffSource {
            git,
            worktree: wt.to_path_buf(),
            base,
            limits,
            iterations: Arc::new(|_| None),
            latest: Arc::new(|| None),
        },
    );
    let _watcher = service
        .watch_worktree(Instant::now())
        .expect("watch worktree");
    let writes = modify(wt, "storm");
    let stormed = Instant::now();
    let mut rx = service.subscribe();
    let last = format!(
        "src/m{:03}/f{:03}.rs",
        DIRS - 1,
        FILES_PER_DIR - MODIFIED_EVERY
    );
    let done = runtime.block_on(async {
        let wait = rx.wait_for(|diffs| {
            let Some(Ok(diff)) = diffs.get(DiffTarget::Cumulative).map(|r| &r.diff) else {
                return false;
            };
            diff.files.iter().any(|f| {
                f.path == last
                    && f.hunks()
                        .iter()
                        .flat_map(|h| &h.lines)
                        .any(|l| l.kind == LineKind::Added && l.text.contains("storm"))
            })
        });
        tokio::time::timeout(Duration::from_secs(30), wait)
            .await
            .is_ok()
    });
    let latency = stormed.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    println!(
        "  storm: {writes} file writes -> {} diff computation(s); last write shown {:.0} ms after the storm{}",
        service.computations(),
        ms(latency),
        if done { "" } else { " (NOT SEEN within 30 s)" }
    );
}

fn medians(contenders: &[(&str, &dyn Fn())]) -> Vec<Duration> {
    let mut times = vec![Vec::with_capacity(RUNS); contenders.len()];
    for round in 0..=RUNS {
        for ((_, run), times) in contenders.iter().zip(&mut times) {
            let start = Instant::now();
            run();
            // Round 0 is the warm-up.
            if round > 0 {
                times.push(start.elapsed());
            }
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[RUNS / 2]
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn git_run(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?} failed");
}

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

use std::time::Duration;

use super::*;
use crate::git::test_support::{init_repo, write};
use andon_core::diff::LineKind;

/// A loop worktree `<tmp>/wt` and a service on it whose iteration `k` is snapshot `k` of
/// `snapshots` against the one before (the base for the first).
fn service_on_worktree(
    snapshots: Arc<Mutex<Vec<String>>>,
) -> (tempfile::TempDir, GitOwner, PathBuf, DiffService) {
    let (tmp, root) = init_repo();
    let git = GitOwner::open(&root).unwrap();
    let wt = tmp.path().join("wt");
    git.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
    let base = git.head_commit().unwrap();
    let resolve_base = base.clone();
    let iterations: IterationCommits = Arc::new(move |k| {
        let snapshots = snapshots.lock().unwrap();
        let numbered = snapshots
            .iter()
            .zip(1..)
            .map(|(c, n)| (n, Some(c.as_str())));
        iteration_range(numbered, &resolve_base, k)
    });
    let service = DiffService::new(
        Handle::current(),
        DiffSource {
            git: git.clone(),
            worktree: wt.clone(),
            base,
            limits: DiffLimits::default(),
            iterations,
            latest: Arc::new(|| None),
        },
    );
    (tmp, git, wt, service)
}

/// Waits for a published `target` result accepted by `done`, or panics after 10 s.
async fn wait_for(
    service: &DiffService,
    target: DiffTarget,
    done: impl Fn(&DiffResult) -> bool,
) -> DiffResult {
    let mut rx = service.subscribe();
    let wait = rx.wait_for(|diffs| diffs.get(target).is_some_and(&done));
    let found = match tokio::time::timeout(Duration::from_secs(10), wait).await {
        Ok(Ok(diffs)) => diffs.get(target).cloned(),
        _ => None,
    };
    found.unwrap_or_else(|| panic!("no {target:?} result came: {:?}", service.latest()))
}

fn last_added_line(result: &DiffResult, path: &str) -> Option<String> {
    let diff = result.diff.as_ref().ok()?;
    let file = diff.files.iter().find(|f| f.path == path)?;
    let mut lines = file.hunks().iter().flat_map(|h| &h.lines);
    lines
        .rfind(|l| l.kind == LineKind::Added)
        .map(|l| l.text.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_1000_writes_costs_at_most_two_diffs_and_ends_on_the_last_write() {
    let (_tmp, _git, wt, service) = service_on_worktree(Arc::default());
    // A quiet time no storm pauses for on a busy machine: the storm is one burst, whatever
    // the scheduler does; what is measured is the collapse, not the clock.
    let timing = crate::watch::Debounce {
        quiet: Duration::from_secs(2),
        max_wait: Duration::from_secs(30),
    };
    let _watcher = service.watch_worktree_with(Instant::now(), timing).unwrap();

    let storm = wt.clone();
    tokio::task::spawn_blocking(move || {
        for i in 0..1000 {
            let path = format!("src/gen/f{}.rs", i % 100);
            write(&storm, &path, &format!("// write {i}\n"));
        }
    })
    .await
    .unwrap();

    let done = wait_for(&service, DiffTarget::Cumulative, |r| {
        last_added_line(r, "src/gen/f99.rs").as_deref() == Some("// write 999")
    })
    .await;
    assert_eq!(done.diff.as_ref().unwrap().stat().files, 100);
    // Longer than the debounce and a diff: any straggling computation would have run.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let ran = service.computations();
    assert!((1..=2).contains(&ran), "{ran} computations for one storm");
    assert_eq!(service.latest().cumulative.unwrap().generation, ran);
    assert_eq!(service.stat().map(|s| s.files), Some(100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iteration_diffs_come_from_snapshots_and_survive_cumulative_refreshes() {
    let snapshots = Arc::new(Mutex::new(Vec::new()));
    let (_tmp, git, wt, service) = service_on_worktree(Arc::clone(&snapshots));
    write(&wt, "a.txt", "one\n");
    let first = git.snapshot(&wt, "andon: iteration 1").unwrap();
    write(&wt, "b.txt", "two\n");
    let second = git.snapshot(&wt, "andon: iteration 2").unwrap();
    snapshots.lock().unwrap().extend([first, second]);
    write(&wt, "c.txt", "working\n");

    service.request(DiffTarget::Iteration(2));
    for _ in 0..50 {
        service.mark_stale();
    }
    service.request(DiffTarget::Iteration(3));

    let missing = wait_for(&service, DiffTarget::Iteration(3), |_| true).await;
    let err = missing.diff.unwrap_err();
    assert!(matches!(*err, DiffError::NoSnapshot(3)), "{err:?}");
    service.request(DiffTarget::Iteration(2));
    let second = wait_for(&service, DiffTarget::Iteration(2), |_| true).await;
    let files: Vec<_> = second
        .diff
        .as_ref()
        .unwrap()
        .files
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(files, ["b.txt"]);
    let cumulative = wait_for(&service, DiffTarget::Cumulative, |_| true).await;
    assert_eq!(cumulative.diff.as_ref().unwrap().stat().files, 3);
    // Both kinds are held at once, so neither hides the other from a slow reader.
    let latest = service.latest();
    assert!(latest.get(DiffTarget::Iteration(2)).is_some());
    assert!(latest.get(DiffTarget::Cumulative).is_some());
    // 53 requests; the collapse leaves a handful of computations (the exact number depends on
    // how far the first got before the rest arrived).
    assert!(service.computations() <= 6, "{}", service.computations());
}

#[test]
fn iteration_range_pairs_a_snapshot_with_the_one_before() {
    let rows = [
        (1, Some("c1")),
        (2, None), // discarded: no snapshot
        (3, Some("c3")),
        (4, Some("c4")),
    ];
    let range = |k| iteration_range(rows, "base", k);
    let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
    assert_eq!(range(1), pair("base", "c1"));
    assert_eq!(range(2), None);
    assert_eq!(range(3), pair("c1", "c3"));
    assert_eq!(range(4), pair("c3", "c4"));
    assert_eq!(range(5), None);
}

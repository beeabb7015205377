//! Crash safety under SIGKILL: a child process commits steps as fast as it can, reporting
//! each one on stdout only after `commit` returned; the parent kills it mid-stream, reopens
//! the store, and checks that it is intact and that every reported step is there in full.
//!
//! The child is this same test binary, re-run on the ignored `crash_child_writer` test.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::fixtures::{audit_row, check_run_row, event_row, incident_row, iteration_row, loop_row};
use super::{Step, Store};

/// Tells the child where the store is; its absence means "not the child role".
const CHILD_DB_ENV: &str = "ANDON_STORE_CRASH_CHILD_DB";
const LOOP: &str = "crashy";
const CHECKS_PER_STEP: u32 = 3;
const EVENTS_PER_STEP: usize = 2;
const KILLS: usize = 5;

/// One iteration's worth of rows, padded so a transaction spans several pages and the WAL
/// reaches its checkpoint threshold within the kill window: the kill then also lands in the
/// middle of checkpoints, not only of commits.
fn crash_step(n: u32) -> Step {
    let padding = "x".repeat(2_000);
    let mut looped = loop_row(LOOP, 1);
    looped.iteration = n;
    looped.state_json = format!(r#"{{"n":{n},"pad":"{padding}"}}"#);
    let events = (0..EVENTS_PER_STEP)
        .map(|i| {
            let mut event = event_row(LOOP, n, i64::from(n));
            event.detail = format!("{i} {padding}");
            event
        })
        .collect();
    Step {
        upsert_loop: Some(looped),
        upsert_iterations: vec![iteration_row(LOOP, n)],
        check_runs: (0..CHECKS_PER_STEP)
            .map(|seq| check_run_row(LOOP, n, "check", seq))
            .collect(),
        events,
        incidents: vec![incident_row(LOOP, n, i64::from(n))],
        audit: vec![audit_row(Some(LOOP), i64::from(n), "step")],
        kaizen: Vec::new(),
    }
}

#[test]
#[ignore = "the writer half of `committed_steps_survive_sigkill`, started by it as a child"]
fn crash_child_writer() {
    // Run by hand without the parent there is nothing to do.
    let Some(path) = std::env::var_os(CHILD_DB_ENV) else {
        return;
    };
    let store = Store::open(Path::new(&path)).expect("child: open");
    let first = store
        .get_loop(LOOP)
        .expect("child: read loop")
        .map_or(1, |l| l.iteration + 1);
    let mut stdout = std::io::stdout().lock();
    // The deadline only matters if the parent died without killing us.
    let deadline = Instant::now() + Duration::from_secs(30);
    for n in first.. {
        store.commit(&crash_step(n)).expect("child: commit");
        writeln!(stdout, "committed {n}").expect("child: report");
        stdout.flush().expect("child: flush");
        if Instant::now() > deadline {
            break;
        }
    }
}

/// Kills the child if the parent's assertions fail before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn child_test_name() -> String {
    // module_path!() starts with the crate name, which libtest's filter does not include.
    let module = module_path!();
    let module = module.split_once("::").map_or(module, |(_, rest)| rest);
    format!("{module}::crash_child_writer")
}

/// Starts a writer, lets it commit for ~300 ms, SIGKILLs it, and returns the step numbers
/// it reported as committed.
fn run_writer_and_kill(path: &Path) -> Vec<u32> {
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            child_test_name().as_str(),
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_DB_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut child = KillOnDrop(child);

    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        // libtest's own lines share the pipe; only our reports parse.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(Ok(n)) = line.strip_prefix("committed ").map(str::parse::<u32>) {
                if tx.send(n).is_err() {
                    break;
                }
            }
        }
    });

    // Start the clock at the first commit so the kill lands while the child is writing,
    // however slow its start-up was.
    let first = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("child reported a first commit");
    thread::sleep(Duration::from_millis(300));
    // std's Child::kill is SIGKILL on Unix: no destructor, no flush, no checkpoint runs.
    child.0.kill().expect("SIGKILL the child");
    let status = child.0.wait().expect("reap the child");
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "child ended by SIGKILL, not {status}"
    );
    reader.join().expect("stdout reader");

    let mut reported = vec![first];
    reported.extend(rx.try_iter());
    reported
}

#[test]
fn committed_steps_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".andon").join("andon.db");
    let mut reported_total = 0;

    for round in 1..=KILLS {
        let reported = run_writer_and_kill(&path);
        let last_reported = *reported.last().expect("at least the first commit");
        reported_total += reported.len();

        let store = Store::open(&path).expect("reopen after the kill");
        assert_eq!(
            store.integrity_check().expect("integrity"),
            "ok",
            "round {round}"
        );

        let iterations = store.iterations(LOOP).expect("iterations");
        let numbers: Vec<u32> = iterations.iter().map(|i| i.n).collect();
        let last = *numbers.last().expect("some iterations");
        // A step may have committed just before the kill and never been reported.
        assert!(
            last >= last_reported,
            "round {round}: {last} < reported {last_reported}"
        );
        assert_eq!(
            numbers,
            (1..=last).collect::<Vec<_>>(),
            "round {round}: no gaps"
        );
        assert!(
            reported.iter().all(|n| numbers.contains(n)),
            "round {round}: lost a step"
        );

        // Every step on disk is whole: the loop row, check runs, events, incident and
        // audit row of a step were written together or not at all.
        let looped = store.get_loop(LOOP).expect("get").expect("loop row");
        assert_eq!(
            looped.iteration, last,
            "round {round}: loop row matches its last iteration"
        );
        assert_eq!(
            store.check_runs(LOOP, None).expect("runs").len(),
            last as usize * CHECKS_PER_STEP as usize
        );
        let events = store.events(Some(LOOP), None).expect("events");
        assert_eq!(
            events.len(),
            last as usize * EVENTS_PER_STEP,
            "round {round}"
        );
        assert_eq!(
            store.incidents(Some(LOOP)).expect("incidents").len(),
            last as usize
        );
        assert_eq!(
            store.audit().expect("audit").len(),
            last as usize,
            "round {round}"
        );
    }
    assert!(
        reported_total > KILLS,
        "the writers committed too little to prove anything"
    );
}

//! Real children in real pseudo-terminals.

use super::*;
use crate::pty::signal::{continue_group, group_alive, process_state, stop_group};
use andon_test_support::wait_for;
use std::fs;
use std::sync::atomic::AtomicUsize;

const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

struct Run {
    child: PtyChild,
    output: Arc<Mutex<Vec<u8>>>,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
}

fn base_env() -> Vec<(String, String)> {
    vec![
        ("PATH".into(), PATH.into()),
        ("SHELL".into(), "/bin/sh".into()),
    ]
}

fn spec(argv: &[&str], dir: &Path) -> PtySpec {
    PtySpec {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        cwd: dir.to_path_buf(),
        env: base_env(),
        rows: 24,
        cols: 80,
        log_path: dir.join("iter-1/agent.log"),
        stdin_data: None,
    }
}

fn start_with(argv: &[&str], edit: impl FnOnce(&mut PtySpec)) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec(argv, dir.path());
    edit(&mut spec);
    let log_path = spec.log_path.clone();
    let output = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&output);
    let child = PtyChild::spawn(
        spec,
        Box::new(move |chunk| sink.lock().unwrap().extend_from_slice(chunk)),
    )
    .unwrap();
    Run {
        child,
        output,
        log_path,
        _dir: dir,
    }
}

fn start(argv: &[&str]) -> Run {
    start_with(argv, |_| {})
}

impl Run {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output holds a line `<prefix> <numbers...>` and returns the numbers.
    fn numbers_after(&self, prefix: &str) -> Vec<i32> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = self.text();
            let line = text.lines().find_map(|l| l.trim().strip_prefix(prefix));
            if let Some(rest) = line.filter(|_| text.contains('\n')) {
                return rest
                    .split_whitespace()
                    .map(|n| n.parse().unwrap())
                    .collect();
            }
            assert!(Instant::now() < deadline, "no `{prefix}` line in {text:?}");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

#[tokio::test]
async fn output_reaches_log_and_callback_with_colors_intact() {
    let mut run = start(&["printf", r"\033[31mred\033[0m plain\n"]);
    let exit = run.child.wait().await;
    assert_eq!(
        exit,
        ExitInfo {
            code: Some(0),
            signal: None
        }
    );
    // The terminal turns \n into \r\n; escape sequences pass untouched.
    let want = b"\x1b[31mred\x1b[0m plain\r\n";
    assert_eq!(fs::read(&run.log_path).unwrap(), want);
    assert_eq!(*run.output.lock().unwrap(), want);
    assert_eq!(run.child.bytes_out(), want.len() as u64);
    assert!(run.child.last_output_ms() >= 1);
    assert_eq!(run.child.log_error(), None);
}

#[tokio::test]
async fn exit_codes_and_signals_are_reported() {
    let cases = [
        ("true", Some(0), None),
        ("exit 3", Some(3), None),
        ("kill -TERM $$", None, Some(15)),
        ("kill -KILL $$", None, Some(9)),
    ];
    for (script, code, signal) in cases {
        let mut run = start(&["sh", "-c", script]);
        let exit = run.child.wait().await;
        assert_eq!(exit, ExitInfo { code, signal }, "{script}");
        assert_eq!(run.child.try_exit(), Some(exit), "{script}");
        assert_eq!(run.child.wait().await, exit, "waiting twice: {script}");
    }
}

#[test]
fn bad_commands_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("agent.sh");
    fs::write(&script, "#!/bin/sh\n").unwrap();
    let missing_dir = dir.path().join("no-such-worktree");
    let missing_dir = missing_dir.to_str().unwrap();
    let cases: [(&[&str], Option<&str>, &str); 6] = [
        (
            &["andon-no-such-agent"],
            None,
            "`andon-no-such-agent` not found on PATH",
        ),
        (&["./missing.sh"], None, "`./missing.sh` not found"),
        (&["./agent.sh"], None, "not executable"),
        (&["sh"], Some(missing_dir), "no-such-worktree"),
        (&[], None, "empty"),
        (&["andon-no-such-agent"], None, "fix: install it"),
    ];
    for (argv, cwd, want) in cases {
        let mut spec = spec(argv, dir.path());
        if let Some(cwd) = cwd {
            spec.cwd = cwd.into();
        }
        let err = PtyChild::spawn(spec, Box::new(|_| {})).unwrap_err();
        assert!(err.to_string().contains(want), "{argv:?}: {err}");
    }
    let no_path = PtySpec {
        env: vec![],
        ..spec(&["sh"], dir.path())
    };
    let err = PtyChild::spawn(no_path, Box::new(|_| {})).unwrap_err();
    assert!(
        matches!(err, PtyError::NotFound { ref program } if program == "sh"),
        "{err}"
    );
}

#[tokio::test]
async fn stdin_data_is_delivered_literally_then_eof() {
    let mut run = start_with(&["head", "-1"], |s| {
        s.stdin_data = Some(b"hello prompt\nsecond line\n".to_vec());
    });
    run.child.wait().await;
    // Once echoed by the terminal and once by head.
    assert_eq!(
        run.text().matches("hello prompt").count(),
        2,
        "{}",
        run.text()
    );

    // A long line with control bytes in it: every byte arrives and Ctrl-C does not
    // interrupt the reader.
    let mut data = vec![b'a'; 10_000];
    data.extend_from_slice(b"\x03\x1a\x7f\n");
    let mut run = start_with(&["wc", "-c"], |s| s.stdin_data = Some(data));
    let exit = run.child.wait().await;
    let text = run.text();
    let last = text.lines().last().unwrap_or_default().trim();
    assert_eq!(
        (exit.code, last),
        (Some(0), "10004"),
        "ends with {:?}",
        &text[text.len().saturating_sub(80)..]
    );
}

#[tokio::test]
async fn env_is_exactly_the_given_env() {
    let mut run = start_with(&["env"], |s| s.env.push(("FOO".into(), "bar baz".into())));
    run.child.wait().await;
    let mut got: Vec<String> = run.text().lines().map(str::to_owned).collect();
    got.sort();
    let want = [
        "FOO=bar baz".to_owned(),
        format!("PATH={PATH}"),
        "SHELL=/bin/sh".to_owned(),
    ];
    assert_eq!(got, want);
}

#[tokio::test]
async fn cwd_is_respected() {
    let mut run = start(&["pwd", "-P"]);
    run.child.wait().await;
    let want = run._dir.path().canonicalize().unwrap();
    assert_eq!(run.text().trim(), want.to_str().unwrap());
}

#[tokio::test]
async fn resize_reaches_the_child() {
    let mut run = start(&[
        "sh",
        "-c",
        "trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done",
    ]);
    run.numbers_after("ready");
    run.child.resize(40, 120).unwrap();
    run.child.wait().await;
    assert!(run.text().contains("40 120"), "{}", run.text());
}

#[tokio::test]
async fn the_child_leads_its_own_group_and_can_be_stopped_with_its_grandchild() {
    let mut run = start(&["sh", "-c", "sleep 30 & echo \"pids $$ $!\"; wait"]);
    let pids = run.numbers_after("pids");
    let (shell, grandchild) = (pids[0], pids[1]);
    assert_eq!(run.child.pid(), shell);
    assert_eq!(
        rustix::process::getpgid(rustix::process::Pid::from_raw(grandchild))
            .unwrap()
            .as_raw_pid(),
        shell
    );

    stop_group(run.child.pid()).unwrap();
    for pid in [shell, grandchild] {
        wait_for("stopped", || process_state(pid) == Some('T'));
    }
    continue_group(run.child.pid()).unwrap();
    for pid in [shell, grandchild] {
        wait_for("resumed", || process_state(pid).is_some_and(|s| s != 'T'));
    }
    crate::pty::signal::terminate_group(run.child.pid(), Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(run.child.wait().await.signal, Some(15));
    assert!(!group_alive(shell));
}

#[test]
fn a_child_that_never_reads_cannot_block_writes() {
    let run = start(&["sleep", "30"]);
    let (done_tx, done_rx) = mpsc::channel();
    let writer = thread::spawn(move || {
        let line = [vec![b'x'; 4095], vec![b'\n']].concat();
        let refused = (0..10_000).find(|_| match run.child.write(line.clone()) {
            Err(PtyError::InputBacklog { .. }) => true,
            Err(err) => panic!("{err}"),
            Ok(()) => false,
        });
        done_tx.send(refused).unwrap();
        let _ = kill_group(run.child.pid());
    });
    let refused = done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("write() blocked");
    assert!(refused.is_some(), "the queue never filled up");
    writer.join().unwrap();
}

#[tokio::test]
async fn a_flood_is_fully_logged_before_wait_returns() {
    let counted = Arc::new(AtomicUsize::new(0));
    let dir = tempfile::tempdir().unwrap();
    let spec = spec(&["sh", "-c", "yes | head -c 50000000"], dir.path());
    let log_path = spec.log_path.clone();
    let sink = Arc::clone(&counted);
    let mut child = PtyChild::spawn(
        spec,
        Box::new(move |chunk| {
            sink.fetch_add(chunk.len(), Ordering::Relaxed);
        }),
    )
    .unwrap();
    let exit = child.wait().await;
    assert!(exit.success());
    // Every "y\n" becomes "y\r\n" on the way through the terminal.
    let want = 75_000_000;
    assert_eq!(fs::metadata(&log_path).unwrap().len(), want);
    assert_eq!(child.bytes_out(), want);
    assert_eq!(counted.load(Ordering::Relaxed) as u64, want);
}

#[tokio::test]
async fn wait_returns_even_if_a_background_process_keeps_the_terminal() {
    let mut run = start(&[
        "sh",
        "-c",
        "trap '' HUP; (trap '' HUP; sleep 30) & echo \"bg $!\"",
    ]);
    let exit = run.child.wait().await;
    assert!(exit.success());
    let bg = run.numbers_after("bg")[0];
    assert!(
        process_state(bg).is_some_and(|s| s != 'Z'),
        "the test needs a survivor"
    );
    kill_group(run.child.pid()).unwrap();
}

#[test]
fn pty_child_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PtyChild>();
}

#[test]
fn dropping_the_handle_kills_the_group() {
    let run = start(&["sh", "-c", "sleep 30 & echo \"pids $!\"; wait"]);
    let grandchild = run.numbers_after("pids")[0];
    let pgid = run.child.pid();
    drop(run);
    wait_for("group gone", || !group_alive(pgid));
    wait_for("grandchild gone", || {
        process_state(grandchild).is_none_or(|s| s == 'Z')
    });
}

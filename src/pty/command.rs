//! A check: a shell command run without a terminal, in its own process group, its combined
//! output streamed to a log file and the caller, and ended as a whole group on timeout.

use crate::or_log::OrLog;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::process::{Child, Command};

use super::output::{LogFile, Tail};
use super::signal::{group_alive, kill_group, terminate_group};
use super::spawn::ExitInfo;
use super::PtyError;

/// Bytes of output kept for the outcome (failure feedback and fingerprints).
const TAIL_BYTES: usize = 8 * 1024;
/// Between SIGTERM and SIGKILL when a check times out.
const TIMEOUT_GRACE: Duration = Duration::from_secs(2);
/// Between SIGTERM and SIGKILL for what a finished check left running.
const LEFTOVER_GRACE: Duration = Duration::from_millis(500);
/// How long the output may keep flowing after `sh` exited. Only a process that escaped the
/// group (setsid) and still holds the pipes can use it all up.
const DRAIN_LIMIT: Duration = Duration::from_secs(4);
const READ_CHUNK: usize = 32 * 1024;

/// A check to run with `sh -c`.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub shell_command: String,
    pub cwd: PathBuf,
    /// The complete environment: nothing is inherited from andon.
    pub env: Vec<(String, String)>,
    /// stdout and stderr are appended here together; parent directories are created.
    pub log_path: PathBuf,
    pub timeout: Duration,
    /// Runs `sh` through this argv prefix (e.g. `andon __sandbox --write DIR --`); empty runs
    /// it directly.
    pub wrapper: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// From spawn to the exit of `sh`.
    pub duration: Duration,
    /// The last 8 KiB of stdout and stderr in arrival order, lossy UTF-8.
    pub tail: String,
    /// Why the log file stopped receiving output early, if it did.
    pub log_error: Option<String>,
}

/// Runs `spec.shell_command` to completion or timeout. `on_spawn` receives the process group
/// id right after spawn (to stop or resume the check); `on_output` every chunk of output.
///
/// When `sh` exits, whatever it left running in its group is ended too: a check must not
/// leave a server or a watcher behind in the worktree. Dropping the returned future kills
/// the group.
pub async fn run_command(
    spec: CommandSpec,
    on_output: impl FnMut(&[u8]) + Send + 'static,
    on_spawn: impl FnOnce(i32),
) -> Result<CommandOutcome, PtyError> {
    if !spec.cwd.is_dir() {
        return Err(PtyError::BadCwd { path: spec.cwd });
    }
    let log = LogFile::open(&spec.log_path)?;
    let (mut child, output) = spawn_sh(&spec)?;
    let started = crate::clock::instant_now();
    let pgid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .ok_or_else(|| PtyError::Pty("the check has no process id".into()))?;
    let mut guard = GroupGuard { pgid, armed: true };
    on_spawn(pgid);

    let mut sink = Sink {
        log,
        tail: Tail::new(TAIL_BYTES),
        on_output,
    };
    let (exit, timed_out, duration) =
        supervise(&mut child, pgid, spec.timeout, started, output, &mut sink).await;
    guard.armed = false;

    Ok(CommandOutcome {
        exit_code: exit.code,
        signal: exit.signal,
        timed_out,
        duration,
        tail: sink.tail.to_string_lossy(),
        log_error: sink.log.error().map(str::to_owned),
    })
}

/// Waits for `sh` (ending its group on timeout), then ends what it left running, while
/// its output flows into the sink. Returns the exit, whether it timed out, and how long
/// `sh` ran.
async fn supervise<F: FnMut(&[u8])>(
    child: &mut Child,
    pgid: i32,
    limit: Duration,
    started: Instant,
    output: pipe::Receiver,
    sink: &mut Sink<F>,
) -> (ExitInfo, bool, Duration) {
    let output = pump(output, sink);
    tokio::pin!(output);
    let mut output_done = false;
    let exit = wait_for_exit(child, pgid, limit);
    tokio::pin!(exit);
    let (exit, timed_out) = loop {
        tokio::select! {
            () = &mut output, if !output_done => output_done = true,
            finished = &mut exit => break finished,
        }
    };
    let duration = started.elapsed();
    let leftovers = async {
        if group_alive(pgid) {
            terminate_group(pgid, LEFTOVER_GRACE)
                .await
                .or_log("the leftovers of a check's group ended by themselves");
        }
    };
    let drain = async {
        if !output_done {
            tokio::time::timeout(DRAIN_LIMIT, &mut output)
                .await
                .or_log("the output not drained in time is in the log");
        }
    };
    tokio::join!(leftovers, drain);
    (exit, timed_out, duration)
}

/// Starts `sh -c` in a new process group with stdout and stderr on one pipe, as `2>&1`
/// would, so the log shows them in the order they were written.
fn spawn_sh(spec: &CommandSpec) -> Result<(Child, pipe::Receiver), PtyError> {
    let io_error = |context| move |source| PtyError::Io { context, source };
    let (output_tx, output_rx) =
        pipe::pipe().map_err(io_error("cannot create the check's output pipe"))?;
    // The child gets an ordinary blocking pipe; many programs break on a non-blocking stdout.
    let stdout = output_tx
        .into_blocking_fd()
        .map_err(io_error("cannot prepare the check's output pipe"))?;
    let stderr = stdout
        .try_clone()
        .map_err(io_error("cannot prepare the check's output pipe"))?;
    let mut argv = spec.wrapper.iter().map(String::as_str).chain(["sh"]);
    let program = argv.next().unwrap_or("sh");
    let mut cmd = Command::new(program);
    cmd.args(argv)
        .arg("-c")
        .arg(&spec.shell_command)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true);
    // A session of its own (and so a process group, which stop and timeout signal): a check
    // has no controlling terminal, so it cannot read or type into the one andon runs in.
    crate::sys::new_session_on_exec(&mut cmd);
    let spawned = cmd.spawn();
    // The command holds our copies of the pipe's write end; they must close or the output
    // never ends.
    drop(cmd);
    let child = spawned.map_err(|err| PtyError::Spawn {
        program: program.into(),
        message: err.to_string(),
    })?;
    Ok((child, output_rx))
}

async fn wait_for_exit(child: &mut Child, pgid: i32, limit: Duration) -> (ExitInfo, bool) {
    let info = |status: std::io::Result<_>| status.map_or(ExitInfo::UNKNOWN, ExitInfo::from);
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => (info(status), false),
        Err(_elapsed) => {
            // Reap `sh` while the group is being ended, so its exit is seen at once.
            let (_, status) = tokio::join!(terminate_group(pgid, TIMEOUT_GRACE), child.wait());
            (info(status), true)
        }
    }
}

struct Sink<F> {
    log: LogFile,
    tail: Tail,
    on_output: F,
}

impl<F: FnMut(&[u8])> Sink<F> {
    fn push(&mut self, chunk: &[u8]) {
        self.log.append(chunk);
        self.tail.push(chunk);
        (self.on_output)(chunk);
    }
}

/// Copies the check's output into the sink until every writer has closed the pipe.
async fn pump<F: FnMut(&[u8])>(mut output: pipe::Receiver, sink: &mut Sink<F>) {
    let mut buf = vec![0; READ_CHUNK];
    loop {
        match output.read(&mut buf).await {
            Ok(0) => return,
            Ok(n) => sink.push(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Kills the check's group when [`run_command`] is dropped before it finished.
struct GroupGuard {
    pgid: i32,
    armed: bool,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.armed {
            kill_group(self.pgid).or_log("the group ended before the guard dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::signal::process_state;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::{Arc, Mutex};

    fn spec(dir: &tempfile::TempDir, shell_command: &str, timeout: Duration) -> CommandSpec {
        CommandSpec {
            shell_command: shell_command.into(),
            cwd: dir.path().to_path_buf(),
            env: vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())],
            log_path: dir.path().join("iter-1/check-tests.log"),
            timeout,
            wrapper: Vec::new(),
        }
    }

    /// Runs a check; returns the outcome, what on_output saw and the group id.
    async fn run(spec: CommandSpec) -> (CommandOutcome, Vec<u8>, i32) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let mut pgid = 0;
        let outcome = run_command(
            spec,
            move |chunk| sink.lock().unwrap().extend_from_slice(chunk),
            |id| pgid = id,
        )
        .await
        .unwrap();
        let seen = seen.lock().unwrap().clone();
        (outcome, seen, pgid)
    }

    #[tokio::test]
    async fn exit_status_and_combined_output_are_reported() {
        let long = Duration::from_secs(30);
        let cases = [
            (
                "echo out; echo err >&2; exit 4",
                Some(4),
                None,
                "out\nerr\n",
            ),
            ("true", Some(0), None, ""),
            ("andon-no-such-tool", Some(127), None, "not found"),
            ("echo bye; kill -KILL $$", None, Some(9), "bye\n"),
        ];
        for (command, code, signal, output) in cases {
            let dir = tempfile::tempdir().unwrap();
            let spec = spec(&dir, command, long);
            let log_path = spec.log_path.clone();
            let (outcome, seen, pgid) = run(spec).await;
            assert_eq!(
                (outcome.exit_code, outcome.signal),
                (code, signal),
                "{command}"
            );
            assert!(!outcome.timed_out, "{command}");
            assert!(
                outcome.tail.contains(output),
                "{command}: {:?}",
                outcome.tail
            );
            assert_eq!(fs_string(&log_path), outcome.tail, "{command}");
            assert_eq!(String::from_utf8(seen).unwrap(), outcome.tail, "{command}");
            assert!(pgid > 1, "{command}");
            assert_eq!(outcome.log_error, None);
        }
    }

    fn fs_string(path: &std::path::Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[tokio::test]
    async fn a_timeout_ends_the_whole_group() {
        let cases = [
            ("sleep 100 & sleep 100", false),
            ("trap '' TERM; sleep 100 & sleep 100", true),
        ];
        for (command, ignores_term) in cases {
            let dir = tempfile::tempdir().unwrap();
            let (outcome, _, pgid) = run(spec(&dir, command, Duration::from_millis(300))).await;
            assert!(outcome.timed_out, "{command}");
            let want = if ignores_term { 9 } else { 15 };
            assert_eq!(outcome.signal, Some(want), "{command}");
            assert!(!group_alive(pgid), "{command}: the group survived");
            let killed_late = outcome.duration >= Duration::from_millis(300) + TIMEOUT_GRACE;
            assert_eq!(
                killed_late, ignores_term,
                "{command}: {:?}",
                outcome.duration
            );
        }
    }

    #[tokio::test]
    async fn leftovers_of_a_finished_check_are_ended() {
        let dir = tempfile::tempdir().unwrap();
        let command = "sleep 100 & echo $!";
        let (outcome, _, pgid) = run(spec(&dir, command, Duration::from_secs(30))).await;
        assert_eq!(outcome.exit_code, Some(0));
        let leftover: i32 = outcome.tail.trim().parse().unwrap();
        assert!(!group_alive(pgid));
        assert!(process_state(leftover).is_none_or(|s| s == 'Z'));
    }

    #[tokio::test]
    async fn env_and_cwd_are_exactly_the_given_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = spec(
            &dir,
            "tr '\\0' '\\n' < /proc/$$/environ; pwd -P",
            Duration::from_secs(30),
        );
        spec.env.push(("ANDON_LOOP".into(), "pricing".into()));
        let (outcome, _, _) = run(spec).await;
        let mut lines: Vec<&str> = outcome.tail.lines().collect();
        let pwd = lines.pop().unwrap();
        lines.sort_unstable();
        assert_eq!(
            lines,
            ["ANDON_LOOP=pricing", "PATH=/usr/local/bin:/usr/bin:/bin"]
        );
        assert_eq!(pwd, dir.path().canonicalize().unwrap().to_str().unwrap());
    }

    #[tokio::test]
    async fn the_tail_is_the_last_8_kib_and_the_log_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let spec = spec(
            &dir,
            "yes | head -c 1000000; echo END",
            Duration::from_secs(30),
        );
        let log_path = spec.log_path.clone();
        let (outcome, seen, _) = run(spec).await;
        assert_eq!(outcome.tail.len(), TAIL_BYTES);
        assert!(outcome.tail.ends_with("y\nEND\n"));
        assert_eq!(std::fs::metadata(log_path).unwrap().len(), 1_000_004);
        assert_eq!(seen.len(), 1_000_004);
    }

    #[tokio::test]
    async fn a_missing_cwd_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = spec(&dir, "true", Duration::from_secs(1));
        spec.cwd = dir.path().join("gone");
        let err = run_command(spec, |_| {}, |_| {}).await.unwrap_err();
        assert!(matches!(err, PtyError::BadCwd { .. }), "{err}");
    }

    #[tokio::test]
    async fn dropping_the_future_kills_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let pgid = Arc::new(AtomicI32::new(0));
        let seen = Arc::clone(&pgid);
        let spec = spec(&dir, "sleep 100 & sleep 100", Duration::from_secs(60));
        let running = run_command(spec, |_| {}, move |id| seen.store(id, Ordering::SeqCst));
        let gave_up = tokio::time::timeout(Duration::from_millis(300), running).await;
        assert!(gave_up.is_err());
        let pgid = pgid.load(Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(3);
        while group_alive(pgid) {
            assert!(
                Instant::now() < deadline,
                "the group survived its dropped check"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

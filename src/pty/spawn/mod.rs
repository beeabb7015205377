//! An agent in a pseudo-terminal: spawned as a session (and process group) leader with
//! exactly the environment it is given; a reader thread streams its output to the log file
//! and the caller, a writer thread feeds it input, and a waiter thread reports its exit.

use crate::or_log::OrLog;
use std::ffi::OsString;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, MasterPty, PtySize};
use tokio::sync::oneshot;

use super::input::{encode_stdin, Input};
use super::output::LogFile;
use super::signal::{group_alive, kill_group};
use super::PtyError;

/// Bytes read from the terminal per chunk.
const READ_CHUNK: usize = 64 * 1024;
/// After the child exits, how long to wait for the end of its output. A background process
/// that keeps the terminal open would otherwise hold [`PtyChild::wait`] forever.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// Called on the reader thread with every chunk of output.
pub type OnOutput = Box<dyn FnMut(&[u8]) + Send>;

/// What to run in a new pseudo-terminal.
#[derive(Debug, Clone)]
pub struct PtySpec {
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// The complete environment: nothing is inherited from andon. portable-pty always exports
    /// `SHELL`, so when it is missing here the user's login shell is added.
    pub env: Vec<(String, String)>,
    pub rows: u16,
    pub cols: u16,
    /// Raw output is appended here; parent directories are created.
    pub log_path: PathBuf,
    /// Typed into the terminal after spawn (prompt = stdin), followed by end of input. Meant
    /// for children that read lines; a child in raw mode sees the control bytes instead.
    pub stdin_data: Option<Vec<u8>>,
}

/// How a child ended: an exit code, or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

impl ExitInfo {
    /// The child could not be waited for (it was reaped elsewhere).
    pub const UNKNOWN: Self = Self {
        code: None,
        signal: None,
    };

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl From<std::process::ExitStatus> for ExitInfo {
    fn from(status: std::process::ExitStatus) -> Self {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        Self {
            code: status.code(),
            signal,
        }
    }
}

/// A running (or finished) agent in its pseudo-terminal. Dropping it kills whatever still
/// runs in the agent's process group.
pub struct PtyChild {
    pid: i32,
    master: Mutex<Box<dyn MasterPty + Send>>,
    input: Input,
    shared: Arc<Shared>,
    /// Fires once the child has exited and its output is drained; `None` after it fired.
    finished: Option<oneshot::Receiver<()>>,
}

/// State written by the reader and waiter threads.
struct Shared {
    started: Instant,
    last_output_ms: AtomicU64,
    bytes_out: AtomicU64,
    exit: Mutex<Option<ExitInfo>>,
    log_error: Mutex<Option<String>>,
}

impl PtyChild {
    /// Starts `spec.argv` in a new pseudo-terminal. `on_output` runs on the reader thread for
    /// every chunk of output, after the chunk reached the log file; a slow callback slows the
    /// child (through the terminal's buffer) and loses nothing.
    pub fn spawn(spec: PtySpec, on_output: OnOutput) -> Result<PtyChild, PtyError> {
        let program = spec.argv.first().ok_or(PtyError::EmptyCommand)?.clone();
        if !spec.cwd.is_dir() {
            // portable-pty would silently fall back to $HOME.
            return Err(PtyError::BadCwd { path: spec.cwd });
        }
        check_program(&program, &spec.env, &spec.cwd)?;
        let log = LogFile::open(&spec.log_path)?;

        let (master, mut child) = start_in_pty(&spec, &program)?;
        let started = crate::clock::instant_now();

        let pid = child
            .process_id()
            .and_then(|pid| i32::try_from(pid).ok())
            .ok_or_else(|| PtyError::Pty("the child has no process id".into()))?;
        // From here on the child runs, so every failure must end its group, not leak it.
        let abandon = |err: PtyError| {
            kill_group(pid)
                .or_log("the child's group is ended as it failed to start; it may be gone");
            err
        };
        let handles = master
            .try_clone_reader()
            .and_then(|reader| Ok((reader, master.take_writer()?)));
        let (reader, writer) = match handles {
            Ok(handles) => handles,
            Err(err) => {
                let err = abandon(pty_error(err));
                child
                    .wait()
                    .or_log("the child that failed to start is reaped; it may be gone");
                return Err(err);
            }
        };

        let shared = Arc::new(Shared {
            started,
            last_output_ms: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            exit: Mutex::new(None),
            log_error: Mutex::new(None),
        });
        let (drained_tx, drained_rx) = mpsc::channel();
        let (finished_tx, finished_rx) = oneshot::channel();
        // The waiter starts first so the child is reaped whatever fails next.
        spawn_waiter(child, drained_rx, Arc::clone(&shared), finished_tx).map_err(abandon)?;
        spawn_reader(reader, log, on_output, Arc::clone(&shared), drained_tx).map_err(abandon)?;
        let input = Input::start(writer).map_err(abandon)?;
        if let Some(data) = spec.stdin_data {
            input.send(encode_stdin(&data)).map_err(abandon)?;
        }

        Ok(PtyChild {
            pid,
            master: Mutex::new(master),
            input,
            shared,
            finished: Some(finished_rx),
        })
    }

    /// The child's pid, which is also its process group (and session) id.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Milliseconds from spawn to the latest output byte; 0 while there was none.
    pub fn last_output_ms(&self) -> u64 {
        self.shared.last_output_ms.load(Ordering::Relaxed)
    }

    pub fn bytes_out(&self) -> u64 {
        self.shared.bytes_out.load(Ordering::Relaxed)
    }

    /// Why the log file stopped receiving output early (a failed write), if it did.
    pub fn log_error(&self) -> Option<String> {
        lock(&self.shared.log_error).clone()
    }

    /// Tells the terminal (and, through SIGWINCH, the child) its new size.
    pub fn resize(&self, rows: u16, cols: u16) -> Result<(), PtyError> {
        lock(&self.master)
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(pty_error)
    }

    /// Queues bytes for the child's terminal without blocking. When the child has stopped
    /// reading and the queue is full this fails with [`PtyError::InputBacklog`].
    pub fn write(&self, bytes: Vec<u8>) -> Result<(), PtyError> {
        self.input.send(bytes)
    }

    /// Resolves once the child has exited and its output is in the log file (or 2 s passed
    /// after the exit while a leftover background process still held the terminal open).
    pub async fn wait(&mut self) -> ExitInfo {
        if let Some(finished) = &mut self.finished {
            // An error means the waiter thread is gone; the shared slot says what is known.
            finished
                .await
                .or_log("the waiter thread is gone; the shared slot says what is known");
            self.finished = None;
        }
        self.try_exit().unwrap_or(ExitInfo::UNKNOWN)
    }

    /// The same completion as [`PtyChild::wait`] as a future that borrows nothing, so a caller
    /// can keep reading the child's progress (the no-progress breaker does) while waiting.
    /// Afterwards `wait` resolves at once.
    pub fn finished(&mut self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let finished = self.finished.take();
        async move {
            if let Some(rx) = finished {
                rx.await
                    .or_log("the waiter thread is gone; the shared slot says what is known");
            }
        }
    }

    /// `Some` exactly when [`PtyChild::wait`] would resolve at once.
    pub fn try_exit(&self) -> Option<ExitInfo> {
        *lock(&self.shared.exit)
    }
}

/// A child nobody holds a handle to can no longer be stopped or aborted, so dropping the
/// handle (an unwinding panic, a cancelled loop) kills what is left of its group. End it
/// gracefully with [`terminate_group`](super::signal::terminate_group) first.
impl Drop for PtyChild {
    fn drop(&mut self) {
        if group_alive(self.pid) {
            kill_group(self.pid).or_log("the group ended before the child was dropped");
        }
    }
}

impl std::fmt::Debug for PtyChild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtyChild")
            .field("pid", &self.pid)
            .field("bytes_out", &self.bytes_out())
            .field("exit", &self.try_exit())
            .finish_non_exhaustive()
    }
}

type PtyProcess = Box<dyn portable_pty::Child + Send + Sync>;

/// Opens a pseudo-terminal and starts the child in it as a session leader.
fn start_in_pty(
    spec: &PtySpec,
    program: &str,
) -> Result<(Box<dyn MasterPty + Send>, PtyProcess), PtyError> {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: spec.rows,
            cols: spec.cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(pty_error)?;
    let mut cmd = CommandBuilder::from_argv(spec.argv.iter().map(OsString::from).collect());
    cmd.env_clear();
    for (key, value) in &spec.env {
        cmd.env(key, value);
    }
    cmd.cwd(&spec.cwd);
    let child = pair
        .slave
        .spawn_command(cmd)
        .map_err(|err| PtyError::Spawn {
            program: program.to_owned(),
            message: format!("{err:#}"),
        })?;
    // Our copy of the slave would keep the terminal open after the child and its
    // descendants exit, and the reader would never see the end of output.
    drop(pair.slave);
    Ok((pair.master, child))
}

fn spawn_reader(
    mut reader: Box<dyn Read + Send>,
    mut log: LogFile,
    mut on_output: OnOutput,
    shared: Arc<Shared>,
    drained: mpsc::Sender<()>,
) -> Result<(), PtyError> {
    let body = move || {
        let mut buf = vec![0; READ_CHUNK];
        let mut log_failed = false;
        loop {
            // portable-pty turns Linux's EIO at the end of output into a 0-byte read.
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let chunk = &buf[..n];
            log.append(chunk);
            if !log_failed {
                if let Some(err) = log.error() {
                    *lock(&shared.log_error) = Some(err.to_owned());
                    log_failed = true;
                }
            }
            shared.note_output(n);
            on_output(chunk);
        }
        drop(drained);
    };
    thread::Builder::new()
        .name("andon-pty-reader".into())
        .spawn(body)
        .map(drop)
        .map_err(|source| PtyError::Io {
            context: "cannot start the PTY reader thread",
            source,
        })
}

fn spawn_waiter(
    child: PtyProcess,
    drained: mpsc::Receiver<()>,
    shared: Arc<Shared>,
    finished: oneshot::Sender<()>,
) -> Result<(), PtyError> {
    let body = move || {
        let info = wait_child(child);
        // The reader drops its sender at the end of output, which ends this wait early.
        drained.recv_timeout(DRAIN_AFTER_EXIT).or_log(
            "the reader ended its output early, or the wait timed out: either ends the drain",
        );
        *lock(&shared.exit) = Some(info);
        if finished.send(()).is_err() {
            tracing::debug!("nobody waits for this child's end any more");
        }
    };
    thread::Builder::new()
        .name("andon-pty-waiter".into())
        .spawn(body)
        .map(drop)
        .map_err(|source| PtyError::Io {
            context: "cannot start the PTY waiter thread",
            source,
        })
}

/// portable-pty's own exit status keeps only a signal's name; the std child underneath
/// keeps its number.
fn wait_child(child: PtyProcess) -> ExitInfo {
    let child: Box<dyn portable_pty::Child> = child;
    match child.downcast::<std::process::Child>() {
        Ok(mut child) => child.wait().map_or(ExitInfo::UNKNOWN, ExitInfo::from),
        Err(mut other) => other.wait().map_or(ExitInfo::UNKNOWN, |status| ExitInfo {
            code: i32::try_from(status.exit_code()).ok(),
            signal: None,
        }),
    }
}

impl Shared {
    fn note_output(&self, n: usize) {
        self.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        // 0 means "no output yet", so output in the very first millisecond counts as 1.
        self.last_output_ms.store(ms.max(1), Ordering::Relaxed);
    }
}

/// Finds the program the way portable-pty will (PATH from the child's environment,
/// relative entries against its cwd), to report a missing agent clearly.
fn check_program(program: &str, env: &[(String, String)], cwd: &Path) -> Result<(), PtyError> {
    let candidates: Vec<PathBuf> = if program.contains('/') {
        vec![cwd.join(program)]
    } else {
        let path = env.iter().rev().find(|(key, _)| key == "PATH");
        path.map(|(_, dirs)| {
            std::env::split_paths(dirs)
                .map(|dir| cwd.join(dir).join(program))
                .collect()
        })
        .unwrap_or_default()
    };
    let mut found_unexecutable = false;
    for candidate in candidates.iter().filter(|c| c.is_file()) {
        if rustix::fs::access(candidate, rustix::fs::Access::EXEC_OK).is_ok() {
            return Ok(());
        }
        found_unexecutable = true;
    }
    let program = program.to_owned();
    Err(if found_unexecutable {
        PtyError::NotExecutable { program }
    } else {
        PtyError::NotFound { program }
    })
}

fn pty_error(err: impl std::fmt::Display) -> PtyError {
    PtyError::Pty(format!("{err:#}"))
}

/// A panic on another thread must not take the child's bookkeeping down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;

//! The Andon call, delivered: a task that watches the line's changes and runs the user's
//! `[notify] command` sink for each call `andon_core::notify` decides on — off the engine's
//! path (a sink that hangs or fails is ended after its timeout and logged, never felt by a
//! loop), at most one per loop per minute with the rest summed up after. Headless and the
//! board both run it; the board also gets each call for its terminal sink (`[notify]
//! terminal`), which it writes to the terminal it owns.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinSet;

use crate::config::NotifyConfig;
use crate::engine::input_error::InputError;
use crate::engine::supervisor::shared::{LoopView, Shared, Update};
use crate::or_log::OrLog;
use andon_core::notify::{calls, Call, Limiter, Notice, Seen};

/// A notify command whose program cannot be found is bad input at start-up, not a silent
/// miss at the first red.
pub fn check(config: &NotifyConfig, repo_root: &Path) -> Result<(), InputError> {
    let Some((argv, file, line)) = &config.command else {
        return Ok(());
    };
    let program = argv.first().map(String::as_str).unwrap_or_default();
    if crate::engine::iteration::env::find_program(program, repo_root).is_some() {
        return Ok(());
    }
    Err(InputError::new(
        Some((file.clone(), Some(*line))),
        format!("[notify] command: `{program}` is not installed (not on PATH)"),
        "install it, or give its full path; `andon notify test` sends a sample",
    ))
}

/// A loop's picture as a call sees it.
pub fn seen(view: &LoopView) -> Seen {
    Seen::of(&view.state)
}

/// Why the loop stands where it is, in one line.
pub fn reason(view: &LoopView) -> String {
    view.state
        .stop
        .as_ref()
        .map(|s| s.reason.clone())
        .unwrap_or_default()
}

/// The repository's name, as notifications call it.
pub fn repo_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Decides the calls as the line changes: one per transition, rate-limited per loop.
pub struct Caller {
    on: Vec<Call>,
    repo: String,
    seen: HashMap<String, Seen>,
    line_stopped: bool,
    limiter: Limiter,
}

impl Caller {
    pub fn new(on: Vec<Call>, repo: String) -> Caller {
        Caller {
            on,
            repo,
            seen: HashMap::new(),
            line_stopped: false,
            limiter: Limiter::default(),
        }
    }

    /// `name` stands as `seen` already (a loop restored from the store): only a change from
    /// there calls, so a supervisor that starts again does not call for what was called.
    pub fn seed(&mut self, name: &str, seen: Seen) {
        self.seen.insert(name.to_string(), seen);
    }

    /// The notices `view`'s change (and the line's) makes now.
    pub fn on_change(&mut self, view: &LoopView, line_stopped: bool, now_ms: i64) -> Vec<Notice> {
        let mut out = Vec::new();
        if line_stopped && !self.line_stopped && self.on.contains(&Call::LineStopped) {
            let n = Notice::of_line(&self.repo, "LINE STOPPED", "a human stopped the whole line");
            out.extend(self.limiter.offer(n, now_ms));
        }
        self.line_stopped = line_stopped;
        let now = seen(view);
        let made = calls(self.seen.get(&view.name), &now, &self.on);
        if !made.is_empty() {
            let n = Notice::of_loop(&self.repo, &view.name, &now, &reason(view));
            out.extend(self.limiter.offer(n, now_ms));
        }
        self.seen.insert(view.name.clone(), now);
        out
    }

    /// Summaries whose quiet minute is over.
    pub fn due(&mut self, now_ms: i64) -> Vec<Notice> {
        self.limiter.due(now_ms)
    }

    pub fn next_due(&self) -> Option<i64> {
        self.limiter.next_due()
    }
}

/// Where the board's terminal sink hears the calls.
pub type TerminalCalls = tokio::sync::mpsc::UnboundedSender<Notice>;

/// The running sinks; [`Notifier::finish`] delivers what is pending and waits for the command
/// sinks still running (up to their timeout), so a headless run's last call is not lost.
pub struct Notifier {
    done: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// The sinks one notifier feeds.
struct Sinks {
    command: Option<Vec<String>>,
    terminal: Option<TerminalCalls>,
    timeout: Duration,
}

impl Sinks {
    fn deliver(&self, notices: Vec<Notice>, running: &mut JoinSet<Result<(), String>>) {
        for n in notices {
            if let Some(tx) = &self.terminal {
                tx.send(n.clone())
                    .or_log("the board ended before its last call");
            }
            if let Some(argv) = &self.command {
                running.spawn(send(argv.clone(), n, self.timeout));
            }
        }
    }
}

impl Notifier {
    /// Starts calling for the line's changes, when a sink is configured: the command, or the
    /// terminal sink when `terminal` (the board) can write one.
    pub fn start(shared: &Arc<Shared>, terminal: Option<TerminalCalls>) -> Option<Notifier> {
        let config = &shared.config().notify;
        let sinks = Sinks {
            command: config.command.as_ref().map(|(argv, _, _)| argv.clone()),
            terminal: terminal.filter(|_| config.terminal),
            timeout: config.timeout,
        };
        if sinks.command.is_none() && sinks.terminal.is_none() {
            return None;
        }
        let (done, finished) = tokio::sync::oneshot::channel();
        let updates = shared.updates().subscribe();
        let caller = restored_caller(shared);
        let task = tokio::spawn(run(Arc::clone(shared), caller, sinks, updates, finished));
        Some(Notifier { done, task })
    }

    pub async fn finish(self) {
        let _gone = self.done.send(());
        self.task
            .await
            .or_log("the notifier ended before it was finished");
    }
}

/// A caller that has seen every loop of the store as it was left.
fn restored_caller(shared: &Shared) -> Caller {
    let on = shared.config().notify.on.clone();
    let mut caller = Caller::new(on, repo_name(shared.repo_root()));
    let rows = shared
        .store()
        .loops()
        .or_log("loops restored from the store may call again")
        .unwrap_or_default();
    for row in rows {
        if let Ok(p) = serde_json::from_str::<crate::engine::spec::Persisted>(&row.state_json) {
            caller.seed(&row.name, Seen::of(&p.state));
        }
    }
    caller
}

async fn run(
    shared: Arc<Shared>,
    mut caller: Caller,
    sinks: Sinks,
    mut updates: broadcast::Receiver<Update>,
    mut finished: tokio::sync::oneshot::Receiver<()>,
) {
    let mut running = JoinSet::new();
    loop {
        let wait = caller.next_due().map(|due| {
            let ms = due.saturating_sub(shared.clock().now_ms()).max(0);
            Duration::from_millis(u64::try_from(ms).unwrap_or(0))
        });
        let notices = tokio::select! {
            update = updates.recv() => match update {
                Ok(u) => caller.on_change(&u.view, shared.is_line_stopped(), shared.clock().now_ms()),
                // Changes were missed: the line as it stands now is compared with what was
                // seen, so a transition is still called (once).
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let (stopped, now) = (shared.is_line_stopped(), shared.clock().now_ms());
                    shared
                        .board()
                        .iter()
                        .flat_map(|view| caller.on_change(view, stopped, now))
                        .collect()
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            () = tokio::time::sleep(wait.unwrap_or(Duration::MAX)), if wait.is_some() => {
                caller.due(shared.clock().now_ms())
            }
            Some(_) = running.join_next(), if !running.is_empty() => Vec::new(),
            _ = &mut finished => {
                // What the line said before it finished is still called.
                let mut last = Vec::new();
                while let Ok(u) = updates.try_recv() {
                    last.extend(caller.on_change(&u.view, shared.is_line_stopped(), shared.clock().now_ms()));
                }
                // Summaries held for a quiet minute go now: the run is over.
                last.extend(caller.due(i64::MAX));
                sinks.deliver(last, &mut running);
                break;
            }
        };
        sinks.deliver(notices, &mut running);
    }
    while running.join_next().await.is_some() {}
}

/// Runs the sink once for `n`: its placeholders filled, its environment `ANDON_<NAME>`;
/// ended after `timeout`. Failures are logged, never raised.
pub async fn send(argv: Vec<String>, n: Notice, timeout: Duration) -> Result<(), String> {
    let result = run_sink(&argv, &n, timeout).await;
    if let Err(e) = &result {
        tracing::warn!(loop_name = %n.loop_name, "the notify command failed: {e}");
    }
    result
}

async fn run_sink(argv: &[String], n: &Notice, timeout: Duration) -> Result<(), String> {
    let values = n.values();
    let filled = andon_core::template::expand_with(argv, &values).map_err(|e| e.to_string())?;
    let (program, args) = filled.split_first().ok_or("the notify command is empty")?;
    let mut cmd = tokio::process::Command::new(program);
    // Its own process group: a sink past its time is ended with everything it started (a
    // `sh -c` sink's curl, too).
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    for (name, value) in values {
        cmd.env(format!("ANDON_{}", name.to_ascii_uppercase()), value);
    }
    let mut child = cmd.spawn().map_err(|e| format!("`{program}`: {e}"))?;
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("`{program}` exited with {status}")),
        Ok(Err(e)) => Err(format!("`{program}`: {e}")),
        Err(_) => {
            if let Some(pgid) = child.id().and_then(|id| i32::try_from(id).ok()) {
                crate::pty::signal::kill_group(pgid)
                    .or_log("a sink's group that ended just as its time ran out");
            }
            child
                .kill()
                .await
                .or_log("a sink that ended just as its time ran out");
            Err(format!("`{program}` ran past {timeout:?} and was ended"))
        }
    }
}

//! Running a plan's checks (or goal checks) in the worktree (DESIGN §2 step 4): in order, each
//! with its timeout, its output saved to its own log and shown in the pane, judged by exit code.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a running check's timeout is looked at.
const TICK: Duration = Duration::from_millis(250);

use crate::core::offline::offline_note;
use crate::core::sandbox_denial::DenialLines;
use crate::core::state::Mode;
use crate::core::verdict::CheckOutcome;
use crate::engine::env::{child_env, overlay, AndonVars};
use crate::engine::pane_text;
use crate::engine::sandbox::LoopSandbox;
use crate::engine::shared::Shared;
use crate::engine::spec::{now_ms, LoopSpec};
use crate::engine::step_error::StepError;
use crate::pty::command::{run_command, CommandSpec};
use crate::pty::signal::{stop_group, terminate_group};
use crate::store::CheckRunRow;

/// One command to run: a plan check or a goal check.
#[derive(Debug, Clone)]
pub struct CheckJob {
    pub name: String,
    pub run: String,
    pub timeout: Duration,
    /// Whether it keeps the network inside the sandbox.
    pub network: bool,
}

/// What a batch of checks produced.
pub struct CheckResults {
    pub outcomes: Vec<CheckOutcome>,
    pub rows: Vec<CheckRunRow>,
    /// Writes the sandbox refused during the checks that failed.
    pub refused_writes: Vec<String>,
    /// A file andon was to write for a check was not its own (a planted link): the batch
    /// stopped there, and the line stops as tampering.
    pub tampered: Option<String>,
}

pub struct CheckBatch<'a> {
    pub shared: &'a Shared,
    pub spec: &'a LoopSpec,
    pub iteration: u32,
    /// "check" or "goal".
    pub kind: &'static str,
    pub jobs: Vec<CheckJob>,
    pub pgid: Arc<AtomicI32>,
    pub frozen: Arc<AtomicBool>,
}

impl CheckBatch<'_> {
    pub async fn run(self) -> CheckResults {
        let s = self.shared;
        let spec = self.spec;
        let worktree = spec.worktree.to_string_lossy().to_string();
        let prompt = s
            .dirs()
            .prompt(&spec.name, self.iteration)
            .to_string_lossy()
            .to_string();
        let fix_plan = s
            .dirs()
            .fix_plan(&spec.name, self.iteration)
            .to_string_lossy()
            .to_string();
        let sandbox = LoopSandbox::for_loop(s, spec);
        let env = child_env(
            &s.config().env,
            None,
            &AndonVars {
                loop_name: &spec.name,
                iteration: self.iteration,
                prompt_file: &prompt,
                worktree: &worktree,
                mode: Mode::Code,
                base: &spec.base,
                fix_plan: &fix_plan,
                supervisor_token: s.token(),
                socket: None,
            },
            std::env::vars(),
        );
        let env = overlay(
            env,
            sandbox.as_ref().map(LoopSandbox::env).unwrap_or_default(),
        );
        let mut outcomes = Vec::new();
        let mut rows = Vec::new();
        let mut refused_writes: Vec<String> = Vec::new();
        let mut tampered = None;
        for (seq, job) in self.jobs.iter().enumerate() {
            let log_path = s
                .dirs()
                .check_log(&spec.name, self.iteration, self.kind, &job.name);
            self.show(pane_text::check_header(&job.run, self.kind, &job.name).as_bytes());
            let output = spec.side_output(s.output());
            let loop_name = spec.name.clone();
            let pgid = Arc::clone(&self.pgid);
            let frozen = Arc::clone(&self.frozen);
            let started = now_ms();
            let denials = Arc::new(Mutex::new(DenialLines::new()));
            let sink_denials = Arc::clone(&denials);
            // Whether the check's output so far ends a line: the verdict goes on a line of its own.
            let at_line_start = Arc::new(AtomicBool::new(true));
            let sink_line_start = Arc::clone(&at_line_start);
            let watch_denials = sandbox.is_some();
            let wrapper = sandbox
                .as_ref()
                .map(|sandbox| sandbox.wrap_check(&[], job.network))
                .unwrap_or_default();
            let command = run_command(
                CommandSpec {
                    shell_command: job.run.clone(),
                    cwd: spec.worktree.clone(),
                    env: env.clone(),
                    log_path: log_path.clone(),
                    // The check's own timeout is enforced below, paused while a human has the
                    // line stopped; this one only guards against a lost group.
                    timeout: job.timeout.saturating_mul(4).max(Duration::from_secs(3600)),
                    wrapper,
                },
                move |bytes: &[u8]| {
                    if watch_denials {
                        if let Ok(mut d) = sink_denials.lock() {
                            d.push(bytes);
                        }
                    }
                    if let Some(last) = bytes.last() {
                        sink_line_start.store(*last == b'\n', Ordering::Relaxed);
                    }
                    if let Some(out) = &output {
                        // A check has no terminal: its bare line feeds are made what a TTY
                        // would show, while its log keeps the bytes it wrote.
                        out(&loop_name, &pane_text::as_terminal_output(bytes));
                    }
                },
                {
                    let reaper_shared = s;
                    move |id: i32| {
                        reaper_shared.reaper_register(id);
                        pgid.store(id, Ordering::SeqCst);
                        // A human stopped the line between two checks: freeze this one too.
                        if frozen.load(Ordering::SeqCst) {
                            let _ = stop_group(id);
                        }
                    }
                },
            );
            let (result, timed_out) = self.enforce_timeout(command, job.timeout).await;
            let id = self.pgid.swap(0, Ordering::SeqCst);
            if id > 0 {
                s.reaper_unregister(id);
            }
            let mut outcome = match result {
                Ok(o) => CheckOutcome {
                    name: job.name.clone(),
                    command: job.run.clone(),
                    exit_code: if timed_out { None } else { o.exit_code },
                    timed_out: o.timed_out || timed_out,
                    output_tail: o.tail,
                },
                Err(e) => {
                    if let StepError::Tampered(what) = StepError::pty(&e) {
                        tampered = Some(what);
                        break;
                    }
                    CheckOutcome {
                        name: job.name.clone(),
                        command: job.run.clone(),
                        exit_code: Some(127),
                        timed_out: false,
                        output_tail: e.to_string(),
                    }
                }
            };
            let offline = sandbox.as_ref().is_some_and(|b| b.offline_checks()) && !job.network;
            if offline && !outcome.passed() {
                let plan = spec.plan.path.to_string_lossy();
                if let Some(note) = offline_note(&outcome.output_tail, &job.name, &plan) {
                    self.show(format!("\r\n{note}\r\n").as_bytes());
                    outcome.output_tail = format!("{}\n{note}\n", outcome.output_tail.trim_end());
                }
            }
            if let (Some(sandbox), false) = (&sandbox, outcome.passed()) {
                let lines = denials.lock().map(|d| d.lines()).unwrap_or_default();
                for path in sandbox.refused_writes(&lines) {
                    if !refused_writes.contains(&path) {
                        refused_writes.push(path);
                    }
                }
            }
            self.show(
                pane_text::check_verdict(
                    self.kind,
                    &job.name,
                    outcome.passed(),
                    at_line_start.load(Ordering::Relaxed),
                )
                .as_bytes(),
            );
            rows.push(CheckRunRow {
                loop_name: spec.name.clone(),
                iteration: self.iteration,
                seq: seq as u32,
                name: job.name.clone(),
                command: job.run.clone(),
                kind: self.kind.to_string(),
                exit_code: outcome.exit_code,
                passed: outcome.passed(),
                timed_out: outcome.timed_out,
                duration_ms: now_ms() - started,
                log_path: log_path.to_string_lossy().to_string(),
            });
            outcomes.push(outcome);
        }
        CheckResults {
            outcomes,
            rows,
            refused_writes,
            tampered,
        }
    }

    /// Wait for a check, ending its group when it has run `timeout` — counting only time the
    /// line was not stopped by a human.
    async fn enforce_timeout<F, T>(&self, command: F, timeout: Duration) -> (T, bool)
    where
        F: std::future::Future<Output = T>,
    {
        tokio::pin!(command);
        let mut busy = Duration::ZERO;
        let mut last = Instant::now();
        let mut timed_out = false;
        loop {
            tokio::select! {
                result = &mut command => return (result, timed_out),
                _ = tokio::time::sleep(TICK), if !timed_out => {
                    let now = Instant::now();
                    if !self.frozen.load(Ordering::SeqCst) {
                        busy += now - last;
                    }
                    last = now;
                    if busy >= timeout {
                        timed_out = true;
                        let id = self.pgid.load(Ordering::SeqCst);
                        if id > 0 {
                            let _ = terminate_group(id, Duration::from_secs(2)).await;
                        }
                    }
                }
            }
        }
    }

    fn show(&self, bytes: &[u8]) {
        if let Some(out) = &self.spec.side_output(self.shared.output()) {
            out(&self.spec.name, bytes);
        }
    }
}

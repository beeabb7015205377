//! Running a plan's checks (or goal checks) in the worktree (DESIGN §2 step 4): in order, each
//! with its timeout, its output saved to its own log and shown in the pane, judged by exit code.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a running check's timeout is looked at.
const TICK: Duration = Duration::from_millis(250);

use crate::engine::iteration::budget;
use crate::engine::iteration::env::{child_env, overlay, AndonVars};
use crate::engine::iteration::pane_text;
use crate::engine::loop_task::step_error::StepError;
use crate::engine::sandbox::LoopSandbox;
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::{OutputHook, Shared};
use crate::or_log::OrLog;
use crate::pty::command::{run_command, CommandSpec};
use crate::pty::signal::{stop_group, terminate_group};
use crate::store::CheckRunRow;
use andon_core::failure::offline::offline_note;
use andon_core::failure::sandbox_denial::DenialLines;
use andon_core::failure::verdict::CheckOutcome;
use andon_core::state::Mode;

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

/// What one check of a batch left: its outcome and row, and the writes the sandbox refused
/// it; `Err` when a file andon was to write for it was planted (tampering).
type OneCheck = Result<(CheckOutcome, CheckRunRow, Vec<String>), String>;

impl CheckBatch<'_> {
    pub async fn run(self) -> CheckResults {
        let sandbox = LoopSandbox::for_loop(self.shared, self.spec);
        let env = self.env(sandbox.as_ref());
        let mut results = CheckResults {
            outcomes: Vec::new(),
            rows: Vec::new(),
            refused_writes: Vec::new(),
            tampered: None,
        };
        for (seq, job) in self.jobs.iter().enumerate() {
            match self.run_one(seq, job, &env, sandbox.as_ref()).await {
                Ok((outcome, row, refused)) => {
                    for path in refused {
                        if !results.refused_writes.contains(&path) {
                            results.refused_writes.push(path);
                        }
                    }
                    results.rows.push(row);
                    results.outcomes.push(outcome);
                }
                Err(what) => {
                    results.tampered = Some(what);
                    break;
                }
            }
        }
        results
    }

    /// The checks' environment: filtered, with andon's variables and the sandbox's own.
    fn env(&self, sandbox: Option<&LoopSandbox>) -> Vec<(String, String)> {
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
        overlay(env, sandbox.map(LoopSandbox::env).unwrap_or_default())
    }

    /// One check: run in its own session with the pane showing its output as a terminal
    /// would, timed (time a human kept the line stopped does not count), judged, and said.
    async fn run_one(
        &self,
        seq: usize,
        job: &CheckJob,
        env: &[(String, String)],
        sandbox: Option<&LoopSandbox>,
    ) -> OneCheck {
        let s = self.shared;
        let spec = self.spec;
        let log_path = s
            .dirs()
            .check_log(&spec.name, self.iteration, self.kind, &job.name);
        self.show(pane_text::check_header(&job.run, self.kind, &job.name).as_bytes());
        let started = s.clock().now_ms();
        let watch = Watch::new(sandbox.is_some());
        let wrapper = sandbox
            .map(|sandbox| sandbox.wrap_check(&[], job.network))
            .unwrap_or_default();
        let command = run_command(
            CommandSpec {
                shell_command: job.run.clone(),
                cwd: spec.worktree.clone(),
                env: env.to_vec(),
                log_path: log_path.clone(),
                // The check's own timeout is enforced below, paused while a human has the
                // line stopped; this one only guards against a lost group.
                timeout: job.timeout.saturating_mul(4).max(Duration::from_secs(3600)),
                wrapper,
            },
            watch.sink(spec.name.clone(), spec.side_output(s.output())),
            self.adopt(),
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
                    return Err(what);
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
        let offline = sandbox.is_some_and(LoopSandbox::offline_checks) && !job.network;
        if offline && !outcome.passed() {
            let plan = spec.plan.path.to_string_lossy();
            if let Some(note) = offline_note(&outcome.output_tail, &job.name, &plan) {
                self.show(format!("\r\n{note}\r\n").as_bytes());
                outcome.output_tail = format!("{}\n{note}\n", outcome.output_tail.trim_end());
            }
        }
        let refused = match (sandbox, outcome.passed()) {
            (Some(sandbox), false) => sandbox.refused_writes(&watch.denial_lines()),
            _ => Vec::new(),
        };
        self.show(
            pane_text::check_verdict(
                self.kind,
                &job.name,
                outcome.passed(),
                watch.at_line_start(),
            )
            .as_bytes(),
        );
        let row = CheckRunRow {
            loop_name: spec.name.clone(),
            iteration: self.iteration,
            seq: seq as u32,
            name: job.name.clone(),
            command: job.run.clone(),
            kind: self.kind.to_string(),
            exit_code: outcome.exit_code,
            passed: outcome.passed(),
            timed_out: outcome.timed_out,
            duration_ms: s.clock().now_ms() - started,
            log_path: log_path.to_string_lossy().to_string(),
        };
        Ok((outcome, row, refused))
    }

    /// What to do with a check's process group once it exists: the reaper knows it, stop
    /// and abort can signal it, and a line stopped meanwhile freezes it at once.
    fn adopt(&self) -> impl FnOnce(i32) + Send + '_ {
        let (s, pgid, frozen) = (
            self.shared,
            Arc::clone(&self.pgid),
            Arc::clone(&self.frozen),
        );
        move |id: i32| {
            s.reaper_register(id);
            pgid.store(id, Ordering::SeqCst);
            // A human stopped the line between two checks: freeze this one too.
            if frozen.load(Ordering::SeqCst) {
                if let Err(e) = stop_group(id) {
                    tracing::warn!("a check could not be frozen: {e}");
                }
            }
        }
    }

    /// Wait for a check, ending its group when it has run `timeout` — counting only time the
    /// line was not stopped by a human.
    async fn enforce_timeout<F, T>(&self, command: F, timeout: Duration) -> (T, bool)
    where
        F: std::future::Future<Output = T>,
    {
        let end = async {
            let id = self.pgid.load(Ordering::SeqCst);
            if id > 0 {
                terminate_group(id, Duration::from_secs(2))
                    .await
                    .or_log("the check's group ended as its timeout fired");
            }
        };
        budget::within(command, timeout, &self.frozen, TICK, end).await
    }

    fn show(&self, bytes: &[u8]) {
        if let Some(out) = &self.spec.side_output(self.shared.output()) {
            out(&self.spec.name, bytes);
        }
    }
}

/// What a check's output is watched for as it streams: the sandbox's refusals, and whether
/// the output so far ends a line (the verdict goes on a line of its own).
struct Watch {
    denials: Option<Arc<Mutex<DenialLines>>>,
    at_line_start: Arc<AtomicBool>,
}

impl Watch {
    fn new(denials: bool) -> Watch {
        Watch {
            denials: denials.then(|| Arc::new(Mutex::new(DenialLines::new()))),
            at_line_start: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The output callback: watched, and sent to the pane as a terminal would show it.
    fn sink(&self, loop_name: String, output: Option<OutputHook>) -> impl FnMut(&[u8]) + Send {
        let (denials, at_line_start) = (self.denials.clone(), Arc::clone(&self.at_line_start));
        move |bytes: &[u8]| {
            if let Some(Ok(mut d)) = denials.as_ref().map(|d| d.lock()) {
                d.push(bytes);
            }
            if let Some(last) = bytes.last() {
                at_line_start.store(*last == b'\n', Ordering::Relaxed);
            }
            if let Some(out) = &output {
                // A check has no terminal: its bare line feeds are made what a TTY would
                // show, while its log keeps the bytes it wrote.
                out(&loop_name, &pane_text::as_terminal_output(bytes));
            }
        }
    }

    fn denial_lines(&self) -> Vec<String> {
        match &self.denials {
            Some(d) => d.lock().map(|d| d.lines()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    fn at_line_start(&self) -> bool {
        self.at_line_start.load(Ordering::Relaxed)
    }
}

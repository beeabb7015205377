//! One iteration of an interactive agent (DESIGN §2, last paragraph): the agent's TUI keeps
//! running in the loop's PTY; andon pastes the brief (or, to a session that has it, the
//! follow-up with the feedback), then waits for the turn to end — `andon signal done` from
//! the agent's hook, or the turn watcher's idle verdict — and hands the worktree to the same
//! guards and judgement as a one-shot run. The session outlives the iteration.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::iteration::agent::{AgentRun, RunEnd, KILL_GRACE};
use crate::engine::iteration::session::Session;
use crate::engine::iteration::turn_hook;
use crate::engine::loop_task::step_error::StepError;
use crate::engine::sandbox::LoopSandbox;
use crate::or_log::OrLog;
use crate::pty::signal::{stop_group, terminate_group};
use crate::pty::spawn::ExitInfo;
use andon_core::agent::states::{recognise, AgentCondition};
use andon_core::agent::turn::{looks_idle, ready, Observation, TurnWatch, Verdict, READY_TIMEOUT};
use andon_core::condition::Condition;
use andon_core::event::AgentReport;

/// How often the turn watcher looks at the screen.
const LOOK: Duration = Duration::from_millis(250);
/// Quiet that confirms a signal when the screen still shows the busy marker: a working
/// agent's status line updates every second.
const SIGNAL_QUIET_MS: u64 = 1_500;
/// Lines at the bottom of the screen a condition (a permission prompt, a limit) is read from.
const SCREEN_LINES: usize = 10;

/// How the wait for the end of a turn came out.
enum TurnEnded {
    Signalled,
    Idle,
    Exited,
    NoProgress,
    TimedOut,
}

impl AgentRun<'_> {
    pub(crate) async fn run_interactive(self) -> Result<AgentReport, StepError> {
        let sandbox = LoopSandbox::for_loop(self.shared, self.spec);
        let (session, _fresh) = self.session(sandbox.as_ref())?;
        let result = self.turn(&session, sandbox.as_ref()).await;
        session.write_back_login();
        if result.is_err() {
            // A turn that could not even be given leaves nothing half-set: no pgid a later
            // stop could signal, no stale badge, no session in an unknown state.
            self.pgid.store(0, Ordering::SeqCst);
            session.end_iteration_log();
            self.publish_condition(None);
            self.end_session(&session).await;
        }
        result
    }

    async fn turn(
        &self,
        session: &Arc<Session>,
        sandbox: Option<&LoopSandbox>,
    ) -> Result<AgentReport, StepError> {
        let s = self.shared;
        let spec = self.spec;
        self.pgid.store(session.pid(), Ordering::SeqCst);
        if self.frozen.load(Ordering::SeqCst) {
            stop_group(session.pid()).or_log("the session ended before it could be frozen");
        }
        let log = s.dirs().agent_log(&spec.name, self.iteration);
        let log_start = self.log_len();
        session
            .begin_iteration_log(&log)
            .map_err(|e| StepError::io(&e))?;
        // Before every paste, not only the first: a dialog may be up, or the agent may still
        // be answering what a human typed into it during the checks.
        self.wait_ready(session).await?;
        let signals = session.signals();
        let (text, path) = if session.briefed() {
            let path = s.dirs().follow_up(&spec.name, self.iteration);
            let text = crate::own_file::read_to_string(&path).map_err(|e| StepError::io(&e))?;
            (text, path)
        } else {
            (self.prompt.clone(), self.prompt_path.clone())
        };
        let one_line = format!("Read {} and do what it says.", path.display());
        session.submit(&text, &one_line).await?;
        let ended = self.wait_turn(session, signals).await;
        session.end_iteration_log();
        self.pgid.store(0, Ordering::SeqCst);
        self.publish_condition(None);
        let (no_progress, timed_out) = match ended {
            TurnEnded::NoProgress => (true, false),
            TurnEnded::TimedOut => (false, true),
            _ => (false, false),
        };
        // A TUI's raw bytes are cursor moves and redraws: its evidence, and what it says about
        // itself, is the screen it ends on.
        let output_tail = session.screen();
        let exit = match ended {
            TurnEnded::Signalled | TurnEnded::Idle => ExitInfo {
                code: Some(0),
                signal: None,
            },
            TurnEnded::Exited => session.child().try_exit().unwrap_or(ExitInfo::UNKNOWN),
            TurnEnded::NoProgress | TurnEnded::TimedOut => {
                self.end_session(session).await;
                ExitInfo::UNKNOWN
            }
        };
        if matches!(ended, TurnEnded::Exited) {
            self.end_session(session).await;
        }
        tracing::debug!(loop_name = %spec.name, iteration = self.iteration, how = ?ended_name(&ended), "interactive turn ended");
        let denial_lines = output_tail.lines().map(str::to_string).collect();
        self.conclude(
            RunEnd {
                exit,
                no_progress,
                timed_out,
                output_tail,
                denial_lines,
                log_start,
            },
            sandbox,
        )
        .await
    }

    /// The loop's live session, or a new one (true) with its turn hook installed.
    fn session(&self, sandbox: Option<&LoopSandbox>) -> Result<(Arc<Session>, bool), StepError> {
        let s = self.shared;
        let spec = self.spec;
        let mut slot = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(live) = slot.as_ref().filter(|live| live.alive()) {
            return Ok((Arc::clone(live), false));
        }
        turn_hook::install(s, spec)?;
        // A session takes its briefs pasted, never on standard input.
        let cmd = self.command(sandbox)?;
        let (rows, cols) = s.pane_size(&spec.name);
        if let Some(out) = &s.output() {
            let banner =
                crate::engine::iteration::pane_text::session_banner(&spec.name, &spec.profile.name);
            out(&spec.name, banner.as_bytes());
        }
        let (pty, state) = cmd.in_pane(spec, (rows, cols), s.dirs().session_log(&spec.name));
        let session = Session::start(s, &spec.name, pty).map_err(|e| e.to_string())?;
        session.keep_state(state);
        s.reaper_register(session.pid());
        s.ptys().insert(&spec.name, Arc::clone(session.child()));
        *slot = Some(Arc::clone(&session));
        Ok((session, true))
    }

    /// Until the new TUI shows it waits for input (or, past the timeout, paste anyway: a
    /// changed screen should cost a slower start, not a dead loop).
    async fn wait_ready(&self, session: &Session) -> Result<(), String> {
        let started = tokio::time::Instant::now();
        let mut waited_for_human = Duration::ZERO;
        loop {
            tokio::time::sleep(LOOK).await;
            if !session.alive() {
                return Err(format!(
                    "the agent exited before it was ready: {}",
                    session.tail_text().trim()
                ));
            }
            self.follow_pane_size(session);
            let screen = session.screen();
            let look = Observation {
                now_ms: session.now_ms(),
                last_output_ms: session.last_output_ms(),
                screen: &screen,
            };
            let condition = recognise(self.spec.profile.family(), &screen, SCREEN_LINES);
            let dialog = condition
                .as_ref()
                .is_some_and(|c| c.condition == AgentCondition::NeedsPermission);
            self.publish_condition(condition);
            if dialog {
                // A first-run dialog (trust this folder, use this key) waits for the human,
                // who attaches and answers it; pasting the brief into it would answer it.
                waited_for_human += LOOK;
                continue;
            }
            if ready(&self.spec.profile.turn, look, 0) {
                self.publish_condition(None);
                return Ok(());
            }
            if started.elapsed().saturating_sub(waited_for_human) >= READY_TIMEOUT {
                tracing::warn!(loop_name = %self.spec.name, "the agent's TUI never looked ready; pasting anyway");
                return Ok(());
            }
        }
    }

    async fn wait_turn(&self, session: &Session, signals: u64) -> TurnEnded {
        let spec = self.spec;
        let mut watch = TurnWatch::new(&spec.profile.turn, session.now_ms());
        let signalled = session.signalled_after(signals);
        tokio::pin!(signalled);
        // A signal ends the turn once the screen no longer says the agent works and the
        // agent has answered at all: Codex's notify also fires for side threads (a title),
        // which must not cut a turn short.
        let mut signal = false;
        let pasted = session.now_ms();
        let mut busy = Duration::ZERO;
        let mut last_tick = tokio::time::Instant::now();
        let mut quiet_since = tokio::time::Instant::now();
        let mut last_seen = (session.last_output_ms(), 0);
        let mut shown: Option<Condition> = None;
        loop {
            tokio::select! {
                _ = &mut signalled, if !signal => signal = true,
                _ = tokio::time::sleep(LOOK) => {}
            }
            if !session.alive() {
                return TurnEnded::Exited;
            }
            let now = tokio::time::Instant::now();
            let screen = session.screen();
            let condition = recognise(spec.profile.family(), &screen, SCREEN_LINES);
            if condition != shown {
                self.publish_condition(condition.clone());
                shown = condition;
            }
            // A dialog waits for a human: like a frozen line, it spends no time of the
            // breakers, and neither a signal nor quiet ends the turn.
            let dialog = shown
                .as_ref()
                .is_some_and(|c| c.condition == AgentCondition::NeedsPermission);
            let frozen = self.frozen.load(Ordering::SeqCst) || dialog;
            if !frozen {
                busy += now - last_tick;
            }
            last_tick = now;
            let seen = (
                session.last_output_ms(),
                self.activity
                    .as_ref()
                    .map(|w| w.last_change_ms())
                    .unwrap_or(0),
            );
            if seen != last_seen || frozen {
                last_seen = seen;
                quiet_since = now;
            }
            if now - quiet_since >= spec.no_progress {
                return TurnEnded::NoProgress;
            }
            if busy >= spec.iteration_timeout {
                return TurnEnded::TimedOut;
            }
            self.follow_pane_size(session);
            if frozen {
                continue;
            }
            let look = Observation {
                now_ms: session.now_ms(),
                last_output_ms: session.last_output_ms(),
                screen: &screen,
            };
            let verdict = watch.observe(look);
            let answered = watch.armed() || session.last_output_ms() > pasted;
            // The hook's word ends the turn once the screen is idle — or, should a stale busy
            // line linger, once the agent has been quiet a moment: working agents tick.
            let settled = looks_idle(&spec.profile.turn, &screen)
                || session.now_ms().saturating_sub(session.last_output_ms()) >= SIGNAL_QUIET_MS;
            if signal && answered && settled {
                return TurnEnded::Signalled;
            }
            if verdict == Verdict::Ended {
                return TurnEnded::Idle;
            }
        }
    }

    /// The board resized the pane: the session's own screen follows (the PTY already did).
    fn follow_pane_size(&self, session: &Session) {
        let (rows, cols) = self.shared.pane_size(&self.spec.name);
        session.resize_screen(rows, cols);
    }

    /// Show (or clear) what the agent's screen says about it: NEEDS HUMAN, WAITING.
    fn publish_condition(&self, condition: Option<Condition>) {
        let shown = condition.filter(|c| {
            matches!(
                c.condition,
                AgentCondition::NeedsPermission | AgentCondition::RateLimited
            )
        });
        self.shared.set_condition(&self.spec.name, shown);
    }

    /// End the session's process group and forget it.
    async fn end_session(&self, session: &Session) {
        let s = self.shared;
        if let Err(e) = terminate_group(session.pid(), KILL_GRACE).await {
            tracing::warn!(loop_name = %self.spec.name, "ending the agent's session: {e}");
        }
        session.write_back_login();
        s.reaper_unregister(session.pid());
        s.ptys().remove(&self.spec.name);
        let mut slot = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if slot
            .as_ref()
            .is_some_and(|live| live.pid() == session.pid())
        {
            *slot = None;
        }
    }
}

fn ended_name(ended: &TurnEnded) -> &'static str {
    match ended {
        TurnEnded::Signalled => "signal",
        TurnEnded::Idle => "idle",
        TurnEnded::Exited => "exit",
        TurnEnded::NoProgress => "no progress",
        TurnEnded::TimedOut => "timeout",
    }
}

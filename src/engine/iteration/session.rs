//! An interactive agent's session: its own TUI in the loop's PTY for as long as the loop
//! works, across iterations. The session keeps an emulator of its own beside the board's —
//! the screen the turn watcher and the state recogniser read, and, with no board, the one
//! that answers the TUI's terminal queries — and routes each iteration's output to that
//! iteration's `agent.log`.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::engine::iteration::tail::Tail;
use crate::engine::supervisor::shared::Shared;
use crate::or_log::OrLog;
use crate::pty::spawn::{PtyChild, PtySpec};
use crate::term::{encode_paste, Pane};

/// Scrollback of the session's own emulator: it only ever reads the live screen.
const SCREEN_SCROLLBACK: usize = 0;
/// Between a paste and the Enter that submits it: TUIs that debounce a paste take it as one.
const SUBMIT_DELAY: Duration = Duration::from_millis(150);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the PTY reader thread writes into; shared with the session.
struct Sink {
    screen: Mutex<Pane>,
    iteration_log: Mutex<Option<File>>,
    tail: Mutex<Tail>,
}

pub struct Session {
    child: Arc<PtyChild>,
    sink: Arc<Sink>,
    /// Counts `andon signal done`s.
    done: watch::Sender<u64>,
    /// At least one prompt was pasted: later iterations get the follow-up, not the brief.
    briefed: AtomicBool,
    clock: Instant,
    /// The launch's copy of the CLI's state, whose refreshed login goes back to the user's.
    state: Mutex<Option<crate::engine::sandbox::StateCopy>>,
}

/// The loop's session, if one runs; shared by the loop task (which ends it) and its agent
/// operations (which start and use it).
pub type SessionSlot = Arc<Mutex<Option<Arc<Session>>>>;

impl Session {
    /// Starts the agent's TUI. `on_output` also gets every chunk (the board's pane).
    pub fn start(
        shared: &Shared,
        loop_name: &str,
        spec: PtySpec,
    ) -> Result<Arc<Session>, crate::pty::PtyError> {
        let (rows, cols) = (spec.rows, spec.cols);
        let sink = Arc::new(Sink {
            screen: Mutex::new(Pane::new(rows, cols, SCREEN_SCROLLBACK, Box::new(|_| {}))),
            iteration_log: Mutex::new(None),
            tail: Mutex::new(Tail::new(16 * 1024)),
        });
        let reader_sink = Arc::clone(&sink);
        let output = shared.output().clone();
        let name = loop_name.to_string();
        // With no board, nobody else answers the TUI's terminal queries (cursor position,
        // device attributes): the session's own emulator does, through this slot.
        let replies: Arc<Mutex<Option<Arc<PtyChild>>>> = Arc::new(Mutex::new(None));
        let answer = output.is_none().then(|| Arc::clone(&replies));
        let child = PtyChild::spawn(
            spec,
            Box::new(move |bytes: &[u8]| {
                {
                    let mut screen = lock(&reader_sink.screen);
                    screen.feed(bytes);
                }
                if let Some(file) = lock(&reader_sink.iteration_log).as_mut() {
                    file.write_all(bytes)
                        .or_log("the session log is a record; the pane still shows the output");
                }
                lock(&reader_sink.tail).push(bytes);
                if let Some(out) = &output {
                    out(&name, bytes);
                }
            }),
        )?;
        let child = Arc::new(child);
        if let Some(slot) = answer {
            *lock(&slot) = Some(Arc::clone(&child));
            let weak = Arc::downgrade(&slot);
            let mut screen = lock(&sink.screen);
            *screen = Pane::new(
                rows,
                cols,
                SCREEN_SCROLLBACK,
                Box::new(move |reply: Vec<u8>| {
                    if let Some(child) = weak.upgrade().and_then(|s| lock(&s).clone()) {
                        child
                            .write(reply)
                            .or_log("the agent exited before its terminal query was answered");
                    }
                }),
            );
        }
        Ok(Arc::new(Session {
            child,
            sink,
            done: watch::Sender::new(0),
            briefed: AtomicBool::new(false),
            clock: crate::clock::instant_now(),
            state: Mutex::new(None),
        }))
    }

    /// Keeps the launch's copy of the CLI's state for the session's life.
    pub fn keep_state(&self, state: Option<crate::engine::sandbox::StateCopy>) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }

    /// A login the CLI refreshed so far goes back to the user's (after each turn, and at
    /// the end).
    pub fn write_back_login(&self) {
        if let Some(state) = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            state.finish();
        }
    }

    pub fn child(&self) -> &Arc<PtyChild> {
        &self.child
    }

    pub fn pid(&self) -> i32 {
        self.child.pid()
    }

    pub fn alive(&self) -> bool {
        self.child.try_exit().is_none()
    }

    /// Milliseconds since the session started, the clock of [`Session::last_output_ms`].
    pub fn now_ms(&self) -> u64 {
        self.clock.elapsed().as_millis() as u64
    }

    /// When the agent last wrote, on the session's clock (0: not yet).
    pub fn last_output_ms(&self) -> u64 {
        self.child.last_output_ms()
    }

    /// The agent's screen as text.
    pub fn screen(&self) -> String {
        let mut screen = lock(&self.sink.screen);
        screen.tick();
        screen.text()
    }

    /// Printable text of the last output (for evidence).
    pub fn tail_text(&self) -> String {
        lock(&self.sink.tail).text()
    }

    /// The session's own screen follows the pane's size (the board resizes the PTY).
    pub fn resize_screen(&self, rows: u16, cols: u16) {
        lock(&self.sink.screen).resize(rows, cols);
    }

    /// From now on, output also goes to this iteration's log; the tail starts afresh.
    pub fn begin_iteration_log(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            crate::own_file::dir(dir)?;
        }
        let file = crate::own_file::append(path)?;
        *lock(&self.sink.iteration_log) = Some(file);
        *lock(&self.sink.tail) = Tail::new(16 * 1024);
        Ok(())
    }

    pub fn end_iteration_log(&self) {
        *lock(&self.sink.iteration_log) = None;
    }

    /// Whether the brief was already pasted into this session.
    pub fn briefed(&self) -> bool {
        self.briefed.load(Ordering::SeqCst)
    }

    /// Pastes `text` as the agent asked to receive pastes, then presses Enter. A TUI without
    /// bracketed paste would take each line as a submission, so it gets `one_line` instead.
    pub async fn submit(&self, text: &str, one_line: &str) -> Result<(), String> {
        let modes = lock(&self.sink.screen).modes();
        let bytes = if modes.bracketed_paste {
            encode_paste(text, &modes)
        } else {
            one_line.as_bytes().to_vec()
        };
        self.child
            .write(bytes)
            .map_err(|e| format!("the agent does not take input: {e}"))?;
        tokio::time::sleep(SUBMIT_DELAY).await;
        self.child
            .write(b"\r".to_vec())
            .map_err(|e| format!("the agent does not take input: {e}"))?;
        self.briefed.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// `andon signal done` arrived for this loop.
    pub fn signal_done(&self) {
        self.done.send_modify(|n| *n += 1);
    }

    /// How many signals arrived so far; a turn waits for one more than it saw at its start.
    pub fn signals(&self) -> u64 {
        *self.done.borrow()
    }

    /// Resolves once more than `seen` signals arrived.
    pub fn signalled_after(&self, seen: u64) -> impl std::future::Future<Output = ()> + Send {
        let mut rx = self.done.subscribe();
        async move {
            rx.wait_for(|n| *n > seen)
                .await
                .or_log("the session ended: its turn is over either way");
        }
    }
}

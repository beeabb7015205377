//! The board on the real terminal: it takes the terminal and the signals, and its event loop
//! merges terminal input, supervisor updates, the engine's answers and pane output into the
//! [`Board`]; frames are coalesced and capped at 60 per second, nothing is drawn when nothing
//! changed, and every frame is wrapped in synchronized output.

pub mod terminal;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::{Stream, StreamExt};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::{broadcast, mpsc};

use crate::clock::Clock;
use crate::or_log::OrLog;
use crate::ui::app::terminal::{restore, TerminalGuard, Tui};
use crate::ui::board::panes::PaneSet;
use crate::ui::board::{Board, BoardOptions, Inbox};
use crate::ui::port::Port;
use crate::ui::port::Update;
use andon_core::notify::Notice;

/// At most 60 frames a second.
const FRAME: Duration = Duration::from_micros(16_667);
/// Terminal events handled together when they arrive in a burst.
const INPUT_BATCH: usize = 4096;

/// Watch the repo's `themes/` folder; every change wakes the returned receiver.
fn watch_themes(
    repo: &std::path::Path,
) -> Option<(notify::RecommendedWatcher, mpsc::Receiver<()>)> {
    use notify::Watcher;
    let dir = repo.join("themes");
    if !dir.is_dir() {
        return None;
    }
    let (tx, rx) = mpsc::channel(4);
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if res.is_ok_and(|e| e.kind.is_modify() || e.kind.is_create()) {
            tx.try_send(()).or_log("a theme reload is already pending");
        }
    })
    .ok()?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .ok()?;
    Some((watcher, rx))
}

/// Runs the board until the human quits or a signal arrives, telling time by the engine's
/// clock. Returns the exit code.
pub async fn run(
    port: Port,
    updates: broadcast::Receiver<Update>,
    panes: Arc<PaneSet>,
    opts: BoardOptions,
    clock: Clock,
    calls: Option<mpsc::UnboundedReceiver<Notice>>,
) -> i32 {
    let (guard, mut terminal) = match TerminalGuard::enter() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("andon: cannot take the terminal: {e}");
            return 1;
        }
    };
    // Every way a terminal program is asked to end ends the agents and restores the terminal.
    let Some(signals) = Signals::install() else {
        drop(guard);
        eprintln!("andon: cannot install signal handlers");
        return 1;
    };
    // Loading syntect's syntaxes takes a moment: not on the UI thread, and not at the first diff.
    tokio::task::spawn_blocking(crate::ui::diff::highlight::warm_up);
    let themes = opts
        .theme_source
        .as_ref()
        .and_then(|(repo, _, _)| watch_themes(repo));
    let panic_at = opts.panic_after.map(|d| tokio::time::Instant::now() + d);
    let wake = panes.wake();
    let (board, inbox) = Board::new(port, panes, opts, clock);
    let sources = Sources {
        input: EventStream::new(),
        updates,
        wake,
        themes,
        signals: Some(signals),
        panic_at,
        calls,
    };
    let code = event_loop(board, inbox, sources, &mut terminal).await;
    drop(terminal);
    drop(guard);
    restore();
    code
}

/// What the event loop listens to besides the engine's answers.
struct Sources<I> {
    /// The terminal's input.
    input: I,
    /// Every change of the board.
    updates: broadcast::Receiver<Update>,
    /// Some pane got output.
    wake: Arc<tokio::sync::Notify>,
    /// An edit of a theme file (the watcher lives as long as the loop).
    themes: Option<(notify::RecommendedWatcher, mpsc::Receiver<()>)>,
    /// The signals that end the board (none in a test).
    signals: Option<Signals>,
    /// The hidden `--test-panic-after` hook.
    panic_at: Option<tokio::time::Instant>,
    /// The Andon calls for the terminal sink (`[notify] terminal`).
    calls: Option<mpsc::UnboundedReceiver<Notice>>,
}

/// The signals that end a terminal program.
struct Signals {
    term: Signal,
    hup: Signal,
    int: Signal,
    quit: Signal,
}

impl Signals {
    fn install() -> Option<Signals> {
        Some(Signals {
            term: signal(SignalKind::terminate()).ok()?,
            hup: signal(SignalKind::hangup()).ok()?,
            int: signal(SignalKind::interrupt()).ok()?,
            quit: signal(SignalKind::quit()).ok()?,
        })
    }

    /// The next one to arrive, by name.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
            _ = self.int.recv() => "SIGINT",
            _ = self.quit.recv() => "SIGQUIT",
        }
    }
}

/// Where the board's frames go, its bell rings and its desktop notifications are written:
/// the host terminal, or a test's screen.
trait Screen {
    fn frame(&mut self, board: &mut Board);
    fn bell(&mut self);
    /// Writes an escape sequence the terminal turns into a desktop notification.
    fn desktop_call(&mut self, sequence: &str);
}

impl Screen for Tui {
    fn frame(&mut self, board: &mut Board) {
        draw_synchronized(board, self);
    }

    fn bell(&mut self) {
        ring_bell();
    }

    fn desktop_call(&mut self, sequence: &str) {
        let mut out = std::io::stdout();
        if let Err(e) = out
            .write_all(sequence.as_bytes())
            .and_then(|()| out.flush())
        {
            tracing::debug!("the desktop notification could not be written: {e}");
        }
    }
}

/// Merges terminal input, supervisor updates, the engine's answers, computed diffs and pane
/// output into the board; draws at most one frame per [`FRAME`], and none when nothing
/// changed.
async fn event_loop<I>(
    mut board: Board,
    mut inbox: Inbox,
    sources: Sources<I>,
    screen: &mut impl Screen,
) -> i32
where
    I: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let Sources {
        mut input,
        mut updates,
        wake,
        mut themes,
        mut signals,
        panic_at,
        mut calls,
    } = sources;
    let port = board.port();
    // Toasts, clocks and forgotten DEC 2026 updates need no finer grain than a second.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // tokio's clock, which paused-time tests can move.
    let mut last_draw = tokio::time::Instant::now() - FRAME;
    loop {
        let now = tokio::time::Instant::now();
        if board.dirty && now.duration_since(last_draw) >= FRAME {
            screen.frame(&mut board);
            last_draw = now;
        }
        let next_frame = last_draw + FRAME;
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    let (batch, input_gone) = input_batch(ev, &mut input).await;
                    if let Some(code) = board.on_input(batch).await {
                        return code;
                    }
                    if input_gone {
                        return 1;
                    }
                }
                Some(Err(_)) | None => return 1,
            },
            update = updates.recv() => match update {
                Ok(u) => {
                    if board.on_update(&u) {
                        // A red lamp rings the host terminal's bell.
                        screen.bell();
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => board.on_missed_updates(),
                Err(_) => return 1,
            },
            Some(event) = inbox.reviews.recv() => board.on_review_event(event),
            () = port.diff_computed().notified() => board.on_diff_computed(),
            () = port.queue_changed().notified() => board.on_queue_changed(),
            () = wake.notified() => board.on_pane_output(),
            Some(answer) = inbox.answers.recv() => board.on_answer(answer),
            _ = tick.tick() => {
                board.on_tick();
                #[allow(clippy::panic, reason = "the panic is what --test-panic-after asks for")]
                if panic_at.is_some_and(|t| tokio::time::Instant::now() >= t) {
                    panic!("andon: test panic requested with --test-panic-after");
                }
            }
            Some(()) = async { themes.as_mut()?.1.recv().await }, if themes.is_some() => board.on_theme_edit(),
            Some(call) = async { calls.as_mut()?.recv().await }, if calls.is_some() => {
                if let Some(desktop) = board.opts.desktop {
                    screen.desktop_call(&desktop.sequence(&call.title, &call.body));
                }
            }
            () = tokio::time::sleep_until(next_frame), if board.dirty => {}
            Some(why) = async { Some(signals.as_mut()?.next().await) }, if signals.is_some() => {
                board.shut_down(why).await;
                return 1;
            }
        }
        if board.take_quit() {
            board.shut_down("quit").await;
            return 0;
        }
    }
}

/// The first event and whatever else of a burst is ready now (keys typed or pasted into an
/// attached agent by a terminal without bracketed paste), and whether the input ended.
async fn input_batch<I>(first: TermEvent, events: &mut I) -> (Vec<TermEvent>, bool)
where
    I: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let mut batch = vec![first];
    // Polled with this task's own waker (not a no-op one): crossterm keeps the first waker
    // it was handed while its reader waits, so the next key must wake this loop.
    while batch.len() < INPUT_BATCH {
        match futures_util::poll!(events.next()) {
            std::task::Poll::Ready(Some(Ok(ev))) => batch.push(ev),
            std::task::Poll::Ready(Some(Err(_)) | None) => return (batch, true),
            std::task::Poll::Pending => break,
        }
    }
    (batch, false)
}

/// One frame inside DEC 2026 synchronized output, so the terminal shows it whole.
fn draw_synchronized(board: &mut Board, terminal: &mut Tui) {
    let mut out = std::io::stdout();
    if let Err(e) = crossterm::queue!(out, crossterm::terminal::BeginSynchronizedUpdate) {
        tracing::debug!("the terminal refused a synchronized update: {e}");
    }
    if let Err(e) = board.draw(terminal) {
        tracing::warn!("a frame could not be drawn: {e}");
    }
    if let Err(e) = crossterm::execute!(out, crossterm::terminal::EndSynchronizedUpdate) {
        tracing::debug!("the terminal refused a synchronized update: {e}");
    }
}

/// The host terminal's bell (BEL), for a lamp that went red.
fn ring_bell() {
    let mut out = std::io::stdout();
    if let Err(e) = out.write_all(b"\x07").and_then(|()| out.flush()) {
        tracing::debug!("the bell could not ring: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::board::tests::{board_on, T0};
    use crate::ui::port::fake::{view, FakePort};
    use crate::ui::port::EnginePort;
    use crate::ui::port::Update;
    use andon_core::state::{Lamp, State};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::sync::Mutex;
    use tokio::time::Instant;

    /// A screen that draws into a test backend and notes when each frame was drawn.
    struct Recorder {
        terminal: Terminal<TestBackend>,
        frames: Arc<Mutex<Vec<Instant>>>,
    }

    impl Screen for Recorder {
        fn frame(&mut self, board: &mut Board) {
            board
                .draw(&mut self.terminal)
                .unwrap_or_else(|e| match e {});
            self.frames.lock().unwrap().push(Instant::now());
        }

        fn bell(&mut self) {}

        fn desktop_call(&mut self, _: &str) {}
    }

    /// The whole event loop on paused time: one frame at start, none while nothing changes,
    /// a burst of updates drawn at most once per [`FRAME`] and its last update drawn too, and
    /// the loop ends when its input does.
    #[tokio::test(start_paused = true)]
    async fn frames_are_paced_by_the_clock_and_none_is_drawn_when_idle() {
        let port = Arc::new(FakePort::new(vec![view(
            "fix-price",
            State::Running,
            Lamp::Green,
            3,
            T0,
        )]));
        let (board, inbox) = board_on(&port);
        let (updates, updates_rx) = broadcast::channel(4096);
        let (keys, mut keys_rx) = mpsc::unbounded_channel::<std::io::Result<TermEvent>>();
        let frames = Arc::new(Mutex::new(Vec::new()));
        let mut screen = Recorder {
            terminal: Terminal::new(TestBackend::new(100, 24)).unwrap(),
            frames: Arc::clone(&frames),
        };
        let sources = Sources {
            input: futures_util::stream::poll_fn(move |cx| keys_rx.poll_recv(cx)),
            updates: updates_rx,
            wake: Arc::new(tokio::sync::Notify::new()),
            themes: None,
            signals: None,
            panic_at: None,
            calls: None,
        };
        let count = || frames.lock().unwrap().len();
        // The test drives the board from beside its loop, on the same task.
        let drive = async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            assert_eq!(count(), 1, "the first frame is drawn at once");
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert_eq!(
                count(),
                1,
                "nothing changed: nothing drawn in 10 s of ticks"
            );

            // 500 updates, one every millisecond: half a second of a chatty engine.
            let start = Instant::now();
            let update = Update {
                view: port.board().remove(0),
                message: None,
                alert: None,
            };
            for _ in 0..500 {
                updates.send(update.clone()).unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let last_update = Instant::now();
            tokio::time::sleep(Duration::from_millis(100)).await;
            let drawn: Vec<Instant> = frames.lock().unwrap()[1..].to_vec();
            assert!(
                (30..=32).contains(&drawn.len()),
                "500 updates in {:?} drew {} frames",
                last_update - start,
                drawn.len()
            );
            for pair in drawn.windows(2) {
                assert!(
                    pair[1] - pair[0] >= FRAME,
                    "two frames {:?} apart",
                    pair[1] - pair[0]
                );
            }
            assert!(
                *drawn.last().unwrap() >= last_update - Duration::from_millis(1),
                "the last update was drawn"
            );

            drop(keys);
        };
        let (code, ()) = tokio::join!(event_loop(board, inbox, sources, &mut screen), drive);
        assert_eq!(code, 1, "input gone: the board ends");
    }

    #[tokio::test]
    async fn an_edited_theme_file_wakes_the_board() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        let path = dir.path().join("themes/mine.toml");
        std::fs::write(&path, "x").unwrap();
        let (_watcher, mut rx) = watch_themes(dir.path()).unwrap();
        std::fs::write(&path, "y").unwrap();
        let woke = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(woke.ok().flatten(), Some(()));
        assert!(watch_themes(&dir.path().join("nowhere")).is_none());
    }
}

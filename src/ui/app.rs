//! The board's event loop: terminal input, supervisor updates and pane output are merged;
//! frames are requested, coalesced and capped at 60 per second; nothing is drawn when nothing
//! changed; every frame is wrapped in synchronized output. Human actions go to the engine.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{broadcast, mpsc};

use crate::engine::shared::Update;
use crate::engine::supervisor::Supervisor;
use crate::ui::cards::card;
use crate::ui::commands::{Command, Controller, ReviewEvent};
use crate::ui::feed::{on_review_event, refetch_reviews, ScreenFeed};
use crate::ui::frame::draw;
use crate::ui::input_events::on_terminal_event;
use crate::ui::keymap::Keymap;
use crate::ui::model::{BoardModel, Lamp};
use crate::ui::notices::{sandbox_notice, Notices};
use crate::ui::panes::PaneSet;
use crate::ui::terminal::{restore, TerminalGuard};
use crate::ui::theme::Theme;

/// At most 60 frames a second.
const FRAME: Duration = Duration::from_micros(16_667);
/// Terminal events handled together when they arrive in a burst.
const INPUT_BATCH: usize = 4096;

pub struct BoardOptions {
    pub theme: Theme,
    pub keymap: Keymap,
    pub repo: String,
    /// A hidden test hook: panic after this long (checks the terminal is restored).
    pub panic_after: Option<Duration>,
    /// Where the theme came from, so an edit of `themes/<name>.toml` is picked up live:
    /// (repo root, theme name, NO_COLOR).
    pub theme_source: Option<(std::path::PathBuf, String, bool)>,
    /// A read-only board: the pid of the andon that supervises the repo.
    pub supervised_by: Option<String>,
}

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
            let _ = tx.try_send(());
        }
    })
    .ok()?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .ok()?;
    Some((watcher, rx))
}

/// Run the board until the human quits or a signal arrives. Returns the exit code.
pub async fn run(
    sup: Arc<Supervisor>,
    mut updates: broadcast::Receiver<Update>,
    panes: Arc<PaneSet>,
    mut opts: BoardOptions,
) -> i32 {
    let (guard, mut terminal) = match TerminalGuard::enter() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("andon: cannot take the terminal: {e}");
            return 1;
        }
    };
    let (results_tx, mut results) = mpsc::channel::<Result<String, String>>(64);
    let (reviews_tx, mut reviews) = mpsc::channel::<ReviewEvent>(16);
    let mut ctl = Controller::new(
        Arc::clone(&sup),
        results_tx,
        reviews_tx.clone(),
        opts.keymap.clone(),
    );
    let mut model = BoardModel {
        repo: opts.repo.clone(),
        supervisor: match &opts.supervised_by {
            Some(pid) => format!("read-only · pid {pid} supervises"),
            None => "supervising".into(),
        },
        ..BoardModel::default()
    };
    let mut notices = Notices::default();
    // Said once, when the loops' sandboxes are first known.
    let mut sandbox_said = false;
    let mut feed = ScreenFeed::default();
    // Loading syntect's syntaxes takes a moment: not on the UI thread, and not at the first diff.
    tokio::task::spawn_blocking(crate::ui::highlight::warm_up);
    refresh(&sup, &mut model);
    // Loops this board cannot host (their plan changed): said where the human looks.
    for (name, why) in sup.unhosted() {
        notices.push(&mut model, &name, &why, Lamp::Yellow);
    }
    let mut palette = crate::ui::cards::palette(&opts.theme);
    let mut themes = opts
        .theme_source
        .as_ref()
        .and_then(|(repo, _, _)| watch_themes(repo));
    let wake = panes.wake();
    let mut events = EventStream::new();
    // Toasts, clocks and forgotten DEC 2026 updates need no finer grain than a second.
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // Every way a terminal program is asked to end ends the agents and restores the terminal.
    let (Ok(mut term_sig), Ok(mut hup), Ok(mut int), Ok(mut quit_sig)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::quit()),
    ) else {
        drop(guard);
        eprintln!("andon: cannot install signal handlers");
        return 1;
    };
    let panic_at = opts.panic_after.map(|d| Instant::now() + d);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut last_second = 0;
    let code = loop {
        let now = Instant::now();
        if dirty && now.duration_since(last_draw) >= FRAME {
            panes.clear_dirty();
            let origin = draw(
                &mut terminal,
                &model,
                &opts,
                &palette,
                &panes,
                &sup,
                ctl.attached_name(&model),
            );
            ctl.set_origin(origin);
            if let Ok(size) = terminal.size() {
                ctl.set_area(ratatui::layout::Rect::new(0, 0, size.width, size.height));
            }
            last_draw = now;
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    // A burst of input (keys typed or pasted into an attached agent by a
                    // terminal without bracketed paste) is handled as one batch: one feed,
                    // at most one frame, however many keys arrived.
                    let mut batch = vec![ev];
                    // Polled with this task's own waker (not a no-op one): crossterm keeps the
                    // first waker it was handed while its reader waits, so the next key must
                    // wake this loop.
                    let mut input_gone = false;
                    while batch.len() < INPUT_BATCH {
                        match futures_util::poll!(events.next()) {
                            std::task::Poll::Ready(Some(Ok(ev))) => batch.push(ev),
                            std::task::Poll::Ready(Some(Err(_)) | None) => {
                                input_gone = true;
                                break;
                            }
                            std::task::Poll::Pending => break,
                        }
                    }
                    let mut quit = None;
                    // Keystrokes for an attached agent go out as one write per run of them.
                    let mut typed = crate::ui::typed::Typed::default();
                    for ev in batch {
                        if matches!(ev, TermEvent::Key(_)) {
                            model.selection_pinned = true;
                            // A key means the notice in the status line has been seen.
                            notices.dismiss(&mut model);
                        }
                        if typed.take(&ev, &ctl, &model, &panes) {
                            continue;
                        }
                        typed.flush(&ctl);
                        if let Some(code) = on_terminal_event(ev, &mut ctl, &mut model, &panes).await {
                            quit = Some(code);
                            break;
                        }
                    }
                    typed.flush(&ctl);
                    // Help scrolls no further than its last line at this size.
                    if let (Some(crate::ui::model::Dialog::Help), Ok(size)) = (&model.dialog, terminal.size()) {
                        let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                        let most = crate::ui::views::help_max_scroll(area, &model, &opts.theme, &opts.keymap);
                        model.help_scroll = model.help_scroll.min(most);
                    }
                    if let Some(code) = quit {
                        break code;
                    }
                    if input_gone {
                        break 1;
                    }
                    feed.feed(sup.shared(), &mut model);
                    dirty = true;
                }
                Some(Err(_)) | None => break 1,
            },
            update = updates.recv() => match update {
                Ok(u) => {
                    if let Some((_, reason)) = &u.alert {
                        // A red lamp rings the host terminal's bell and names the loop.
                        let _ = std::io::stdout().write_all(b"\x07");
                        notices.push(&mut model, &u.view.name, reason, u.view.state.lamp);
                    }
                    refresh(&sup, &mut model);
                    if !sandbox_said {
                        let shared = sup.shared();
                        if let Some(text) = sandbox_notice(&shared.board(), shared.namespaces()) {
                            notices.push(&mut model, "andon", &text, Lamp::Yellow);
                            sandbox_said = true;
                        }
                    }
                    if let Some(name) = ctl.detach_if_gone(&mut model) {
                        notices.push(&mut model, &name, "the agent exited: detached, keys go to the board again", Lamp::Gray);
                    }
                    refetch_reviews(&sup, &model, &reviews_tx, Some(&u.view.name));
                    dirty = true;
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    refresh(&sup, &mut model);
                    dirty = true;
                }
                Err(_) => break 1,
            },
            Some(event) = reviews.recv() => {
                on_review_event(event, &mut model, &mut notices);
                dirty = true;
            }
            _ = sup.shared().diff_wake.notified() => {
                // A diff was computed: the screens and the panes' diffstat move on.
                feed.feed(sup.shared(), &mut model);
                refresh(&sup, &mut model);
                dirty = true;
            }
            _ = wake.notified() => {
                if panes.any_dirty(&visible(&model)) {
                    dirty = true;
                }
            }
            Some(result) = results.recv() => {
                // Every action answers: what it did, or why it was refused.
                let (text, lamp) = match result {
                    Ok(done) => (done, Lamp::Gray),
                    Err(reason) => (reason, Lamp::Yellow),
                };
                notices.push(&mut model, "andon", &text, lamp);
                refresh(&sup, &mut model);
                dirty = true;
            }
            _ = tick.tick() => {
                panes.tick();
                if panes.any_dirty(&visible(&model)) {
                    dirty = true;
                }
                // Expire notices; advance running loops' clocks once a second.
                if notices.expire(&mut model) {
                    dirty = true;
                }
                let second = crate::engine::spec::now_ms() / 1000;
                if second != last_second && model.loops.iter().any(|c| matches!(c.state.as_str(), "running" | "checking" | "meta_andon")) {
                    refresh(&sup, &mut model);
                    dirty = true;
                }
                last_second = second;
                #[allow(clippy::panic, reason = "the panic is what --test-panic-after asks for")]
                if panic_at.is_some_and(|t| Instant::now() >= t) {
                    panic!("andon: test panic requested with --test-panic-after");
                }
            }
            Some(()) = async { themes.as_mut()?.1.recv().await }, if themes.is_some() => {
                // A theme file edited while andon runs is reloaded; a broken edit keeps the old
                // theme and says why.
                if let Some((repo, name, no_color)) = &opts.theme_source {
                    match Theme::load(repo, name) {
                        Ok(t) => {
                            opts.theme = if *no_color { t.no_color() } else { t };
                            palette = crate::ui::cards::palette(&opts.theme);
                        }
                        Err(e) => {
                            notices.push(&mut model, "theme", &e.to_string(), Lamp::Yellow);
                        }
                    }
                    dirty = true;
                }
            }
            _ = tokio::time::sleep_until(next_frame.into()), if dirty => {}
            _ = term_sig.recv() => break shutdown(&sup, "SIGTERM").await + 1,
            _ = hup.recv() => break shutdown(&sup, "SIGHUP").await + 1,
            _ = int.recv() => break shutdown(&sup, "SIGINT").await + 1,
            _ = quit_sig.recv() => break shutdown(&sup, "SIGQUIT").await + 1,
        }
        if let Some(Command::Quit) = ctl.take_quit() {
            break shutdown(&sup, "quit").await;
        }
    };
    drop(terminal);
    drop(guard);
    restore();
    code
}

/// The loops whose panes are on screen now.
fn visible(model: &BoardModel) -> Vec<&str> {
    if model.zoomed {
        return model
            .selected_loop()
            .map(|(_, c)| vec![c.name.as_str()])
            .unwrap_or_default();
    }
    let range = crate::ui::layout::page_range(model.loops.len(), model.page);
    model.loops[range].iter().map(|c| c.name.as_str()).collect()
}

async fn shutdown(sup: &Supervisor, why: &str) -> i32 {
    sup.shutdown(why).await;
    0
}

/// Rebuild the cards from the engine's board, keeping the selection on the same loop once a
/// human has chosen one (until then the first loop is selected, whichever loop spoke first).
fn refresh(sup: &Supervisor, model: &mut BoardModel) {
    let selected = model
        .selected_loop()
        .map(|(_, c)| c.name.clone())
        .filter(|_| model.selection_pinned);
    let now = crate::engine::spec::now_ms();
    let mut board = sup.shared().board();
    board.sort_by(|a, b| a.name.cmp(&b.name));
    model.loops = board
        .iter()
        .map(|v| {
            let stat = sup.shared().diff_service(&v.name).and_then(|d| d.stat());
            card(v, now, stat)
        })
        .collect();
    model.line_stopped = sup.shared().is_line_stopped();
    if let Some(name) = selected {
        if let Some(i) = model.loops.iter().position(|c| c.name == name) {
            model.selected = i;
        }
    }
    model.selected = model.selected.min(model.loops.len().saturating_sub(1));
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! The board's state and what each event does to it: keys and pastes, the engine's updates
//! and answers, computed diffs, pane output and the clock's tick. It knows no terminal and no
//! engine but the [`Port`]; drawing renders the model into any ratatui backend after the
//! panes' sizes are settled, so a frame has no side effects. `app::run` wires it to the real
//! terminal; the whole-board tests drive it with keys and a fake port.

pub mod cards;
mod feed;
pub mod layout;
pub mod model;
pub mod notices;
pub mod panes;
pub mod screen;

use std::sync::Arc;

use crossterm::event::Event as TermEvent;
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::term::{PaneWidget, TermPalette};
use crate::ui::board::cards::card;
use crate::ui::board::feed::{on_review_event, refetch_reviews, ScreenFeed};
use crate::ui::board::model::{BoardModel, Dialog, Lamp};
use crate::ui::board::notices::{sandbox_notice, Notices};
use crate::ui::board::panes::PaneSet;
use crate::ui::keys::controller::{Controller, ReviewEvent};
use crate::ui::keys::input_events::on_terminal_event;
use crate::ui::keys::keymap::Keymap;
use crate::ui::port::Port;
use crate::ui::port::Update;
use crate::ui::theme::Theme;
use crate::ui::views;

/// How the board looks and what it knows of where it runs.
pub struct BoardOptions {
    pub theme: Theme,
    pub keymap: Keymap,
    pub repo: String,
    /// A hidden test hook: panic after this long (checks the terminal is restored).
    pub panic_after: Option<std::time::Duration>,
    /// Where the theme came from, so an edit of `themes/<name>.toml` is picked up live:
    /// (repo root, theme name, NO_COLOR).
    pub theme_source: Option<(std::path::PathBuf, String, bool)>,
    /// A read-only board: the pid of the andon that supervises the repo.
    pub supervised_by: Option<String>,
    /// The terminal sink (`[notify] terminal`): how this terminal shows a notification.
    pub desktop: Option<andon_core::desktop::Desktop>,
}

/// What the engine answers later: an action's result (said in the status line) and what an
/// open review screen learns.
pub struct Inbox {
    pub answers: mpsc::Receiver<Result<String, String>>,
    pub reviews: mpsc::Receiver<ReviewEvent>,
}

pub struct Board {
    port: Port,
    panes: Arc<PaneSet>,
    pub opts: BoardOptions,
    pub model: BoardModel,
    ctl: Controller,
    notices: Notices,
    feed: ScreenFeed,
    palette: TermPalette,
    reviews: mpsc::Sender<ReviewEvent>,
    clock: Clock,
    /// Said once, when the loops' sandboxes are first known.
    sandbox_said: bool,
    /// The second of the last clock refresh.
    last_second: i64,
    /// The terminal's size at the last frame.
    area: Rect,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl Board {
    pub fn new(
        port: Port,
        panes: Arc<PaneSet>,
        opts: BoardOptions,
        clock: Clock,
    ) -> (Board, Inbox) {
        let (answers_tx, answers) = mpsc::channel(64);
        let (reviews_tx, reviews) = mpsc::channel(16);
        let ctl = Controller::new(
            Arc::clone(&port),
            answers_tx,
            reviews_tx.clone(),
            opts.keymap.clone(),
        );
        let model = BoardModel {
            repo: opts.repo.clone(),
            supervisor: match &opts.supervised_by {
                Some(pid) => format!("read-only · pid {pid} supervises"),
                None => "supervising".into(),
            },
            ..BoardModel::default()
        };
        let mut board = Board {
            palette: crate::ui::board::cards::palette(&opts.theme),
            port,
            panes,
            opts,
            model,
            ctl,
            notices: Notices::new(clock.clone()),
            feed: ScreenFeed::default(),
            reviews: reviews_tx,
            last_second: clock.now_ms() / 1000,
            clock,
            sandbox_said: false,
            area: Rect::new(0, 0, 160, 48),
            dirty: true,
        };
        board.refresh();
        // Loops this board cannot host (their plan changed): said where the human looks.
        for (name, why) in board.port.unhosted() {
            board.notice(&name, &why, Lamp::Yellow);
        }
        (board, Inbox { answers, reviews })
    }

    /// The engine behind the board.
    pub fn port(&self) -> Port {
        Arc::clone(&self.port)
    }

    /// Tells the human, in the status line and the message log.
    pub fn notice(&mut self, loop_name: &str, text: &str, lamp: Lamp) {
        self.notices.push(&mut self.model, loop_name, text, lamp);
        self.dirty = true;
    }

    /// A burst of terminal input, handled as one batch: keystrokes for an attached agent go
    /// out as one write per run of them. Returns the exit code when the board should end.
    pub async fn on_input(&mut self, batch: Vec<TermEvent>) -> Option<i32> {
        let mut typed = crate::ui::keys::typing::Typed::default();
        for ev in batch {
            if matches!(ev, TermEvent::Key(_)) {
                self.model.selection_pinned = true;
                // A key means the notice in the status line has been seen.
                self.notices.dismiss(&mut self.model);
            }
            if typed.take(&ev, &self.ctl, &self.model, &self.panes) {
                continue;
            }
            typed.flush(&self.ctl);
            let quit = on_terminal_event(ev, &mut self.ctl, &mut self.model, &self.panes).await;
            if quit.is_some() {
                return quit;
            }
        }
        typed.flush(&self.ctl);
        // Help scrolls no further than its last line at this size.
        if let Some(Dialog::Help) = &self.model.dialog {
            let most =
                views::help_max_scroll(self.area, &self.model, &self.opts.theme, &self.opts.keymap);
            self.model.help_scroll = self.model.help_scroll.min(most);
        }
        self.feed.feed(&*self.port, &mut self.model);
        self.dirty = true;
        None
    }

    /// Whether the human asked to quit (and confirmed).
    pub fn take_quit(&mut self) -> bool {
        self.ctl.take_quit()
    }

    /// A loop changed. Returns true when its lamp went red and the host terminal's bell
    /// should ring.
    pub fn on_update(&mut self, update: &Update) -> bool {
        let ring = update.alert.is_some();
        if let Some((_, reason)) = &update.alert {
            self.notice(&update.view.name, reason, update.view.state.lamp);
        }
        self.refresh();
        if !self.sandbox_said {
            let namespaces = self.port.namespaces();
            if let Some(text) = sandbox_notice(&self.port.board(), &namespaces) {
                self.notice("andon", &text, Lamp::Yellow);
                self.sandbox_said = true;
            }
        }
        if let Some(name) = self.ctl.detach_if_gone(&mut self.model) {
            self.notice(
                &name,
                "the agent exited: detached, keys go to the board again",
                Lamp::Gray,
            );
        }
        refetch_reviews(
            &self.port,
            &self.model,
            &self.reviews,
            Some(&update.view.name),
        );
        self.dirty = true;
        ring
    }

    /// Updates were missed: read the whole board again.
    pub fn on_missed_updates(&mut self) {
        self.refresh();
        self.dirty = true;
    }

    pub fn on_review_event(&mut self, event: ReviewEvent) {
        on_review_event(event, &mut self.model, &mut self.notices);
        self.dirty = true;
    }

    /// A diff was computed: the screens and the panes' diffstat move on.
    pub fn on_diff_computed(&mut self) {
        self.feed.feed(&*self.port, &mut self.model);
        self.refresh();
        self.dirty = true;
    }

    /// The queue changed (a plan queued, started or held): the status bar says so.
    pub fn on_queue_changed(&mut self) {
        self.refresh();
        self.dirty = true;
    }

    /// Some pane got output.
    pub fn on_pane_output(&mut self) {
        if self.panes.any_dirty(&self.visible()) {
            self.dirty = true;
        }
    }

    /// Every action answers: what it did, or why it was refused.
    pub fn on_answer(&mut self, result: Result<String, String>) {
        let (text, lamp) = match result {
            Ok(done) => (done, Lamp::Gray),
            Err(reason) => (reason, Lamp::Yellow),
        };
        self.notice("andon", &text, lamp);
        self.refresh();
    }

    /// Once a second: blinking panes, notices that expire, running loops' clocks.
    pub fn on_tick(&mut self) {
        self.panes.tick();
        self.on_pane_output();
        if self.notices.expire(&mut self.model) {
            self.dirty = true;
        }
        let second = self.clock.now_ms() / 1000;
        let working = self.model.loops.iter().any(|c| c.state.is_active());
        if second != self.last_second && working {
            self.refresh();
            self.dirty = true;
        }
        self.last_second = second;
    }

    /// A theme file changed: reload it; a broken edit keeps the old theme and says why.
    pub fn on_theme_edit(&mut self) {
        let Some((repo, name, no_color)) = self.opts.theme_source.clone() else {
            return;
        };
        match Theme::load(&repo, &name) {
            Ok(t) => {
                self.opts.theme = if no_color { t.no_color() } else { t };
                self.palette = crate::ui::board::cards::palette(&self.opts.theme);
            }
            Err(e) => self.notice("theme", &e.to_string(), Lamp::Yellow),
        }
        self.dirty = true;
    }

    /// Ends every loop's run: the board is closing.
    pub async fn shut_down(&self, why: &str) {
        self.port.shutdown(why).await;
    }

    /// Draws one frame. The panes (and, through the port, their PTYs) first take the size
    /// they will be drawn at; rendering itself changes nothing.
    pub fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        // Drawn or not, this change has had its frame: a terminal that refuses one is not
        // asked again sixty times a second.
        self.dirty = false;
        let size = terminal.size()?;
        self.area = Rect::new(0, 0, size.width, size.height);
        self.ctl.set_area(self.area);
        self.settle_pane_sizes();
        self.panes.clear_dirty();
        let attached = self.ctl.attached_name(&self.model);
        let (model, opts, palette, panes) = (&self.model, &self.opts, &self.palette, &self.panes);
        let mut origin = (0, 0);
        terminal.draw(|frame| {
            views::draw(
                frame,
                model,
                &opts.theme,
                &opts.keymap,
                &mut |i, inner, buf| {
                    let Some(c) = model.loops.get(i) else { return };
                    if i == model.selected {
                        origin = (inner.x, inner.y);
                    }
                    let pane = panes.pane(&c.name);
                    let Ok(p) = pane.lock() else { return };
                    let show_cursor = attached.as_deref() == Some(c.name.as_str());
                    ratatui::widgets::Widget::render(
                        PaneWidget {
                            pane: &p,
                            palette,
                            show_cursor,
                        },
                        inner,
                        buf,
                    );
                },
            );
        })?;
        self.ctl.set_origin(origin);
        Ok(())
    }

    /// Every visible pane's emulator, and its PTY, at the size the frame draws it: the agent
    /// always sees the size it is drawn at.
    fn settle_pane_sizes(&self) {
        for (i, inner) in views::pane_areas(self.area, &self.model) {
            let Some(c) = self.model.loops.get(i) else {
                continue;
            };
            if inner.width > 0 && inner.height > 0 {
                self.panes.resize(&c.name, inner.height, inner.width);
                self.port.resize_pane(&c.name, inner.height, inner.width);
            }
        }
    }

    /// The loops whose panes are on screen now.
    fn visible(&self) -> Vec<&str> {
        let model = &self.model;
        if model.zoomed {
            return model
                .selected_loop()
                .map(|(_, c)| vec![c.name.as_str()])
                .unwrap_or_default();
        }
        let range = crate::ui::board::layout::page_range(model.loops.len(), model.page);
        model.loops[range].iter().map(|c| c.name.as_str()).collect()
    }

    /// Rebuilds the cards from the engine's board, keeping the selection on the same loop
    /// once a human has chosen one (until then the first loop is selected, whichever loop
    /// spoke first).
    fn refresh(&mut self) {
        let model = &mut self.model;
        let selected = model
            .selected_loop()
            .map(|(_, c)| c.name.clone())
            .filter(|_| model.selection_pinned);
        let now = self.clock.now_ms();
        let mut board = self.port.board();
        board.sort_by(|a, b| a.name.cmp(&b.name));
        model.loops = board
            .iter()
            .map(|v| card(v, now, self.port.diff_stat(&v.name)))
            .collect();
        model.line_stopped = self.port.line_stopped();
        model.queue = self.port.queue().line();
        if let Some(name) = selected {
            if let Some(i) = model.loops.iter().position(|c| c.name == name) {
                model.selected = i;
            }
        }
        model.selected = model.selected.min(model.loops.len().saturating_sub(1));
    }
}

#[cfg(test)]
pub(crate) mod tests;

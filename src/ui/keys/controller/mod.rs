//! What a key does on the board: selection, zoom, attach, dialogs, and human actions sent to
//! the supervisor (on a task of their own, so ending a run never freezes the screen).

use std::sync::Arc;

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use tokio::sync::mpsc;

use crate::or_log::OrLog;
use crate::ui::board::layout::{self, Direction};
use crate::ui::board::model::{BoardModel, Dialog};
use crate::ui::board::panes::PaneSet;
use crate::ui::board::screen;
use crate::ui::board::screen::Screen;
use crate::ui::keys::keymap::{Action, Keymap, Mode};
use crate::ui::port::Port;
use crate::ui::review::ApprovalIntent;
use crate::ui::views;
use andon_core::event::HumanAction;
use andon_core::standards::Prevention;

mod dialogs;
use dialogs::textarea;
mod screens;

pub use screens::ReviewEvent;

/// An action waiting for the human's "yes".
enum Pending {
    Act {
        loop_name: String,
        action: HumanAction,
    },
    /// An approval chosen on the review screen.
    Approval(ApprovalIntent),
    /// Start a loop from a plan whose loop exists: that loop is replaced.
    Start {
        plan: String,
    },
    Quit,
}

pub struct Controller {
    port: Port,
    results: mpsc::Sender<Result<String, String>>,
    /// Answers and fresh facts for open review screens.
    reviews: mpsc::Sender<ReviewEvent>,
    /// Kaizen decisions, recorded in order by one worker.
    kaizen: mpsc::Sender<crate::ui::kaizen::view::KaizenDecision>,
    keymap: Keymap,
    pending: Option<Pending>,
    /// The human confirmed quitting.
    quit: bool,
    /// A prevention typed on the Kaizen board, adopted once the key is handled.
    adoption: Option<(String, Prevention)>,
    origin: (u16, u16),
    /// The terminal's size at the last frame (screens page and scroll by it).
    area: Rect,
    /// The loop whose agent a human has typed into since attaching (audited once per attach).
    answered: std::sync::Mutex<Option<String>>,
}

impl Controller {
    pub fn new(
        port: Port,
        results: mpsc::Sender<Result<String, String>>,
        reviews: mpsc::Sender<ReviewEvent>,
        keymap: Keymap,
    ) -> Controller {
        Controller {
            kaizen: screens::kaizen_worker(Arc::clone(&port), results.clone()),
            port,
            results,
            reviews,
            keymap,
            pending: None,
            quit: false,
            adoption: None,
            origin: (0, 0),
            area: Rect::new(0, 0, 160, 48),
            answered: std::sync::Mutex::new(None),
        }
    }

    /// The attached agent has exited: keys go back to the board. Returns the loop's name.
    pub fn detach_if_gone(&self, model: &mut BoardModel) -> Option<String> {
        let name = self.attached_name(model)?;
        if self.port.agent_running(&name) {
            return None;
        }
        model.attached = false;
        Some(name)
    }

    pub fn take_quit(&mut self) -> bool {
        std::mem::take(&mut self.quit)
    }

    /// The loop keys go to while attached.
    pub fn attached_name(&self, model: &BoardModel) -> Option<String> {
        if !model.attached || model.dialog.is_some() {
            return None;
        }
        model.selected_loop().map(|(_, c)| c.name.clone())
    }

    /// Where the attached pane's screen starts, for mouse coordinates.
    pub fn attached_origin(&self) -> (u16, u16) {
        self.origin
    }

    pub fn set_origin(&mut self, origin: (u16, u16)) {
        self.origin = origin;
    }

    pub fn set_area(&mut self, area: Rect) {
        self.area = area;
    }

    /// The terminal's size at the last frame.
    pub fn area(&self) -> Rect {
        self.area
    }

    pub fn is_escape(&self, key: &KeyEvent) -> bool {
        self.keymap.lookup(Mode::Attached, key) == Some(Action::Detach)
    }

    /// Keystrokes, pastes and mouse reports a human sends the attached agent. The first of
    /// an attach is audited (`answer`): the loop did not get where it is on its own.
    pub fn write(&self, loop_name: &str, bytes: Vec<u8>) {
        self.port.write_pane(loop_name, bytes);
        let first = match self.answered.lock() {
            Ok(mut answered) if answered.as_deref() != Some(loop_name) => {
                *answered = Some(loop_name.to_string());
                true
            }
            _ => false,
        };
        if first {
            let answer = self.port.act(loop_name, HumanAction::Answer);
            let name = loop_name.to_string();
            tokio::spawn(async move {
                if let Err(e) = answer.await {
                    tracing::warn!(loop_name = %name, "the answer was not audited: {e}");
                }
            });
        }
    }

    /// What the terminal says on its own (focus in or out) goes to the agent unaudited.
    pub fn write_unaudited(&self, loop_name: &str, bytes: Vec<u8>) {
        self.port.write_pane(loop_name, bytes);
    }

    pub fn on_paste(&mut self, text: &str, model: &mut BoardModel) {
        if let Some(
            Dialog::Redirect { textarea, .. }
            | Dialog::Hypothesis { textarea, .. }
            | Dialog::Adopt { textarea, .. }
            | Dialog::ApproveAnyway { textarea, .. },
        ) = &mut model.dialog
        {
            textarea.insert_str(text);
        } else if model.dialog.is_none() && !model.screens.is_empty() {
            screen::on_paste(model, text, self.area);
        }
    }

    /// The mouse wheel over an open screen scrolls it.
    pub fn on_wheel(&mut self, model: &mut BoardModel, down: bool) -> bool {
        if model.dialog.is_some() || model.screens.is_empty() {
            return false;
        }
        screen::on_wheel(model, down, self.area);
        true
    }

    pub async fn on_key(&mut self, key: KeyEvent, model: &mut BoardModel, panes: &PaneSet) {
        let mode = Mode::of(model);
        if model.dialog.is_some() {
            self.on_dialog_key(mode, key, model);
            if let Some((id, prevention)) = self.adoption.take() {
                self.adopt_now(model, &id, prevention).await;
            }
            return;
        }
        if !model.screens.is_empty() {
            self.on_screen_key(key, model);
            return;
        }
        let Some(action) = self.keymap.lookup(mode, &key) else {
            return;
        };
        if self.on_view_key(action, model, panes) {
            return;
        }
        let selected = model.selected_loop().map(|(_, c)| c.name.clone());
        match action {
            Action::Kaizen => self.open_kaizen(model).await,
            Action::Messages => screen::open_messages(model),
            Action::NewLoop => {
                let choices = self.port.plan_choices().await;
                if choices.is_empty() {
                    self.say(Err(
                        "no plans in plans/: copy plans/TEMPLATE.md (andon init writes it) to plans/<slug>.md and commit it".into(),
                    ));
                    return;
                }
                model.dialog = Some(Dialog::Plans {
                    choices,
                    selected: 0,
                });
            }
            Action::StopAll => self.send_all(HumanAction::Stop),
            Action::Resume if model.line_stopped => self.send_all(HumanAction::Resume {
                fix_plan: None,
                note: None,
            }),
            other => {
                if let Some(name) = selected {
                    self.on_loop_key(other, name, model).await;
                }
            }
        }
    }

    /// Keys that change what the board shows (selection, pages, zoom, attach, help,
    /// scrolling); false when `action` is not one of them.
    fn on_view_key(&mut self, action: Action, model: &mut BoardModel, panes: &PaneSet) -> bool {
        let selected = model.selected_loop().map(|(_, c)| c.name.clone());
        let n = model.loops.len();
        match action {
            Action::SelectNext => {
                model.selected = (model.selected + 1).min(n.saturating_sub(1));
                model.page = model.selected / layout::PER_PAGE;
            }
            Action::SelectPrev => {
                model.selected = model.selected.saturating_sub(1);
                model.page = model.selected / layout::PER_PAGE;
            }
            Action::SelectLeft | Action::SelectRight | Action::SelectUp | Action::SelectDown => {
                let direction = match action {
                    Action::SelectLeft => Direction::Left,
                    Action::SelectRight => Direction::Right,
                    Action::SelectUp => Direction::Up,
                    _ => Direction::Down,
                };
                move_selection(model, direction, self.area);
            }
            Action::NextPage => {
                if model.page + 1 < layout::pages(n) {
                    model.page += 1;
                    model.selected = model.page * layout::PER_PAGE;
                }
            }
            Action::PrevPage => {
                if model.page > 0 {
                    model.page -= 1;
                    model.selected = model.page * layout::PER_PAGE;
                }
            }
            Action::Zoom => model.zoomed = !model.zoomed,
            Action::Unzoom => model.zoomed = false,
            Action::Attach => {
                let Some(name) = &selected else { return true };
                // Keys typed at an agent that is not running would go nowhere.
                if !self.port.agent_running(name) {
                    let state = model
                        .selected_loop()
                        .map(|(_, c)| c.state.label().to_string())
                        .unwrap_or_default();
                    self.say(Err(format!(
                        "{name}: no agent is running to attach to ({state}); Enter zooms its pane"
                    )));
                    return true;
                }
                model.zoomed = true;
                model.attached = true;
                if let Ok(mut answered) = self.answered.lock() {
                    *answered = None;
                }
                if let Ok(mut p) = panes.pane(name).lock() {
                    p.scroll_to_bottom();
                }
            }
            Action::Detach => model.attached = false,
            Action::Help => {
                model.dialog = Some(Dialog::Help);
                model.help_scroll = 0;
            }
            Action::Quit => {
                let body = if self.port.is_remote() {
                    "The board closes; the andon that supervises this repo keeps running."
                } else {
                    "Every agent is stopped; interrupted iterations resume with `andon run`."
                };
                self.confirm(model, Pending::Quit, "Quit andon?", body, "quit")
            }
            Action::ScrollUp
            | Action::ScrollDown
            | Action::ScrollPageUp
            | Action::ScrollPageDown => {
                if let Some(name) = &selected {
                    let lines = match action {
                        Action::ScrollUp => 1,
                        Action::ScrollDown => -1,
                        Action::ScrollPageUp => 20,
                        _ => -20,
                    };
                    if let Ok(mut p) = panes.pane(name).lock() {
                        p.scroll(lines);
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// A human action on the selected loop, confirmed first where the keymap says so.
    async fn on_loop_key(&mut self, other: Action, name: String, model: &mut BoardModel) {
        let stopped_with = |badge| {
            model.selected_loop().is_some_and(|(_, c)| {
                c.state == andon_core::state::State::Stopped && c.badge == Some(badge)
            })
        };
        let meta_andon_stop = stopped_with(andon_core::state::Badge::MetaAndon);
        let hypothesis_stop = stopped_with(andon_core::state::Badge::Hypothesis);
        let action = match other {
            Action::Stop => HumanAction::Stop,
            Action::Resume if meta_andon_stop => {
                self.review_fix_plan(model, &name).await;
                return;
            }
            Action::Resume if hypothesis_stop => {
                let reason = model
                    .selected_loop()
                    .and_then(|(_, c)| c.reason.clone())
                    .unwrap_or_default();
                model.dialog = Some(Dialog::Hypothesis {
                    loop_name: name,
                    reason,
                    textarea: textarea(),
                });
                return;
            }
            Action::Resume => HumanAction::Resume {
                fix_plan: None,
                note: None,
            },
            Action::MetaAndon => HumanAction::MetaAndon,
            Action::Abort => HumanAction::Abort,
            Action::Rollback => {
                self.confirm_rollback(model, &name).await;
                return;
            }
            Action::Redirect => {
                model.dialog = Some(Dialog::Redirect {
                    loop_name: name,
                    textarea: textarea(),
                });
                return;
            }
            Action::Approve => {
                self.open_review(model, &name).await;
                return;
            }
            Action::Diff => {
                self.open_diff(model, &name);
                return;
            }
            _ => return,
        };
        if self.keymap.needs_confirm(other) {
            let title = format!("{} {name}?", other_label(&action));
            let body = confirm_body(&action);
            self.confirm(
                model,
                Pending::Act {
                    loop_name: name,
                    action,
                },
                &title,
                &body,
                "yes",
            );
        } else {
            self.send(name, action);
        }
    }

    fn confirm(
        &mut self,
        model: &mut BoardModel,
        pending: Pending,
        title: &str,
        body: &str,
        yes: &str,
    ) {
        self.pending = Some(pending);
        model.dialog = Some(Dialog::Confirm {
            title: title.to_string(),
            body: body.to_string(),
            yes: yes.to_string(),
        });
    }

    /// The picker's choice: a plan with no loop starts at once; one whose loop exists asks
    /// first, since starting it replaces that loop.
    fn start_plan(&mut self, model: &mut BoardModel, choice: &crate::ui::port::PlanChoice) {
        match &choice.loop_state {
            None => self.send_start(choice.path.clone(), false),
            Some(state) => {
                let slug = std::path::Path::new(&choice.path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ended = state.is_terminal();
                let body = format!(
                    "Loop {slug} already ran this plan ({}). {}A new loop starts from {} as it is now, under the next free name.",
                    state.label(),
                    if ended { "" } else { "It is aborted first (audited). " },
                    choice.path
                );
                self.confirm(
                    model,
                    Pending::Start {
                        plan: choice.path.clone(),
                    },
                    &format!("Start {} again?", choice.path),
                    &body,
                    "start",
                );
            }
        }
    }

    fn send_start(&self, plan: String, replace: bool) {
        self.answer_later(self.port.start_plan(&plan, replace));
    }

    fn send(&self, loop_name: String, action: HumanAction) {
        let answer = self.port.act(&loop_name, action);
        self.answer_later(Box::pin(async move {
            answer
                .await
                .map(|m| format!("{loop_name}: {m}"))
                .map_err(|e| format!("{loop_name}: {e}"))
        }));
    }

    /// Adopts a prevention for a Kaizen item; the board shows it at once, the engine writes,
    /// commits and audits it, and its answer is said in the status line.
    fn adopt(&mut self, id: String, prevention: Prevention) {
        self.adoption = Some((id, prevention));
    }

    /// The engine writes, commits and audits the prevention; the board shows what it says
    /// and the Kaizen report as it is now (a refused adoption shows nothing adopted).
    async fn adopt_now(&mut self, model: &mut BoardModel, id: &str, prevention: Prevention) {
        let answer = self.port.kaizen_adopt(id, prevention).await;
        let adopted = answer.is_ok();
        self.say(answer);
        if !adopted {
            return;
        }
        match self.port.kaizen_report().await {
            Ok(report) => {
                if let Some(Screen::Kaizen(kaizen)) = model.screens.last_mut() {
                    kaizen.selected = kaizen.selected.min(report.items.len().saturating_sub(1));
                    kaizen.report = report;
                }
            }
            Err(e) => self.say(Err(format!("Kaizen: {e}"))),
        }
    }

    fn send_all(&self, action: HumanAction) {
        self.answer_later(self.port.act_all(action));
    }

    /// Says `result` in the status line (what was done, or why not).
    fn say(&self, result: Result<String, String>) {
        self.results
            .try_send(result)
            .or_log("the status line has more answers waiting than it can show");
    }

    /// The engine's answer, said in the status line when it comes (the board never waits).
    fn answer_later(&self, answer: crate::ui::port::Answer<String>) {
        let results = self.results.clone();
        tokio::spawn(async move {
            if results.send(answer.await).await.is_err() {
                tracing::debug!("an answer came after the board closed");
            }
        });
    }
}

/// Arrow/hjkl moves go to the pane that lies that way on screen.
fn move_selection(model: &mut BoardModel, direction: Direction, area: Rect) {
    let areas = views::pane_areas(area, model);
    let rects: Vec<Rect> = areas.iter().map(|(_, r)| *r).collect();
    let Some(from) = areas.iter().position(|(i, _)| *i == model.selected) else {
        return;
    };
    let to = layout::neighbour(&rects, from, direction);
    if let Some((i, _)) = areas.get(to) {
        model.selected = *i;
    }
}

fn other_label(action: &HumanAction) -> &'static str {
    match action {
        HumanAction::Abort => "Abort",
        HumanAction::MetaAndon => "Pull the Meta-Andon cord on",
        HumanAction::Rollback => "Roll back",
        HumanAction::Stop => "Stop",
        _ => "Act on",
    }
}

fn confirm_body(action: &HumanAction) -> String {
    match action {
        HumanAction::Abort => "The agent's process group is ended (SIGTERM, then SIGKILL). The worktree is kept.".into(),
        HumanAction::MetaAndon => {
            "The current run is ended and a plan-mode iteration starts: the agent analyses, changes no code.".into()
        }
        _ => String::new(),
    }
}

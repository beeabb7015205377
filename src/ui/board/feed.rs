//! Feeds the open screens from the engine: a diff view gets the diff it asked for, and again
//! whenever the worktree moves on; a review gets the cumulative diff's files, stat and
//! placeholders (each result handed over once, by generation), fresh facts when its loop moves,
//! and the answer to the approval sent from it.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::error_chain::chain;
use crate::or_log::OrLog;
use crate::ui::board::model::{BoardModel, Lamp};
use crate::ui::board::notices::Notices;
use crate::ui::board::screen::{review_screen, Screen};
use crate::ui::keys::controller::ReviewEvent;
use crate::ui::port::{EnginePort, Port};
use crate::ui::review::facts::review_model;
use crate::ui::review::Answer;
use andon_core::diff::DiffTarget;

#[derive(Default)]
pub struct ScreenFeed {
    /// (loop, target, screen kind) → the generation last handed over.
    fed: HashMap<(String, DiffTarget, bool), u64>,
}

impl ScreenFeed {
    /// Delivers what is new; true when a screen changed.
    pub fn feed(&mut self, port: &dyn EnginePort, model: &mut BoardModel) -> bool {
        let mut changed = false;
        for screen in &mut model.screens {
            let Some((name, target, is_diff)) = wants(screen) else {
                continue;
            };
            let Some(result) = port.latest_diff(&name, target) else {
                continue;
            };
            let key = (name, target, is_diff);
            if self.fed.get(&key) == Some(&result.generation) {
                continue;
            }
            self.fed.insert(key, result.generation);
            changed = true;
            match (screen, &result.diff) {
                (Screen::Diff(d), Ok(diff)) => {
                    d.set_diff(target, Arc::clone(diff));
                }
                (Screen::Diff(d), Err(e)) => d.set_error(target, chain(&**e)),
                (Screen::Review(r), Ok(diff)) => r.model.set_diff(diff),
                (Screen::Review(_), Err(_)) | (Screen::Kaizen(_) | Screen::Messages(_), _) => {}
            }
        }
        // Screens closed since: forget them, so reopening one delivers again.
        let open: Vec<(String, DiffTarget, bool)> =
            model.screens.iter().filter_map(wants).collect();
        self.fed.retain(|k, _| open.contains(k));
        changed
    }
}

/// The diff a screen shows: (loop, target, whether it is a diff view).
fn wants(screen: &Screen) -> Option<(String, DiffTarget, bool)> {
    match screen {
        Screen::Diff(d) => Some((d.loop_name.clone(), d.target(), true)),
        Screen::Review(r) => Some((r.model.loop_name.clone(), DiffTarget::Cumulative, false)),
        Screen::Kaizen(_) | Screen::Messages(_) => None,
    }
}

/// Open review screens follow their loop: on an update for `changed` (or any loop, when
/// `None`), their facts are fetched again so the gates never go stale.
pub fn refetch_reviews(
    port: &Port,
    model: &BoardModel,
    tx: &mpsc::Sender<ReviewEvent>,
    changed: Option<&str>,
) {
    for s in &model.screens {
        let Screen::Review(r) = s else { continue };
        let name = r.model.loop_name.clone();
        if changed.is_some_and(|c| c != name) && !model.line_stopped {
            continue;
        }
        let (facts, tx) = (port.review(&name), tx.clone());
        tokio::spawn(async move {
            if let Ok(facts) = facts.await {
                tx.send(ReviewEvent::Facts(Box::new(facts)))
                    .await
                    .or_log("the board closed before the review's facts came");
            }
        });
    }
}

pub fn on_review_event(event: ReviewEvent, model: &mut BoardModel, notices: &mut Notices) {
    match event {
        ReviewEvent::Facts(facts) => {
            let name = facts.loop_name.clone();
            if let Some(review) = review_screen(model, &name) {
                review.set_model(review_model(*facts));
            }
        }
        ReviewEvent::Answer { loop_name, result } => match result {
            Ok(done) => {
                model
                    .screens
                    .retain(|s| !matches!(s, Screen::Review(r) if r.model.loop_name == loop_name));
                notices.push(model, &loop_name, &done, Lamp::Gray);
            }
            Err(why) => match review_screen(model, &loop_name) {
                Some(review) => review.answer = Some(Answer::Refused(why)),
                None => notices.push(model, &loop_name, &why, Lamp::Yellow),
            },
        },
    }
}

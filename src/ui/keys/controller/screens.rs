//! The controller's side of the full screens: opening a loop's diff (`d`) and review (`a`),
//! keys on an open screen, and sending the approval the human chose — confirmed, audited by
//! the engine, and followed by `gh pr create` when asked for.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::{Controller, Pending};
use crate::or_log::OrLog;
use crate::ui::board::model::BoardModel;
use crate::ui::board::screen::{self, ScreenIntent};
use crate::ui::diff::view::DiffRequest;
use crate::ui::kaizen::view::KaizenDecision;
use crate::ui::keys::keymap::Action;
use crate::ui::port::ReviewFacts;
use crate::ui::review::facts::review_model;
use crate::ui::review::{Answer, ApprovalIntent, ReviewChoice};
use andon_core::event::{HumanAction, Outcome};

/// What the engine says to an open review screen.
pub enum ReviewEvent {
    /// Fresh facts (the loop moved on, or the line stopped): gates and timeline follow.
    Facts(Box<ReviewFacts>),
    /// The answer to an approval sent from the screen.
    Answer {
        loop_name: String,
        result: Result<String, String>,
    },
}

/// What the engine is asked to do with the branch.
fn outcome(choice: ReviewChoice) -> Outcome {
    match choice {
        ReviewChoice::Merge { history: false } => Outcome::Squash,
        ReviewChoice::Merge { history: true } => Outcome::History,
        ReviewChoice::Branch => Outcome::Branch,
        ReviewChoice::Pr { .. } => Outcome::Pr,
    }
}

impl Controller {
    pub(super) fn on_screen_key(&mut self, key: KeyEvent, model: &mut BoardModel) {
        match screen::on_key(model, &self.keymap, &key, self.area) {
            ScreenIntent::None => {}
            ScreenIntent::FetchDiff(request) => self.fetch(&request),
            ScreenIntent::ConfirmApproval(intent) => {
                model.dialog = Some(intent.confirm_dialog());
                self.pending = Some(Pending::Approval(intent));
            }
            ScreenIntent::Kaizen(decision) => self.decide(decision),
            ScreenIntent::KaizenAdopt(id, category) => {
                model.dialog = Some(crate::ui::board::model::Dialog::Adopt {
                    id,
                    category,
                    textarea: super::textarea(),
                });
            }
            ScreenIntent::Board(action) => {
                let Some((_, card)) = model.selected_loop() else {
                    return;
                };
                match action {
                    Action::StopAll => self.send_all(HumanAction::Stop),
                    _ => self.send(card.name.clone(), HumanAction::Stop),
                }
            }
        }
    }

    /// Resuming a Meta-Andon stop accepts the fix plan: the human reads it, and where the
    /// Five Whys file is, before saying yes.
    pub(super) async fn review_fix_plan(&mut self, model: &mut BoardModel, name: &str) {
        match self.port.fix_plan_review(name).await {
            Ok((plan, whys)) => {
                let whys = whys.map_or_else(
                    || "No Five Whys file was written.".to_string(),
                    |w| format!("Five Whys: {w}"),
                );
                let body = format!(
                    "{}\n\n{whys}\nAccepting adds the plan to every later prompt; redirect (i) instead to give your own.",
                    plan.trim()
                );
                // What is accepted is exactly what was shown, whatever the file says later.
                self.confirm(
                    model,
                    Pending::Act {
                        loop_name: name.to_string(),
                        action: HumanAction::Resume {
                            fix_plan: Some(plan),
                            note: None,
                        },
                    },
                    &format!("Accept {name}'s fix plan?"),
                    &body,
                    "accept",
                );
            }
            Err(e) => {
                self.say(Err(format!("{name}: {e}")));
            }
        }
    }

    /// A rollback is confirmed with its real target and what it gives up, asked of the engine.
    pub(super) async fn confirm_rollback(&mut self, model: &mut BoardModel, name: &str) {
        match self.port.rollback_preview(name).await {
            Ok(target) => self.confirm(
                model,
                Pending::Act {
                    loop_name: name.to_string(),
                    action: HumanAction::Rollback,
                },
                &format!("Roll {name} back to {}?", target.label()),
                &target.preview(),
                "roll back",
            ),
            Err(e) => {
                self.say(Err(format!("{name}: {e}")));
            }
        }
    }

    /// The Kaizen board, from the engine's report over the store.
    pub(super) async fn open_kaizen(&mut self, model: &mut BoardModel) {
        match self.port.kaizen_report().await {
            Ok(report) => screen::open_kaizen(model, report),
            Err(e) => {
                self.say(Err(format!("Kaizen: {e}")));
            }
        }
    }

    /// The board already shows the decision; the engine records and audits it, one decision
    /// after another in the order they were made (see [`kaizen_worker`]).
    fn decide(&self, d: KaizenDecision) {
        if self.kaizen.try_send(d).is_err() {
            self.say(Err("Kaizen: too many decisions at once; press again".into()));
        }
    }

    /// The diff is computed by the loop's diff service; the app hands it to the screen.
    fn fetch(&self, request: &DiffRequest) {
        self.port.request_diff(&request.loop_name, request.target);
    }

    pub(super) fn open_diff(&mut self, model: &mut BoardModel, name: &str) {
        let iterations = model
            .loops
            .iter()
            .find(|c| c.name == name)
            .map_or(0, |c| c.iteration);
        if let ScreenIntent::FetchDiff(request) = screen::open_diff(model, name, iterations) {
            self.fetch(&request);
        }
    }

    /// The review screen, from the engine's facts; its diff part follows from the service.
    pub(super) async fn open_review(&mut self, model: &mut BoardModel, name: &str) {
        match self.port.review(name).await {
            Ok(facts) => {
                screen::open_review(model, review_model(facts));
                self.fetch(&DiffRequest {
                    loop_name: name.to_string(),
                    target: andon_core::diff::DiffTarget::Cumulative,
                });
            }
            Err(e) => {
                self.say(Err(format!("{name}: {e}")));
            }
        }
    }

    /// Sends a confirmed approval. The review stays open until the engine answers: a refusal
    /// is shown there whole (what is wrong and the fix); success closes it.
    pub(super) fn approve(&mut self, model: &mut BoardModel, intent: ApprovalIntent) {
        if let Some(review) = screen::review_screen(model, &intent.loop_name) {
            review.answer = Some(Answer::Waiting(intent.describe()));
        }
        let port = Arc::clone(&self.port);
        let results = self.results.clone();
        let reviews = self.reviews.clone();
        let name = intent.loop_name.clone();
        let gh = matches!(intent.choice, ReviewChoice::Pr { gh: true, .. });
        let action = HumanAction::Approve {
            anyway: intent.anyway,
            outcome: outcome(intent.choice),
        };
        tokio::spawn(async move {
            let answer = port.act(&name, action).await;
            let approved = answer.is_ok();
            reviews
                .send(ReviewEvent::Answer {
                    loop_name: name.clone(),
                    result: answer,
                })
                .await
                .or_log("the board closed before the approval's answer came");
            if approved && gh {
                let opened = port.open_pr(&name).await;
                results
                    .send(
                        opened
                            .map(|url| format!("{name}: pull request {url}"))
                            .map_err(|e| format!("{name}: {e}")),
                    )
                    .await
                    .or_log("the board closed before the pull request was opened");
            }
        });
    }
}

/// Records Kaizen decisions in the order they were made: two quick presses of `l` must not
/// land in the store in reverse.
pub(super) fn kaizen_worker(
    port: crate::ui::port::Port,
    results: tokio::sync::mpsc::Sender<Result<String, String>>,
) -> tokio::sync::mpsc::Sender<KaizenDecision> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<KaizenDecision>(64);
    tokio::spawn(async move {
        while let Some(d) = rx.recv().await {
            let answer = port
                .kaizen_decide(&d.category, &d.fingerprint, d.change)
                .await;
            results
                .send(answer.map(|m| format!("Kaizen {m}")))
                .await
                .or_log("the board closed before the Kaizen decision was recorded");
        }
    });
    tx
}

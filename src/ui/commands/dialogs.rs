//! The controller's dialogs: yes/no confirmations and the text boxes (redirect note,
//! approve-anyway reason) — what a key does while one is open.

use crossterm::event::KeyEvent;
use ratatui_textarea::{TextArea, WrapMode};

use super::{Command, Controller, Pending};
use crate::core::event::HumanAction;
use crate::ui::keymap::{Action, Mode};
use crate::ui::model::{BoardModel, Dialog};
use crate::ui::review::ApprovalIntent;

impl Controller {
    pub(super) fn on_dialog_key(&mut self, mode: Mode, key: KeyEvent, model: &mut BoardModel) {
        let action = self.keymap.lookup(mode, &key);
        let Some(dialog) = model.dialog.take() else {
            return;
        };
        match dialog {
            // Any key closes help.
            Dialog::Help => {}
            Dialog::Confirm { title, body, yes } => match action {
                Some(Action::Confirm) => match self.pending.take() {
                    Some(Pending::Act { loop_name, action }) => self.send(loop_name, action),
                    Some(Pending::Approval(intent)) => self.approve(model, intent),
                    Some(Pending::Quit) => self.quit = Some(Command::Quit),
                    None => {}
                },
                Some(Action::Cancel) => self.pending = None,
                _ => model.dialog = Some(Dialog::Confirm { title, body, yes }),
            },
            Dialog::Redirect {
                loop_name,
                textarea,
            } => match text_box(action, key, textarea) {
                TextBox::Sent(note) => self.send(loop_name, HumanAction::Redirect { note }),
                TextBox::Closed => {}
                TextBox::Open(textarea) => {
                    model.dialog = Some(Dialog::Redirect {
                        loop_name,
                        textarea: *textarea,
                    })
                }
            },
            // `approval` (chosen on the review screen) carries the outcome to send.
            Dialog::ApproveAnyway {
                loop_name,
                textarea,
                approval,
            } => match text_box(action, key, textarea) {
                TextBox::Sent(reason) => self.approve(
                    model,
                    ApprovalIntent {
                        anyway: Some(reason),
                        ..approval
                    },
                ),
                TextBox::Closed => {}
                TextBox::Open(textarea) => {
                    model.dialog = Some(Dialog::ApproveAnyway {
                        loop_name,
                        textarea: *textarea,
                        approval,
                    })
                }
            },
        }
    }
}

/// What a key did to a text box (redirect note, approve-anyway reason).
enum TextBox {
    /// Ctrl-S with some text.
    Sent(String),
    /// Esc, or Ctrl-S with nothing typed.
    Closed,
    /// Still typing.
    Open(Box<TextArea<'static>>),
}

fn text_box(action: Option<Action>, key: KeyEvent, mut textarea: TextArea<'static>) -> TextBox {
    match action {
        Some(Action::Cancel) => TextBox::Closed,
        Some(Action::Submit) => {
            let text = textarea.lines().join("\n");
            if text.trim().is_empty() {
                TextBox::Closed
            } else {
                TextBox::Sent(text)
            }
        }
        _ => {
            textarea.input(key);
            TextBox::Open(Box::new(textarea))
        }
    }
}

pub(super) fn textarea() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_wrap_mode(WrapMode::WordOrGlyph);
    t
}

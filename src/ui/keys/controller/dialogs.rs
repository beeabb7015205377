//! The controller's dialogs: yes/no confirmations and the text boxes (redirect note,
//! approve-anyway reason) — what a key does while one is open.

use crossterm::event::KeyEvent;
use ratatui_textarea::{TextArea, WrapMode};

use super::{Controller, Pending};
use crate::ui::board::model::{BoardModel, Dialog};
use crate::ui::keys::keymap::{Action, Mode};
use crate::ui::review::ApprovalIntent;
use andon_core::event::HumanAction;
use andon_core::standards::Prevention;

impl Controller {
    pub(super) fn on_dialog_key(&mut self, mode: Mode, key: KeyEvent, model: &mut BoardModel) {
        let action = self.keymap.lookup(mode, &key);
        let Some(dialog) = model.dialog.take() else {
            return;
        };
        match dialog {
            // Help scrolls with the pager's keys and closes with its own; any other key is
            // ignored (it must not act on the board behind it).
            Dialog::Help => {
                let page = usize::from(self.area.height.saturating_sub(6)).max(1);
                if help_key(action, &mut model.help_scroll, page) {
                    model.dialog = Some(Dialog::Help);
                }
            }
            Dialog::Plans {
                choices,
                mut selected,
            } => {
                let last = choices.len().saturating_sub(1);
                match action {
                    Some(Action::SelectDown) => selected = (selected + 1).min(last),
                    Some(Action::SelectUp) => selected = selected.saturating_sub(1),
                    Some(Action::Cancel) => return,
                    Some(Action::StartPlan) => {
                        let Some(choice) = choices.get(selected) else {
                            return;
                        };
                        self.start_plan(model, choice);
                        return;
                    }
                    _ => {}
                }
                model.dialog = Some(Dialog::Plans { choices, selected });
            }
            Dialog::Confirm { title, body, yes } => match action {
                Some(Action::Confirm) => match self.pending.take() {
                    Some(Pending::Act { loop_name, action }) => self.send(loop_name, action),
                    Some(Pending::Approval(intent)) => self.approve(model, intent),
                    Some(Pending::Quit) => self.quit = true,
                    Some(Pending::Start { plan }) => self.send_start(plan, true),
                    None => {}
                },
                Some(Action::Cancel) => self.pending = None,
                _ => model.dialog = Some(Dialog::Confirm { title, body, yes }),
            },
            text @ (Dialog::Redirect { .. }
            | Dialog::Hypothesis { .. }
            | Dialog::Adopt { .. }
            | Dialog::ApproveAnyway { .. }) => self.on_text_dialog(text, action, key, model),
        }
    }

    /// A key in a text box: a redirect note, a hypothesis, a prevention to adopt, an
    /// approve-anyway reason. Ctrl-S sends it, Esc closes it.
    fn on_text_dialog(
        &mut self,
        dialog: Dialog,
        action: Option<Action>,
        key: KeyEvent,
        model: &mut BoardModel,
    ) {
        match dialog {
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
            Dialog::Hypothesis {
                loop_name,
                reason,
                textarea,
            } => match text_box(action, key, textarea) {
                TextBox::Sent(note) => self.send(
                    loop_name,
                    HumanAction::Resume {
                        fix_plan: None,
                        note: Some(note),
                    },
                ),
                TextBox::Closed => {}
                TextBox::Open(textarea) => {
                    model.dialog = Some(Dialog::Hypothesis {
                        loop_name,
                        reason,
                        textarea: *textarea,
                    })
                }
            },
            Dialog::Adopt {
                id,
                category,
                textarea,
            } => match text_box(action, key, textarea) {
                TextBox::Sent(text) => match Prevention::parse(&text) {
                    Ok(prevention) => self.adopt(id, prevention),
                    Err(why) => {
                        // Kept open with what was typed, the fix in the status line.
                        self.say(Err(why.replace("\n  fix: ", " — ")));
                        model.dialog = Some(Dialog::Adopt {
                            id,
                            category,
                            textarea: typed(&text),
                        });
                    }
                },
                TextBox::Closed => {}
                TextBox::Open(textarea) => {
                    model.dialog = Some(Dialog::Adopt {
                        id,
                        category,
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
            _ => model.dialog = Some(dialog),
        }
    }
}

/// A key while help is open: the pager's keys scroll it (the app clamps the scroll to the
/// last line), its own keys close it, and any other key does nothing — it must not act on the
/// board behind help. Returns whether help stays open.
fn help_key(action: Option<Action>, scroll: &mut usize, page: usize) -> bool {
    match action {
        Some(Action::Cancel) => return false,
        Some(Action::ScrollDown) => *scroll += 1,
        Some(Action::ScrollUp) => *scroll = scroll.saturating_sub(1),
        Some(Action::ScrollPageDown) => *scroll += page,
        Some(Action::ScrollPageUp) => *scroll = scroll.saturating_sub(page),
        Some(Action::ScrollTop) => *scroll = 0,
        Some(Action::ScrollBottom) => *scroll = usize::MAX / 2,
        _ => {}
    }
    true
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

/// A text box holding `text`, the cursor at its end.
fn typed(text: &str) -> TextArea<'static> {
    let mut t = textarea();
    t.insert_str(text);
    t
}

pub(super) fn textarea() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_wrap_mode(WrapMode::WordOrGlyph);
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::keys::keymap::{parse_chord, KeyChord, Keymap};

    #[test]
    fn help_scrolls_with_the_pager_keys_and_lets_no_key_through() {
        let keymap = Keymap::default_keymap(KeyChord::ctrl('g'));
        let lookup = |chord: &str| {
            let c = parse_chord(chord).unwrap_or_else(|e| panic!("{e}"));
            keymap.lookup(Mode::Help, &KeyEvent::new(c.code, c.modifiers))
        };
        let mut scroll = 0;
        // (key, stays open, scroll after)
        let rows = [
            ("j", true, 1),
            ("down", true, 2),
            ("k", true, 1),
            ("pagedown", true, 11),
            ("pageup", true, 1),
            ("g", true, 0),
            // Keys of the board behind help do nothing while it is open.
            ("x", true, 0),
            ("s", true, 0),
            ("l", true, 0),
            ("?", false, 0),
            ("esc", false, 0),
            ("q", false, 0),
        ];
        for (key, open, after) in rows {
            assert_eq!(help_key(lookup(key), &mut scroll, 10), open, "{key}");
            assert_eq!(scroll, after, "{key}");
        }
    }
}

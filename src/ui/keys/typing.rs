//! Keystrokes typed into an attached agent, gathered across a burst of input events so they
//! reach its PTY in one write instead of one per key.

use crossterm::event::{Event as TermEvent, KeyEventKind};

use crate::term::encode_key;
use crate::ui::board::model::BoardModel;
use crate::ui::board::panes::PaneSet;
use crate::ui::keys::controller::Controller;

/// Keystrokes bound for the attached agent, gathered across a batch of input events so a
/// burst reaches its PTY in one write instead of one per key.
#[derive(Default)]
pub struct Typed {
    target: Option<(String, crate::term::Modes)>,
    bytes: Vec<u8>,
}

impl Typed {
    /// Takes `ev` when it is a plain keystroke for the attached agent.
    pub fn take(
        &mut self,
        ev: &TermEvent,
        ctl: &Controller,
        model: &BoardModel,
        panes: &PaneSet,
    ) -> bool {
        let TermEvent::Key(key) = ev else {
            return false;
        };
        if key.kind == KeyEventKind::Release || ctl.is_escape(key) {
            return false;
        }
        let Some(name) = ctl.attached_name(model) else {
            return false;
        };
        if self.target.as_ref().is_none_or(|(n, _)| *n != name) {
            self.flush(ctl);
            // Typing into a pane scrolled back into history shows the live screen again.
            let modes = match panes.pane(&name).lock() {
                Ok(mut p) => {
                    p.scroll_to_bottom();
                    p.modes()
                }
                Err(_) => return false,
            };
            self.target = Some((name, modes));
        }
        if let Some((_, modes)) = &self.target {
            if let Some(bytes) = encode_key(key, modes) {
                self.bytes.extend(bytes);
            }
        }
        true
    }

    pub fn flush(&mut self, ctl: &Controller) {
        if let Some((name, _)) = &self.target {
            if !self.bytes.is_empty() {
                ctl.write(name, std::mem::take(&mut self.bytes));
            }
        }
        self.target = None;
    }
}

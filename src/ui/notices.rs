//! Notices: what the board tells the human — a lamp turned red, an action's answer, a theme
//! that did not load. The newest shows in the status line, where it covers no work, for a few
//! seconds or until the next key; every notice is kept whole in the message log (`L`).

use std::time::{Duration, Instant};

use crate::ui::model::{BoardModel, Lamp, Message, Toast};

/// How long a notice stays in the status line when no key is pressed.
pub const SHOWN_FOR: Duration = Duration::from_secs(8);
/// Notices the message log keeps, newest last.
pub const LOG_KEPT: usize = 500;

/// When each visible notice appeared, oldest first (beside `BoardModel::toasts`).
#[derive(Default)]
pub struct Notices {
    shown_at: Vec<Instant>,
}

impl Notices {
    /// Tell the human: the status line shows it now, the message log keeps it whole.
    pub fn push(&mut self, model: &mut BoardModel, loop_name: &str, text: &str, lamp: Lamp) {
        let text = crate::core::sanitize::one_line(text, 2000);
        model.messages.push(Message {
            time: crate::wiki::date::local_hm(crate::engine::spec::now_ms()),
            loop_name: loop_name.to_string(),
            text: text.clone(),
            lamp,
        });
        if model.messages.len() > LOG_KEPT {
            let extra = model.messages.len() - LOG_KEPT;
            model.messages.drain(..extra);
        }
        model.toasts.push(Toast {
            loop_name: loop_name.to_string(),
            text,
            lamp,
        });
        self.shown_at.push(Instant::now());
    }

    /// Take down the notices shown longer than [`SHOWN_FOR`]; true when any went.
    pub fn expire(&mut self, model: &mut BoardModel) -> bool {
        let mut gone = false;
        while self
            .shown_at
            .first()
            .is_some_and(|t| t.elapsed() > SHOWN_FOR)
        {
            self.shown_at.remove(0);
            if !model.toasts.is_empty() {
                model.toasts.remove(0);
            }
            gone = true;
        }
        gone
    }

    /// A key was pressed: the notices shown so far have been seen. True when any went.
    pub fn dismiss(&mut self, model: &mut BoardModel) -> bool {
        self.shown_at.clear();
        !std::mem::take(&mut model.toasts).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_shown_until_a_key_and_kept_whole_in_the_log() {
        let mut model = BoardModel::default();
        let mut notices = Notices::default();
        let long = format!("PR body written to /tmp/{}/PR.md", "x".repeat(300));
        notices.push(&mut model, "fix", &long, Lamp::Gray);
        notices.push(&mut model, "other", "stopped by a human", Lamp::Red);
        assert_eq!(model.toasts.len(), 2);
        assert!(!notices.expire(&mut model), "nothing is old yet");
        assert!(notices.dismiss(&mut model));
        assert!(model.toasts.is_empty());
        assert!(!notices.dismiss(&mut model), "nothing left to dismiss");
        assert_eq!(model.messages.len(), 2);
        assert_eq!(model.messages[0].text, long, "the log keeps the whole text");
    }

    #[test]
    fn the_log_keeps_the_newest() {
        let mut model = BoardModel::default();
        let mut notices = Notices::default();
        for i in 0..LOG_KEPT + 3 {
            notices.push(&mut model, "l", &i.to_string(), Lamp::Gray);
        }
        assert_eq!(model.messages.len(), LOG_KEPT);
        assert_eq!(model.messages[0].text, "3");
    }
}

//! Notices: what the board tells the human — a lamp turned red, an action's answer, a theme
//! that did not load. The newest shows in the status line, where it covers no work, for a few
//! seconds or until the next key; every notice is kept whole in the message log (`L`).

use std::time::Duration;

use crate::clock::Clock;
use crate::ui::board::model::{BoardModel, Lamp, Message, Toast};

/// How long a notice stays in the status line when no key is pressed.
pub const SHOWN_FOR: Duration = Duration::from_secs(8);
/// Notices the message log keeps, newest last.
pub const LOG_KEPT: usize = 500;

/// When each visible notice appeared, oldest first (beside `BoardModel::toasts`).
#[derive(Default)]
pub struct Notices {
    clock: Clock,
    /// On `clock`, in ms.
    shown_at: Vec<i64>,
}

impl Notices {
    pub fn new(clock: Clock) -> Notices {
        Notices {
            clock,
            shown_at: Vec::new(),
        }
    }

    /// Tell the human: the status line shows it now, the message log keeps it whole.
    pub fn push(&mut self, model: &mut BoardModel, loop_name: &str, text: &str, lamp: Lamp) {
        let text = andon_core::sanitize::one_line(text, 2000);
        model.messages.push(Message {
            time: crate::wiki::date::local_hm(self.clock.now_ms()),
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
        self.shown_at.push(self.clock.now_ms());
    }

    /// Take down the notices shown longer than [`SHOWN_FOR`]; true when any went.
    pub fn expire(&mut self, model: &mut BoardModel) -> bool {
        let mut gone = false;
        let now = self.clock.now_ms();
        let shown_for = i64::try_from(SHOWN_FOR.as_millis()).unwrap_or(i64::MAX);
        while self.shown_at.first().is_some_and(|t| now - t > shown_for) {
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

/// What the board says once about the sandbox of the loops it shows: that unconfined agents
/// have the user's full power (approval is then a guard, not a boundary), or that confined
/// ones run on Landlock alone (`namespaces`: bubblewrap's, or why there are none). `None`
/// when every loop is confined in namespaces, or the loops' sandboxes are not known.
pub fn sandbox_notice(
    views: &[crate::ui::port::LoopView],
    namespaces: &Result<std::path::PathBuf, String>,
) -> Option<String> {
    use andon_core::sandbox::SandboxMode;
    let live = views.iter().filter(|v| !v.state.state.is_terminal());
    let mut off: Vec<&str> = Vec::new();
    let mut landlock = false;
    for view in live {
        match view.sandbox {
            Some(SandboxMode::Off) => off.push(&view.name),
            Some(SandboxMode::Landlock) => landlock = true,
            None => {}
        }
    }
    if !off.is_empty() {
        let mut names = off.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        if off.len() > 3 {
            names.push_str(&format!(" and {} more", off.len() - 3));
        }
        return Some(format!(
            "sandbox off for {names}: their agents have your user's full power, so approval is \
             a guard, not a boundary (`andon doctor` says what this machine can confine)"
        ));
    }
    match namespaces {
        Err(why) if landlock => Some(format!(
            "sandboxed loops run on Landlock alone ({why}): their agents can read your files and \
             reach andon's control socket"
        )),
        _ => None,
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

    #[test]
    fn a_notice_leaves_the_status_line_after_its_time_on_the_clock() {
        let clock = Clock::fixed(1_000_000);
        let mut notices = Notices::new(clock.clone());
        let mut model = BoardModel::default();
        notices.push(&mut model, "fix", "lamp red", Lamp::Red);
        clock.advance(i64::try_from(SHOWN_FOR.as_millis()).unwrap());
        assert!(
            !notices.expire(&mut model),
            "shown exactly its time: still there"
        );
        assert_eq!(model.toasts.len(), 1);
        clock.advance(1);
        assert!(notices.expire(&mut model));
        assert!(model.toasts.is_empty());
        assert_eq!(model.messages.len(), 1, "the message log keeps it");
    }

    #[test]
    fn the_board_says_once_what_the_sandbox_does_not_hold() {
        use crate::ui::port::LoopView;
        use andon_core::sandbox::SandboxMode;
        use andon_core::state::{Limits, LoopState, State};
        let view = |name: &str, sandbox: Option<SandboxMode>, state: State| {
            let mut loop_state = LoopState::new(Limits::default());
            loop_state.state = state;
            LoopView {
                name: name.into(),
                plan: String::new(),
                title: String::new(),
                branch: String::new(),
                worktree: String::new(),
                base: String::new(),
                started_at: 0,
                updated_at: 0,
                worked_ms: 0,
                active_since: None,
                state: loop_state,
                marks: Vec::new(),
                condition: None,
                sandbox,
            }
        };
        let ns: Result<std::path::PathBuf, String> = Ok("/usr/bin/bwrap".into());
        let no_ns: Result<std::path::PathBuf, String> = Err("bwrap is not installed".into());
        let jailed = view("a", Some(SandboxMode::Landlock), State::Running);
        let free = view("b", Some(SandboxMode::Off), State::Running);
        let merged = view("c", Some(SandboxMode::Off), State::Merged);
        let unknown = view("d", None, State::Running);
        assert_eq!(
            sandbox_notice(&[jailed.clone(), merged, unknown], &ns),
            None
        );
        let said = sandbox_notice(&[jailed.clone(), free], &ns).expect("said");
        assert!(said.starts_with("sandbox off for b: "), "{said}");
        assert!(said.contains("a guard, not a boundary"), "{said}");
        let said = sandbox_notice(&[jailed], &no_ns).expect("said");
        assert!(
            said.contains("Landlock alone (bwrap is not installed)"),
            "{said}"
        );
    }
}

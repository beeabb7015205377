//! The keymap as data: which key does what in which mode, and the reverse lookup that lets the
//! status bar and help show the keys actually bound.

use crossterm::event::{KeyEvent, KeyEventKind};

use crate::ui::board::model::{BoardModel, Dialog};
use crate::ui::board::screen::Screen;
pub use crate::ui::keys::key_chord::{join_keys, parse_chord, KeyChord};

/// What the keyboard is talking to right now; bindings are grouped by mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Board,
    Zoomed,
    /// Every key goes to the agent except the escape key.
    Attached,
    /// A yes/no dialog.
    Confirm,
    /// A multi-line text box (redirect, approve anyway): printable keys are text, not commands.
    TextInput,
    Help,
    /// The full-screen diff of one loop.
    Diff,
    /// The diff view's search box: printable keys are the query.
    Search,
    /// The review screen before approval.
    Review,
    /// The Kaizen board.
    Kaizen,
    /// The message log: every notice of this session in full.
    Messages,
    /// The plan picker: which plan to start a loop from.
    Plans,
}

impl Mode {
    pub const ALL: [Mode; 12] = [
        Mode::Board,
        Mode::Zoomed,
        Mode::Attached,
        Mode::Confirm,
        Mode::TextInput,
        Mode::Help,
        Mode::Diff,
        Mode::Search,
        Mode::Review,
        Mode::Kaizen,
        Mode::Messages,
        Mode::Plans,
    ];

    /// The mode a model is in: an open dialog wins over a full screen (diff, review), which
    /// wins over attach, which wins over zoom.
    pub fn of(model: &BoardModel) -> Mode {
        match (&model.dialog, model.screens.last()) {
            (Some(Dialog::Confirm { .. }), _) => Mode::Confirm,
            (
                Some(
                    Dialog::Redirect { .. }
                    | Dialog::Hypothesis { .. }
                    | Dialog::Adopt { .. }
                    | Dialog::ApproveAnyway { .. },
                ),
                _,
            ) => Mode::TextInput,
            (Some(Dialog::Help), _) => Mode::Help,
            (Some(Dialog::Plans { .. }), _) => Mode::Plans,
            (None, Some(Screen::Diff(diff))) if diff.search.editing => Mode::Search,
            (None, Some(Screen::Diff(_))) => Mode::Diff,
            (None, Some(Screen::Review(_))) => Mode::Review,
            (None, Some(Screen::Kaizen(_))) => Mode::Kaizen,
            (None, Some(Screen::Messages(_))) => Mode::Messages,
            (None, None) if model.attached => Mode::Attached,
            (None, None) if model.zoomed => Mode::Zoomed,
            (None, None) => Mode::Board,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Board => "board",
            Mode::Zoomed => "zoomed",
            Mode::Attached => "attached",
            Mode::Confirm => "confirm",
            Mode::TextInput => "text box",
            Mode::Help => "help",
            Mode::Diff => "diff",
            Mode::Search => "search box",
            Mode::Review => "review",
            Mode::Kaizen => "Kaizen",
            Mode::Messages => "messages",
            Mode::Plans => "plan picker",
        }
    }
}

/// Something a key asks the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    SelectNext,
    SelectPrev,
    SelectLeft,
    SelectRight,
    SelectUp,
    SelectDown,
    Zoom,
    Unzoom,
    Attach,
    Detach,
    Stop,
    StopAll,
    Resume,
    Redirect,
    MetaAndon,
    Approve,
    Rollback,
    Abort,
    Help,
    Quit,
    ScrollUp,
    ScrollDown,
    ScrollPageUp,
    ScrollPageDown,
    NextPage,
    PrevPage,
    Diff,
    Kaizen,
    /// Answer yes to a confirm dialog.
    Confirm,
    /// Close a dialog or help without acting.
    Cancel,
    /// Send a text box's note.
    Submit,
    /// Back from a full screen (diff, review) to where it was opened from.
    Back,
    NextFile,
    PrevFile,
    NextHunk,
    PrevHunk,
    ScrollTop,
    ScrollBottom,
    /// Side by side or unified.
    SideBySide,
    /// Open the diff view's search box.
    Search,
    SearchNext,
    SearchPrev,
    /// Keep the typed search and leave the box.
    Accept,
    /// The cumulative diff (base to now).
    Cumulative,
    OlderIteration,
    NewerIteration,
    /// Review: approve and merge into the base branch (`[merge] history` says how).
    Merge,
    /// Review: approve and merge the other way (history kept, or one commit).
    MergeOther,
    KeepBranch,
    PrBody,
    /// Review: whether writing a PR body also runs `gh pr create`.
    ToggleGh,
    /// Review: approve despite red checks, with a typed reason.
    ApproveAnyway,
    /// Kaizen: the selected item's next prevention level.
    KaizenLevel,
    /// Kaizen: the selected item's next status.
    KaizenStatus,
    /// Kaizen: adopt a prevention for the selected item (a check, a path, a skill note).
    KaizenAdopt,
    /// Open the message log.
    Messages,
    /// Open the plan picker: start a loop from one of the repo's plans.
    NewLoop,
    /// The plan picker: start a loop from the selected plan.
    StartPlan,
}

impl Action {
    /// The action whose hint also shows this one's keys, so the status bar reads `[/] file`
    /// rather than spending two hints on one idea.
    fn partner(self) -> Option<Action> {
        match self {
            Action::PrevFile => Some(Action::NextFile),
            Action::PrevHunk => Some(Action::NextHunk),
            Action::SearchPrev => Some(Action::SearchNext),
            Action::OlderIteration => Some(Action::NewerIteration),
            _ => None,
        }
    }

    /// Whether the status bar lists this action; moving and scrolling are left to help so the
    /// one-line bar keeps room for the actions on loops.
    fn hinted(self) -> bool {
        !matches!(
            self,
            Action::SelectNext
                | Action::SelectPrev
                | Action::SelectLeft
                | Action::SelectRight
                | Action::SelectUp
                | Action::SelectDown
                | Action::ScrollUp
                | Action::ScrollDown
                | Action::ScrollPageUp
                | Action::ScrollPageDown
                | Action::ScrollTop
                | Action::ScrollBottom
                // A notice cut short in the status line points to the log itself, and the
                // empty board says how to start a loop.
                | Action::Messages
                | Action::NewLoop
        )
    }
}

/// One key bound to one action in some modes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: KeyChord,
    pub action: Action,
    pub description: &'static str,
    pub modes: &'static [Mode],
    /// Destructive: the app asks for confirmation before acting.
    pub confirm: bool,
}

/// All bindings, in the order help and hints list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Keymap {
    /// DESIGN §4's keys; `escape` is the configurable detach key (default Ctrl-g).
    pub fn default_keymap(escape: KeyChord) -> Keymap {
        Keymap {
            bindings: crate::ui::keys::keymap_defaults::bindings(escape),
        }
    }

    /// The action a key press asks for in `mode`; releases never act.
    pub fn lookup(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let chord = KeyChord::from_event(key);
        self.active(mode).find(|b| b.key == chord).map(|b| b.action)
    }

    /// Every key bound to `action` in any mode, without repeats, in binding order.
    pub fn keys_for(&self, action: Action) -> Vec<KeyChord> {
        let mut keys: Vec<KeyChord> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.action == action) {
            if !keys.contains(&b.key) {
                keys.push(b.key);
            }
        }
        keys
    }

    /// The keys bound to `action` in `mode`, e.g. a dialog's own yes and cancel keys.
    pub fn keys_in(&self, mode: Mode, action: Action) -> Vec<KeyChord> {
        self.active(mode)
            .filter(|b| b.action == action)
            .map(|b| b.key)
            .collect()
    }

    /// Whether `action` asks for confirmation first.
    pub fn needs_confirm(&self, action: Action) -> bool {
        self.bindings
            .iter()
            .any(|b| b.action == action && b.confirm)
    }

    /// The status bar's hints for `mode`: (keys joined by `/`, description), one per action.
    pub fn hints(&self, mode: Mode) -> Vec<(String, &'static str)> {
        let mut hints: Vec<(Action, Vec<KeyChord>, &'static str)> = Vec::new();
        for b in self.active(mode).filter(|b| b.action.hinted()) {
            let action = b.action.partner().unwrap_or(b.action);
            match hints.iter_mut().find(|(a, _, _)| *a == action) {
                Some((_, keys, _)) => keys.push(b.key),
                None => hints.push((action, vec![b.key], short(action, b.description))),
            }
        }
        hints
            .into_iter()
            .map(|(_, keys, d)| (join_keys(&keys), d))
            .collect()
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    fn active(&self, mode: Mode) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.modes.contains(&mode))
    }
}

/// The status bar's one-word form of an action; help shows the full description.
fn short(action: Action, description: &'static str) -> &'static str {
    match action {
        Action::Zoom => "zoom",
        Action::Unzoom => "unzoom",
        Action::Attach => "attach",
        Action::Detach => "detach",
        Action::Stop => "stop",
        Action::StopAll => "stop all",
        Action::Redirect => "redirect",
        Action::MetaAndon => "meta-andon",
        Action::Approve => "approve",
        Action::Rollback => "rollback",
        Action::Abort => "abort",
        Action::Quit => "quit",
        Action::StartPlan => "start",
        Action::NewLoop => "new loop",
        Action::NextPage => "page",
        Action::PrevPage => "page back",
        Action::SelectNext => "next",
        Action::SelectPrev => "prev",
        Action::Diff => "diff",
        Action::Kaizen => "kaizen",
        Action::Confirm => "yes",
        Action::Submit => "send",
        Action::Back => "back",
        Action::NextFile => "file",
        Action::NextHunk => "hunk",
        Action::SideBySide => "split",
        Action::Search => "search",
        Action::SearchNext => "match",
        Action::Accept => "done",
        Action::Cumulative => "cumulative",
        Action::NewerIteration => "iteration",
        Action::Merge => "merge",
        Action::MergeOther => "other merge",
        Action::KeepBranch => "keep branch",
        Action::PrBody => "PR body",
        Action::ToggleGh => "gh",
        Action::ApproveAnyway => "anyway",
        _ => description,
    }
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;

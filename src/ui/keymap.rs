//! The keymap as data: which key does what in which mode, and the reverse lookup that lets the
//! status bar and help show the keys actually bound.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

pub use super::key_chord::{join_keys, parse_chord, KeyChord};
use super::model::{BoardModel, Dialog};

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
}

impl Mode {
    pub const ALL: [Mode; 6] = [
        Mode::Board,
        Mode::Zoomed,
        Mode::Attached,
        Mode::Confirm,
        Mode::TextInput,
        Mode::Help,
    ];

    /// The mode a model is in: an open dialog wins over attach, which wins over zoom.
    pub fn of(model: &BoardModel) -> Mode {
        match &model.dialog {
            Some(Dialog::Confirm { .. }) => Mode::Confirm,
            Some(Dialog::Redirect { .. } | Dialog::ApproveAnyway { .. }) => Mode::TextInput,
            Some(Dialog::Help) => Mode::Help,
            None if model.attached => Mode::Attached,
            None if model.zoomed => Mode::Zoomed,
            None => Mode::Board,
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
}

impl Action {
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
    /// False for features not built yet (diff, Kaizen): such a binding neither matches nor
    /// shows in help or hints until the app flips it with [`Keymap::set_available`].
    pub available: bool,
}

/// All bindings, in the order help and hints list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

const LOOP_MODES: &[Mode] = &[Mode::Board, Mode::Zoomed];
const BOARD: &[Mode] = &[Mode::Board];
const ZOOMED: &[Mode] = &[Mode::Zoomed];
const ATTACHED: &[Mode] = &[Mode::Attached];
const CONFIRM: &[Mode] = &[Mode::Confirm];
const TEXT: &[Mode] = &[Mode::TextInput];
const DIALOGS: &[Mode] = &[Mode::Confirm, Mode::TextInput];
const HELP: &[Mode] = &[Mode::Help];

impl Keymap {
    /// DESIGN §4's keys; `escape` is the configurable detach key (default Ctrl-g).
    pub fn default_keymap(escape: KeyChord) -> Keymap {
        use Action as A;
        use KeyCode as K;
        let key = KeyChord::plain;
        let ch = KeyChord::char;
        #[rustfmt::skip]
        let table: Vec<(KeyChord, Action, &'static str, &'static [Mode], bool)> = vec![
            (key(K::Enter), A::Zoom, "zoom the selected pane", BOARD, false),
            (key(K::Enter), A::Unzoom, "back to the board", ZOOMED, false),
            (key(K::Esc), A::Unzoom, "back to the board", ZOOMED, false),
            (key(K::Tab), A::Attach, "attach: keys go to the agent", LOOP_MODES, false),
            (escape, A::Detach, "detach from the agent", ATTACHED, false),
            (ch('s'), A::Stop, "stop the line (this loop)", LOOP_MODES, false),
            (ch('S'), A::StopAll, "stop the whole line", LOOP_MODES, false),
            (ch('r'), A::Resume, "resume", LOOP_MODES, false),
            (ch('i'), A::Redirect, "redirect with a note", LOOP_MODES, false),
            (ch('m'), A::MetaAndon, "Meta-Andon now (plan mode)", LOOP_MODES, true),
            (ch('a'), A::Approve, "approve (review, then merge)", LOOP_MODES, false),
            (ch('R'), A::Rollback, "reset to the last green iteration", LOOP_MODES, true),
            (ch('x'), A::Abort, "abort the loop", LOOP_MODES, true),
            (ch('d'), A::Diff, "diff of the loop", LOOP_MODES, false),
            (ch('K'), A::Kaizen, "Kaizen list", LOOP_MODES, false),
            (ch(']'), A::NextPage, "next page", BOARD, false),
            (ch('['), A::PrevPage, "previous page", BOARD, false),
            (ch(']'), A::SelectNext, "next loop", ZOOMED, false),
            (ch('['), A::SelectPrev, "previous loop", ZOOMED, false),
            (key(K::Left), A::SelectLeft, "select left", BOARD, false),
            (ch('h'), A::SelectLeft, "select left", BOARD, false),
            (key(K::Down), A::SelectDown, "select down", BOARD, false),
            (ch('j'), A::SelectDown, "select down", BOARD, false),
            (key(K::Up), A::SelectUp, "select up", BOARD, false),
            (ch('k'), A::SelectUp, "select up", BOARD, false),
            (key(K::Right), A::SelectRight, "select right", BOARD, false),
            (ch('l'), A::SelectRight, "select right", BOARD, false),
            (key(K::Up), A::ScrollUp, "scroll up a line", ZOOMED, false),
            (ch('k'), A::ScrollUp, "scroll up a line", ZOOMED, false),
            (key(K::Down), A::ScrollDown, "scroll down a line", ZOOMED, false),
            (ch('j'), A::ScrollDown, "scroll down a line", ZOOMED, false),
            (key(K::PageUp), A::ScrollPageUp, "scroll up a page", LOOP_MODES, false),
            (key(K::PageDown), A::ScrollPageDown, "scroll down a page", LOOP_MODES, false),
            (ch('y'), A::Confirm, "yes, do it", CONFIRM, false),
            (key(K::Enter), A::Confirm, "yes, do it", CONFIRM, false),
            (KeyChord::ctrl('s'), A::Submit, "send", TEXT, false),
            (ch('n'), A::Cancel, "cancel", CONFIRM, false),
            (key(K::Esc), A::Cancel, "cancel", DIALOGS, false),
            (key(K::Esc), A::Cancel, "close", HELP, false),
            (ch('?'), A::Help, "help", LOOP_MODES, false),
            (ch('?'), A::Cancel, "close", HELP, false),
            (ch('q'), A::Quit, "quit, ending every agent", LOOP_MODES, true),
        ];
        let bindings = table
            .into_iter()
            .map(|(key, action, description, modes, confirm)| Binding {
                key,
                action,
                description,
                modes,
                confirm,
                available: !matches!(action, A::Diff | A::Kaizen),
            })
            .collect();
        Keymap { bindings }
    }

    /// Turns a future feature's bindings on or off.
    pub fn set_available(&mut self, action: Action, available: bool) {
        for b in self.bindings.iter_mut().filter(|b| b.action == action) {
            b.available = available;
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
        for b in self
            .bindings
            .iter()
            .filter(|b| b.action == action && b.available)
        {
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
            match hints.iter_mut().find(|(a, _, _)| *a == b.action) {
                Some((_, keys, _)) => keys.push(b.key),
                None => hints.push((b.action, vec![b.key], short(b.action, b.description))),
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
            .filter(move |b| b.available && b.modes.contains(&mode))
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
        Action::NextPage => "page",
        Action::PrevPage => "page back",
        Action::SelectNext => "next",
        Action::SelectPrev => "prev",
        Action::Diff => "diff",
        Action::Kaizen => "kaizen",
        Action::Confirm => "yes",
        Action::Submit => "send",
        _ => description,
    }
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;

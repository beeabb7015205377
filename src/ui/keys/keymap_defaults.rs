//! The default bindings, as one table: DESIGN §4's keys on the board, then the diff view's,
//! the search box's and the review screen's. Order matters: help and hints list them so.

use crossterm::event::KeyCode;

use crate::ui::keys::keymap::{Action, Binding, KeyChord, Mode};

const LOOP_MODES: &[Mode] = &[Mode::Board, Mode::Zoomed];
const BOARD: &[Mode] = &[Mode::Board];
const ZOOMED: &[Mode] = &[Mode::Zoomed];
const ATTACHED: &[Mode] = &[Mode::Attached];
const CONFIRM: &[Mode] = &[Mode::Confirm];
const TEXT: &[Mode] = &[Mode::TextInput];
const DIALOGS: &[Mode] = &[Mode::Confirm, Mode::TextInput];
const HELP: &[Mode] = &[Mode::Help];
const PLANS: &[Mode] = &[Mode::Plans];
const SCREENS: &[Mode] = &[Mode::Diff, Mode::Review, Mode::Kaizen, Mode::Messages];

const KAIZEN: &[Mode] = &[Mode::Kaizen];
const DIFF: &[Mode] = &[Mode::Diff];
const SEARCH: &[Mode] = &[Mode::Search];
const REVIEW: &[Mode] = &[Mode::Review];

/// A default binding's key: a chord, or the configurable detach key.
#[derive(Clone, Copy)]
enum Key {
    Chord(KeyChord),
    Escape,
}

const fn key(code: KeyCode) -> Key {
    Key::Chord(KeyChord::plain(code))
}

const fn ch(c: char) -> Key {
    Key::Chord(KeyChord::char(c))
}

const fn ctrl(c: char) -> Key {
    Key::Chord(KeyChord::ctrl(c))
}

use Action as A;
use KeyCode as K;

/// (key, action, what it does, the modes it works in, whether it asks "yes?" first).
#[rustfmt::skip]
const DEFAULTS: &[(Key, Action, &str, &[Mode], bool)] = &[
    (key(K::Enter), A::Zoom, "zoom the selected pane", BOARD, false),
    (key(K::Enter), A::Unzoom, "back to the board", ZOOMED, false),
    (key(K::Esc), A::Unzoom, "back to the board", ZOOMED, false),
    (key(K::Tab), A::Attach, "attach: keys go to the agent", LOOP_MODES, false),
    (Key::Escape, A::Detach, "detach from the agent", ATTACHED, false),
    (ch('s'), A::Stop, "stop the line (this loop)", LOOP_MODES, false),
    (ch('S'), A::StopAll, "stop the whole line", LOOP_MODES, false),
    (ch('r'), A::Resume, "resume", LOOP_MODES, false),
    (ch('i'), A::Redirect, "redirect with a note", LOOP_MODES, false),
    (ch('m'), A::MetaAndon, "Meta-Andon now (plan mode)", LOOP_MODES, true),
    (ch('a'), A::Approve, "approve (review, then merge)", LOOP_MODES, false),
    (ch('R'), A::Rollback, "roll back to the last green", LOOP_MODES, true),
    (ch('x'), A::Abort, "abort the loop", LOOP_MODES, true),
    (ch('d'), A::Diff, "diff of the loop", LOOP_MODES, false),
    (ch('K'), A::Kaizen, "Kaizen board", LOOP_MODES, false),
    (ch('L'), A::Messages, "message log", LOOP_MODES, false),
    (ch('n'), A::NewLoop, "new loop from a plan", LOOP_MODES, false),
    (key(K::Down), A::SelectDown, "next plan", PLANS, false),
    (ch('j'), A::SelectDown, "next plan", PLANS, false),
    (key(K::Up), A::SelectUp, "previous plan", PLANS, false),
    (ch('k'), A::SelectUp, "previous plan", PLANS, false),
    (key(K::Enter), A::StartPlan, "start a loop from it", PLANS, false),
    (key(K::Esc), A::Cancel, "cancel", PLANS, false),
    (ch('q'), A::Cancel, "cancel", PLANS, false),
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
    (ctrl('s'), A::Submit, "send", TEXT, false),
    (ch('n'), A::Cancel, "cancel", CONFIRM, false),
    (key(K::Esc), A::Cancel, "cancel", DIALOGS, false),
    (key(K::Esc), A::Cancel, "close", HELP, false),
    (ch('?'), A::Help, "help", LOOP_MODES, false),
    (ch('?'), A::Cancel, "close", HELP, false),
    (ch('q'), A::Cancel, "close", HELP, false),
    (ch('j'), A::ScrollDown, "scroll down", HELP, false),
    (key(K::Down), A::ScrollDown, "scroll down", HELP, false),
    (ch('k'), A::ScrollUp, "scroll up", HELP, false),
    (key(K::Up), A::ScrollUp, "scroll up", HELP, false),
    (key(K::PageDown), A::ScrollPageDown, "scroll down a page", HELP, false),
    (ch(' '), A::ScrollPageDown, "scroll down a page", HELP, false),
    (key(K::PageUp), A::ScrollPageUp, "scroll up a page", HELP, false),
    (ch('g'), A::ScrollTop, "top", HELP, false),
    (ch('G'), A::ScrollBottom, "bottom", HELP, false),
    (ch('q'), A::Quit, "quit, ending every agent", LOOP_MODES, true),
    // The full screens: the way back first, then the review's approval choices, so the
    // status bar shows them before anything else.
    (ch('q'), A::Back, "back", SCREENS, false),
    (key(K::Esc), A::Back, "back", SCREENS, false),
    (ch('m'), A::Merge, "approve: merge into the base branch", REVIEW, true),
    (ch('M'), A::MergeOther, "approve: merge the other way (history / one commit)", REVIEW, true),
    (ch('b'), A::KeepBranch, "approve: keep the branch", REVIEW, true),
    (ch('p'), A::PrBody, "approve: write a PR body", REVIEW, true),
    (ch('g'), A::ToggleGh, "also run gh pr create (with p)", REVIEW, false),
    (ch('A'), A::ApproveAnyway, "approve anyway, with a reason (red checks)", REVIEW, false),
    (ch('d'), A::Diff, "diff of the loop", REVIEW, false),
    // The Kaizen board.
    (ch('l'), A::KaizenLevel, "next prevention level (L1..L4)", KAIZEN, false),
    (ch('t'), A::KaizenStatus, "next status (open, doing, done, dropped)", KAIZEN, false),
    (ch('a'), A::KaizenAdopt, "adopt a prevention: a check, a protected path, a skill note", KAIZEN, false),
    // The diff view.
    (ch('v'), A::SideBySide, "side by side or unified", DIFF, false),
    (ch('/'), A::Search, "search", DIFF, false),
    (ch('n'), A::SearchNext, "next match", DIFF, false),
    (ch('N'), A::SearchPrev, "previous match", DIFF, false),
    (ch('c'), A::Cumulative, "cumulative diff (base to now)", DIFF, false),
    (ch('<'), A::OlderIteration, "one iteration's diff: older", DIFF, false),
    (ch('>'), A::NewerIteration, "one iteration's diff: newer", DIFF, false),
    (ch('['), A::PrevFile, "previous file", DIFF, false),
    (ch(']'), A::NextFile, "next file", DIFF, false),
    (ch('{'), A::PrevHunk, "previous hunk", DIFF, false),
    (ch('}'), A::NextHunk, "next hunk", DIFF, false),
    (ch('g'), A::ScrollTop, "top", DIFF, false),
    (ch('G'), A::ScrollBottom, "bottom", DIFF, false),
    // Both full screens.
    (key(K::Up), A::ScrollUp, "scroll up a line", SCREENS, false),
    (ch('k'), A::ScrollUp, "scroll up a line", SCREENS, false),
    (key(K::Down), A::ScrollDown, "scroll down a line", SCREENS, false),
    (ch('j'), A::ScrollDown, "scroll down a line", SCREENS, false),
    (key(K::PageUp), A::ScrollPageUp, "scroll up a page", SCREENS, false),
    (key(K::PageDown), A::ScrollPageDown, "scroll down a page", SCREENS, false),
    (ch(' '), A::ScrollPageDown, "scroll down a page", SCREENS, false),
    (key(K::Home), A::ScrollTop, "top", SCREENS, false),
    (key(K::End), A::ScrollBottom, "bottom", SCREENS, false),
    // The Andon cord is within reach on every screen.
    (ch('s'), A::Stop, "stop the line (this loop)", SCREENS, false),
    (ch('S'), A::StopAll, "stop the whole line", SCREENS, false),
    (ch('?'), A::Help, "help", SCREENS, false),
    (ch('L'), A::Messages, "message log", SCREENS, false),
    // The search box.
    (key(K::Enter), A::Accept, "keep the search", SEARCH, false),
    (key(K::Esc), A::Cancel, "clear the search", SEARCH, false),
];

/// Every default binding; `escape` is the configurable detach key.
pub(super) fn bindings(escape: KeyChord) -> Vec<Binding> {
    DEFAULTS
        .iter()
        .map(|&(key, action, description, modes, confirm)| Binding {
            key: match key {
                Key::Chord(chord) => chord,
                Key::Escape => escape,
            },
            action,
            description,
            modes,
            confirm,
        })
        .collect()
}

//! What one iteration runs in a loop's worktree: the agent (one-shot, or its interactive
//! session and turn hook), the plan's checks and the reviewer, all started the one way
//! `child` knows, with the environment, argv and pane text they need.

pub mod agent;
pub mod argv;
pub mod budget;
pub mod checks;
pub mod child;
pub mod env;
pub mod interactive;
pub mod pane_text;
pub mod reviewer;
pub mod session;
pub mod tail;
pub mod turn_hook;

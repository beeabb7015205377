//! What happens to a loop's work once it is done: the review's facts, the approval's merge
//! or branch or PR body, a rollback to the last green iteration, and the cleanup of an
//! ended loop's worktree.

pub mod cleanup;
pub mod deliver;
pub mod pull_request;
pub mod review;
pub mod rollback;

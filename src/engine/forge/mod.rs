//! The forge the repository lives on, through the GitHub CLI: `gh` run as the user, never
//! with andon's own credentials. Open issues become plan drafts (`import.rs`); `gh.rs` runs the
//! CLI and says plainly when it is missing or not logged in; `follow.rs` looks at a followed
//! pull request; `bounded.rs` gives every command of the forge a time to answer.

pub mod bounded;
pub mod follow;
pub mod gh;
pub mod import;

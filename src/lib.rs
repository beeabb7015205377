//! andon: a full-screen terminal supervisor for autonomous coding-agent loops.
//!
//! `andon_core` (its own crate) decides, purely; `engine` does (processes, git, store); `ui`
//! and the binary's `cli` show.

#![cfg_attr(test, allow(clippy::too_many_lines, reason = "table tests run long"))]
#![cfg_attr(
    test,
    allow(clippy::disallowed_methods, reason = "tests may read the real clock")
)]

pub mod atomic;
pub mod clock;
pub mod config;
pub mod engine;
pub mod error_chain;
pub mod git;
pub mod or_log;
pub mod own_file;
pub mod pty;
pub mod sandbox;
pub mod store;
pub mod sys;
pub mod term;
pub mod ui;
pub mod watch;
pub mod wiki;

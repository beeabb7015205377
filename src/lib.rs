//! andon: a full-screen terminal supervisor for autonomous coding-agent loops.
//!
//! `core` decides (pure), `engine` does (processes, git, store), and the binary's `cli` shows.

#![cfg_attr(test, allow(clippy::too_many_lines, reason = "table tests run long"))]

pub mod atomic;
pub mod clock;
pub mod config;
/// The pure core is its own crate, `andon-core`; `crate::core` names it throughout andon.
pub use andon_core as core;
pub mod engine;
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

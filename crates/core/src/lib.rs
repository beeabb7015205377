//! andon-core, the pure core: andon's decisions with no I/O, no clocks and no threads — plan
//! parsing, the reducer and its breakers, fingerprints, classification, prompts, guards, the
//! agent turn and state recognisers — all unit-tested. The compiler keeps it pure: its
//! Cargo.toml has no crate that does I/O, and its `clippy.toml` bans `std::fs`,
//! `std::process`, `std::net`, `std::env`, threads and clock reads.

#![cfg_attr(test, allow(clippy::too_many_lines, reason = "table tests run long"))]

pub mod agent;
pub mod badge;
pub mod breaker_overrides;
pub mod cache_dir;
pub mod common_cause;
pub mod condition;
pub mod desktop;
pub mod diff;
pub mod duration;
pub mod event;
pub mod failure;
pub mod file_error;
pub mod guard;
pub mod issue_draft;
pub mod kaizen;
pub mod lexical_path;
pub mod markdown;
pub mod notify;
pub mod plan;
pub mod pr_body;
pub mod pr_follow;
pub mod prompt;
pub mod queue;
pub mod redact;
pub mod reducer;
pub mod reviewer;
pub mod sandbox;
pub mod sanitize;
pub mod scope;
pub mod shell_fill;
pub mod standards;
pub mod state;
pub mod suggest;
pub mod template;
pub mod toml_errors;
pub mod usage;

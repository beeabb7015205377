//! andon-core, the pure core: andon's decisions with no I/O, no clocks and no threads — plan
//! parsing, the reducer and its breakers, fingerprints, classification, prompts, guards, the
//! agent turn and state recognisers — all unit-tested. The compiler keeps it pure: its
//! Cargo.toml has no crate that does I/O, and its `clippy.toml` bans `std::fs`,
//! `std::process`, `std::net`, `std::env`, threads and clock reads.

#![cfg_attr(test, allow(clippy::too_many_lines, reason = "table tests run long"))]

pub mod agent;
pub mod badge;
pub mod breaker_overrides;
mod breakers;
pub mod cache_dir;
pub mod classify;
mod classify_rules;
pub mod condition;
pub mod diff;
pub mod duration;
pub mod event;
pub mod file_error;
pub mod fingerprint;
pub mod guard;
pub mod human;
pub mod kaizen;
pub mod lexical_path;
pub mod markdown;
pub mod misconfig;
pub mod offline;
pub mod plan;
pub mod plan_checks;
pub mod plan_frame;
pub mod plan_goal;
pub mod pr_body;
pub mod prompt;
pub mod redact;
pub mod reducer;
mod reducer_agent;
mod reducer_review;
pub mod reviewer;
pub mod sandbox;
pub mod sandbox_denial;
pub mod sanitize;
pub mod scope;
pub mod shell_fill;
pub mod state;
pub mod suggest;
pub mod template;
pub mod toml_errors;
pub mod usage;
pub mod verdict;

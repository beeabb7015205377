//! andon's integration tests, one binary so libgit2 and SQLite link once: each module drives
//! the real `andon` binary (or its library) against real git repositories, PTYs, SQLite files,
//! child processes and, where the machine has them, tmux, bubblewrap and the agent CLIs.
//! `common` holds the harness (`TestRepo`); what is not andon-specific lives in the
//! `andon-test-support` crate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_lines,
    clippy::disallowed_methods
)]

mod common;

mod acts_for_agent;
mod adopt;
mod agent_states;
mod architecture;
mod bad_input;
mod boundary;
mod breakers;
mod common_cause;
mod config_mistakes;
mod control;
mod docs;
mod doctor;
mod environment;
mod example;
mod hostile;
mod hostile_names;
mod human;
mod import;
mod inert_text;
mod init;
mod interactive;
mod memory;
mod notify;
mod one_place;
mod panes;
mod plan_fields;
mod pr_follow;
mod profiles;
mod query;
mod queue;
mod real_agents;
mod real_project;
mod review;
mod reviewer;
mod sandbox;
mod secrets;
mod seen_before;
mod status;
mod tui;

//! The full-screen board: shows snapshots of the engine's loops and sends human actions to it.
//! It never touches git, SQLite or a PTY directly.

pub mod app;
pub mod board;
mod cards;
mod commands;
#[cfg(test)]
pub(crate) mod diff_fixtures;
pub mod diff_rows;
pub mod diff_search;
pub mod diff_view;
#[cfg(test)]
mod fake_port;
mod feed;
pub mod highlight;
mod input_events;
pub mod kaizen_view;
pub mod key_chord;
pub mod keymap;
mod keymap_defaults;
pub mod layout;
pub mod model;
pub mod notices;
pub mod panes;
pub mod port;
pub mod review;
pub mod review_facts;
pub mod screen;
pub mod terminal;
pub mod theme;
mod theme_file;
mod typed;
pub mod views;

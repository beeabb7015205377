//! The full-screen board: shows snapshots of the engine's loops and sends human actions to it.
//! It never touches git, SQLite or a PTY directly.

pub mod app;
mod cards;
mod commands;
pub mod key_chord;
pub mod keymap;
pub mod layout;
pub mod model;
pub mod panes;
pub mod terminal;
pub mod theme;
mod theme_file;
pub mod views;

//! The full-screen board: shows snapshots of the engine's loops and sends human actions to it
//! through one port. It never touches git, SQLite or a PTY directly. Folders by feature:
//! `app` (the real terminal and the event loop), `board` (the board's state and what each
//! event does to it), `port` (the one door into the engine), `keys` (keymap, chords, and the
//! controller that turns keys into intents), `diff`, `review`, `kaizen`, `theme`, and `views`
//! (drawing each screen, without side effects).

pub mod app;
pub mod board;
pub mod diff;
pub mod kaizen;
pub mod keys;
pub mod port;
pub mod review;
pub mod theme;
pub mod views;

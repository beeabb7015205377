//! Keys: the keymap (one table of defaults, a user's overrides) and its chords, terminal
//! input as the board reads it (keys, pastes, mouse; typing into an attached agent), and the
//! controller that turns a key into an intent on the model or a request on the port.

pub mod controller;
pub mod input_events;
pub mod key_chord;
pub mod keymap;
mod keymap_defaults;
pub mod typing;

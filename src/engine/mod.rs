//! The engine does what the core decides: one task per loop executing the reducer's effects —
//! agents in PTYs, guards, checks, snapshots, the store — plus the repo lock and control socket.

pub mod delivery;
pub mod diffs;
pub mod forge;
pub mod input_error;
pub mod iteration;
pub mod loop_task;
pub mod memory;
pub mod notify;
pub mod paths;
pub mod queries;
pub mod sandbox;
pub mod spec;
pub mod supervisor;

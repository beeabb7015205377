//! The engine does what the core decides: one task per loop executing the reducer's effects —
//! agents in PTYs, guards, checks, snapshots, the store — plus the repo lock and control socket.

pub mod agent_run;
pub mod argv;
pub mod checks;
pub mod cleanup;
pub mod control;
pub mod deliver;
pub mod diffs;
pub mod doctor;
pub mod ended;
pub mod env;
pub mod input_error;
pub mod interactive_run;
pub mod kaizen;
pub mod launch;
pub mod lock;
pub mod loop_diffs;
pub mod loop_task;
pub mod memory;
pub mod ops;
pub mod paths;
pub mod ptys;
pub mod pull_request;
pub mod record;
pub mod remote;
pub mod restore;
pub mod review;
pub mod reviewer;
pub mod sandbox;
pub mod session;
pub mod shared;
pub mod skills;
pub mod spec;
pub mod supervisor;
pub mod tail;
pub mod turn_hook;

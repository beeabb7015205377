//! Agents andon drives: the scripted `sim` agent used by demos and tests, the turn watcher of
//! interactive agents, and the recogniser of agent states. (Profiles for real agent CLIs live
//! in `config::profile`.)

pub mod sim;
pub mod sim_error;
pub mod sim_fix_plan;
pub mod sim_output;
pub mod sim_play;
pub mod sim_scenario;
pub mod sim_tui;
pub mod states;
pub mod turn;

//! Reading what andon knows for a human: the Kaizen board's report and decisions, and
//! `andon doctor`'s findings about this machine.

pub mod doctor;
pub mod kaizen;

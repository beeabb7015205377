//! The Kaizen board's state: incident groups, their decisions, and what a key does there.

pub mod view;

//! The diff view's state: rows of a loop's diff, search in it, syntax highlighting, and
//! what a key does there.

#[cfg(test)]
pub(crate) mod fixtures;
pub mod highlight;
pub mod rows;
pub mod search;
pub mod view;

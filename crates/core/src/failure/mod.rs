//! A failure, understood: its category and confidence (`classify`), its fingerprint over
//! normalized output (`fingerprint`), the configuration mistakes and offline checks that are
//! not the agent's fault, the sandbox's refusals, the verdict on an agent's run, and the
//! other loops' failures it was seen before in (`seen_before`).

pub mod classify;
mod classify_rules;
pub mod fingerprint;
pub mod misconfig;
pub mod offline;
pub mod sandbox_denial;
pub mod seen_before;
pub mod verdict;

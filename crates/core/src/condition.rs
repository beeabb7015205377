//! What an agent's own output says about the agent (not the code): an API error, refused
//! credentials, a rate or usage limit, a permission prompt. Recognised by `agent::states`,
//! decided on by the reducer: a rate limit waits (yellow, not a failure), refused credentials
//! stop the line for a human, an API error is a failed iteration with the message shown.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentCondition {
    /// The model API failed (5xx, overloaded, a broken stream).
    ApiError,
    /// The credentials were refused: nothing works until a human fixes them.
    AuthFailed,
    /// A rate or usage limit: wait and try again.
    RateLimited,
    /// The agent asks a human for permission and waits.
    NeedsPermission,
}

impl AgentCondition {
    pub fn as_str(self) -> &'static str {
        match self {
            AgentCondition::ApiError => "api_error",
            AgentCondition::AuthFailed => "auth_failed",
            AgentCondition::RateLimited => "rate_limited",
            AgentCondition::NeedsPermission => "needs_permission",
        }
    }

    /// How the board names it beside the lamp.
    pub fn label(self) -> &'static str {
        match self {
            AgentCondition::ApiError => "API ERROR",
            AgentCondition::AuthFailed => "AUTH FAILED",
            AgentCondition::RateLimited => "WAITING",
            AgentCondition::NeedsPermission => "NEEDS HUMAN",
        }
    }
}

/// A recognised condition and the line of output that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub condition: AgentCondition,
    pub line: String,
}

/// How long a rate-limited loop waits before its `n`th retry (1-based): `first`, doubling,
/// at most 10 minutes.
pub fn rate_limit_wait_ms(first: u64, n: u32) -> u64 {
    let doublings = n.saturating_sub(1).min(10);
    first.saturating_mul(1 << doublings).min(600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_and_cap() {
        let waits: Vec<u64> = (1..=8).map(|n| rate_limit_wait_ms(30_000, n)).collect();
        assert_eq!(
            waits,
            [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]
        );
        assert_eq!(rate_limit_wait_ms(1_000, 2), 2_000);
    }
}

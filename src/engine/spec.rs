//! What a loop is made of, fixed when it starts: its plan, agent profile, rules and places.
//! Together with the reducer's state (persisted in the store) it is all a loop task needs.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::AgentProfile;
use andon_core::plan::Plan;
use andon_core::sandbox::SandboxMode;
use andon_core::state::LoopState;

#[derive(Debug, Clone)]
pub struct LoopSpec {
    pub name: String,
    pub plan: Plan,
    pub plan_hash: String,
    pub profile: AgentProfile,
    /// The plan's reviewers, different one-shot agents that each give a second opinion.
    pub reviewers: Vec<AgentProfile>,
    pub protected: Vec<String>,
    pub no_progress: Duration,
    pub iteration_timeout: Duration,
    pub worktree: PathBuf,
    pub branch: String,
    pub base: String,
    /// How the agent and checks are confined (resolved from plan, profile and config).
    pub sandbox: SandboxMode,
    /// The checks the repository's standards added to the plan's when the loop started
    /// (they run after the plan's own; later standards do not change a running loop).
    pub standards: Vec<andon_core::standards::StandardCheck>,
}

impl LoopSpec {
    /// Where this loop's checks and reviewer may print: the board's pane, unless an
    /// interactive agent's TUI owns it — their bytes would move its cursor under its own
    /// redraws, and its terminal queries' answers would be typed into the agent.
    pub fn side_output(
        &self,
        output: &Option<crate::engine::supervisor::shared::OutputHook>,
    ) -> Option<crate::engine::supervisor::shared::OutputHook> {
        match self.profile.mode {
            crate::config::AgentMode::Interactive => None,
            crate::config::AgentMode::Oneshot => output.clone(),
        }
    }
}

/// The part of a loop the store keeps as JSON: the reducer's state plus the engine's own
/// bookkeeping that a restart needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Persisted {
    pub state: LoopState,
    /// The commit of the last snapshot (the base before the first one).
    pub last_snapshot: String,
    pub agent: String,
    pub protected: Vec<String>,
    pub no_progress_ms: u64,
    pub iteration_timeout_ms: u64,
    pub started_at: i64,
    /// Every iteration's status so far, for the board's pass/fail strip.
    #[serde(default)]
    pub marks: Vec<Mark>,
    /// Time spent working (agent, checks, review) in the spells that have ended, in ms: the
    /// loop's clock, which stands still while it waits for a human or for a restart.
    #[serde(default)]
    pub worked_ms: u64,
    /// When the loop last changed state (ms since the epoch; 0 before the first change).
    #[serde(default)]
    pub changed_at: i64,
    /// The standards' checks the loop started with.
    #[serde(default)]
    pub standards: Vec<andon_core::standards::StandardCheck>,
}

/// One iteration on the board's strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub iteration: u32,
    /// running, passed, failed, planned, cancelled, stopped, interrupted
    pub status: String,
}

/// Marks kept for the board's strip: more than any pane is wide. The store keeps every
/// iteration; a loop that runs for days must not grow its state (and every update) without end.
pub const MARKS_KEPT: usize = 200;

impl Persisted {
    /// The loop changes state at `now`, leaving a state that was (or was not) a working one:
    /// a working spell's time joins the clock.
    pub fn clock(&mut self, was_active: bool, now: i64) {
        if was_active {
            let since = self.last_change();
            self.worked_ms += now.saturating_sub(since).max(0) as u64;
        }
        self.changed_at = now;
    }

    /// The wall time the loop's budget has spent at `now`: since its start — or, once it
    /// follows a PR, only the time it worked (hours waiting on CI and reviewers are not the
    /// loop's).
    pub fn budget_spent_ms(&self, now: i64) -> u64 {
        if self.state.pr.is_none() {
            return now.saturating_sub(self.started_at).max(0) as u64;
        }
        let spell = self
            .active_since()
            .map_or(0, |since| now.saturating_sub(since).max(0) as u64);
        self.worked_ms + spell
    }

    /// When the current working spell began; `None` while the loop does not work.
    pub fn active_since(&self) -> Option<i64> {
        self.state.state.is_active().then_some(self.last_change())
    }

    /// The last change of state (a loop from before the clock was kept: its start).
    fn last_change(&self) -> i64 {
        if self.changed_at > 0 {
            self.changed_at
        } else {
            self.started_at
        }
    }

    /// Record iteration `n`'s status (a re-run iteration replaces its mark).
    pub fn mark(&mut self, n: u32, status: &str) {
        match self.marks.iter_mut().rev().find(|m| m.iteration == n) {
            Some(m) => m.status = status.to_string(),
            None => self.marks.push(Mark {
                iteration: n,
                status: status.to_string(),
            }),
        }
        if self.marks.len() > MARKS_KEPT {
            let extra = self.marks.len() - MARKS_KEPT;
            self.marks.drain(..extra);
        }
    }
}

/// A stable content hash of a plan file: plans are immutable once a loop runs them.
pub fn plan_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use andon_core::state::{Limits, LoopState};

    fn persisted(started_at: i64) -> Persisted {
        Persisted {
            state: LoopState::new(Limits::default()),
            last_snapshot: String::new(),
            agent: "sim".into(),
            protected: Vec::new(),
            no_progress_ms: 0,
            iteration_timeout_ms: 0,
            started_at,
            marks: Vec::new(),
            worked_ms: 0,
            changed_at: 0,
            standards: Vec::new(),
        }
    }

    #[test]
    fn marks_keep_the_newest_and_a_rerun_replaces_its_own() {
        let mut p = persisted(0);
        for n in 1..=(MARKS_KEPT as u32 + 50) {
            p.mark(n, "failed");
        }
        assert_eq!(p.marks.len(), MARKS_KEPT);
        assert_eq!(p.marks[0].iteration, 51);
        p.mark(MARKS_KEPT as u32 + 50, "passed");
        assert_eq!(p.marks.len(), MARKS_KEPT);
        assert_eq!(p.marks.last().map(|m| m.status.as_str()), Some("passed"));
    }

    #[test]
    fn a_loop_following_its_pr_spends_its_budget_only_working() {
        use andon_core::state::{PullRequest, State};
        let mut p = persisted(0);
        p.state.state = State::Running;
        p.clock(false, 0);
        // Ran 10 s, then waited on its PR for three hours, then a CI fix runs 5 s in.
        p.state.state = State::PrOpen;
        p.clock(true, 10_000);
        assert_eq!(p.budget_spent_ms(10_000), 10_000);
        p.state.state = State::Running;
        p.clock(false, 10_810_000);
        assert_eq!(
            p.budget_spent_ms(10_815_000),
            10_815_000,
            "no PR: since the start"
        );
        p.state.pr = Some(PullRequest::default());
        assert_eq!(
            p.budget_spent_ms(10_815_000),
            15_000,
            "following: its work only"
        );
    }

    #[test]
    fn the_clock_counts_working_spells_only() {
        use andon_core::state::State;
        let mut p = persisted(1_000);
        // Pending until 5 s, then running 6 s, stopped for ten minutes, running 2 s, waiting.
        let steps = [
            (5_000, State::Running, 0, Some(5_000)),
            (11_000, State::Stopped, 6_000, None),
            (611_000, State::Running, 6_000, Some(611_000)),
            (612_000, State::Checking, 7_000, Some(612_000)),
            (613_000, State::AwaitingApproval, 8_000, None),
        ];
        for (now, next, worked, since) in steps {
            let was_active = p.state.state.is_active();
            p.state.state = next;
            p.clock(was_active, now);
            assert_eq!((p.worked_ms, p.active_since()), (worked, since), "{next}");
        }
    }
}

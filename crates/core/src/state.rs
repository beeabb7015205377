//! The loop's state as the reducer sees it: lifecycle state, lamp, counters, feedback and the
//! human notes that every later prompt carries. Plain data, serialised whole into the store so
//! a restarted andon finds every loop exactly as it was.

use serde::{Deserialize, Serialize};

use crate::failure::classify::Category;
use crate::usage::Usage;

pub use crate::badge::Badge;

/// Where a loop is in its life (DESIGN §5 states).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// A new loop, before its first iteration.
    #[default]
    Pending,
    Running,
    Checking,
    MetaAndon,
    Stopped,
    AwaitingApproval,
    Approved,
    Merged,
    Aborted,
    /// Approved into a pull request that andon follows (`[pr] follow`): it waits on the PR's
    /// CI and its reviewers, and a failure or a change request starts the next iteration.
    PrOpen,
    /// The followed PR's checks are green and it is approved: a human merges it.
    Mergeable,
}

impl State {
    pub const ALL: [State; 11] = [
        State::Pending,
        State::Running,
        State::Checking,
        State::MetaAndon,
        State::Stopped,
        State::AwaitingApproval,
        State::Approved,
        State::Merged,
        State::Aborted,
        State::PrOpen,
        State::Mergeable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Checking => "checking",
            State::MetaAndon => "meta_andon",
            State::Stopped => "stopped",
            State::AwaitingApproval => "awaiting_approval",
            State::Approved => "approved",
            State::Merged => "merged",
            State::Aborted => "aborted",
            State::PrOpen => "pr_open",
            State::Mergeable => "mergeable",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The state in words, for the board and messages (`as_str` is the store's name).
    pub fn label(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Running => "running",
            State::Checking => "checking",
            State::MetaAndon => "Meta-Andon",
            State::Stopped => "stopped",
            State::AwaitingApproval => "awaiting approval",
            State::Approved => "approved",
            State::Merged => "merged",
            State::Aborted => "aborted",
            State::PrOpen => "PR open",
            State::Mergeable => "mergeable",
        }
    }

    /// [`State::label`] of a state named as the store names it (the name itself otherwise).
    pub fn label_of(name: &str) -> &str {
        match State::parse(name) {
            Some(state) => state.label(),
            None => name,
        }
    }

    /// A process (agent or check) of this loop may be running in this state.
    pub fn is_active(self) -> bool {
        matches!(self, State::Running | State::Checking | State::MetaAndon)
    }

    /// A loop that takes a place on the line (`max_running`): its agent or checks work, or
    /// are about to.
    pub fn occupies_line(self) -> bool {
        matches!(
            self,
            State::Pending | State::Running | State::Checking | State::MetaAndon
        )
    }

    /// No further iteration will ever run.
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Approved | State::Merged | State::Aborted)
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The loop's Andon light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lamp {
    Green,
    Yellow,
    Red,
    Magenta,
    Blue,
    Gray,
}

impl Lamp {
    pub const ALL: [Lamp; 6] = [
        Lamp::Green,
        Lamp::Yellow,
        Lamp::Red,
        Lamp::Magenta,
        Lamp::Blue,
        Lamp::Gray,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Lamp::Green => "green",
            Lamp::Yellow => "yellow",
            Lamp::Red => "red",
            Lamp::Magenta => "magenta",
            Lamp::Blue => "blue",
            Lamp::Gray => "gray",
        }
    }

    pub fn parse(s: &str) -> Option<Lamp> {
        Lamp::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for Lamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the agent is asked to do in an iteration (`ANDON_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Code,
    Plan,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Code => "code",
            Mode::Plan => "plan",
        }
    }
}

/// Why a loop is stopped; decides what `resume` may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopCause {
    /// A human pulled the cord; the running process group is frozen.
    Human,
    /// The same failure again and again: a human must redirect.
    Insanity,
    /// A plan-mode iteration wrote a fix plan; a human accepts it (resume) or redirects.
    MetaAndon,
    /// Too many files changed outside the plan's scope in one iteration.
    OutOfScope,
    /// A protected file (an existing test) was changed or deleted.
    SpecDrift,
    /// Neither output nor file changes for the no-progress time.
    NoProgress,
    /// The plan's iteration budget is spent.
    MaxIterations,
    /// The supervisor died in the middle of an iteration; resume re-runs it.
    Interrupted,
    /// andon itself could not carry out a step (git, disk); the evidence is in the reason.
    EngineError,
    /// The loop's wall-time budget is spent.
    Budget,
    /// The agent's credentials were refused; resume re-runs the iteration once fixed.
    AgentAuth,
    /// The agent kept hitting a rate or usage limit; resume tries the iteration again.
    AgentLimit,
    /// The plan's reviewer could not review; resume asks it again.
    Reviewer,
    /// A check or the agent cannot work as configured; resume re-runs the iteration once fixed.
    Config,
    /// andon refused to act for the agent: what it was about to use had been tampered with.
    Tampering,
    /// The environment failed twice (a service, the network, the disk): a human resumes with
    /// a hypothesis, a note that joins the prompts.
    Hypothesis,
    /// The reviewers disagree: a human reads both sides, then resumes it to approval or
    /// redirects it.
    ReviewSplit,
    /// The same failure in several loops at once, green at their baselines: the
    /// environment or a shared service broke, not the agents. Resuming one resumes all.
    CommonCause,
    /// A followed PR's reviewer asked for changes in inline comments only: a human reads them
    /// and redirects the loop (resume goes on following the PR as it is).
    PrReview,
    /// The push of a followed PR's fix was refused: a human brings the branch up to date with
    /// the PR's, then resumes, which pushes again.
    PrPush,
}

impl StopCause {
    /// A stop the line made on its own because of how the work went: it gets a Five Whys.
    /// (A human's stop, a Meta-Andon, a crash or andon's own error do not.)
    pub fn is_line_stop(self) -> bool {
        matches!(
            self,
            StopCause::Insanity
                | StopCause::OutOfScope
                | StopCause::SpecDrift
                | StopCause::NoProgress
                | StopCause::MaxIterations
                | StopCause::Budget
        )
    }

    /// What stopped the line, in words: "stopped by {label}".
    pub fn label(self) -> &'static str {
        match self {
            StopCause::Human => "a human",
            StopCause::Insanity => "the Insanity Rule",
            StopCause::MetaAndon => "Meta-Andon",
            StopCause::OutOfScope => "too many files out of scope",
            StopCause::SpecDrift => "spec drift",
            StopCause::NoProgress => "no progress",
            StopCause::MaxIterations => "the iteration limit",
            StopCause::Interrupted => "an interruption",
            StopCause::EngineError => "an andon error",
            StopCause::Budget => "the budget",
            StopCause::AgentAuth => "refused credentials",
            StopCause::AgentLimit => "the agent's usage limit",
            StopCause::Reviewer => "the reviewer",
            StopCause::Config => "a configuration mistake",
            StopCause::Tampering => "tampering",
            StopCause::Hypothesis => "a second environment failure",
            StopCause::ReviewSplit => "the reviewers' split verdict",
            StopCause::CommonCause => "a common cause",
            StopCause::PrReview => "a PR review andon cannot pass on",
            StopCause::PrPush => "a refused push to the PR",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StopCause::Human => "human",
            StopCause::Insanity => "insanity",
            StopCause::MetaAndon => "meta_andon",
            StopCause::OutOfScope => "out_of_scope",
            StopCause::SpecDrift => "spec_drift",
            StopCause::NoProgress => "no_progress",
            StopCause::MaxIterations => "max_iterations",
            StopCause::Interrupted => "interrupted",
            StopCause::EngineError => "engine_error",
            StopCause::Budget => "budget",
            StopCause::AgentAuth => "agent_auth",
            StopCause::AgentLimit => "agent_limit",
            StopCause::Reviewer => "reviewer",
            StopCause::Config => "config",
            StopCause::Tampering => "tampering",
            StopCause::Hypothesis => "hypothesis",
            StopCause::ReviewSplit => "review_split",
            StopCause::CommonCause => "common_cause",
            StopCause::PrReview => "pr_review",
            StopCause::PrPush => "pr_push",
        }
    }
}

/// A stopped loop remembers why, and where a resume returns to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub cause: StopCause,
    pub reason: String,
    /// The state before a human stop (the frozen run continues there on resume).
    pub resume_to: Option<State>,
    /// The run's process group is SIGSTOPped.
    pub frozen: bool,
    /// An interrupted loop that a human had stopped: a restart keeps it stopped until a human
    /// resumes it.
    #[serde(default)]
    pub human_hold: bool,
}

/// A failed iteration, judged: what the next prompt and the breakers need to know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub category: Category,
    pub confidence: f32,
    pub fingerprint: String,
    /// One line for humans: which check failed and how.
    pub summary: String,
    /// The failing checks' names.
    pub checks: Vec<String>,
    /// The tail of the failing output, fed back to the agent.
    pub output_tail: String,
    /// The normalized lines its fingerprint hashed, kept so that a later failure can be
    /// compared with it line by line (Seen before).
    #[serde(default)]
    pub lines: Vec<String>,
}

impl Failure {
    /// The failure with the secrets `r` knows taken out of its words and output.
    pub fn redacted(mut self, r: &crate::redact::Redactor) -> Failure {
        self.summary = r.clean(&self.summary);
        self.output_tail = r.clean(&self.output_tail);
        // The lines are stored and agents may read them (`andon query`).
        self.lines = self.lines.iter().map(|l| r.clean(l)).collect();
        self
    }
}

/// Thresholds the reducer enforces, copied into the state when the loop starts so a config
/// edit never changes a running loop's rules behind its back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub consecutive_failures: u32,
    pub repeat_fingerprint: u32,
    pub max_iterations: u32,
    pub out_of_scope_stop: u32,
    /// The loop's wall-time budget from its start, in ms; `None` for no budget.
    #[serde(default)]
    pub budget_ms: Option<u64>,
    /// The first wait after a rate limit, in ms (each further one doubles).
    #[serde(default = "default_rate_limit_wait_ms")]
    pub rate_limit_wait_ms: u64,
    /// The plan has a reviewer: a green iteration needs its APPROVE too.
    #[serde(default)]
    pub review: bool,
    /// Tokens the agent may use over the loop, as it reports them.
    #[serde(default)]
    pub token_budget: Option<u64>,
    /// Micro-dollars the agent may spend over the loop, as it reports them.
    #[serde(default)]
    pub cost_budget_micros: Option<u64>,
}

fn default_rate_limit_wait_ms() -> u64 {
    30_000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            consecutive_failures: 3,
            repeat_fingerprint: 3,
            max_iterations: 10,
            out_of_scope_stop: 5,
            budget_ms: None,
            rate_limit_wait_ms: default_rate_limit_wait_ms(),
            review: false,
            token_budget: None,
            cost_budget_micros: None,
        }
    }
}

/// Everything the reducer decides on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    pub state: State,
    pub lamp: Lamp,
    /// The current (or last) iteration, 0 before the first.
    pub iteration: u32,
    /// The pull request andon follows for this loop (`[pr] follow`), once it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr: Option<PullRequest>,
    pub mode: Mode,
    pub consecutive_failures: u32,
    /// Consecutive failed iterations with the same fingerprint (or that changed nothing).
    pub repeat_count: u32,
    pub last_fingerprint: Option<String>,
    pub last_category: Option<Category>,
    /// Checks passed / total in the last iteration that ran checks.
    pub last_checks: Option<(u32, u32)>,
    /// The previous iteration's failure, fed into the next prompt.
    pub feedback: Option<Failure>,
    /// Every human redirect note so far, oldest first.
    pub notes: Vec<String>,
    /// Fix plans a human accepted after a Meta-Andon; they join every later prompt.
    pub fix_plans: Vec<String>,
    /// Files the guards restored in the last iteration (shown and fed back).
    pub restored: Vec<String>,
    pub stop: Option<Stop>,
    pub limits: Limits,
    /// The agent hit a rate or usage limit (its message): the loop waits, then retries.
    #[serde(default)]
    pub waiting: Option<String>,
    /// Rate-limited runs of this iteration in a row (each wait doubles).
    #[serde(default)]
    pub rate_limits: u32,
    /// What the agent reported using so far, over every run of the loop.
    #[serde(default)]
    pub spent: Usage,
    /// Failures the environment caused (a service, the network, the disk) since a human last
    /// gave a hypothesis: the second stops the line.
    #[serde(default)]
    pub environment_failures: u32,
    /// The last review's answers, when several reviewers gave them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opinions: Vec<crate::reviewer::Opinion>,
    /// The plan's checks on the untouched worktree, before iteration 1.
    #[serde(default)]
    pub baseline: Option<Baseline>,
    /// The loops stopped with this one by a common cause (resumed together).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub common_cause: Vec<String>,
}

/// A followed pull request: where it is, and its CI failures counted by the loop's breakers
/// across iterations (a green local iteration does not reset them: only a green CI does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub url: String,
    /// `[pr] push = "auto"`: a green fix is pushed without asking.
    #[serde(default)]
    pub auto_push: bool,
    /// CI failures in a row since the PR's CI was last green.
    #[serde(default)]
    pub ci_failures: u32,
    /// Of those, how many in a row had the same fingerprint.
    #[serde(default)]
    pub ci_repeat: u32,
    #[serde(default)]
    pub ci_fingerprint: Option<String>,
    /// The head commits whose CI failure was fed back (each once).
    #[serde(default)]
    pub judged_heads: Vec<String>,
    /// The reviews already acted on or shown, by id.
    #[serde(default)]
    pub reviews_seen: Vec<String>,
}

/// The plan's checks run once on the untouched worktree, before the agent changes anything:
/// what was already failing is not the agent's doing, and a check green here that fails in
/// several loops at once points at the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub passed: u32,
    pub total: u32,
    /// What failed before anything changed.
    pub failure: Option<Failure>,
}

impl Baseline {
    /// Whether check `name` passed at the baseline.
    pub fn was_green(&self, name: &str) -> bool {
        self.failure
            .as_ref()
            .is_none_or(|f| !f.checks.iter().any(|c| c == name))
    }

    /// In words: "3/3 checks pass" or "2/3 checks pass (tests failed: …)".
    pub fn describe(&self) -> String {
        match &self.failure {
            None => format!("{}/{} checks pass", self.passed, self.total),
            Some(f) => format!(
                "{}/{} checks pass ({})",
                self.passed,
                self.total,
                crate::sanitize::one_line(&f.summary, 160)
            ),
        }
    }
}

impl LoopState {
    pub fn new(limits: Limits) -> LoopState {
        LoopState {
            state: State::Pending,
            lamp: Lamp::Gray,
            iteration: 0,
            pr: None,
            mode: Mode::Code,
            consecutive_failures: 0,
            repeat_count: 0,
            last_fingerprint: None,
            last_category: None,
            last_checks: None,
            feedback: None,
            notes: Vec::new(),
            fix_plans: Vec::new(),
            restored: Vec::new(),
            stop: None,
            limits,
            waiting: None,
            rate_limits: 0,
            spent: Usage::default(),
            environment_failures: 0,
            opinions: Vec::new(),
            baseline: None,
            common_cause: Vec::new(),
        }
    }

    /// The badge a board shows beside the lamp.
    pub fn badge(&self) -> Option<Badge> {
        match self.state {
            State::Running | State::MetaAndon if self.waiting.is_some() => Some(Badge::Waiting),
            State::MetaAndon => Some(Badge::MetaAndon),
            State::Stopped => match self.stop.as_ref().map(|s| s.cause) {
                Some(StopCause::MetaAndon) => Some(Badge::MetaAndon),
                Some(StopCause::Hypothesis) => Some(Badge::Hypothesis),
                Some(StopCause::ReviewSplit) => Some(Badge::NeedsHuman),
                _ => Some(Badge::Stopped),
            },
            State::AwaitingApproval if self.pr.is_some() => Some(Badge::Push),
            State::AwaitingApproval => Some(Badge::AwaitingApproval),
            State::PrOpen => Some(Badge::PrOpen),
            State::Mergeable => Some(Badge::Mergeable),
            State::Running | State::Checking
                if self.repeat_count >= 2 && self.repeat_count < self.limits.repeat_fingerprint =>
            {
                Some(Badge::Repeating)
            }
            _ => None,
        }
    }

    /// A loop that waits for a human before anything else happens (headless exits on these).
    pub fn needs_human(&self) -> bool {
        match self.state {
            State::Stopped => {
                !matches!(self.stop.as_ref().map(|s| s.cause), Some(StopCause::Human))
            }
            State::AwaitingApproval | State::Mergeable => true,
            _ => false,
        }
    }

    /// A loop that waits on others — its PR's CI and reviewers — not on the human at hand.
    pub fn waits_on_others(&self) -> bool {
        self.state == State::PrOpen
    }

    pub fn stop_reason(&self) -> Option<&str> {
        self.stop.as_ref().map(|s| s.reason.as_str())
    }
}

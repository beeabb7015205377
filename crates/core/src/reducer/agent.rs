//! The reducer's rules for what an agent says about itself rather than about the code: the
//! usage it reports against the loop's token and cost budgets, a rate limit (wait, then run
//! the same iteration again), refused credentials (stop for a human).

use crate::condition::rate_limit_wait_ms;
use crate::event::{Effect, Transition};
use crate::reducer::breakers::line_stop;
use crate::state::{Lamp, LoopState, StopCause};
use crate::usage::{dollars, thousands};

/// The token or cost budget the agent's reported usage has crossed, with the figures.
pub(crate) fn over_budget(s: &LoopState) -> Option<String> {
    let spent = &s.spent;
    if let Some(budget) = s.limits.token_budget.filter(|b| spent.tokens() > *b) {
        return Some(format!(
            "token budget spent: {} tokens used of {} ({} in, {} out)",
            thousands(spent.tokens()),
            thousands(budget),
            thousands(spent.input_tokens),
            thousands(spent.output_tokens)
        ));
    }
    let cost = spent.cost_micros?;
    let budget = s.limits.cost_budget_micros.filter(|b| cost > *b)?;
    Some(format!(
        "cost budget spent: {} of {}",
        dollars(cost),
        dollars(budget)
    ))
}

/// Waits on a rate limit in a row before the line stops for a human (with the doubling
/// waits, about an hour): a usage limit can last a day, and a loop should not idle silently.
const MAX_RATE_LIMIT_WAITS: u32 = 8;

/// A rate or usage limit is not the code's fault: the iteration is not counted; the loop
/// waits (yellow), then runs the agent again for the same iteration.
pub(crate) fn rate_limited(s: &mut LoopState, line: &str) -> Transition {
    if s.rate_limits >= MAX_RATE_LIMIT_WAITS {
        let waits = s.rate_limits;
        s.waiting = None;
        s.rate_limits = 0;
        let resume_to = Some(s.state);
        let reason = format!(
            "the agent hit a limit {} times in a row ({line}); resume to try iteration {} again",
            waits + 1,
            s.iteration
        );
        let t = line_stop(s, StopCause::AgentLimit, reason, Vec::new());
        if let Some(stop) = s.stop.as_mut() {
            stop.resume_to = resume_to;
        }
        return t;
    }
    s.rate_limits += 1;
    s.waiting = Some(line.to_string());
    s.lamp = Lamp::Yellow;
    let ms = rate_limit_wait_ms(s.limits.rate_limit_wait_ms, s.rate_limits);
    Transition {
        effects: vec![Effect::RunAgentAfter { ms }],
        log: Some(format!(
            "waiting: the agent hit a limit ({line}); iteration {} runs again in {}",
            s.iteration,
            crate::duration::humanize(std::time::Duration::from_millis(ms))
        )),
        refused: None,
    }
}

/// Refused credentials: every further run would fail the same way, so the line stops until
/// a human fixes them and resumes (which re-runs the iteration).
pub(crate) fn auth_failed(s: &mut LoopState, line: &str) -> Transition {
    s.waiting = None;
    s.rate_limits = 0;
    let resume_to = Some(s.state);
    let effects = vec![Effect::Snapshot {
        message: format!(
            "andon: iteration {} (agent credentials refused)",
            s.iteration
        ),
    }];
    let reason = format!(
        "the agent's credentials were refused ({line}); fix them, then resume to re-run iteration {}",
        s.iteration
    );
    let t = line_stop(s, StopCause::AgentAuth, reason, effects);
    if let Some(stop) = s.stop.as_mut() {
        stop.resume_to = resume_to;
    }
    t
}

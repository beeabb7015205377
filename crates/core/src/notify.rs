//! The Andon call: which change on the line calls a human ([`Call`]), one call per transition,
//! at most one per loop per minute (the rest folded into one summary when the minute is
//! over), and the words a sink is handed. Pure: the engine and the board pass the time in.

use std::collections::BTreeMap;

use crate::state::{Lamp, State};

/// What calls a human; `[notify] on` chooses among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    /// A loop's lamp turned red (Jidoka: the line stopped on a failure).
    Red,
    /// A loop waits for a human: a stop that needs a decision, a diff to review.
    NeedsHuman,
    /// A loop's lamp turned blue: its work awaits approval.
    Blue,
    /// A human stopped the whole line.
    LineStopped,
}

impl Call {
    pub const ALL: [Call; 4] = [Call::Red, Call::NeedsHuman, Call::Blue, Call::LineStopped];

    pub fn as_str(self) -> &'static str {
        match self {
            Call::Red => "red",
            Call::NeedsHuman => "needs_human",
            Call::Blue => "blue",
            Call::LineStopped => "line_stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Call> {
        Call::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A loop as a call sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub lamp: Lamp,
    pub state: State,
    pub needs_human: bool,
}

impl Seen {
    pub fn of(s: &crate::state::LoopState) -> Seen {
        Seen {
            lamp: s.lamp,
            state: s.state,
            needs_human: s.needs_human(),
        }
    }
}

/// The calls a loop's change from `before` (none: its first picture) to `now` makes, those in
/// `on` only. A loop first seen already waiting calls too; the engine's notifier starts having
/// seen every loop the store holds, so a restarted supervisor does not call again for what a
/// human was called for before.
pub fn calls(before: Option<&Seen>, now: &Seen, on: &[Call]) -> Vec<Call> {
    let mut out = Vec::new();
    let turned = |lamp: Lamp| now.lamp == lamp && before.is_none_or(|b| b.lamp != lamp);
    if turned(Lamp::Red) {
        out.push(Call::Red);
    }
    // Blue calls a human to review; a loop waiting on its PR's CI is blue without a human.
    if turned(Lamp::Blue) && now.needs_human {
        out.push(Call::Blue);
    }
    if now.needs_human && before.is_none_or(|b| !b.needs_human || b.state != now.state) {
        out.push(Call::NeedsHuman);
    }
    out.retain(|c| on.contains(c));
    out
}

/// One notification for the sinks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The loop, or empty for the whole line.
    pub loop_name: String,
    pub lamp: String,
    pub state: String,
    pub reason: String,
    pub repo: String,
    pub title: String,
    pub body: String,
}

impl Notice {
    /// A loop's call: `andon: fix-pricing red` / `stopped: same failure twice`.
    pub fn of_loop(repo: &str, name: &str, seen: &Seen, reason: &str) -> Notice {
        let body = if reason.is_empty() {
            seen.state.label().to_string()
        } else {
            format!("{}: {reason}", seen.state.label())
        };
        Notice {
            loop_name: name.to_string(),
            lamp: seen.lamp.as_str().to_string(),
            state: seen.state.as_str().to_string(),
            reason: reason.to_string(),
            repo: repo.to_string(),
            title: format!("andon {repo}: {name} {}", seen.lamp.as_str()),
            body,
        }
    }

    /// The whole line stopped (or a sample from `andon notify test`).
    pub fn of_line(repo: &str, title: &str, body: &str) -> Notice {
        Notice {
            loop_name: String::new(),
            lamp: String::new(),
            state: String::new(),
            reason: body.to_string(),
            repo: repo.to_string(),
            title: format!("andon {repo}: {title}"),
            body: body.to_string(),
        }
    }

    /// The placeholders a sink's command may use, with their values (also its environment,
    /// as `ANDON_<NAME>`).
    pub fn values(&self) -> [(&'static str, &str); 7] {
        [
            ("loop", &self.loop_name),
            ("lamp", &self.lamp),
            ("state", &self.state),
            ("reason", &self.reason),
            ("repo", &self.repo),
            ("title", &self.title),
            ("body", &self.body),
        ]
    }
}

/// The placeholders of a notify command.
pub const PLACEHOLDERS: &[&str] = &["loop", "lamp", "state", "reason", "repo", "title", "body"];

/// How long after one notification about a loop the next may go.
pub const QUIET_MS: i64 = 60_000;

/// The rate limit: at most one notification per loop per [`QUIET_MS`]; what comes in between
/// is held, and the last of it goes out as one summary when the quiet time is over.
#[derive(Debug, Default)]
pub struct Limiter {
    /// Per loop: when the last notice went, and what was held since (count, the newest).
    loops: BTreeMap<String, (i64, usize, Option<Notice>)>,
}

impl Limiter {
    /// `notice` happened at `now_ms`: returns it when it may go now, else holds it.
    pub fn offer(&mut self, notice: Notice, now_ms: i64) -> Option<Notice> {
        let slot = self
            .loops
            .entry(notice.loop_name.clone())
            .or_insert((i64::MIN, 0, None));
        if now_ms.saturating_sub(slot.0) >= QUIET_MS {
            *slot = (now_ms, 0, None);
            return Some(notice);
        }
        slot.1 += 1;
        slot.2 = Some(notice);
        None
    }

    /// When the next held summary is due, if any.
    pub fn next_due(&self) -> Option<i64> {
        self.loops
            .values()
            .filter(|(_, n, _)| *n > 0)
            .map(|(at, _, _)| at.saturating_add(QUIET_MS))
            .min()
    }

    /// The summaries due at `now_ms`: each loop's newest held notice, its body saying how
    /// many changes it stands for.
    pub fn due(&mut self, now_ms: i64) -> Vec<Notice> {
        let mut out = Vec::new();
        for (at, held, newest) in self.loops.values_mut() {
            if *held == 0 || now_ms.saturating_sub(*at) < QUIET_MS {
                continue;
            }
            if let Some(mut n) = newest.take() {
                if *held > 1 {
                    n.body = format!("{} (and {} earlier changes this minute)", n.body, *held - 1);
                }
                out.push(n);
            }
            *at = now_ms;
            *held = 0;
        }
        out
    }
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;

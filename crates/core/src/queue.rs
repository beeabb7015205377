//! The line's one admission rule: which queued work may start now, and why the rest waits.
//! Every loop start — `andon run`, plans handed to a running supervisor, a resumed loop —
//! asks [`schedule`]; later limits (a per-host cap, a spending budget) become further
//! [`Wait`] reasons here rather than schedulers of their own.

use std::collections::{BTreeMap, BTreeSet};

use crate::state::State;

/// What a queue entry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    /// A new loop from a plan file (repo-relative path).
    Plan,
    /// A stopped loop a human resumed while the line was full.
    Resume { loop_name: String },
}

/// One waiting entry of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub work: Work,
    /// The plan (repo-relative), for a resume the resumed loop's plan.
    pub plan: String,
    /// Higher starts first; equal priorities start in the order they were queued (by id).
    pub priority: i64,
    /// The plan whose loop must be merged first (so its work is in this loop's base).
    pub after: Option<String>,
}

/// A loop of the repo, as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopFact {
    pub name: String,
    pub plan: String,
    pub state: State,
    /// When the loop was made; the newest loop of a plan speaks for it.
    pub created_at: i64,
    /// Cut by a supervisor that died: the supervisor that hosts it reruns the iteration, so
    /// it holds its place on the line.
    pub interrupted: bool,
}

impl LoopFact {
    /// Whether the loop takes one of `max_running`'s places.
    pub fn occupies_line(&self) -> bool {
        self.state.occupies_line() || self.interrupted
    }
}

/// `[line]`'s limits; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub max_running: Option<usize>,
    pub max_awaiting_review: Option<usize>,
}

/// Why an entry does not start now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// A human stopped the whole line.
    LineStopped,
    /// `max_running` loops work already.
    Running { running: usize, max: usize },
    /// `max_awaiting_review` diffs wait for a human already: the line does not outrun its
    /// reviewer.
    AwaitingReview { waiting: usize, max: usize },
    /// The plan it comes after has not merged; `state` is that plan's newest loop's state,
    /// `None` while it has no loop yet (queued itself).
    After { plan: String, state: Option<State> },
    /// The plan it comes after is neither queued nor run (its entry was removed): only a
    /// human can queue it again or remove this entry.
    AfterMissing { plan: String },
    /// The main worktree has uncommitted changes to these tracked files: new loops start from
    /// HEAD and would not see them, so they wait for the human to commit or stash them.
    DirtyBase { paths: Vec<String> },
}

impl Wait {
    /// Whether only a human can end this wait (the line stopped, a review, a dependency that
    /// needs a human's merge); `false` while running loops will free the way by themselves.
    pub fn needs_human(&self) -> bool {
        match self {
            Wait::LineStopped
            | Wait::AwaitingReview { .. }
            | Wait::AfterMissing { .. }
            | Wait::DirtyBase { .. } => true,
            Wait::After { state, .. } => match state {
                None => false,
                Some(s) => !s.occupies_line(),
            },
            Wait::Running { .. } => false,
        }
    }

    /// A few words for the status bar.
    pub fn short(&self) -> String {
        match self {
            Wait::LineStopped => "line stopped".into(),
            Wait::Running { running, max } => format!("max_running {running}/{max}"),
            Wait::AwaitingReview { waiting, .. } => format!("{waiting} awaiting review"),
            Wait::After { plan, .. } => {
                let file = plan.rsplit('/').next().unwrap_or(plan);
                format!("after {file}")
            }
            Wait::AfterMissing { plan } => {
                let file = plan.rsplit('/').next().unwrap_or(plan);
                format!("after {file} (missing)")
            }
            Wait::DirtyBase { .. } => "uncommitted changes".into(),
        }
    }

    /// One line for `andon queue`.
    pub fn describe(&self) -> String {
        match self {
            Wait::LineStopped => "the line is stopped".into(),
            Wait::Running { running, max } => format!(
                "{running} loop{} running (max_running = {max})",
                if *running == 1 { "" } else { "s" }
            ),
            Wait::AwaitingReview { waiting, max } => format!(
                "{waiting} {} review (max_awaiting_review = {max})",
                if *waiting == 1 {
                    "diff awaits"
                } else {
                    "diffs await"
                }
            ),
            Wait::After { plan, state: None } => format!("after {plan} (queued)"),
            Wait::DirtyBase { paths } => {
                let shown: Vec<&str> = paths.iter().take(3).map(String::as_str).collect();
                let more = if paths.len() > 3 { ", …" } else { "" };
                format!(
                    "uncommitted changes in the main worktree ({}{more}): loops start from HEAD; commit or stash them",
                    shown.join(", ")
                )
            }
            Wait::AfterMissing { plan } => format!(
                "after {plan}, which is neither queued nor run: `andon queue add {plan}`, or `andon queue rm` this entry"
            ),
            Wait::After {
                plan,
                state: Some(State::Aborted),
            } => format!("after {plan}, whose loop was aborted: `andon queue rm` this entry"),
            Wait::After {
                plan,
                state: Some(s),
            } => format!("after {plan} (its loop is {}; waits for merged)", s.label()),
        }
    }
}

/// The queue at a glance, for the board's status bar: how many entries wait, and why the
/// first in line does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Glance {
    pub waiting: usize,
    pub first: Option<Wait>,
}

impl Glance {
    /// `queued 3 · max_running 2/2`; empty when nothing waits.
    pub fn line(&self) -> String {
        match (&self.waiting, &self.first) {
            (0, _) => String::new(),
            (n, None) => format!("queued {n}"),
            (n, Some(w)) => format!("queued {n} · {}", w.short()),
        }
    }
}

/// What the scheduler decided: the entries to start now, in order, and why each other waits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    pub start: Vec<i64>,
    pub waiting: Vec<(i64, Wait)>,
}

/// `s` with its new loops held back while the main worktree has uncommitted changes to
/// tracked files (`dirty`): resumes still start (their worktree has its own changes).
pub fn hold_for_dirty_base(entries: &[Entry], s: &mut Schedule, dirty: &[String]) {
    if dirty.is_empty() {
        return;
    }
    let is_plan = |id: &i64| entries.iter().any(|e| e.id == *id && e.work == Work::Plan);
    let (held, start): (Vec<i64>, Vec<i64>) = s.start.iter().partition(|id| is_plan(id));
    s.start = start;
    let wait = Wait::DirtyBase {
        paths: dirty.to_vec(),
    };
    s.waiting
        .extend(held.into_iter().map(|id| (id, wait.clone())));
}

/// Decides which of `entries` start now given the repo's `loops`, the `limits` and whether
/// the line is stopped. Entries go in priority order (then queue order); an entry held by a
/// dependency does not hold those behind it, while one held by `max_running` does (the limit
/// holds them all). A stopped line holds new loops, not a resume a human asked for.
pub fn schedule(
    entries: &[Entry],
    loops: &[LoopFact],
    limits: Limits,
    line_stopped: bool,
) -> Schedule {
    let mut running = loops.iter().filter(|l| l.occupies_line()).count();
    let awaiting = loops
        .iter()
        .filter(|l| l.state == State::AwaitingApproval)
        .count();
    let mut out = Schedule::default();
    let mut held: Option<Wait> = None;
    for entry in in_order(entries) {
        // A stopped line starts no new loop; a human resuming one loop of it is heard.
        if line_stopped && entry.work == Work::Plan {
            out.waiting.push((entry.id, Wait::LineStopped));
            continue;
        }
        if let Some(wait) = &held {
            out.waiting.push((entry.id, wait.clone()));
            continue;
        }
        if let Some(plan) = &entry.after {
            let state = newest(loops, plan).map(|l| l.state);
            let queued = || {
                entries
                    .iter()
                    .any(|e| e.work == Work::Plan && e.plan == *plan)
            };
            if state.is_none() && !queued() {
                out.waiting
                    .push((entry.id, Wait::AfterMissing { plan: plan.clone() }));
                continue;
            }
            if state != Some(State::Merged) {
                out.waiting.push((
                    entry.id,
                    Wait::After {
                        plan: plan.clone(),
                        state,
                    },
                ));
                continue;
            }
        }
        if let Some(max) = limits.max_running.filter(|max| running >= *max) {
            held = Some(Wait::Running { running, max });
        } else if let Some(max) = limits
            .max_awaiting_review
            .filter(|max| entry.work == Work::Plan && awaiting >= *max)
        {
            // A resumed loop already has its diff under way: only new loops wait for review.
            out.waiting.push((
                entry.id,
                Wait::AwaitingReview {
                    waiting: awaiting,
                    max,
                },
            ));
            continue;
        }
        if let Some(wait) = &held {
            out.waiting.push((entry.id, wait.clone()));
            continue;
        }
        out.start.push(entry.id);
        running += 1;
    }
    out
}

/// The glance at `schedule`'s outcome: the waiting count, and why the line holds them — a
/// reason that holds the whole line (stopped, full, its reviewer behind) before one entry's
/// dependency — the first in start order.
pub fn glance(entries: &[Entry], s: &Schedule) -> Glance {
    let waits: Vec<&Wait> = in_order(entries)
        .into_iter()
        .filter_map(|e| s.waiting.iter().find(|(id, _)| *id == e.id))
        .map(|(_, w)| w)
        .collect();
    let first = waits
        .iter()
        .find(|w| !matches!(w, Wait::After { .. } | Wait::AfterMissing { .. }))
        .or(waits.first())
        .map(|w| (*w).clone());
    Glance {
        waiting: s.waiting.len(),
        first,
    }
}

/// Entries in the order they start: higher priority first, then first queued.
pub fn in_order(entries: &[Entry]) -> Vec<&Entry> {
    let mut ordered: Vec<&Entry> = entries.iter().collect();
    ordered.sort_by_key(|e| (std::cmp::Reverse(e.priority), e.id));
    ordered
}

/// The newest loop started from `plan`.
fn newest<'a>(loops: &'a [LoopFact], plan: &str) -> Option<&'a LoopFact> {
    loops
        .iter()
        .filter(|l| l.plan == plan)
        .max_by_key(|l| (l.created_at, l.name.len()))
}

/// A dependency cycle among `edges` (plan → the plan it comes after), as the plans around it
/// with the first repeated at the end, or `None`.
pub fn cycle(edges: &[(String, String)]) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges {
        next.entry(from.as_str()).or_default().push(to.as_str());
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for start in next.keys() {
        let mut path: Vec<&str> = Vec::new();
        if let Some(found) = walk(start, &next, &mut path, &mut done) {
            return Some(found);
        }
    }
    None
}

/// Depth-first from `at`; `path` is the way here. Returns the cycle when `at` is on it.
fn walk<'a>(
    at: &'a str,
    next: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| *p == at) {
        let mut found: Vec<String> = path[i..].iter().map(|p| (*p).to_string()).collect();
        found.push(at.to_string());
        return Some(found);
    }
    if done.contains(at) {
        return None;
    }
    path.push(at);
    for to in next.get(at).into_iter().flatten() {
        if let Some(found) = walk(to, next, path, done) {
            return Some(found);
        }
    }
    path.pop();
    done.insert(at);
    None
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;

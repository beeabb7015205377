//! Seen before, gathered: the store's earlier failures like this one, picked by the core's
//! rules (`andon_core::failure::seen_before`), each with how it ended in its loop — the green
//! iteration and its diffstat (git), the human's notes and accepted fix plans (the audit),
//! the Kaizen board's prevention, the loop's Five Whys pages.

use crate::git::DiffLimits;
use andon_core::failure::fingerprint::lines;
use andon_core::failure::seen_before::{pick, Current, Green, Outcome, Precedent, SeenBefore};
use andon_core::state::Failure;

use crate::engine::supervisor::shared::Shared;
use crate::error_chain::chain;
use crate::store::{AuditRow, IterationRow, KaizenRow};
use crate::wiki::date::local_ymd;

/// Earlier failures read to pick from: far more than are shown, few enough to read at once.
const CANDIDATES: usize = 200;

/// The prefix of an audited resume that accepted a fix plan.
const FIX_PLAN_ACCEPTED: &str = "fix plan accepted:";

/// The entries for `failure` of loop `loop_name`: nothing when the store cannot say (the
/// loop goes on; the error is logged).
pub fn lookup(shared: &Shared, loop_name: &str, failure: &Failure) -> Vec<SeenBefore> {
    let store = shared.store();
    let category = failure.category.to_string();
    let rows = match store.failures_like(loop_name, &failure.fingerprint, &category, CANDIDATES) {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!("seen before: earlier failures unreadable: {}", chain(&e));
            return Vec::new();
        }
    };
    let candidates = rows.into_iter().map(precedent).collect();
    let current = Current {
        loop_name,
        fingerprint: &failure.fingerprint,
        category: &category,
        lines: &failure.lines,
    };
    let mut picked = pick(&current, candidates);
    let kaizen = store.kaizen().unwrap_or_else(|e| {
        tracing::warn!("seen before: Kaizen decisions unreadable: {}", chain(&e));
        Vec::new()
    });
    for entry in &mut picked {
        entry.precedent.outcome = outcome(shared, &entry.precedent, &kaizen);
    }
    picked
}

/// A failed iteration's row as a candidate, its outcome not yet read.
fn precedent(row: IterationRow) -> Precedent {
    let at = row.ended_at.unwrap_or(row.started_at);
    Precedent {
        date: local_ymd(at),
        at,
        iteration: row.n,
        fingerprint: row.fingerprint.unwrap_or_default(),
        category: row.category.unwrap_or_default(),
        lines: row.failure_lines.as_deref().map(lines).unwrap_or_default(),
        loop_name: row.loop_name,
        outcome: Outcome::default(),
    }
}

/// How the failure ended in its loop.
fn outcome(shared: &Shared, p: &Precedent, kaizen: &[KaizenRow]) -> Outcome {
    let store = shared.store();
    let looped = store.get_loop(&p.loop_name).ok().flatten();
    let iterations = store.iterations(&p.loop_name).unwrap_or_default();
    let green = iterations
        .iter()
        .find(|i| i.n > p.iteration && i.status == "passed");
    let until = green.map_or(u32::MAX, |g| g.n);
    let audit = store.audit_of(&p.loop_name).unwrap_or_default();
    let after = |a: &&AuditRow| a.iteration.is_some_and(|n| n >= p.iteration && n <= until);
    // Redirect notes, and the hypotheses a resume was given (not an accepted fix plan).
    let notes = audit
        .iter()
        .filter(after)
        .filter(|a| {
            a.action == "redirect"
                || (a.action == "resume"
                    && a.reason
                        .as_deref()
                        .is_some_and(|r| !r.starts_with(FIX_PLAN_ACCEPTED)))
        })
        .filter_map(|a| a.reason.clone())
        .collect();
    let fix_plan = audit
        .iter()
        .filter(after)
        .filter(|a| a.action == "resume")
        .filter_map(|a| a.reason.as_deref()?.strip_prefix(FIX_PLAN_ACCEPTED))
        .filter_map(|plan| plan.lines().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim().to_string())
        .next_back();
    let prevention = kaizen
        .iter()
        .find(|k| k.category == p.category && k.fingerprint == p.fingerprint)
        .and_then(|k| match (&k.level, k.status.as_str()) {
            (None, "open") => None,
            (Some(level), status) => Some(format!("{level}, {status}")),
            (None, status) => Some(status.to_string()),
        });
    let base = looped.as_ref().map(|l| l.base.clone());
    Outcome {
        green: green.map(|g| Green {
            iteration: g.n,
            commit: g.snapshot.clone(),
            stat: stat(shared, &iterations, p.iteration, g, base.as_deref()),
        }),
        notes,
        fix_plan,
        prevention,
        five_whys: super::five_whys_files(shared.repo_root(), &p.loop_name)
            .into_iter()
            .map(|name| format!("wiki/90_LOG/incidents/{name}"))
            .collect(),
        loop_state: looped.map(|l| state_words(&l.state)).unwrap_or_default(),
    }
}

/// The loop's state as the entry says it: one at work is "still at work" (the entry is kept
/// with the incident, and outlives the moment).
fn state_words(state: &str) -> String {
    match andon_core::state::State::parse(state) {
        Some(s) if s.is_active() => "still at work".into(),
        Some(s) => s.label().to_lowercase(),
        None => state.to_string(),
    }
}

/// What the fix changed: from the last snapshot before the green iteration (the loop's base
/// when there is none) to the green one, while git still has both.
fn stat(
    shared: &Shared,
    iterations: &[IterationRow],
    failed: u32,
    green: &IterationRow,
    base: Option<&str>,
) -> Option<(usize, usize, usize)> {
    let to = green.snapshot.as_deref()?;
    let from = iterations
        .iter()
        .rev()
        .filter(|i| i.n >= failed && i.n < green.n)
        .find_map(|i| i.snapshot.as_deref())
        .or(base)?;
    let diff = shared
        .git()
        .diff_commits(from, to, DiffLimits::default())
        .ok()?;
    let s = diff.stat();
    Some((s.files as usize, s.added as usize, s.removed as usize))
}

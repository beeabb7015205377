//! The review screen's model from the engine's [`ReviewFacts`] (the diff's part arrives
//! later, from the loop's diff service).

use crate::ui::port::ReviewFacts;
use crate::ui::review::{CheckSummary, IterationSummary, ReviewModel};
use andon_core::failure::seen_before;

pub fn review_model(f: ReviewFacts) -> ReviewModel {
    ReviewModel {
        loop_name: f.loop_name,
        branch: f.branch,
        base: f.target,
        goal: f.goal,
        state: f.state,
        gate: f.gate,
        history_by_default: f.history_by_default,
        opinions: f.opinions,
        baseline: f.baseline,
        last_checks: f
            .last_checks
            .into_iter()
            .map(|c| CheckSummary {
                name: c.name,
                passed: c.passed,
                exit_code: if c.timed_out { None } else { c.exit_code },
                duration_ms: u64::try_from(c.duration_ms).unwrap_or(0),
            })
            .collect(),
        timeline: f
            .iterations
            .into_iter()
            .map(|i| IterationSummary {
                n: i.n,
                mode: i.mode,
                status: i.status,
                checks: i.checks_passed.zip(i.checks_total),
                category: i.category,
                fingerprint: i.fingerprint.map(|fp| fp.chars().take(8).collect()),
            })
            .collect(),
        incidents: f
            .incidents
            .into_iter()
            .flat_map(|i| {
                let category = andon_core::failure::classify::Category::label_of(&i.category);
                let seen = seen_before::from_evidence(&i.evidence_json);
                std::iter::once(format!(
                    "iteration {} — {category}: {}",
                    i.iteration, i.summary
                ))
                .chain(
                    seen.into_iter()
                        .map(|e| format!("↳ {}", seen_before::line(&e))),
                )
            })
            .collect(),
        notes: f.notes,
        gh_available: f.gh_available,
        pr_way: if f.has_pr {
            super::PrWay::Push
        } else if f.follows_prs {
            super::PrWay::Follow
        } else {
            super::PrWay::Body
        },
        ..ReviewModel::default()
    }
}

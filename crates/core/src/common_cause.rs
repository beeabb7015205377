//! Common cause across loops: a check that was green at a loop's baseline and now fails the
//! same way (the same fingerprint) in another running loop within a short window is the
//! environment or a shared service breaking, not the agents — said once, as one incident,
//! instead of N Meta-Andons. Loops that fail the same way because they work on the same bug
//! (red already at their baselines) are not a common cause. Pure: the engine keeps the
//! sightings and hands them in.

use crate::state::{Baseline, Failure};

/// How close together the same failure must come (default 10 minutes).
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

/// One loop's failing checks, as the line remembers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub loop_name: String,
    pub fingerprint: String,
    /// When, in ms since the epoch.
    pub at: i64,
    /// Every failing check passed at the loop's baseline.
    pub green_at_baseline: bool,
}

/// Whether every check of `failure` passed at `baseline` (no baseline: nothing is known).
pub fn green_at_baseline(baseline: Option<&Baseline>, failure: &Failure) -> bool {
    baseline.is_some_and(|b| {
        !failure.checks.is_empty() && failure.checks.iter().all(|c| b.was_green(c))
    })
}

/// The other loops `current` shares a common cause with: their same failure, green at their
/// baselines too, at most `window_ms` earlier. Empty when it is the agent's own failure.
pub fn others(current: &Sighting, recent: &[Sighting], window_ms: i64) -> Vec<String> {
    if !current.green_at_baseline {
        return Vec::new();
    }
    let mut loops: Vec<String> = recent
        .iter()
        .filter(|s| s.loop_name != current.loop_name)
        .filter(|s| s.fingerprint == current.fingerprint && s.green_at_baseline)
        .filter(|s| s.at <= current.at && current.at - s.at <= window_ms)
        .map(|s| s.loop_name.clone())
        .collect();
    loops.sort();
    loops.dedup();
    loops
}

/// The incident's and the stops' reason: it starts `common cause:` and lists the loops.
pub fn reason(loops: &[String], failure: &Failure) -> String {
    format!(
        "common cause: {} failed the same way within minutes, all green before they changed \
         anything — the environment or a shared service broke, not the agents ({}); fix it, \
         then resume one of them to resume them all",
        loops.join(", "),
        crate::sanitize::one_line(&failure.summary, 200)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::classify::Category;

    fn failure(checks: &[&str]) -> Failure {
        Failure {
            category: Category::TestFailure,
            confidence: 0.9,
            fingerprint: "fp".into(),
            summary: "tests exit 1: FAIL: service answered no rows".into(),
            checks: checks.iter().map(|c| c.to_string()).collect(),
            output_tail: String::new(),
            lines: Vec::new(),
        }
    }

    fn seen(loop_name: &str, fingerprint: &str, at: i64, green: bool) -> Sighting {
        Sighting {
            loop_name: loop_name.into(),
            fingerprint: fingerprint.into(),
            at,
            green_at_baseline: green,
        }
    }

    #[test]
    fn green_at_baseline_means_every_failing_check_passed_before() {
        let green = Baseline {
            passed: 2,
            total: 2,
            failure: None,
        };
        let red = Baseline {
            passed: 1,
            total: 2,
            failure: Some(failure(&["tests"])),
        };
        let cases = [
            (Some(&green), &["tests"][..], true),
            (Some(&red), &["tests"][..], false),
            (Some(&red), &["lint"][..], true),
            (Some(&red), &["lint", "tests"][..], false),
            (None, &["tests"][..], false),
            (Some(&green), &[][..], false),
        ];
        for (baseline, checks, want) in cases {
            assert_eq!(
                green_at_baseline(baseline, &failure(checks)),
                want,
                "{checks:?}"
            );
        }
    }

    #[test]
    fn the_rules_of_a_common_cause() {
        let now = 1_000_000;
        // (case, the current sighting, the recent ones, the loops it shares a cause with)
        let cases: Vec<(&str, Sighting, Vec<Sighting>, Vec<&str>)> = vec![
            ("alone", seen("a", "fp", now, true), vec![], vec![]),
            (
                "another loop, same failure, both green before",
                seen("a", "fp", now, true),
                vec![seen("b", "fp", now - 1000, true)],
                vec!["b"],
            ),
            (
                "the same bug: red at its baseline",
                seen("a", "fp", now, false),
                vec![seen("b", "fp", now - 1000, true)],
                vec![],
            ),
            (
                "the other one was red before",
                seen("a", "fp", now, true),
                vec![seen("b", "fp", now - 1000, false)],
                vec![],
            ),
            (
                "another failure",
                seen("a", "fp", now, true),
                vec![seen("b", "other", now - 1000, true)],
                vec![],
            ),
            (
                "too long ago",
                seen("a", "fp", now, true),
                vec![seen("b", "fp", now - WINDOW_MS - 1, true)],
                vec![],
            ),
            (
                "its own earlier failure",
                seen("a", "fp", now, true),
                vec![seen("a", "fp", now - 1000, true)],
                vec![],
            ),
            (
                "several, each once",
                seen("a", "fp", now, true),
                vec![
                    seen("c", "fp", now - 5, true),
                    seen("b", "fp", now - 9, true),
                    seen("c", "fp", now - 1, true),
                ],
                vec!["b", "c"],
            ),
        ];
        for (case, current, recent, want) in cases {
            assert_eq!(others(&current, &recent, WINDOW_MS), want, "{case}");
        }
    }

    #[test]
    fn the_reason_starts_with_common_cause_and_lists_the_loops() {
        let r = reason(&["a".into(), "b".into()], &failure(&["tests"]));
        assert!(
            r.starts_with("common cause: a, b failed the same way"),
            "{r}"
        );
        assert!(r.contains("resume one of them to resume them all"));
    }
}

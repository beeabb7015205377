//! Common cause across loops: a check that was green at a loop's baseline and now fails the
//! same way (the same fingerprint) in another running loop within a short window is the
//! environment or a shared service breaking, not the agents — said once, as one incident,
//! instead of N Meta-Andons. Loops that fail the same way because they work on the same bug
//! (red already at their baselines) are not a common cause. Pure: the engine keeps the
//! sightings and hands them in.

use crate::failure::fingerprint::digest;
use crate::state::{Baseline, Failure};

/// How close together the same failure must come (default 10 minutes).
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

/// One loop's failing checks, as the line remembers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub loop_name: String,
    /// The loop's whole failure (what its breakers count).
    pub fingerprint: String,
    /// When, in ms since the epoch.
    pub at: i64,
    /// One mark per failing check that passed at the loop's baseline: the check's own
    /// failure lines, hashed — so two plans whose differently named checks hit the same
    /// broken service match, and another check failing beside it changes nothing.
    pub marks: Vec<String>,
}

/// The marks of `failure`'s checks that passed at `baseline` (none without a baseline).
pub fn marks(baseline: Option<&Baseline>, failure: &Failure) -> Vec<String> {
    let Some(baseline) = baseline else {
        return Vec::new();
    };
    let mut marks = Vec::new();
    for (check, lines) in per_check(&failure.lines) {
        if baseline.was_green(&check) && !lines.is_empty() {
            marks.push(digest(&lines.join("\n")));
        }
    }
    // A failure recorded without its lines: its whole fingerprint, when every check was green.
    if failure.lines.is_empty()
        && !failure.checks.is_empty()
        && failure.checks.iter().all(|c| baseline.was_green(c))
    {
        marks.push(failure.fingerprint.clone());
    }
    marks
}

/// The failure's lines split by the `[check]` line that heads each check's part.
fn per_check(lines: &[String]) -> Vec<(String, Vec<&str>)> {
    let mut parts: Vec<(String, Vec<&str>)> = Vec::new();
    for line in lines {
        match line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(check) => parts.push((check.to_string(), Vec::new())),
            None => {
                if let Some((_, part)) = parts.last_mut() {
                    part.push(line);
                }
            }
        }
    }
    parts
}

/// The other loops `current` shares a common cause with: a check of theirs failed the same
/// way, green at their baseline too, at most `window_ms` earlier. Empty when it is the
/// agent's own failure.
pub fn others(current: &Sighting, recent: &[Sighting], window_ms: i64) -> Vec<String> {
    let mut loops: Vec<String> = recent
        .iter()
        .filter(|s| s.loop_name != current.loop_name)
        .filter(|s| s.marks.iter().any(|m| current.marks.contains(m)))
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

    fn failure(parts: &[(&str, &str)]) -> Failure {
        let mut lines = Vec::new();
        for (check, line) in parts {
            lines.push(format!("[{check}]"));
            lines.push(line.to_string());
        }
        Failure {
            category: Category::TestFailure,
            confidence: 0.9,
            fingerprint: "fp".into(),
            summary: "tests exit 1: FAIL: service answered no rows".into(),
            checks: parts.iter().map(|(c, _)| c.to_string()).collect(),
            output_tail: String::new(),
            lines,
        }
    }

    fn seen(loop_name: &str, at: i64, marks: &[&str]) -> Sighting {
        Sighting {
            loop_name: loop_name.into(),
            fingerprint: "fp".into(),
            at,
            marks: marks.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn a_mark_per_check_green_at_the_baseline() {
        let green = Baseline {
            passed: 2,
            total: 2,
            failure: None,
        };
        let red_lint = Baseline {
            passed: 1,
            total: 2,
            failure: Some(failure(&[("lint", "E unused import")])),
        };
        let down = failure(&[("tests", "FAIL: service answered no rows")]);
        let down_as_unit = failure(&[("unit", "FAIL: service answered no rows")]);
        let also_lint = failure(&[
            ("tests", "FAIL: service answered no rows"),
            ("lint", "E unused import"),
        ]);
        let mark = marks(Some(&green), &down);
        assert_eq!(mark.len(), 1);
        // Differently named checks failing the same way carry the same mark.
        assert_eq!(marks(Some(&green), &down_as_unit), mark);
        // A check red before anything changed gives none; the others keep theirs.
        assert_eq!(marks(Some(&red_lint), &also_lint), mark);
        assert!(marks(Some(&red_lint), &failure(&[("lint", "E unused import")])).is_empty());
        // No baseline: nothing is known.
        assert!(marks(None, &down).is_empty());
    }

    #[test]
    fn the_rules_of_a_common_cause() {
        let now = 1_000_000;
        // (case, the current sighting, the recent ones, the loops it shares a cause with)
        let cases: Vec<(&str, Sighting, Vec<Sighting>, Vec<&str>)> = vec![
            ("alone", seen("a", now, &["m"]), vec![], vec![]),
            (
                "another loop, a shared mark",
                seen("a", now, &["m"]),
                vec![seen("b", now - 1000, &["x", "m"])],
                vec!["b"],
            ),
            (
                "the same bug: no mark (red at its baseline)",
                seen("a", now, &[]),
                vec![seen("b", now - 1000, &["m"])],
                vec![],
            ),
            (
                "the other one was red before",
                seen("a", now, &["m"]),
                vec![seen("b", now - 1000, &[])],
                vec![],
            ),
            (
                "another failure",
                seen("a", now, &["m"]),
                vec![seen("b", now - 1000, &["x"])],
                vec![],
            ),
            (
                "too long ago",
                seen("a", now, &["m"]),
                vec![seen("b", now - WINDOW_MS - 1, &["m"])],
                vec![],
            ),
            (
                "its own earlier failure",
                seen("a", now, &["m"]),
                vec![seen("a", now - 1000, &["m"])],
                vec![],
            ),
            (
                "several, each once",
                seen("a", now, &["m"]),
                vec![
                    seen("c", now - 5, &["m"]),
                    seen("b", now - 9, &["m"]),
                    seen("c", now - 1, &["m"]),
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
        let r = reason(&["a".into(), "b".into()], &failure(&[("tests", "x")]));
        assert!(
            r.starts_with("common cause: a, b failed the same way"),
            "{r}"
        );
        assert!(r.contains("resume one of them to resume them all"));
    }
}

//! Judging by exit code (DESIGN §2 step 4): turn check outcomes and agent exits into the
//! `ChecksReport` / `Failure` the reducer decides on — classified, fingerprinted, summarised.

use crate::event::ChecksReport;
use crate::failure::classify::{classify, classify_agent_exit, Category, FailureInput};
use crate::failure::fingerprint::{digest, fingerprint, lines, normalize};
use crate::sanitize::one_line;
use crate::state::Failure;

/// What one check run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub name: String,
    pub command: String,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    /// The tail of the combined output.
    pub output_tail: String,
}

impl CheckOutcome {
    pub fn passed(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }
}

pub fn judge_checks(outcomes: &[CheckOutcome]) -> ChecksReport {
    let total = outcomes.len() as u32;
    let failing: Vec<&CheckOutcome> = outcomes.iter().filter(|o| !o.passed()).collect();
    let passed = total - failing.len() as u32;
    if failing.is_empty() {
        return ChecksReport {
            passed,
            total,
            failure: None,
        };
    }
    // The most confident classification among the failing checks names the category.
    let judged: Vec<_> = failing
        .iter()
        .map(|o| {
            let c = classify(&FailureInput {
                check_name: &o.name,
                command: &o.command,
                output: &o.output_tail,
                exit_code: o.exit_code,
                timed_out: o.timed_out,
            });
            (*o, c)
        })
        .collect();
    let Some((lead, class)) = judged
        .iter()
        .max_by(|a, b| a.1.confidence.total_cmp(&b.1.confidence))
        .map(|(o, c)| (*o, c.clone()))
    else {
        return ChecksReport {
            passed,
            total,
            failure: None,
        };
    };
    // The fingerprint covers every failing check, by name, so "tests fail the same way while
    // lint now also fails" is a different failure.
    let mut basis = String::new();
    let mut tail = String::new();
    for o in &failing {
        basis.push_str(&format!("[{}]\n{}\n", o.name, normalize(&o.output_tail)));
        tail.push_str(&format!(
            "--- {} (`{}`): {}\n{}\n",
            o.name,
            o.command,
            exit_text(o),
            o.output_tail.trim_end()
        ));
    }
    let evidence = class
        .evidence
        .clone()
        .or_else(|| last_line(&lead.output_tail))
        .map(|e| format!(": {e}"))
        .unwrap_or_default();
    let summary = one_line(
        &format!("{} {}{}", lead.name, exit_text(lead), evidence),
        240,
    );
    ChecksReport {
        passed,
        total,
        failure: Some(Failure {
            category: class.category,
            confidence: class.confidence,
            fingerprint: digest(&basis),
            summary,
            checks: failing.iter().map(|o| o.name.clone()).collect(),
            output_tail: tail,
            lines: lines(&basis),
        }),
    }
}

/// The agent itself failed (non-zero exit with no change, timeout, no progress).
pub fn judge_agent(
    output_tail: &str,
    exit_code: Option<i32>,
    timed_out: bool,
    no_progress: bool,
) -> Failure {
    if timed_out || no_progress {
        let what = if no_progress {
            "no progress"
        } else {
            "iteration timeout"
        };
        return Failure {
            category: Category::Timeout,
            confidence: 1.0,
            fingerprint: fingerprint(what),
            summary: format!("agent killed: {what}"),
            checks: Vec::new(),
            output_tail: output_tail.to_string(),
            lines: vec![what.to_string()],
        };
    }
    let c = classify_agent_exit(output_tail, exit_code);
    let code = match exit_code {
        Some(c) => format!("exit {c}"),
        None => "killed by a signal".into(),
    };
    let evidence = c.evidence.map(|e| format!(": {e}")).unwrap_or_default();
    let normalized = normalize(&format!("agent {code}\n{output_tail}"));
    Failure {
        category: c.category,
        confidence: c.confidence,
        fingerprint: digest(&normalized),
        summary: one_line(
            &format!("agent failed ({code}) and changed nothing{evidence}"),
            240,
        ),
        checks: Vec::new(),
        output_tail: output_tail.to_string(),
        lines: lines(&normalized),
    }
}

/// The last non-empty line of output, shortened: evidence when no rule named a line.
fn last_line(output: &str) -> Option<String> {
    let line = output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())?;
    Some(line.chars().take(160).collect())
}

fn exit_text(o: &CheckOutcome) -> String {
    if o.timed_out {
        return "timed out".into();
    }
    match o.exit_code {
        Some(c) => format!("failed (exit {c})"),
        None => "was killed by a signal".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, exit: i32, out: &str) -> CheckOutcome {
        CheckOutcome {
            name: name.into(),
            command: format!("run {name}"),
            exit_code: Some(exit),
            timed_out: false,
            output_tail: out.into(),
        }
    }

    #[test]
    fn all_green_has_no_failure() {
        let r = judge_checks(&[outcome("tests", 0, "ok"), outcome("lint", 0, "")]);
        assert_eq!((r.passed, r.total, r.failure), (2, 2, None));
    }

    #[test]
    fn failure_names_checks_and_is_stable_across_noise() {
        let a = judge_checks(&[outcome(
            "tests",
            1,
            "test t ... FAILED\nfinished in 0.31s\nerror: test failed at 12:01:02",
        )]);
        let b = judge_checks(&[outcome(
            "tests",
            1,
            "test t ... FAILED\nfinished in 0.87s\nerror: test failed at 13:44:10",
        )]);
        let fa = a.failure.clone().unwrap();
        assert_eq!((a.passed, a.total), (0, 1));
        assert_eq!(fa.checks, vec!["tests".to_string()]);
        assert_eq!(fa.fingerprint, b.failure.unwrap().fingerprint);
        assert!(
            fa.summary.starts_with("tests failed (exit 1)"),
            "{}",
            fa.summary
        );
    }

    #[test]
    fn a_second_failing_check_changes_the_fingerprint() {
        let one = judge_checks(&[outcome("tests", 1, "FAILED x"), outcome("lint", 0, "")]);
        let two = judge_checks(&[
            outcome("tests", 1, "FAILED x"),
            outcome("lint", 1, "error: unused"),
        ]);
        assert_ne!(
            one.failure.unwrap().fingerprint,
            two.failure.unwrap().fingerprint
        );
    }

    #[test]
    fn timed_out_check_is_timeout() {
        let mut o = outcome("tests", 0, "");
        o.exit_code = None;
        o.timed_out = true;
        let r = judge_checks(&[o]);
        assert_eq!(r.failure.unwrap().category, Category::Timeout);
    }

    #[test]
    fn summaries_carry_no_escape_sequences() {
        let r = judge_checks(&[outcome(
            "tests",
            1,
            "\u{1b}]0;PWNED\u{7}\u{1b}]52;c;aGVsbG8=\u{7}boom\n",
        )]);
        let summary = r.failure.unwrap().summary;
        assert!(
            !summary.contains('\u{1b}') && !summary.contains('\u{7}'),
            "{summary:?}"
        );
        assert!(summary.contains("boom"));
        let agent = judge_agent("\u{1b}[2J\u{1b}]0;x\u{7}Error: bad", Some(1), false, false);
        assert!(!agent.summary.contains('\u{1b}'), "{:?}", agent.summary);
    }

    #[test]
    fn agent_failures() {
        assert_eq!(
            judge_agent("", None, false, true).category,
            Category::Timeout
        );
        assert_eq!(
            judge_agent("Error: boom", Some(1), false, false).category,
            Category::AgentError
        );
    }
}

#[cfg(test)]
mod distinct {
    use super::*;

    #[test]
    fn different_messages_give_different_fingerprints() {
        let f = |word: &str| {
            judge_checks(&[CheckOutcome {
                name: "tests".into(),
                command: "sh t.sh".into(),
                exit_code: Some(1),
                timed_out: false,
                output_tail: format!("FAIL: price 5 10 = {word}, expected 0\n"),
            }])
            .failure
            .map(|f| (f.fingerprint, f.summary))
        };
        let (a, summary) = f("alpha").unwrap();
        let (b, _) = f("bravo").unwrap();
        assert_ne!(a, b);
        assert!(summary.contains("FAIL: price 5 10 = alpha"), "{summary}");
    }
}

//! The Checker as a second opinion: after the checks and the goal pass, a different agent
//! (the plan's `reviewer` profile) reads the goal and the diff and answers APPROVE or REJECT
//! with reasons. Pure: the prompt it gets, its diff as unified text, and how its answer is
//! read. A REJECT — or no verdict at all — is a failed iteration fed back to the maker.
//! With several reviewers (`reviewers = [...]`) each reviews on its own and [`panel`] joins
//! their answers: all APPROVE passes, all REJECT is fed back, a split stops for a human.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::diff::{Diff, FileBody, LineKind};
use crate::event::ChecksReport;
use crate::failure::classify::Category;
use crate::failure::fingerprint::{digest, lines, normalize};
use crate::plan::Plan;
use crate::sanitize::printable;
use crate::state::Failure;

/// How much of the diff the reviewer gets: enough to judge, not a flood.
pub const DIFF_BUDGET: usize = 60_000;

/// The reviewer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Approve {
        reasons: String,
    },
    Reject {
        reasons: String,
    },
    /// Neither word on a line of its own: treated as a rejection, so nothing is approved
    /// without an explicit APPROVE.
    Unclear,
}

/// The unified diff of `diff`, cut at about `budget` bytes (the cut is said).
pub fn unified(diff: &Diff, budget: usize) -> String {
    let mut out = String::new();
    for file in &diff.files {
        if out.len() >= budget {
            let _ = writeln!(out, "… (diff cut at {budget} bytes; more files follow)");
            break;
        }
        let old = file.old_path.as_deref().unwrap_or(&file.path);
        let _ = writeln!(out, "--- a/{old}\n+++ b/{}", file.path);
        match &file.body {
            FileBody::Text { hunks } => {
                for hunk in hunks {
                    let _ = writeln!(out, "{}", hunk.header);
                    for line in &hunk.lines {
                        let mark = match line.kind {
                            LineKind::Context => ' ',
                            LineKind::Added => '+',
                            LineKind::Removed => '-',
                        };
                        let _ = writeln!(out, "{mark}{}", line.text);
                    }
                }
            }
            FileBody::Binary { old_size, new_size } => {
                let _ = writeln!(out, "(binary: {old_size} -> {new_size} bytes)");
            }
            FileBody::TooLarge { old_size, new_size } => {
                let _ = writeln!(out, "(too large to show: {old_size} -> {new_size} bytes)");
            }
        }
    }
    out
}

/// The reviewer's prompt: the goal, the plan, the checks that passed, the diff, and the
/// answer format.
pub fn review_prompt(plan: &Plan, iteration: u32, diff_text: &str) -> String {
    let mut p = String::new();
    let _ = writeln!(
        p,
        "# Review: {} (iteration {iteration})\n\nYou are the reviewer. Another agent wrote this \
         change; the project's checks and goal checks already pass. Judge whether the change \
         meets the goal honestly: no weakened or skipped tests, no hard-coded results, no \
         placeholder code, nothing outside the goal. Do not change any file.\n",
        plan.title
    );
    let _ = writeln!(p, "## Goal\n\n{}\n", plan.goal.trim());
    let body = plan.body.trim();
    if !body.is_empty() {
        let _ = writeln!(p, "## Plan\n\n{body}\n");
    }
    p.push_str("## Checks that passed\n\n");
    for c in &plan.checks {
        let _ = writeln!(p, "- {}: `{}`", c.name, c.run);
    }
    for g in &plan.goal_checks {
        let _ = writeln!(p, "- goal: `{g}`");
    }
    // The diff is the other agent's text: its fence is longer than any backtick run in it,
    // so nothing in it can close the block and pose as this prompt.
    let _ = writeln!(
        p,
        "\n## The change\n\n{}\n",
        crate::markdown::fence(diff_text, "diff")
    );
    p.push_str(
        "## Your answer\n\nEnd your answer with one line that is exactly `APPROVE` or \
         `REJECT`, followed by your reasons (for a REJECT: what must change).\n",
    );
    p
}

/// Reads the reviewer's output: the last line that is exactly APPROVE or REJECT (a word
/// on its own, markdown emphasis allowed), with the text after it — or, when nothing
/// follows, before it — as the reasons.
pub fn parse_verdict(output: &str) -> Verdict {
    let clean = readable(&printable(output, true));
    let lines: Vec<&str> = clean.lines().collect();
    let word = |line: &str| {
        let bare = line
            .trim()
            .trim_matches(|c: char| c == '*' || c == '`' || c == '#' || c == '_')
            .trim()
            .trim_end_matches(['.', ':', '!']);
        match bare.to_ascii_uppercase().as_str() {
            "APPROVE" | "APPROVED" => Some(true),
            "REJECT" | "REJECTED" => Some(false),
            _ => None,
        }
    };
    let Some((at, approved)) = lines
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| word(l).map(|a| (i, a)))
    else {
        return Verdict::Unclear;
    };
    let after = lines[at + 1..].join("\n").trim().to_string();
    let reasons = if after.is_empty() {
        lines[..at]
            .iter()
            .rev()
            .take(20)
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    } else {
        after
    };
    if approved {
        Verdict::Approve { reasons }
    } else {
        Verdict::Reject { reasons }
    }
}

/// The agent's answer as text: JSON output (Claude Code's result object, Codex's
/// `agent_message` events) is unwrapped to the message it carries; other lines stay.
fn readable(output: &str) -> String {
    let mut out = String::new();
    for line in output.lines() {
        let trimmed = line.trim();
        let message = trimmed
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Value>(trimmed).ok())
            .flatten()
            .and_then(|v| {
                let result = v.get("result").and_then(|r| r.as_str());
                let item = v
                    .get("item")
                    .filter(|i| i["type"] == "agent_message")
                    .and_then(|i| i["text"].as_str());
                result.or(item).map(str::to_string)
            });
        out.push_str(message.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// A rejection as the maker's failure: fed into the next prompt, counted by the breakers
/// (the same reasons twice is the same failure).
pub fn rejection(
    verdict: &Verdict,
    reviewer: &str,
    exit_code: Option<i32>,
    output: &str,
) -> Option<Failure> {
    let (summary, reasons) = match verdict {
        Verdict::Approve { .. } => return None,
        Verdict::Reject { reasons } => (
            format!("the reviewer ({reviewer}) rejected the change"),
            reasons.clone(),
        ),
        // What it said instead is the evidence (and the fingerprint: the same non-answer
        // twice is the same failure).
        Verdict::Unclear => (
            format!(
                "the reviewer ({reviewer}) gave no APPROVE/REJECT verdict (exit {})",
                exit_code.map_or("by signal".to_string(), |c| c.to_string())
            ),
            tail_lines(&printable(output, true), 20),
        ),
    };
    let first = reasons.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let normalized = normalize(&format!("review\n{reasons}"));
    Some(Failure {
        category: Category::ReviewRejected,
        confidence: 1.0,
        fingerprint: digest(&normalized),
        summary: if first.is_empty() {
            summary
        } else {
            format!("{summary}: {}", first.trim())
        },
        checks: vec!["review".into()],
        output_tail: reasons,
        lines: lines(&normalized),
    })
}

/// The reviewer could not review at all (`why`): the line stops for a human, and nothing is
/// counted against the maker.
pub fn reviewer_failed(reviewer: &str, why: &str) -> Failure {
    Failure {
        category: Category::AgentError,
        confidence: 1.0,
        fingerprint: format!("reviewer:{reviewer}"),
        summary: format!(
            "the reviewer ({reviewer}) could not review: {}",
            printable(why, false)
        ),
        checks: vec!["review".into()],
        output_tail: String::new(),
        lines: Vec::new(),
    }
}

/// One reviewer's answer, as the review screen shows it beside the others'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    pub reviewer: String,
    pub approved: bool,
    pub reasons: String,
}

/// One reviewer's review: its failure (`None` for an APPROVE) and what it said.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub reviewer: String,
    pub failure: Option<Failure>,
    pub reasons: String,
}

impl Review {
    /// Its answer, read from its verdict.
    pub fn new(reviewer: &str, failure: Option<Failure>, verdict: &Verdict) -> Review {
        let reasons = match verdict {
            Verdict::Approve { reasons } | Verdict::Reject { reasons } => reasons.clone(),
            Verdict::Unclear => failure
                .as_ref()
                .map(|f| f.summary.clone())
                .unwrap_or_default(),
        };
        Review {
            reviewer: reviewer.to_string(),
            failure,
            reasons,
        }
    }
}

/// The reviewers' joint answer: the report the reducer reads, every opinion, and whether
/// they disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub report: ChecksReport,
    pub opinions: Vec<Opinion>,
    pub split: bool,
}

/// Joins the reviews: one that could not review stops the line as a single reviewer does;
/// all APPROVE passes; all REJECT is one failure fed back (every reviewer's reasons); a
/// split verdict is for a human, who sees both sides.
pub fn panel(reviews: Vec<Review>) -> Panel {
    let total = reviews.len() as u32;
    let approvals = reviews.iter().filter(|r| r.failure.is_none()).count() as u32;
    let opinions: Vec<Opinion> = reviews
        .iter()
        .filter(|r| !could_not_review(r))
        .map(|r| Opinion {
            reviewer: r.reviewer.clone(),
            approved: r.failure.is_none(),
            reasons: r.reasons.clone(),
        })
        .collect();
    let report = |failure| ChecksReport {
        passed: approvals,
        total,
        failure,
    };
    if let Some(cannot) = reviews.iter().find(|r| could_not_review(r)) {
        return Panel {
            report: report(cannot.failure.clone()),
            opinions,
            split: false,
        };
    }
    let rejections: Vec<&Review> = reviews.iter().filter(|r| r.failure.is_some()).collect();
    let (failure, split) = match rejections.as_slice() {
        [] => (None, false),
        [one] if total == 1 => (one.failure.clone(), false),
        all if all.len() as u32 == total => (Some(joint_rejection(all)), false),
        _ => (None, true),
    };
    Panel {
        report: report(failure),
        opinions,
        split,
    }
}

fn could_not_review(r: &Review) -> bool {
    r.failure
        .as_ref()
        .is_some_and(|f| f.category == Category::AgentError)
}

/// Every reviewer rejected: one failure with all their reasons, fingerprinted over them.
fn joint_rejection(all: &[&Review]) -> Failure {
    let names: Vec<&str> = all.iter().map(|r| r.reviewer.as_str()).collect();
    let mut reasons = String::new();
    for r in all {
        let _ = writeln!(reasons, "--- {}:\n{}", r.reviewer, r.reasons.trim());
    }
    let normalized = normalize(&format!("review\n{reasons}"));
    let first = all
        .iter()
        .flat_map(|r| r.reasons.lines())
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    Failure {
        category: Category::ReviewRejected,
        confidence: 1.0,
        fingerprint: digest(&normalized),
        summary: format!(
            "the reviewers ({}) all rejected the change: {first}",
            names.join(", ")
        ),
        checks: vec!["review".into()],
        output_tail: reasons,
        lines: lines(&normalized),
    }
}

/// The reviewers' disagreement in one line, for the stop's reason.
pub fn split_reason(opinions: &[Opinion]) -> String {
    let said: Vec<String> = opinions
        .iter()
        .map(|o| {
            let first = o
                .reasons
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            let verdict = if o.approved { "APPROVE" } else { "REJECT" };
            if first.is_empty() {
                format!("{} {verdict}", o.reviewer)
            } else {
                format!(
                    "{} {verdict} ({})",
                    o.reviewer,
                    crate::sanitize::one_line(first.trim(), 80)
                )
            }
        })
        .collect();
    format!(
        "the reviewers disagree: {}; resume to take it to approval yourself, or redirect \
         with what to fix",
        said.join("; ")
    )
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_table() {
        let cases: &[(&str, &str, Verdict)] = &[
            (
                "approve then reasons",
                "Looked at it.\nAPPROVE\nThe clamp is right and tested.",
                Verdict::Approve {
                    reasons: "The clamp is right and tested.".into(),
                },
            ),
            (
                "reject with emphasis, reasons before",
                "The test was weakened: it no longer checks 5-10.\n**REJECT**",
                Verdict::Reject {
                    reasons: "The test was weakened: it no longer checks 5-10.".into(),
                },
            ),
            (
                "the last verdict line wins",
                "I would APPROVE this if…\nAPPROVE\nactually no\nREJECT\nhard-coded result",
                Verdict::Reject {
                    reasons: "hard-coded result".into(),
                },
            ),
            (
                "a verdict word inside a sentence is not a verdict",
                "I cannot approve or reject without the tests.",
                Verdict::Unclear,
            ),
            ("nothing at all", "", Verdict::Unclear),
        ];
        for (name, output, expected) in cases {
            assert_eq!(&parse_verdict(output), expected, "{name}");
        }
    }

    #[test]
    fn a_rejection_is_a_failure_with_stable_fingerprint() {
        let reject = Verdict::Reject {
            reasons: "tests weakened\nrestore them".into(),
        };
        let a = rejection(&reject, "codex", Some(0), "").expect("failure");
        let b = rejection(&reject, "codex", Some(0), "").expect("failure");
        assert_eq!(a.category, Category::ReviewRejected);
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(
            a.summary,
            "the reviewer (codex) rejected the change: tests weakened"
        );
        let unclear =
            rejection(&Verdict::Unclear, "codex", Some(0), "I think it is fine.").expect("failure");
        assert!(unclear
            .summary
            .contains("no APPROVE/REJECT verdict (exit 0)"));
        assert_eq!(unclear.output_tail, "I think it is fine.");
        let failed = reviewer_failed("codex", "API Error: 500");
        assert_eq!(failed.category, Category::AgentError);
        assert_eq!(
            failed.summary,
            "the reviewer (codex) could not review: API Error: 500"
        );
        assert!(rejection(
            &Verdict::Approve {
                reasons: String::new()
            },
            "codex",
            Some(0),
            ""
        )
        .is_none());
    }
}

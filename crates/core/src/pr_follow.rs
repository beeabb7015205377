//! What a poll of a followed pull request means (`[pr] follow`): the PR as `gh` shows it —
//! its state, head commit, CI checks and reviews — turned into the one thing the loop should
//! hear next. A failing CI check on a head not yet judged comes first (the engine fetches its
//! log), then anything said that is not fed to the agent (shown only), then a change request
//! from a trusted reviewer, then green CI after failures, then mergeable.

use crate::event::PrEvent;
use crate::failure::verdict::CheckOutcome;
use crate::state::{LoopState, State};

/// Most lines of a CI log kept as a failure's output, and most characters of one line.
const LOG_LINES: usize = 200;
const LINE_CHARS: usize = 400;

/// One CI check of the PR's head, as `gh pr checks --json name,bucket,link` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiCheck {
    pub name: String,
    /// `pass`, `fail`, `pending`, `skipping` or `cancel`.
    pub bucket: String,
    pub link: String,
}

impl CiCheck {
    /// A cancelled run (superseded, or stopped by a human) is no failure of the code.
    pub fn failed(&self) -> bool {
        self.bucket == "fail"
    }

    fn done_green(&self) -> bool {
        matches!(self.bucket.as_str(), "pass" | "skipping")
    }

    /// The GitHub Actions run behind the check, whose failed log `gh run view` prints.
    pub fn run_id(&self) -> Option<&str> {
        number_after(&self.link, "/actions/runs/")
    }

    /// The job of that run the check is (its log can be read while other jobs still run).
    pub fn job_id(&self) -> Option<&str> {
        number_after(&self.link, "/job/")
    }
}

/// A review or a comment on the PR. `trusted`: its author has write access to the
/// repository or is listed in `[pr] reviewers` (the engine asks the forge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrReview {
    pub id: String,
    pub author: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED` (a comment is `COMMENTED`).
    pub state: String,
    pub body: String,
    pub trusted: bool,
}

/// The PR as one poll saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrStatus {
    /// `OPEN`, `MERGED` or `CLOSED`.
    pub state: String,
    pub head: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `REVIEW_REQUIRED` or empty.
    pub review_decision: String,
    pub checks: Vec<CiCheck>,
    pub reviews: Vec<PrReview>,
}

/// The digits right after `marker` in `link`.
fn number_after<'a>(link: &'a str, marker: &str) -> Option<&'a str> {
    let rest = link.split(marker).nth(1)?;
    let id = rest.split(|c: char| !c.is_ascii_digit()).next()?;
    (!id.is_empty()).then_some(id)
}

/// What the loop hears next.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    Nothing,
    /// CI failed on `head`: the engine fetches these checks' logs, then feeds
    /// [`PrEvent::CiFailed`] built by [`ci_failure`].
    CiFailed {
        head: String,
        failing: Vec<CiCheck>,
    },
    Event(PrEvent),
}

/// The next thing `status` says to a loop in state `s`.
pub fn heard(s: &LoopState, status: &PrStatus) -> Heard {
    let Some(pr) = s.pr.as_ref() else {
        return Heard::Nothing;
    };
    if !matches!(s.state, State::PrOpen | State::Mergeable) {
        return Heard::Nothing;
    }
    match status.state.as_str() {
        "MERGED" => return Heard::Event(PrEvent::Closed { merged: true }),
        "CLOSED" => return Heard::Event(PrEvent::Closed { merged: false }),
        _ => {}
    }
    let failing: Vec<CiCheck> = status
        .checks
        .iter()
        .filter(|c| c.failed())
        .cloned()
        .collect();
    if !failing.is_empty() && !pr.judged_heads.contains(&status.head) {
        return Heard::CiFailed {
            head: status.head.clone(),
            failing,
        };
    }
    let unseen = |r: &&PrReview| !pr.reviews_seen.contains(&r.id);
    // Everything else said on the PR is shown once, and reaches no prompt.
    if let Some(r) = status.reviews.iter().filter(unseen).find(|r| {
        let fed = r.trusted && r.state == "CHANGES_REQUESTED";
        !fed && !r.body.trim().is_empty()
    }) {
        return Heard::Event(PrEvent::Commented {
            id: r.id.clone(),
            author: r.author.clone(),
            text: r.body.clone(),
        });
    }
    if let Some(r) = status
        .reviews
        .iter()
        .filter(unseen)
        .find(|r| r.trusted && r.state == "CHANGES_REQUESTED")
    {
        return Heard::Event(PrEvent::ChangesRequested {
            id: r.id.clone(),
            reviewer: r.author.clone(),
            note: r.body.clone(),
        });
    }
    let green = !status.checks.is_empty() && status.checks.iter().all(CiCheck::done_green);
    if green && pr.ci_failures > 0 {
        return Heard::Event(PrEvent::CiPassed {
            head: status.head.clone(),
        });
    }
    // Approved by the review decision, or, where no review is required, by an approving review.
    let approved = status.review_decision == "APPROVED"
        || (status.review_decision.is_empty()
            && status.reviews.iter().any(|r| r.state == "APPROVED"));
    match (s.state, green && approved) {
        (State::PrOpen, true) => Heard::Event(PrEvent::Mergeable),
        (State::Mergeable, false) => Heard::Event(PrEvent::NotMergeable),
        _ => Heard::Nothing,
    }
}

/// The CI checks judged like local ones: every check of the head, the failing ones with
/// their failed log (`logs`, by check name) as output.
pub fn ci_outcomes(checks: &[CiCheck], logs: &[(String, String)]) -> Vec<CheckOutcome> {
    checks
        .iter()
        .filter(|c| c.bucket != "pending")
        .map(|c| CheckOutcome {
            name: format!("CI {}", c.name),
            command: c.link.clone(),
            exit_code: Some(if c.failed() { 1 } else { 0 }),
            timed_out: false,
            output_tail: logs
                .iter()
                .find(|(name, _)| *name == c.name)
                .map(|(_, log)| log_text(log))
                .unwrap_or_default(),
        })
        .collect()
}

/// A `gh run view --log-failed` log as its lines alone: each line's job and step columns and
/// its timestamp are taken off (they change from run to run, and the fingerprint must not),
/// the last [`LOG_LINES`] kept.
pub fn log_text(raw: &str) -> String {
    let lines: Vec<&str> = raw
        .lines()
        .map(|line| {
            let text = match line.splitn(3, '\t').collect::<Vec<_>>().as_slice() {
                [_, _, text] => *text,
                _ => line,
            };
            strip_timestamp(text)
        })
        // GitHub's own last word on a failed step says nothing the exit code did not.
        .filter(|text| !text.starts_with("##[error]Process completed with exit code"))
        .collect();
    let from = lines.len().saturating_sub(LOG_LINES);
    lines[from..]
        .iter()
        .map(|line| match line.char_indices().nth(LINE_CHARS) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => (*line).to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2024-05-01T12:00:00.1234567Z text` → `text`.
fn strip_timestamp(text: &str) -> &str {
    let Some((first, rest)) = text.split_once(' ') else {
        return text;
    };
    let stamp = first.len() >= 20
        && first.as_bytes().get(4) == Some(&b'-')
        && first.as_bytes().get(10) == Some(&b'T')
        && first.ends_with('Z');
    if stamp {
        rest
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Limits, PullRequest};

    fn following(state: State) -> LoopState {
        let mut s = LoopState::new(Limits::default());
        s.state = state;
        s.pr = Some(PullRequest {
            url: "https://github.com/o/shop/pull/7".into(),
            ..PullRequest::default()
        });
        s
    }

    fn check(name: &str, bucket: &str) -> CiCheck {
        CiCheck {
            name: name.into(),
            bucket: bucket.into(),
            link: "https://github.com/o/shop/actions/runs/991/job/5".into(),
        }
    }

    fn review(id: &str, author: &str, state: &str, trusted: bool) -> PrReview {
        PrReview {
            id: id.into(),
            author: author.into(),
            state: state.into(),
            body: format!("{author} says fix it"),
            trusted,
        }
    }

    fn status(checks: Vec<CiCheck>, reviews: Vec<PrReview>, decision: &str) -> PrStatus {
        PrStatus {
            state: "OPEN".into(),
            head: "abc123".into(),
            review_decision: decision.into(),
            checks,
            reviews,
        }
    }

    #[test]
    fn a_poll_says_one_thing_in_order() {
        let lint = check("lint", "fail");
        let cases: Vec<(&str, PrStatus, Heard)> = vec![
            (
                "pending CI",
                status(vec![check("test", "pending")], vec![], ""),
                Heard::Nothing,
            ),
            (
                "failing CI comes first",
                status(
                    vec![check("test", "pass"), lint.clone()],
                    vec![review("r1", "alice", "CHANGES_REQUESTED", true)],
                    "",
                ),
                Heard::CiFailed {
                    head: "abc123".into(),
                    failing: vec![lint.clone()],
                },
            ),
            (
                "a trusted change request",
                status(
                    vec![check("test", "pass")],
                    vec![review("r1", "alice", "CHANGES_REQUESTED", true)],
                    "CHANGES_REQUESTED",
                ),
                Heard::Event(PrEvent::ChangesRequested {
                    id: "r1".into(),
                    reviewer: "alice".into(),
                    note: "alice says fix it".into(),
                }),
            ),
            (
                "anyone else is shown",
                status(
                    vec![check("test", "pass")],
                    vec![review("c1", "mallory", "CHANGES_REQUESTED", false)],
                    "",
                ),
                Heard::Event(PrEvent::Commented {
                    id: "c1".into(),
                    author: "mallory".into(),
                    text: "mallory says fix it".into(),
                }),
            ),
            (
                "green and approved",
                status(
                    vec![check("test", "pass"), check("docs", "skipping")],
                    vec![],
                    "APPROVED",
                ),
                Heard::Event(PrEvent::Mergeable),
            ),
            (
                "green, not approved",
                status(vec![check("test", "pass")], vec![], "REVIEW_REQUIRED"),
                Heard::Nothing,
            ),
            (
                "no checks at all",
                status(vec![], vec![], "APPROVED"),
                Heard::Nothing,
            ),
            (
                "merged on the forge",
                PrStatus {
                    state: "MERGED".into(),
                    ..PrStatus::default()
                },
                Heard::Event(PrEvent::Closed { merged: true }),
            ),
        ];
        let s = following(State::PrOpen);
        for (what, st, want) in cases {
            assert_eq!(heard(&s, &st), want, "{what}");
        }
    }

    #[test]
    fn mergeable_follows_the_pr_both_ways() {
        let approving = PrReview {
            body: String::new(),
            ..review("r9", "alice", "APPROVED", true)
        };
        let green = vec![check("test", "pass")];
        // No review required (no decision): an approving review is the approval.
        let s = following(State::PrOpen);
        assert_eq!(
            heard(&s, &status(green.clone(), vec![approving.clone()], "")),
            Heard::Event(PrEvent::Mergeable)
        );
        assert_eq!(
            heard(&s, &status(green.clone(), vec![], "")),
            Heard::Nothing
        );
        // Mergeable, then a new head's checks start, or the approval is dismissed: back.
        let s = following(State::Mergeable);
        assert_eq!(
            heard(
                &s,
                &status(green.clone(), vec![approving.clone()], "APPROVED")
            ),
            Heard::Nothing
        );
        assert_eq!(
            heard(
                &s,
                &status(vec![check("test", "pending")], vec![approving], "APPROVED")
            ),
            Heard::Event(PrEvent::NotMergeable)
        );
        assert_eq!(
            heard(&s, &status(green, vec![], "REVIEW_REQUIRED")),
            Heard::Event(PrEvent::NotMergeable)
        );
    }

    #[test]
    fn what_was_heard_is_not_heard_again() {
        let mut s = following(State::PrOpen);
        let pr = s.pr.as_mut().unwrap();
        pr.judged_heads.push("abc123".into());
        pr.reviews_seen.push("r1".into());
        pr.ci_failures = 1;
        let st = status(
            vec![check("lint", "fail")],
            vec![review("r1", "alice", "CHANGES_REQUESTED", true)],
            "",
        );
        assert_eq!(heard(&s, &st), Heard::Nothing, "judged head, seen review");
        let green = status(vec![check("lint", "pass")], vec![], "APPROVED");
        assert_eq!(
            heard(&s, &green),
            Heard::Event(PrEvent::CiPassed {
                head: "abc123".into()
            }),
            "green after failures resets them before mergeable"
        );
        // Not following (an iteration runs, or the fix waits to be pushed): nothing.
        let mut running = s.clone();
        running.state = State::Running;
        assert_eq!(heard(&running, &green), Heard::Nothing);
    }

    #[test]
    fn ci_logs_lose_their_columns_and_timestamps_so_fingerprints_hold() {
        let a = "build\tRun lint\t2026-12-07T10:00:01.1234567Z src/price.sh:1: line too long\nbuild\tRun lint\t2026-12-07T10:00:02.0000000Z ##[error]Process completed with exit code 1.";
        let b = a.replace("10:00:0", "11:59:5");
        assert_eq!(log_text(a), "src/price.sh:1: line too long");
        assert_eq!(log_text(a), log_text(&b));
        assert_eq!(check("x", "fail").run_id(), Some("991"));
        assert_eq!(check("x", "fail").job_id(), Some("5"));
        assert!(
            !check("x", "cancel").failed(),
            "a cancelled run is no failure"
        );
        let long = format!("a\tb\t{}", "x".repeat(5000));
        assert_eq!(log_text(&long).chars().count(), LINE_CHARS + 1);
        assert_eq!(
            CiCheck {
                link: "https://ci.example/build/3".into(),
                ..check("x", "fail")
            }
            .run_id(),
            None
        );
        let outcomes = ci_outcomes(
            &[
                check("lint", "fail"),
                check("test", "pass"),
                check("e2e", "pending"),
            ],
            &[("lint".into(), a.into())],
        );
        let report = crate::failure::verdict::judge_checks(&outcomes);
        assert_eq!((report.passed, report.total), (1, 2));
        let f = report.failure.expect("lint failed");
        assert!(f.output_tail.contains("line too long"), "{}", f.output_tail);
        let again = crate::failure::verdict::judge_checks(&ci_outcomes(
            &[check("lint", "fail"), check("test", "pass")],
            &[("lint".into(), b)],
        ));
        assert_eq!(again.failure.expect("failed").fingerprint, f.fingerprint);
    }
}

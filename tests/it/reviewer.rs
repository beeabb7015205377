//! The Checker as a second opinion, end to end: a shell-script reviewer (a different agent)
//! reads the goal and the diff after the checks pass; its REJECT is fed back to the maker and
//! counted, its APPROVE lets the loop await approval; anything it writes is discarded.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn a_reject_is_fed_back_and_an_approve_lets_the_loop_wait_for_a_human() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    // The maker fixes the price at once and, told about a rejection, adds a comment.
    repo.agent(
        "maker",
        "cp fixes/price.sh src/price.sh\nif grep -q 'rejected the change' \"$1\"; then echo '# clamped at zero' >> src/price.sh; fi",
    );
    // The reviewer reads the diff from its prompt file: no comment yet, REJECT; it also
    // tries to "help" by editing the code, which andon throws away.
    repo.agent(
        "rev",
        "grep -q 'price()' \"$1\" || { echo 'no diff in the prompt'; exit 1; }\necho 'tampering' >> src/price.sh\nif grep -q 'clamped at zero' \"$1\"; then echo 'Looks right.'; echo APPROVE; echo 'clamp documented'; else echo '**REJECT**'; echo 'explain the clamp in a comment'; fi",
    );
    repo.plan("reviewed", "maker", "reviewer = \"rev\"");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/reviewed.md"], LIMIT);
    expect_exit(&out, 0);

    let row = repo.store().get_loop("reviewed").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 2)
    );
    let its = repo.store().iterations("reviewed").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.status.as_str(), i.category.as_deref()))
            .collect::<Vec<_>>(),
        [("failed", Some("review_rejected")), ("passed", None)]
    );
    let reviews: Vec<(u32, bool)> = repo
        .store()
        .check_runs("reviewed", None)
        .unwrap()
        .iter()
        .filter(|c| c.kind == "review")
        .map(|c| (c.iteration, c.passed))
        .collect();
    assert_eq!(reviews, [(1, false), (2, true)]);
    // The maker's second prompt carries the reviewer's reasons.
    let prompt2 = repo.prompt("reviewed", 2);
    assert!(
        prompt2.contains("the reviewer (rev) rejected the change: explain the clamp in a comment"),
        "{prompt2}"
    );
    // The reviewer's edits were discarded: the worktree holds the maker's work only.
    let price = std::fs::read_to_string(repo.worktree("reviewed").join("src/price.sh")).unwrap();
    assert_eq!(price, format!("{FIXED_PRICE}# clamped at zero\n"));
    let review_prompt = std::fs::read_to_string(
        repo.root
            .join(".andon/loops/reviewed/iter-2/review-prompt.md"),
    )
    .unwrap();
    assert!(
        review_prompt.contains("Prices are never negative"),
        "{review_prompt}"
    );
    assert!(
        review_prompt.contains("+# clamped at zero"),
        "{review_prompt}"
    );
}

#[test]
fn the_maker_cannot_be_its_own_reviewer() {
    let repo = TestRepo::new();
    repo.agent("maker", "true");
    let plan = repo.plan("self-graded", "maker", "reviewer = \"maker\"");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", &plan], LIMIT);
    expect_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("plans/self-graded.md:5")
            && err.contains("the maker never grades its own work"),
        "{err}"
    );
    assert!(repo.store().get_loop("self-graded").unwrap().is_none());
}

#[test]
fn a_reviewer_that_cannot_review_stops_the_line_without_charging_the_maker() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent("maker", "cp fixes/price.sh src/price.sh");
    repo.agent(
        "down",
        "echo 'API Error: 500 {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"overloaded\"}}'; exit 1",
    );
    repo.plan("unreviewed", "maker", "reviewer = \"down\"");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/unreviewed.md"], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("unreviewed").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.consecutive_failures),
        ("stopped", 0)
    );
    let reason = row.reason.unwrap_or_default();
    assert!(
        reason.contains("the reviewer (down) could not review: API Error: 500"),
        "{reason}"
    );
    assert!(repo
        .store()
        .incidents(Some("unreviewed"))
        .unwrap()
        .is_empty());
}

#[test]
fn the_reviewers_reported_usage_counts_against_the_loops_budget() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent("maker", "cp fixes/price.sh src/price.sh");
    // Answers like `claude -p --output-format json`: the verdict inside the result.
    repo.agent(
        "judge",
        r#"printf '%s\n' '{"type":"result","is_error":false,"result":"Sound.\nAPPROVE\nclamped","usage":{"input_tokens":300,"output_tokens":20}}'"#,
    );
    repo.plan(
        "judged",
        "maker",
        "reviewer = \"judge\"\ntoken_budget = 250",
    );
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/judged.md"], LIMIT);
    expect_exit(&out, 3);
    let status = repo.andon(&["status", "--json"], LIMIT);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(json[0]["state"], "stopped");
    assert_eq!(
        json[0]["reason"],
        "token budget spent: 320 tokens used of 250 (300 in, 20 out)"
    );
}

/// Two reviewers: each reviews on its own; when they disagree the loop stops at NEEDS HUMAN
/// with both verdicts kept (the review screen shows them side by side), no failure charged;
/// resuming takes it to approval.
#[test]
fn two_reviewers_that_disagree_leave_the_loop_to_a_human_with_both_verdicts() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent("maker", "cp fixes/price.sh src/price.sh");
    // The first reviewer also "helps" by editing the code; the second must not see it.
    repo.agent(
        "yes",
        "echo '# tampering' >> src/price.sh; echo 'The clamp is right.'; echo APPROVE",
    );
    repo.agent(
        "no",
        "if grep -q tampering \"$1\"; then echo REJECT; echo 'saw the other reviewer'; else echo REJECT; echo 'discounts over 100% should be an error, not a zero price'; fi",
    );
    repo.plan("split", "maker", "reviewers = [\"yes\", \"no\"]");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/split.md"], LIMIT);
    expect_exit(&out, 3);

    let row = repo.store().get_loop("split").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.consecutive_failures),
        ("stopped", 0)
    );
    let reason = row.reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with("the reviewers disagree: yes APPROVE (The clamp is right.); no REJECT (discounts over 100% should be an error, not a zero price)"),
        "{reason}"
    );
    // Both answers are kept, as the review screen shows them.
    let p: andon::engine::spec::Persisted = serde_json::from_str(&row.state_json).unwrap();
    let verdicts: Vec<(String, bool)> = p
        .state
        .opinions
        .iter()
        .map(|o| (o.reviewer.clone(), o.approved))
        .collect();
    assert_eq!(
        verdicts,
        [("yes".to_string(), true), ("no".to_string(), false)]
    );
    // Each reviewed on its own, with its own check run and log.
    let reviews: Vec<(String, bool)> = repo
        .store()
        .check_runs("split", Some(1))
        .unwrap()
        .into_iter()
        .filter(|c| c.kind == "review")
        .map(|c| (c.name, c.passed))
        .collect();
    assert_eq!(
        reviews,
        [
            ("review-yes".to_string(), true),
            ("review-no".to_string(), false)
        ]
    );
    // NEEDS HUMAN, as `andon status --json` shows the loop.
    let status: serde_json::Value =
        serde_json::from_str(&stdout(&repo.andon(&["status", "--json"], LIMIT))).unwrap();
    assert_eq!(status[0]["badge"], "NEEDS HUMAN", "{status}");

    // The human read both sides and takes it to approval.
    let server = repo.serve();
    let out = repo.andon(&["resume", "split"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    repo.end(server);
    assert_eq!(
        repo.store().get_loop("split").unwrap().unwrap().state,
        "awaiting_approval"
    );
}

#[test]
fn every_reviewer_is_checked_before_anything_starts() {
    let repo = TestRepo::new();
    repo.agent("maker", "true");
    repo.agent("yes", "echo APPROVE");
    for (slug, extra, says) in [
        (
            "selfish",
            "reviewers = [\"yes\", \"maker\"]",
            "the maker never grades its own work",
        ),
        (
            "ghost",
            "reviewers = [\"yes\", \"nobody\"]",
            "unknown reviewer profile `nobody`",
        ),
    ] {
        let plan = repo.plan(slug, "maker", extra);
        repo.commit(slug);
        let out = repo.andon(&["run", "--headless", &plan], LIMIT);
        expect_exit(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("plans/{slug}.md:5")) && err.contains(says),
            "{err}"
        );
        let db = repo.path(".andon/andon.db");
        assert!(!db.exists() || repo.store().get_loop(slug).unwrap().is_none());
    }
}

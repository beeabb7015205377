//! Snapshots of the review screen and the approval dialog, and the diffstat in a pane title.

use insta::assert_snapshot;

use super::snapshot_support::{board, render, text};
use crate::ui::board::model::BoardModel;
use crate::ui::board::screen::open_review;
use crate::ui::diff::fixtures::review_model;
use crate::ui::review::{ApprovalIntent, Gate, ReviewChoice};

fn reviewing(gate: Option<Gate>, clean: bool) -> BoardModel {
    let mut model = board(4);
    let mut review = review_model(gate);
    if clean {
        review.placeholders.clear();
    } else {
        review.incidents =
            vec!["iteration 1: same failure twice (test_failure in token::tests::refresh)".into()];
        review.notes = vec![
            "Do not touch the fixtures; the refresh endpoint is /token/refresh, not /token.".into(),
        ];
        review.last_checks[1].passed = false;
        review.last_checks[1].exit_code = Some(101);
    }
    open_review(&mut model, review);
    model
}

#[test]
fn review_clean() {
    let model = reviewing(None, true);
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("✓ none found"));
    assert!(screen.contains("m merge into main"));
    assert_snapshot!(screen);
}

#[test]
fn review_at_80x24_offers_every_choice_whole() {
    let model = reviewing(None, true);
    let screen = text(&render(&model, 80, 24));
    for choice in ["m merge (one commit)", "M history", "b branch", "p PR body"] {
        assert!(screen.contains(choice), "{choice:?} cut:\n{screen}");
    }
    assert!(
        screen.contains("confirmed first; the approval is audited."),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn review_gated_with_placeholders() {
    let gate = Gate {
        why: "1 of 2 checks fails (cargo clippy)".into(),
        overridable: true,
    };
    let model = reviewing(Some(gate), false);
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("✗ Approval refused: 1 of 2 checks fails (cargo clippy)."));
    assert!(screen.contains("⚠ src/auth/token.rs:"));
    assert!(screen.contains("A approve anyway: Merge loop/api-auth into main"));
    assert_snapshot!(screen);
}

#[test]
fn review_of_a_stopped_loop_offers_no_approval_and_says_why_whole() {
    let gate = Gate {
        why:
            "the line is stopped (Insanity Rule: the same failure 3 times in a row (pytest failed \
              (exit 1): FAILED toolz/tests/test_itertoolz.py::test_frequencies - AssertionError); \
              change the approach): resume or redirect before approving"
                .into(),
        overridable: false,
    };
    let model = reviewing(Some(gate), true);
    let screen = text(&render(&model, 80, 24));
    assert!(
        !screen.contains("m merge"),
        "no approval key is offered:\n{screen}"
    );
    assert!(screen.contains("Closed: the line is stopped"), "{screen}");
    // The reason is wrapped, not cut at the edge: its last words are on screen.
    assert!(
        screen.contains("resume or redirect before approving"),
        "{screen}"
    );
    assert!(screen.contains("q/Esc back to the board"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn review_narrow_is_one_column_and_scrolls() {
    let model = reviewing(None, false);
    let screen = text(&render(&model, 80, 30));
    assert!(screen.contains("Goal"));
    assert!(screen.contains(" 1-22 of 33 "), "{screen}");
    let goal = screen.find("Goal").unwrap_or(0);
    let changes = screen.find("Changes").unwrap_or(0);
    assert!(
        changes == 0 || changes > goal,
        "one column: changes after the goal"
    );
}

#[test]
fn approval_confirm_dialog() {
    let mut model = reviewing(None, true);
    let intent = ApprovalIntent {
        loop_name: "api-auth".into(),
        branch: "loop/api-auth".into(),
        base: "main".into(),
        choice: ReviewChoice::Merge { history: false },
        anyway: None,
    };
    model.dialog = Some(intent.confirm_dialog());
    let screen = text(&render(&model, 120, 40));
    assert!(
        screen.contains("Merge loop/api-auth into main as one commit titled by"),
        "{screen}"
    );
    assert!(screen.contains("y/Enter merge"));
    assert_snapshot!(screen);
}

#[test]
fn approve_anyway_dialog_names_the_choice() {
    let mut model = reviewing(None, true);
    let intent = ApprovalIntent {
        loop_name: "api-auth".into(),
        branch: "loop/api-auth".into(),
        base: "main".into(),
        choice: ReviewChoice::Pr {
            gh: true,
            way: crate::ui::review::PrWay::Body,
        },
        anyway: None,
    };
    model.dialog = Some(intent.anyway_dialog());
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("Approve api-auth anyway"), "{screen}");
    assert!(
        screen.contains("Write a PR body for loop/api-auth → main and run gh pr"),
        "{screen}"
    );
}

#[test]
fn pane_title_with_a_diffstat() {
    let mut model = board(4);
    model.loops[0].diffstat = Some((6, 40, 12));
    model.loops[1].diffstat = Some((1, 3, 0));
    model.loops[2].diffstat = Some((12, 1480, 733));
    let screen = text(&render(&model, 160, 24));
    assert!(screen.contains("6 files +40 -12"), "{screen}");
    assert!(screen.contains("1 file +3 -0"), "{screen}");
    assert_snapshot!(screen);
}

/// An incident seen before in another loop says so under it, with what fixed it there: the
/// review's facts as the engine gives them, through to the screen.
#[test]
fn review_incident_seen_before_in_another_loop() {
    use andon_core::failure::seen_before::{Green, Likeness, Outcome, Precedent, SeenBefore};
    let seen = SeenBefore {
        likeness: Likeness::Same,
        precedent: Precedent {
            loop_name: "clamp-tax".into(),
            iteration: 1,
            at: 0,
            date: "2026-12-06".into(),
            fingerprint: "9f2c41d07a3be5aa".into(),
            category: "test_failure".into(),
            lines: Vec::new(),
            outcome: Outcome {
                green: Some(Green {
                    iteration: 2,
                    commit: Some("4e1d2c3b".into()),
                    stat: Some((1, 3, 1)),
                }),
                loop_state: "merged".into(),
                ..Outcome::default()
            },
        },
    };
    let facts = crate::ui::port::ReviewFacts {
        loop_name: "fix-price".into(),
        branch: "loop/fix-price".into(),
        target: "main".into(),
        goal: "Prices are never negative".into(),
        state: andon_core::state::State::AwaitingApproval,
        gate: None,
        last_checks: Vec::new(),
        iterations: Vec::new(),
        incidents: vec![crate::ui::port::IncidentRow {
            id: Some(1),
            loop_name: "fix-price".into(),
            iteration: 1,
            at: 0,
            category: "test_failure".into(),
            confidence: 0.9,
            fingerprint: "9f2c41d07a3be5aa".into(),
            summary: "tests exit 1: FAIL: price 5 10 = -5, expected 0".into(),
            evidence_json: serde_json::json!({ "seen_before": [seen] }).to_string(),
            level: None,
            status: "open".into(),
        }],
        notes: Vec::new(),
        gh_available: false,
        follows_prs: false,
        has_pr: false,
        history_by_default: false,
        opinions: Vec::new(),
        baseline: Some("0/1 checks pass (tests exit 1: FAIL: price 5 10 = -5)".into()),
    };
    let mut model = board(4);
    open_review(&mut model, crate::ui::review::facts::review_model(facts));
    let screen = text(&render(&model, 120, 40));
    assert!(
        screen.contains("    ↳ seen before in loop clamp-tax (2026-12-06,"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

/// Reviewers that disagree: both answers side by side, each under its verdict.
#[test]
fn review_with_reviewers_that_disagree() {
    use andon_core::reviewer::Opinion;
    let mut model = board(4);
    let mut review = review_model(None);
    review.state = andon_core::state::State::Stopped;
    review.opinions = vec![
        Opinion {
            reviewer: "codex".into(),
            approved: true,
            reasons: "The clamp is right and the new test covers the boundary.".into(),
        },
        Opinion {
            reviewer: "gemini".into(),
            approved: false,
            reasons: "Discounts above 100% still pass silently; reject them with an error \
                      instead of clamping."
                .into(),
        },
    ];
    open_review(&mut model, review.clone());
    let screen = text(&render(&model, 120, 40));
    assert!(
        screen.contains("they disagree: resume takes it to approval"),
        "{screen}"
    );
    assert!(
        screen.contains("codex — APPROVE") && screen.contains("gemini — REJECT"),
        "{screen}"
    );
    assert_snapshot!(screen);
    // Once a human took it to approval, the screen no longer asks for the resume.
    let mut model = board(4);
    review.state = andon_core::state::State::AwaitingApproval;
    open_review(&mut model, review);
    let screen = text(&render(&model, 120, 40));
    assert!(
        screen.contains("they disagreed; a human took it on"),
        "{screen}"
    );
}

#[test]
fn review_of_a_loop_that_follows_prs_says_what_p_does() {
    use crate::ui::review::PrWay;
    for (way, words, short) in [
        (PrWay::Follow, "p open the PR, follow it", "p open PR"),
        (PrWay::Push, "p push the fix to the PR", "p push fix"),
    ] {
        let mut model = board(4);
        let mut review = review_model(None);
        review.placeholders.clear();
        review.pr_way = way;
        open_review(&mut model, review);
        let wide = text(&render(&model, 160, 40));
        assert!(wide.contains(words), "{wide}");
        assert!(
            !wide.contains("gh pr create"),
            "no gh box: andon runs gh itself"
        );
        let narrow = text(&render(&model, 80, 24));
        assert!(narrow.contains(short), "{narrow}");
        assert_snapshot!(format!("review_follows_prs_{way:?}"), narrow);
    }
}

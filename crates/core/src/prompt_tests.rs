//! Prompt composition snapshots: a first iteration, one with feedback from a failure, one with
//! redirect notes and a fix plan, and a plan-mode (Meta-Andon) iteration.

use std::path::Path;

use super::*;
use crate::failure::classify::Category;
use crate::plan::parse_plan;
use crate::state::{Failure, Limits, State};

const PLAN: &str = "+++\ngoal = \"Discounts never produce a negative price\"\nskill = \"tdd\"\nscope = [\"src/pricing/**\"]\n[[checks]]\nname = \"tests\"\nrun = \"cargo test\"\n+++\n# Clamp discounts\n\nPrices go below zero when a discount exceeds the price.\n";

fn limits() -> Limits {
    Limits {
        consecutive_failures: 3,
        repeat_fingerprint: 3,
        max_iterations: 8,
        out_of_scope_stop: 5,
        budget_ms: None,
        rate_limit_wait_ms: 30_000,
        review: false,
        token_budget: None,
        cost_budget_micros: None,
    }
}

fn failure() -> Failure {
    Failure {
        category: Category::TestFailure,
        confidence: 0.9,
        fingerprint: "9f2c41d07a3be5aa".into(),
        summary: "tests: discount_never_negative failed".into(),
        checks: vec!["tests".into()],
        output_tail: "---- discount_never_negative stdout ----\nassertion failed: price >= 0\n\x1b[31mFAILED\x1b[0m\n".into(),
        lines: Vec::new(),
    }
}

fn prompt(state: &LoopState, five_whys: Option<&str>) -> String {
    prompt_seen(state, five_whys, &[])
}

fn prompt_seen(state: &LoopState, five_whys: Option<&str>, seen_before: &[SeenBefore]) -> String {
    let plan = parse_plan(Path::new("plans/pricing.md"), PLAN).unwrap();
    // What the engine composes: the plan's skill in code mode, the line-stop procedure and
    // the diagnosis skill in plan mode.
    let skills = if state.mode == Mode::Plan {
        vec![
            (
                "andon".to_string(),
                "Gather the evidence; name the pattern.".to_string(),
            ),
            (
                "diagnose".to_string(),
                "Reproduce before you explain.".to_string(),
            ),
        ]
    } else {
        vec![(
            "tdd".to_string(),
            "Write the failing test first.".to_string(),
        )]
    };
    let failures: Vec<PastFailure> = if state.mode == Mode::Plan {
        (1..=3)
            .map(|n| PastFailure {
                iteration: n,
                category: "test_failure".into(),
                fingerprint: format!("{n}f2c41d07a3be5aa"),
                summary: format!("tests: attempt {n} printed a different wrong price"),
            })
            .collect()
    } else {
        Vec::new()
    };
    compose(&PromptInput {
        plan: &plan,
        state,
        skills: &skills,
        fix_plan_path: "/repo/.andon/loops/pricing/agent/fix-plan-4.md",
        five_whys_path: five_whys,
        failures: &failures,
        seen_before,
        andon: Some("/usr/local/bin/andon"),
    })
}

#[test]
fn first_iteration() {
    let mut s = LoopState::new(limits());
    s.iteration = 1;
    s.state = State::Running;
    insta::assert_snapshot!(prompt(&s, None));
}

#[test]
fn with_feedback_from_a_repeated_failure() {
    let mut s = LoopState::new(limits());
    s.iteration = 3;
    s.state = State::Running;
    s.feedback = Some(failure());
    s.repeat_count = 2;
    insta::assert_snapshot!(prompt(&s, None));
}

#[test]
fn with_feedback_seen_before_in_another_loop() {
    use crate::failure::seen_before::{Green, Likeness, Outcome, Precedent};
    let mut s = LoopState::new(limits());
    s.iteration = 2;
    s.state = State::Running;
    s.feedback = Some(failure());
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
                notes: vec!["Clamp with max(0, …).".into()],
                loop_state: "merged".into(),
                ..Outcome::default()
            },
        },
    };
    let text = prompt_seen(&s, None, &[seen]);
    assert!(text.contains("## Seen before"));
    insta::assert_snapshot!(text);
    // Without a failure there is nothing to have seen.
    s.feedback = None;
    assert!(!prompt_seen(&s, None, &[]).contains("Seen before"));
}

#[test]
fn first_iteration_after_a_red_baseline() {
    let mut s = LoopState::new(limits());
    s.iteration = 1;
    s.state = State::Running;
    s.baseline = Some(crate::state::Baseline {
        passed: 0,
        total: 1,
        failure: Some(failure()),
    });
    let text = prompt(&s, None);
    assert!(text.contains("## Failing before you started"), "{text}");
    insta::assert_snapshot!(text);
    // Later iterations have their own feedback.
    s.iteration = 2;
    assert!(!prompt(&s, None).contains("Failing before you started"));
}

#[test]
fn with_redirect_notes_and_an_accepted_fix_plan() {
    let mut s = LoopState::new(limits());
    s.iteration = 5;
    s.state = State::Running;
    s.notes = vec![
        "Clamp in apply_discount, not in the caller.".into(),
        "Keep the public API unchanged.".into(),
    ];
    s.fix_plans = vec!["1. Add a property test.\n2. Clamp at zero.".into()];
    insta::assert_snapshot!(prompt(&s, None));
}

#[test]
fn plan_mode() {
    let mut s = LoopState::new(limits());
    s.iteration = 4;
    s.state = State::MetaAndon;
    s.mode = Mode::Plan;
    s.consecutive_failures = 3;
    s.feedback = Some(failure());
    let text = prompt(
        &s,
        Some("/repo/wiki/90_LOG/incidents/2026-11-22-pricing-4.md"),
    );
    assert!(
        !text.contains('\x1b'),
        "escape bytes never reach an agent's prompt"
    );
    insta::assert_snapshot!(text);
}

//! Snapshot of the Kaizen board from a known history.

use insta::assert_snapshot;

use super::snapshot_support::{board, render, text};
use crate::ui::board::screen::open_kaizen;
use crate::ui::port::KaizenReport;
use andon_core::kaizen::{
    by_category, items, metrics, ActionFact, Decision, IncidentFact, IterationFact, KaizenStatus,
    Level, LoopFact,
};

fn report() -> KaizenReport {
    // Two incidents every week from Monday 2026-11-23, UTC; the repeats of api-auth's
    // failure in pricing said Seen before.
    let inc = |l: &str, k: i64, category: &str, fp: &str, summary: &str| IncidentFact {
        loop_name: l.into(),
        iteration: 1,
        at: 1_795_392_000_000 + k * 3 * 86_400_000,
        category: category.into(),
        fingerprint: fp.into(),
        summary: summary.into(),
        seen_before: l == "pricing" && fp == "9f2c41d07a3be5aa",
    };
    let incidents = vec![
        inc(
            "api-auth",
            1,
            "test_failure",
            "9f2c41d07a3be5aa",
            "tests: refresh_token_expires failed",
        ),
        inc(
            "api-auth",
            2,
            "test_failure",
            "9f2c41d07a3be5aa",
            "tests: refresh_token_expires failed",
        ),
        inc(
            "pricing",
            3,
            "test_failure",
            "9f2c41d07a3be5aa",
            "tests: refresh_token_expires failed",
        ),
        inc(
            "pricing",
            4,
            "build_error",
            "41aa07c3d2e9b810",
            "cargo build: E0308 mismatched types",
        ),
        inc(
            "search",
            5,
            "environment",
            "c03d9be1f4a2e716",
            "sh: 1: jq: not found",
        ),
        inc(
            "search",
            6,
            "lint_failure",
            "77e0b3c51d9a2f44",
            "clippy: needless_range_loop",
        ),
    ];
    let decisions = vec![Decision {
        category: "environment".into(),
        fingerprint: "c03d9be1f4a2e716".into(),
        level: Some(Level::L1),
        status: KaizenStatus::Done,
    }];
    let lp = |name: &str, state: &str, at| LoopFact {
        name: name.into(),
        state: state.into(),
        created_at: at,
    };
    let it = |l: &str, n, status: &str, end| IterationFact {
        loop_name: l.into(),
        n,
        status: status.into(),
        ended_at: Some(end),
    };
    let loops = vec![
        lp("api-auth", "merged", 0),
        lp("pricing", "approved", 0),
        lp("search", "stopped", 0),
    ];
    let iterations = vec![
        it("api-auth", 3, "passed", 180_000),
        it("pricing", 2, "passed", 95_000),
        it("search", 1, "failed", 30_000),
    ];
    let actions = vec![ActionFact {
        loop_name: "pricing".into(),
        action: "redirect".into(),
    }];
    let mut items = items(&incidents, &decisions);
    // The environment group's prevention was adopted: a protected path.
    for item in &mut items {
        if item.category == "environment" {
            item.adopted = vec!["L1 protected path `vendor/**`".into()];
        }
    }
    KaizenReport {
        by_category: by_category(&items),
        metrics: metrics(&loops, &iterations, &actions, &incidents),
        items,
    }
}

#[test]
fn kaizen_board() {
    let mut model = board(3);
    open_kaizen(&mut model, report());
    let screen = text(&render(&model, 140, 36));
    assert!(screen.contains("incidents per category"), "{screen}");
    assert!(screen.contains("9f2c41d0"), "{screen}");
    assert!(screen.contains("L1 poka-yoke"), "{screen}");
    assert!(
        screen.contains("✓ L1 protected path `vendor/**`"),
        "{screen}"
    );
    assert!(screen.contains("50%"), "autonomous completion: {screen}");
    assert_snapshot!(screen);
}

#[test]
fn kaizen_board_empty() {
    let mut model = board(1);
    open_kaizen(
        &mut model,
        KaizenReport {
            items: Vec::new(),
            by_category: Vec::new(),
            metrics: metrics(&[], &[], &[], &[]),
        },
    );
    let screen = text(&render(&model, 120, 30));
    assert!(screen.contains("no incidents recorded yet"), "{screen}");
    assert!(screen.contains("no loop has gone green yet"), "{screen}");
}

#[test]
fn kaizen_board_at_80x24_keeps_every_title_whole() {
    let mut model = board(3);
    open_kaizen(&mut model, report());
    let screen = text(&render(&model, 80, 24));
    for title in [
        "incidents per category",
        "iterations to green",
        "autonomous",
        "repeats · seen→green",
        "seen before → green",
        "interventions",
    ] {
        assert!(screen.contains(title), "{title:?} is cut:\n{screen}");
    }
    assert_snapshot!(screen);
}

//! Page text checked against snapshots with a known history.

use super::*;
use andon_core::diff::{FileBody, FileStatus};
use andon_core::prompt::PastFailure;

fn iteration(n: u32, status: &str, checks: (u32, u32), category: Option<&str>) -> IterationRow {
    IterationRow {
        loop_name: "pricing".into(),
        n,
        mode: "code".into(),
        status: status.into(),
        started_at: 0,
        ended_at: Some(1),
        agent_exit: Some(0),
        changed_files: Some(1),
        checks_passed: Some(checks.0),
        checks_total: Some(checks.1),
        fingerprint: category.map(|_| "9f2c41d07a3be5aa".into()),
        category: category.map(str::to_string),
        confidence: category.map(|_| 0.9),
        snapshot: None,
        prompt_path: String::new(),
        note: None,
        failure_lines: None,
    }
}

#[test]
fn loop_page_snapshot() {
    let iterations = vec![
        iteration(1, "failed", (0, 1), Some("test_failure")),
        iteration(2, "passed", (1, 1), None),
    ];
    let incidents = vec![IncidentRow {
        id: Some(1),
        loop_name: "pricing".into(),
        iteration: 1,
        at: 0,
        category: "test_failure".into(),
        confidence: 0.9,
        fingerprint: "9f2c41d07a3be5aa".into(),
        summary: "tests: FAIL: price 5 10 = -5, expected 0".into(),
        evidence_json: "{}".into(),
        level: None,
        status: "open".into(),
    }];
    let actions = vec![AuditRow {
        id: Some(1),
        at: 1_795_305_600_000 + 9 * 3_600_000 + 5 * 60_000,
        actor: "alice".into(),
        loop_name: Some("pricing".into()),
        iteration: Some(2),
        commit_id: None,
        action: "approve_merge".into(),
        reason: None,
    }];
    let files = vec![DiffFile {
        path: "src/price.sh".into(),
        old_path: None,
        status: FileStatus::Modified,
        added: 1,
        removed: 1,
        body: FileBody::Text { hunks: Vec::new() },
    }];
    let page = loop_page(&LoopLog {
        date: "2026-11-22",
        loop_name: "pricing",
        title: "Fix negative prices",
        goal: "Prices are never negative",
        plan_path: "plans/pricing.md",
        branch: "loop/pricing",
        outcome: "merged",
        detail: Some("main fast-forwarded to loop/pricing (1a2b3c4d)"),
        iterations: &iterations,
        incidents: &incidents,
        actions: &actions,
        files: Some(&files),
        stat: Some(DiffStat {
            files: 1,
            added: 1,
            removed: 1,
        }),
        five_whys: &["2026-11-22-pricing-1-insanity.md".to_string()],
    });
    // Clock times are local: the snapshot must not depend on the machine's time zone.
    let clock = regex::Regex::new(r"(?m)^- \d\d:\d\d ").unwrap();
    insta::assert_snapshot!(clock.replace_all(&page, "- HH:MM "));
}

#[test]
fn five_whys_snapshot() {
    let logs = vec![
        ".andon/loops/pricing/iter-3/check-tests.log".to_string(),
        ".andon/loops/pricing/iter-3/agent.log".to_string(),
    ];
    let text = five_whys(&FiveWhysFacts {
        date: "2026-11-22",
        loop_name: "pricing",
        plan_path: "plans/pricing.md",
        iteration: 4,
        trigger: "Meta-Andon after 3 consecutive failures",
        category: "test_failure",
        confidence: 0.9,
        fingerprint: "9f2c41d07a3be5aa",
        summary: "tests: FAIL: price 5 10 = -5, expected 0",
        logs: &logs,
        stat: None,
        output_tail: "FAIL: price 5 10 = -5, expected 0\n```\x1b[31m\n",
        fix_plan_path: Some(".andon/loops/pricing/agent/fix-plan-4.md"),
        failed: 3,
        streak: &[
            PastFailure {
                iteration: 2,
                category: "build_error".into(),
                fingerprint: "41aa07c3d2e9b810".into(),
                summary: "cargo build: E0308".into(),
            },
            PastFailure {
                iteration: 3,
                category: "test_failure".into(),
                fingerprint: "9f2c41d07a3be5aa".into(),
                summary: "tests: FAIL: price 5 10 = -5, expected 0".into(),
            },
        ],
    });
    assert!(!text.contains('\x1b'));
    insta::assert_snapshot!(text);
}

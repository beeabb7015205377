//! Kaizen grouping and metrics from a known history.

use super::*;

fn inc(loop_name: &str, at: i64, category: &str, fp: &str) -> IncidentFact {
    IncidentFact {
        loop_name: loop_name.into(),
        iteration: 1,
        at,
        category: category.into(),
        fingerprint: fp.into(),
        summary: format!("{category} at {at}"),
        seen_before: false,
    }
}

#[test]
fn incidents_group_by_category_and_fingerprint_across_loops() {
    let incidents = vec![
        inc("a", 1, "test_failure", "f1"),
        inc("b", 5, "test_failure", "f1"),
        inc("a", 2, "build_error", "f2"),
        inc("a", 3, "test_failure", "f1"),
        inc("c", 4, "environment", "f3"),
        // Same fingerprint, other category: its own group.
        inc("c", 6, "lint_failure", "f1"),
    ];
    let decisions = vec![Decision {
        category: "build_error".into(),
        fingerprint: "f2".into(),
        level: Some(Level::L2),
        status: KaizenStatus::Done,
    }];
    let got = items(&incidents, &decisions);
    type Row<'a> = (
        &'a str,
        &'a str,
        usize,
        Vec<&'a str>,
        Option<Level>,
        KaizenStatus,
    );
    let view: Vec<Row> = got
        .iter()
        .map(|i| {
            (
                i.category.as_str(),
                i.fingerprint.as_str(),
                i.count,
                i.loops.iter().map(String::as_str).collect(),
                i.level,
                i.status,
            )
        })
        .collect();
    assert_eq!(
        view,
        vec![
            (
                "test_failure",
                "f1",
                3,
                vec!["a", "b"],
                None,
                KaizenStatus::Open
            ),
            ("lint_failure", "f1", 1, vec!["c"], None, KaizenStatus::Open),
            ("environment", "f3", 1, vec!["c"], None, KaizenStatus::Open),
            (
                "build_error",
                "f2",
                1,
                vec!["a"],
                Some(Level::L2),
                KaizenStatus::Done
            ),
        ]
    );
    assert_eq!((got[0].first_at, got[0].last_at), (1, 5));
    assert_eq!(got[0].summary, "test_failure at 5");
    assert_eq!(got[2].suggested, Level::L1);
    assert_eq!(
        by_category(&got),
        vec![
            ("test_failure".to_string(), 3),
            ("build_error".to_string(), 1),
            ("environment".to_string(), 1),
            ("lint_failure".to_string(), 1),
        ]
    );
}

fn lp(name: &str, state: &str, created_at: i64) -> LoopFact {
    LoopFact {
        name: name.into(),
        state: state.into(),
        created_at,
    }
}

fn it(loop_name: &str, n: u32, status: &str, ended_at: i64) -> IterationFact {
    IterationFact {
        loop_name: loop_name.into(),
        n,
        status: status.into(),
        ended_at: Some(ended_at),
    }
}

fn act(loop_name: &str, action: &str) -> ActionFact {
    ActionFact {
        loop_name: loop_name.into(),
        action: action.into(),
    }
}

#[test]
fn metrics_from_a_known_history() {
    // a: green on iteration 1 after 10 s, merged on its own.
    // b: green on iteration 3 after 50 s, but only after a redirect; approved.
    // c: never green, aborted after a stop.
    // d: still running, green on iteration 2 after 20 s.
    // e: green on iteration 1, merged — but a human answered its agent's question.
    // f: green on iteration 2, merged after a human accepted its Meta-Andon fix plan.
    let loops = vec![
        lp("e", "merged", 4_000),
        lp("f", "merged", 5_000),
        lp("b", "approved", 1_000),
        lp("a", "merged", 0),
        lp("c", "aborted", 2_000),
        lp("d", "running", 3_000),
    ];
    let iterations = vec![
        it("a", 1, "passed", 10_000),
        it("b", 1, "failed", 11_000),
        it("b", 2, "failed", 31_000),
        it("b", 3, "passed", 51_000),
        it("c", 1, "failed", 5_000),
        it("d", 1, "failed", 13_000),
        it("d", 2, "passed", 23_000),
        it("d", 3, "passed", 33_000),
        it("e", 1, "passed", 14_000),
        it("f", 2, "passed", 15_000),
    ];
    let actions = vec![
        act("a", "approve_merge"),
        act("b", "redirect"),
        act("b", "approve_branch"),
        act("c", "stop"),
        act("c", "resume"),
        act("c", "abort"),
        act("c", "cleanup"),
        act("e", "answer"),
        act("e", "approve_squash"),
        act("f", "resume"),
        act("f", "approve_squash"),
    ];
    let m = metrics(&loops, &iterations, &actions, &[]);
    assert_eq!((m.loops, m.loops_ended), (6, 5));
    assert_eq!(m.mean_iterations_to_green, Some(9.0 / 5.0)); // (1 + 3 + 2 + 1 + 2) / 5
    assert_eq!(m.autonomous_completion_rate, Some(1.0 / 5.0)); // only a
                                                               // (10 + 50 + 20 + 10 + 10) s / 5
    assert_eq!(m.mean_time_to_green_ms, Some(100_000.0 / 5.0));
    // b: 1, c: 2 (stop, abort), e: 1 (answer); a resume alone is no intervention.
    assert_eq!(m.interventions_per_loop, Some(4.0 / 6.0));
    let order: Vec<(&str, Option<u32>, usize)> = m
        .per_loop
        .iter()
        .map(|l| (l.name.as_str(), l.iterations_to_green, l.interventions))
        .collect();
    assert_eq!(
        order,
        vec![
            ("a", Some(1), 0),
            ("b", Some(3), 1),
            ("c", None, 2),
            ("d", Some(2), 0),
            ("e", Some(1), 1),
            ("f", Some(2), 0)
        ]
    );
}

#[test]
fn metrics_of_an_empty_store_are_absent_not_zero() {
    let m = metrics(&[], &[], &[], &[]);
    assert_eq!(m.learning, Learning::default());
    assert_eq!(m.loops, 0);
    assert_eq!(m.mean_iterations_to_green, None);
    assert_eq!(m.autonomous_completion_rate, None);
    assert_eq!(m.interventions_per_loop, None);
}

#[test]
fn weeks_start_on_monday_utc() {
    const DAY: i64 = 86_400_000;
    // 1970-01-05 was the first Monday; 2026-12-07 is a Monday.
    let monday = 1_796_601_600_000;
    let cases = [
        (0, -3 * DAY),
        (4 * DAY, 4 * DAY),
        (4 * DAY - 1, -3 * DAY),
        (monday, monday),
        (monday + 6 * DAY + DAY - 1, monday),
        (monday + 7 * DAY, monday + 7 * DAY),
        (monday - 1, monday - 7 * DAY),
    ];
    for (at, want) in cases {
        assert_eq!(week_start(at), want, "{at}");
    }
}

/// Failures that repeat another loop's, and Seen before followed by green, week by week.
#[test]
fn learning_from_a_known_history() {
    const WEEK: i64 = 7 * 86_400_000;
    let monday = 1_796_601_600_000;
    let incident = |l: &str, n: u32, at: i64, fp: &str, seen: bool| IncidentFact {
        iteration: n,
        seen_before: seen,
        ..inc(l, at, "test_failure", fp)
    };
    let incidents = vec![
        // Week 1: a fails with f1 twice (its own repeat is no repeat of another loop's), then
        // b fails with f1: a repeat, and its prompt said Seen before; b then went green.
        incident("a", 1, monday + 1, "f1", false),
        incident("a", 2, monday + 2, "f1", false),
        incident("b", 1, monday + 3, "f1", true),
        // Week 2: c repeats f1 with Seen before but never goes green; d fails anew.
        incident("c", 4, monday + WEEK + 1, "f1", true),
        incident("d", 1, monday + WEEK + 2, "f2", false),
    ];
    let it = |l: &str, n: u32, status: &str| IterationFact {
        loop_name: l.into(),
        n,
        status: status.into(),
        ended_at: None,
    };
    let iterations = vec![
        it("a", 3, "passed"),
        it("b", 2, "passed"),
        // c's only green came before its failure: not "then green".
        it("c", 3, "passed"),
    ];
    let l = learning(&incidents, &iterations);
    assert_eq!(l.repeat_failure_rate, Some(2.0 / 5.0));
    assert_eq!(l.seen_before_then_green_rate, Some(1.0 / 2.0));
    let weeks: Vec<(i64, usize, usize, usize, usize)> = l
        .weekly
        .iter()
        .map(|w| {
            (
                w.week_start,
                w.failures,
                w.repeats,
                w.seen_before,
                w.then_green,
            )
        })
        .collect();
    assert_eq!(weeks, [(monday, 3, 1, 1, 1), (monday + WEEK, 2, 1, 1, 0)]);
    assert_eq!(l.weekly[1].repeat_rate(), Some(0.5));
    assert_eq!(l.weekly[1].then_green_rate(), Some(0.0));
}

#[test]
fn levels_and_statuses_cycle_and_parse() {
    assert_eq!(Level::next(None), Some(Level::L1));
    assert_eq!(Level::next(Some(Level::L4)), None);
    assert_eq!(Level::parse("l3"), Some(Level::L3));
    assert_eq!(Level::parse("L5"), None);
    assert_eq!(KaizenStatus::Dropped.next(), KaizenStatus::Open);
    assert_eq!(KaizenStatus::parse("DONE"), Some(KaizenStatus::Done));
}

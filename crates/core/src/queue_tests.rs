use super::*;

fn plan(id: i64, plan: &str, priority: i64, after: Option<&str>) -> Entry {
    Entry {
        id,
        work: Work::Plan,
        plan: format!("plans/{plan}.md"),
        priority,
        after: after.map(|a| format!("plans/{a}.md")),
    }
}

fn resume(id: i64, name: &str) -> Entry {
    Entry {
        id,
        work: Work::Resume {
            loop_name: name.into(),
        },
        plan: format!("plans/{name}.md"),
        priority: 0,
        after: None,
    }
}

fn fact(name: &str, state: State, created_at: i64) -> LoopFact {
    LoopFact {
        name: name.into(),
        plan: format!("plans/{name}.md"),
        state,
        created_at,
        interrupted: false,
    }
}

fn limits(max_running: Option<usize>, max_awaiting_review: Option<usize>) -> Limits {
    Limits {
        max_running,
        max_awaiting_review,
    }
}

#[test]
fn without_limits_everything_starts_in_priority_then_queue_order() {
    let entries = [
        plan(1, "a", 0, None),
        plan(2, "b", 5, None),
        plan(3, "c", 0, None),
    ];
    let s = schedule(&entries, &[], Limits::default(), false);
    assert_eq!(s.start, vec![2, 1, 3]);
    assert!(s.waiting.is_empty());
}

#[test]
fn max_running_counts_working_loops_and_holds_the_rest() {
    let entries = [
        plan(1, "a", 0, None),
        plan(2, "b", 0, None),
        plan(3, "c", 0, None),
    ];
    let loops = [
        fact("x", State::Running, 1),
        fact("y", State::Stopped, 1),
        fact("z", State::AwaitingApproval, 1),
        fact("w", State::Merged, 1),
    ];
    let s = schedule(&entries, &loops, limits(Some(2), None), false);
    assert_eq!(s.start, vec![1], "one place is free: x works, y/z/w do not");
    assert_eq!(
        s.waiting,
        vec![
            (2, Wait::Running { running: 2, max: 2 }),
            (3, Wait::Running { running: 2, max: 2 }),
        ]
    );
    assert_eq!(
        s.waiting[0].1.describe(),
        "2 loops running (max_running = 2)"
    );
    assert!(!s.waiting[0].1.needs_human());
}

#[test]
fn an_interrupted_loop_keeps_its_place() {
    let entries = [plan(1, "a", 0, None)];
    let mut cut = fact("cut", State::Stopped, 1);
    cut.interrupted = true;
    let s = schedule(&entries, &[cut], limits(Some(1), None), false);
    assert!(s.start.is_empty(), "the cut loop reruns its iteration");
}

#[test]
fn awaiting_review_holds_new_loops_but_not_a_resume() {
    let entries = [plan(1, "a", 0, None), resume(2, "s")];
    let loops = [
        fact("done", State::AwaitingApproval, 1),
        fact("s", State::Stopped, 1),
    ];
    let s = schedule(&entries, &loops, limits(None, Some(1)), false);
    assert_eq!(s.start, vec![2]);
    assert_eq!(
        s.waiting,
        vec![(1, Wait::AwaitingReview { waiting: 1, max: 1 })]
    );
    assert!(s.waiting[0].1.needs_human());
    assert_eq!(
        s.waiting[0].1.describe(),
        "1 diff awaits review (max_awaiting_review = 1)"
    );
}

#[test]
fn a_dependency_waits_for_merged_and_does_not_hold_others() {
    let entries = [plan(1, "b", 9, Some("a")), plan(2, "c", 0, None)];
    let cases = [
        (vec![fact("a", State::Running, 1)], Some(State::Running)),
        (
            vec![fact("a", State::AwaitingApproval, 1)],
            Some(State::AwaitingApproval),
        ),
        (vec![fact("a", State::Approved, 1)], Some(State::Approved)),
    ];
    for (loops, state) in cases {
        let s = schedule(&entries, &loops, Limits::default(), false);
        assert_eq!(s.start, vec![2], "{state:?}");
        assert_eq!(
            s.waiting,
            vec![(
                1,
                Wait::After {
                    plan: "plans/a.md".into(),
                    state
                }
            )]
        );
    }
    let merged = [fact("a", State::Merged, 1)];
    let s = schedule(&entries, &merged, Limits::default(), false);
    assert_eq!(s.start, vec![1, 2]);

    // Queued itself, with no loop yet: b waits, by itself.
    let with_a = [
        entries[0].clone(),
        entries[1].clone(),
        plan(3, "a", 0, None),
    ];
    let s = schedule(&with_a, &[], Limits::default(), false);
    assert_eq!(s.start, vec![2, 3]);
    let wait = &s.waiting[0].1;
    assert_eq!(
        wait,
        &Wait::After {
            plan: "plans/a.md".into(),
            state: None
        }
    );
    assert!(!wait.needs_human(), "a's loop will start and may merge");

    // Neither queued nor run (its entry was removed): only a human moves it.
    let s = schedule(&entries, &[], Limits::default(), false);
    assert_eq!(s.start, vec![2]);
    let wait = &s.waiting[0].1;
    assert_eq!(
        wait,
        &Wait::AfterMissing {
            plan: "plans/a.md".into()
        }
    );
    assert!(wait.needs_human());
    assert!(
        wait.describe()
            .contains("neither queued nor run: `andon queue add plans/a.md`"),
        "{}",
        wait.describe()
    );
}

#[test]
fn the_newest_loop_of_a_plan_speaks_for_it() {
    let entries = [plan(1, "b", 0, Some("a"))];
    let mut old = fact("a", State::Merged, 1);
    old.name = "a".into();
    let mut new = fact("a", State::Aborted, 2);
    new.name = "a-2".into();
    let s = schedule(&entries, &[old, new], Limits::default(), false);
    let wait = &s.waiting[0].1;
    assert_eq!(
        wait,
        &Wait::After {
            plan: "plans/a.md".into(),
            state: Some(State::Aborted)
        }
    );
    assert!(wait.describe().contains("aborted"), "{}", wait.describe());
    assert!(wait.needs_human());
}

#[test]
fn a_stopped_line_starts_no_new_loop_but_hears_a_resume() {
    let entries = [plan(1, "a", 0, None), resume(2, "s")];
    let s = schedule(&entries, &[], Limits::default(), true);
    assert_eq!(s.start, vec![2]);
    assert_eq!(s.waiting, vec![(1, Wait::LineStopped)]);
    let s = schedule(
        &entries,
        &[fact("x", State::Running, 1)],
        limits(Some(1), None),
        true,
    );
    assert!(s.start.is_empty(), "the resume still needs a place");
}

#[test]
fn each_start_takes_a_place() {
    let entries: Vec<Entry> = (1..=5)
        .map(|i| plan(i, &format!("p{i}"), 0, None))
        .collect();
    let s = schedule(&entries, &[], limits(Some(2), None), false);
    assert_eq!(s.start, vec![1, 2]);
    assert_eq!(s.waiting.len(), 3);
}

#[test]
fn the_glance_names_what_holds_the_line_before_one_plans_dependency() {
    let entries = [plan(1, "low", 0, None), plan(2, "high", 3, Some("x"))];
    // The line is full: that holds both, though the first in line waits for x too.
    let s = schedule(
        &entries,
        &[fact("y", State::Running, 1)],
        limits(Some(1), None),
        false,
    );
    let g = glance(&entries, &s);
    assert_eq!(g.waiting, 2);
    assert_eq!(g.line(), "queued 2 · max_running 1/1");
    // Room on the line: only the dependency holds, and it is named.
    let s = schedule(&entries[1..], &[], limits(Some(1), None), false);
    assert_eq!(
        glance(&entries[1..], &s).line(),
        "queued 1 · after x.md (missing)"
    );
    assert_eq!(Glance::default().line(), "");
}

#[test]
fn cycles_are_named_and_chains_are_not_cycles() {
    let e = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(cycle(&[e("a", "b"), e("b", "c")]), None);
    assert_eq!(cycle(&[e("a", "a")]), Some(vec!["a".into(), "a".into()]));
    assert_eq!(
        cycle(&[e("x", "a"), e("a", "b"), e("b", "c"), e("c", "a")]),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn uncommitted_changes_hold_new_loops_not_resumes() {
    let entries = [plan(1, "a", 0, None), resume(2, "s")];
    let mut s = schedule(&entries, &[], Limits::default(), false);
    assert_eq!(s.start, vec![1, 2]);
    hold_for_dirty_base(&entries, &mut s, &["src/price.sh".to_string()]);
    assert_eq!(s.start, vec![2]);
    let wait = &s.waiting[0].1;
    assert_eq!(s.waiting[0].0, 1);
    assert!(wait.needs_human(), "only a human commits or stashes");
    assert!(
        wait.describe().contains("(src/price.sh)"),
        "{}",
        wait.describe()
    );
    assert_eq!(
        glance(&entries, &s).line(),
        "queued 1 · uncommitted changes"
    );
    let mut clean = schedule(&entries, &[], Limits::default(), false);
    hold_for_dirty_base(&entries, &mut clean, &[]);
    assert_eq!(clean.start, vec![1, 2]);
}

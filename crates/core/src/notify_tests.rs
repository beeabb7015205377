use super::*;

fn seen(lamp: Lamp, state: State, needs_human: bool) -> Seen {
    Seen {
        lamp,
        state,
        needs_human,
    }
}

#[test]
fn each_transition_calls_once_and_only_what_is_on() {
    let running = seen(Lamp::Green, State::Running, false);
    let red = seen(Lamp::Red, State::Stopped, true);
    let blue = seen(Lamp::Blue, State::AwaitingApproval, true);
    let approved = seen(Lamp::Gray, State::Approved, false);
    let pr_open = seen(Lamp::Blue, State::PrOpen, false);
    let mergeable = seen(Lamp::Blue, State::Mergeable, true);
    let all = Call::ALL;
    let cases: [(Option<&Seen>, &Seen, Vec<Call>); 9] = [
        (Some(&running), &running, vec![]),
        (Some(&running), &red, vec![Call::Red, Call::NeedsHuman]),
        (Some(&red), &red, vec![]),
        (Some(&running), &blue, vec![Call::Blue, Call::NeedsHuman]),
        (None, &blue, vec![Call::Blue, Call::NeedsHuman]),
        (Some(&red), &running, vec![]),
        // Following its PR, a loop waits on CI and reviewers: blue, and nobody is called…
        (Some(&approved), &pr_open, vec![]),
        // …until the PR is green and approved: a human merges it.
        (Some(&pr_open), &mergeable, vec![Call::NeedsHuman]),
        (
            Some(&approved),
            &mergeable,
            vec![Call::Blue, Call::NeedsHuman],
        ),
    ];
    for (before, now, want) in cases {
        assert_eq!(calls(before, now, &all), want, "{before:?} -> {now:?}");
    }
    assert_eq!(calls(Some(&running), &red, &[Call::Blue]), vec![]);
    assert_eq!(Call::parse("needs_human"), Some(Call::NeedsHuman));
    assert_eq!(Call::parse("green"), None);
}

#[test]
fn a_flapping_loop_is_told_once_a_minute_then_summed_up() {
    let n = |body: &str| Notice::of_line("shop", "x", body);
    let notice = |name: &str, body: &str| {
        let mut x = n(body);
        x.loop_name = name.into();
        x
    };
    let mut l = Limiter::default();
    assert!(l.offer(notice("a", "red"), 0).is_some());
    assert!(l.offer(notice("b", "red"), 1_000).is_some(), "another loop");
    assert!(l.offer(notice("a", "green"), 10_000).is_none());
    assert!(l.offer(notice("a", "red again"), 20_000).is_none());
    assert_eq!(l.next_due(), Some(60_000));
    assert!(l.due(59_999).is_empty());
    let due = l.due(60_000);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].body, "red again (and 1 earlier changes this minute)");
    assert_eq!(l.next_due(), None);
    // The summary started a new quiet minute.
    assert!(l.offer(notice("a", "blue"), 61_000).is_none());
    assert!(l.offer(notice("a", "blue"), 120_000).is_some());
}

#[test]
fn a_notice_names_the_loop_its_lamp_and_why() {
    let n = Notice::of_loop(
        "shop",
        "fix-pricing",
        &seen(Lamp::Red, State::Stopped, true),
        "same failure twice",
    );
    assert_eq!(n.title, "andon shop: fix-pricing red");
    assert_eq!(n.body, "stopped: same failure twice");
    assert_eq!(n.values()[1], ("lamp", "red"));
}

use super::*;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn precedent(loop_name: &str, at: i64, fingerprint: &str, category: &str, l: &str) -> Precedent {
    Precedent {
        loop_name: loop_name.into(),
        iteration: 2,
        at,
        date: "2026-12-07".into(),
        fingerprint: fingerprint.into(),
        category: category.into(),
        lines: lines(l),
        outcome: Outcome::default(),
    }
}

const FAIL: &str =
    "[tests]\nE assert N == N\nE where N = price(N, N)\nFAILED tests/test_price.py::test_discount";

fn current<'a>(fingerprint: &'a str, l: &'a [String]) -> Current<'a> {
    Current {
        loop_name: "mine",
        fingerprint,
        category: "test_failure",
        lines: l,
    }
}

#[test]
fn similarity_is_shared_lines_over_all_lines() {
    let cases = [
        ("a\nb", "a\nb", 1.0),
        ("a\nb", "a\nc", 1.0 / 3.0),
        ("a\nb\nc\nd", "a\nb\nc\ne", 3.0 / 5.0),
        ("a", "b", 0.0),
        ("", "", 0.0),
        // Repeated lines count once.
        ("a\na\nb", "a\nb", 1.0),
        // Which check failed is no likeness: the `[check]` headers are left out.
        ("[tests]\nx", "[tests]\ny", 0.0),
        ("[unit]\nx", "[tests]\nx", 1.0),
    ];
    for (a, b, want) in cases {
        let got = similarity(&lines(a), &lines(b));
        assert!((got - want).abs() < 1e-9, "{a:?} ~ {b:?}: {got} != {want}");
    }
}

#[test]
fn the_lookup_rules() {
    let mine = lines(FAIL);
    let similar =
        "[tests]\nE assert N == N\nE where N = price(N, N)\nFAILED tests/test_price.py::test_total";
    // (case, candidates, expected (loop, likeness) in order)
    type Case<'a> = (&'a str, Vec<Precedent>, Vec<(&'a str, Likeness)>);
    let cases: Vec<Case> = vec![
        ("nothing stored", vec![], vec![]),
        (
            "the same fingerprint in another loop",
            vec![precedent("a", 10, "fp", "test_failure", FAIL)],
            vec![("a", Likeness::Same)],
        ),
        (
            "the loop's own failures are its history, not a precedent",
            vec![precedent("mine", 10, "fp", "test_failure", FAIL)],
            vec![],
        ),
        (
            "same fingerprints win over similar lines",
            vec![
                precedent("a", 30, "other", "test_failure", similar),
                precedent("b", 10, "fp", "test_failure", FAIL),
            ],
            vec![("b", Likeness::Same)],
        ),
        (
            "no same fingerprint: the same category with alike lines",
            vec![precedent("a", 30, "other", "test_failure", similar)],
            vec![("a", Likeness::Similar { percent: 50 })],
        ),
        (
            "alike lines of another category are not a precedent",
            vec![precedent("a", 30, "other", "build_error", similar)],
            vec![],
        ),
        (
            "too few lines alike",
            vec![precedent("a", 30, "other", "test_failure", "x\ny\nz")],
            vec![],
        ),
        (
            "newest first, one per loop, at most three",
            vec![
                precedent("a", 10, "fp", "test_failure", FAIL),
                precedent("a", 50, "fp", "test_failure", FAIL),
                precedent("b", 20, "fp", "test_failure", FAIL),
                precedent("c", 40, "fp", "test_failure", FAIL),
                precedent("d", 30, "fp", "test_failure", FAIL),
                precedent("e", 5, "fp", "test_failure", FAIL),
            ],
            vec![
                ("a", Likeness::Same),
                ("c", Likeness::Same),
                ("d", Likeness::Same),
            ],
        ),
    ];
    for (case, candidates, want) in cases {
        let got: Vec<(String, Likeness)> = pick(&current("fp", &mine), candidates)
            .into_iter()
            .map(|e| (e.precedent.loop_name, e.likeness))
            .collect();
        let want: Vec<(String, Likeness)> =
            want.into_iter().map(|(l, k)| (l.to_string(), k)).collect();
        assert_eq!(got, want, "{case}");
    }
}

#[test]
fn the_newest_failure_of_a_loop_is_the_one_kept() {
    let mine = lines(FAIL);
    let got = pick(
        &current("fp", &mine),
        vec![
            precedent("a", 10, "fp", "test_failure", FAIL),
            precedent("a", 50, "fp", "test_failure", FAIL),
        ],
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].precedent.at, 50);
}

#[test]
fn what_fixed_it_says_the_green_iteration_and_the_human_help() {
    let cases = [
        (Outcome::default(), "not fixed there"),
        (
            Outcome {
                loop_state: "aborted".into(),
                ..Outcome::default()
            },
            "not fixed there (the loop is aborted)",
        ),
        (
            Outcome {
                green: Some(Green {
                    iteration: 3,
                    commit: Some("1a2b3c4d5e6f".into()),
                    stat: Some((2, 5, 1)),
                }),
                notes: vec!["first".into(), "use a guard\nclause".into()],
                fix_plan: Some("Check the discount first".into()),
                prevention: Some("L2, done".into()),
                five_whys: vec!["wiki/30_INCIDENTS/a.md".into()],
                loop_state: "merged".into(),
            },
            "iteration 3 went green (commit `1a2b3c4`, 2 files +5 −1); after the human's note: \
             \"use a guard clause\"; after an accepted fix plan: \"Check the discount first\"; \
             prevention: L2, done; Five Whys: `wiki/30_INCIDENTS/a.md`",
        ),
        (
            Outcome {
                green: Some(Green {
                    iteration: 4,
                    commit: None,
                    stat: Some((1, 1, 0)),
                }),
                ..Outcome::default()
            },
            "iteration 4 went green (1 file +1 −0)",
        ),
    ];
    for (outcome, want) in cases {
        assert_eq!(what_fixed_it(&outcome), want);
    }
}

#[test]
fn the_prompt_section_lists_each_entry_and_is_empty_without_any() {
    assert_eq!(prompt_section(&[]), "");
    let mut p = precedent("fix-price", 10, "0123456789abcdef99", "test_failure", FAIL);
    p.outcome.green = Some(Green {
        iteration: 3,
        commit: Some("1a2b3c4d".into()),
        stat: Some((1, 2, 1)),
    });
    let similar = SeenBefore {
        likeness: Likeness::Similar { percent: 67 },
        precedent: precedent("tax", 5, "fedcba", "test_failure", FAIL),
    };
    let section = prompt_section(&[
        SeenBefore {
            likeness: Likeness::Same,
            precedent: p,
        },
        similar,
    ]);
    insta::assert_snapshot!(section);
}

#[test]
fn an_incidents_evidence_gives_its_entries_back() {
    let e = SeenBefore {
        likeness: Likeness::Same,
        precedent: precedent("a", 1, "fp", "test_failure", FAIL),
    };
    let evidence = serde_json::json!({"summary": "s", "seen_before": [e.clone()]}).to_string();
    assert_eq!(from_evidence(&evidence), vec![e]);
    // Incidents recorded before Seen before existed, and unreadable evidence, have none.
    assert!(from_evidence(r#"{"summary": "s"}"#).is_empty());
    assert!(from_evidence("not json").is_empty());
}

#[test]
fn an_entry_round_trips_through_json() {
    let e = SeenBefore {
        likeness: Likeness::Similar { percent: 80 },
        precedent: precedent("a", 1, "fp", "test_failure", FAIL),
    };
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["likeness"], "similar");
    assert_eq!(json["percent"], 80);
    assert_eq!(serde_json::from_value::<SeenBefore>(json).unwrap(), e);
}

//! The review screen's state driven by actions, without a terminal.

use super::*;
use crate::ui::diff::fixtures::review_model;

const GEO: PageGeometry = PageGeometry { rows: 10, len: 25 };

fn intent(applied: Applied) -> Option<ReviewIntent> {
    match applied {
        Applied::Intent(i) => Some(i),
        _ => None,
    }
}

#[test]
fn the_diff_fills_stat_files_and_placeholders() {
    let model = review_model(None);
    assert_eq!(model.stat.files, 6);
    assert_eq!(model.files[2].old_path.as_deref(), Some("docs/tokens.md"));
    let markers: Vec<&str> = model.placeholders.iter().map(|p| p.marker).collect();
    assert_eq!(markers, vec!["NotImplementedError", "todo!()"]);
}

#[test]
fn each_key_is_one_approval_choice_spelled_out() {
    let cases = [
        (
            Action::Merge,
            "Merge loop/api-auth into main as one commit titled by its goal",
            "merge",
        ),
        (
            Action::MergeOther,
            "Merge loop/api-auth into main with a merge commit that keeps every iteration",
            "merge",
        ),
        (
            Action::KeepBranch,
            "Keep loop/api-auth for you to merge",
            "approve",
        ),
        (
            Action::PrBody,
            "Write a PR body for loop/api-auth → main",
            "approve",
        ),
    ];
    for (action, said, verb) in cases {
        let mut state = ReviewState::new(review_model(None));
        let Some(ReviewIntent::Confirm(intent)) = intent(state.apply(action, GEO)) else {
            panic!("{action:?} asks for a confirmation");
        };
        assert_eq!(intent.describe(), said);
        assert_eq!(intent.anyway, None);
        let Dialog::Confirm { title, body, yes } = intent.confirm_dialog() else {
            panic!("a confirm dialog");
        };
        assert_eq!(title, "Approve api-auth?");
        assert!(body.starts_with(said), "{body}");
        assert_eq!(yes, verb);
    }
}

#[test]
fn gh_is_a_checkbox_only_when_available() {
    let mut state = ReviewState::new(review_model(None));
    assert!(!state.gh, "opening a pull request is opt-in");
    assert_eq!(state.apply(Action::ToggleGh, GEO), Applied::Done);
    let Some(ReviewIntent::Confirm(i)) = intent(state.apply(Action::PrBody, GEO)) else {
        panic!("confirm");
    };
    assert_eq!(
        i.choice,
        ReviewChoice::Pr {
            gh: true,
            way: PrWay::Body
        }
    );
    assert_eq!(
        i.describe(),
        "Write a PR body for loop/api-auth → main and run gh pr create"
    );

    let mut model = review_model(None);
    model.gh_available = false;
    let mut state = ReviewState::new(model);
    state.apply(Action::ToggleGh, GEO);
    assert!(!state.gh, "no gh, no checkbox");
}

#[test]
fn red_checks_ask_for_a_reason_and_a_stopped_line_refuses() {
    let red = Gate {
        why: "1 of 2 checks fails".into(),
        overridable: true,
    };
    let mut state = ReviewState::new(review_model(Some(red)));
    assert_eq!(state.apply(Action::MergeOther, GEO), Applied::Done);
    let Some(ReviewIntent::Anyway(i)) = intent(state.apply(Action::ApproveAnyway, GEO)) else {
        panic!("approve anyway asks for a reason");
    };
    assert_eq!(i.choice, ReviewChoice::Merge { history: true });
    let Dialog::ApproveAnyway { approval, .. } = i.clone().anyway_dialog() else {
        panic!("the reason text box");
    };
    assert_eq!(approval, i);

    let stopped = Gate {
        why: "the line is stopped".into(),
        overridable: false,
    };
    let mut state = ReviewState::new(review_model(Some(stopped)));
    assert_eq!(state.apply(Action::Merge, GEO), Applied::Done);
    assert_eq!(state.apply(Action::ApproveAnyway, GEO), Applied::Done);
}

#[test]
fn scrolling_is_clamped_and_other_keys_are_not_mine() {
    let mut state = ReviewState::new(review_model(None));
    state.apply(Action::ScrollBottom, GEO);
    assert_eq!(state.scroll, 15);
    state.apply(Action::ScrollDown, GEO);
    assert_eq!(state.scroll, 15);
    state.apply(Action::ScrollPageUp, GEO);
    assert_eq!(state.scroll, 6);
    state.apply(Action::ScrollTop, GEO);
    assert_eq!(state.scroll, 0);
    assert_eq!(
        intent(state.apply(Action::Diff, GEO)),
        Some(ReviewIntent::OpenDiff)
    );
    assert_eq!(state.apply(Action::Quit, GEO), Applied::NotMine);
    state.scroll = 3;
    state.set_model(review_model(None));
    assert_eq!(state.scroll, 3, "a fresh model keeps the place");
}

//! Snapshots of the diff view, rendered on ratatui's TestBackend.

use std::sync::Arc;

use insta::assert_snapshot;

use super::diff_geometry;
use super::snapshot_support::{board, keymap, render, render_with, styled_dump, text};
use crate::ui::board::model::BoardModel;
use crate::ui::board::screen::{diff_screen, open_diff, Screen};
use crate::ui::diff::fixtures::{added_file, binary, sample_diff, text_file, too_large};
use crate::ui::keys::keymap::Action;
use crate::ui::theme::Theme;
use andon_core::diff::{Diff, DiffTarget, FileStatus};

/// The board of four loops with `api-auth`'s diff open on `diff`, after `actions`.
fn with_diff(diff: Diff, target: DiffTarget, width: u16, actions: &[Action]) -> BoardModel {
    let mut model = board(4);
    open_diff(&mut model, "api-auth", 4);
    let area = ratatui::layout::Rect::new(0, 0, width, 40);
    if let Some(state) = diff_screen(&mut model, "api-auth") {
        if target != DiffTarget::Cumulative {
            state.apply(Action::OlderIteration, diff_geometry(area, state));
            while state.target() != target {
                state.apply(Action::OlderIteration, diff_geometry(area, state));
            }
        }
        state.set_diff(target, Arc::new(diff));
        for action in actions {
            let geo = diff_geometry(area, state);
            state.apply(*action, geo);
        }
    }
    model
}

#[test]
fn diff_unified() {
    let model = with_diff(sample_diff(), DiffTarget::Cumulative, 120, &[]);
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("api-auth"));
    assert!(screen.contains("binary file · 12.0 KiB → 14.2 KiB"));
    assert_snapshot!(screen);
}

#[test]
fn diff_side_by_side() {
    let jumps = [
        Action::SideBySide,
        Action::NextFile,
        Action::NextFile,
        Action::NextFile,
        Action::NextFile,
        Action::NextFile,
    ];
    let model = with_diff(sample_diff(), DiffTarget::Cumulative, 160, &jumps);
    let screen = text(&render(&model, 160, 40));
    assert!(screen.contains("side by side"));
    assert_snapshot!(screen);

    // Too narrow for two sides of code: unified, and the header says why.
    let narrow = with_diff(sample_diff(), DiffTarget::Cumulative, 100, &jumps);
    let screen = text(&render(&narrow, 100, 40));
    assert!(
        screen.contains("unified (too narrow for side by side)"),
        "{screen}"
    );
}

#[test]
fn diff_binary_file() {
    let mut added = binary("assets/icon.png");
    added.status = FileStatus::Added;
    let diff = Diff {
        files: vec![added, binary("assets/logo.png")],
    };
    let model = with_diff(diff, DiffTarget::Cumulative, 80, &[]);
    let screen = text(&render(&model, 80, 12));
    assert!(screen.contains("binary file · 14.2 KiB"));
    assert!(!screen.contains("Files"), "no file list under 100 columns");
    assert_snapshot!(screen);
}

#[test]
fn diff_too_large_file() {
    let diff = Diff {
        files: vec![
            too_large("fixtures/big.json"),
            text_file("src/lib.rs", &[(7, " mod a;\n+mod b;")]),
        ],
    };
    let model = with_diff(diff, DiffTarget::Cumulative, 110, &[]);
    let screen = text(&render(&model, 110, 14));
    assert!(
        screen.contains("too large to show or count · 3.2 MiB → 3.2 MiB"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn diff_search_with_a_match() {
    let mut model = with_diff(
        sample_diff(),
        DiffTarget::Cumulative,
        100,
        &[Action::Search],
    );
    let area = ratatui::layout::Rect::new(0, 0, 100, 16);
    if let Some(state) = diff_screen(&mut model, "api-auth") {
        let geo = diff_geometry(area, state);
        state.type_query(|q| q.push_str("expires"), geo);
        state.apply(Action::Accept, geo);
        state.apply(Action::SearchNext, geo);
    }
    let terminal = render(&model, 100, 16);
    let screen = text(&terminal);
    assert!(screen.contains("/expires 2/4"), "{screen}");
    // The syntax colors and the marks are in the styles.
    assert_snapshot!(styled_dump(terminal.backend().buffer()));
}

#[test]
fn diff_iteration_target() {
    let diff = Diff {
        files: vec![text_file(
            "src/auth/token.rs",
            &[(
                12,
                "     value: String,\n-    expires: Instant,\n+    expires_at: Instant,",
            )],
        )],
    };
    let model = with_diff(diff, DiffTarget::Iteration(2), 120, &[]);
    let terminal = render(&model, 120, 12);
    let screen = text(&terminal);
    // The tab of iteration 2 is the inverse one.
    let header: String = (0..120)
        .map(|x| terminal.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    let at = header
        .find("│ 1  2 ")
        .map_or(0, |i| header[..i].chars().count() + 5);
    let cell = &terminal.backend().buffer()[(u16::try_from(at).unwrap_or(0), 0)];
    assert_eq!(cell.symbol(), "2");
    assert!(cell.modifier.contains(ratatui::style::Modifier::REVERSED));
    assert_snapshot!(screen);
}

#[test]
fn diff_states_before_and_without_a_diff() {
    let mut model = board(1);
    open_diff(&mut model, "api-auth", 2);
    let screen = text(&render(&model, 100, 10));
    assert!(
        screen.contains("computing the cumulative diff…"),
        "{screen}"
    );
    if let Some(state) = diff_screen(&mut model, "api-auth") {
        state.set_diff(DiffTarget::Cumulative, Arc::new(Diff::default()));
    }
    assert!(text(&render(&model, 100, 10)).contains("no changes since the base"));
    if let Some(state) = diff_screen(&mut model, "api-auth") {
        state.set_error(
            DiffTarget::Cumulative,
            "worktree \u{1b}]0;gone\u{7}missing".into(),
        );
    }
    let screen = text(&render(&model, 100, 10));
    assert!(
        screen.contains("cannot compute the diff: worktree missing"),
        "{screen}"
    );
}

#[test]
fn hostile_diff_text_never_reaches_the_terminal() {
    let evil = added_file(
        "src/\u{1b}[2Jevil.rs",
        "let a = 1;\u{1b}]52;c;aGk=\u{7}\n\tlet b = \"\u{9b}31m\";",
    );
    let model = with_diff(Diff { files: vec![evil] }, DiffTarget::Cumulative, 120, &[]);
    let terminal = render(&model, 120, 12);
    let buf = terminal.backend().buffer();
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "control character drawn: {:?}",
            cell.symbol()
        );
    }
    let screen = text(&terminal);
    assert!(screen.contains("src/evil.rs"), "{screen}");
    assert!(
        screen.contains("│+    let b = \"\";"),
        "tab expanded, CSI removed: {screen}"
    );
}

#[test]
fn no_color_diff_keeps_signs_and_marks() {
    let theme = Theme::builtin("default")
        .unwrap_or_else(|| panic!("theme"))
        .no_color();
    let mut model = with_diff(
        sample_diff(),
        DiffTarget::Cumulative,
        100,
        &[Action::Search],
    );
    let area = ratatui::layout::Rect::new(0, 0, 100, 20);
    if let Some(state) = diff_screen(&mut model, "api-auth") {
        state.type_query(|q| q.push_str("retries"), diff_geometry(area, state));
    }
    let dump = styled_dump(
        render_with(&model, &theme, &keymap(), 100, 20)
            .backend()
            .buffer(),
    );
    assert!(!dump.contains('#'), "NO_COLOR draws no RGB color");
    assert!(dump.contains("REVERSED"), "matches stay visible");
    assert!(dump.contains("│+"), "signs carry add and remove");
}

#[test]
fn a_huge_diff_draws_only_what_is_on_screen() {
    let body: String = (0..200_000).map(|i| format!("let v{i} = {i};\n")).collect();
    let model = with_diff(
        Diff {
            files: vec![added_file("src/generated.rs", &body)],
        },
        DiffTarget::Cumulative,
        120,
        &[Action::ScrollBottom],
    );
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("let v199999 = 199999;"), "{screen}");
    let Some(Screen::Diff(state)) = model.screens.last() else {
        panic!("diff screen");
    };
    assert_eq!(state.loaded().map(|l| l.unified.len()), Some(200_002));
}

#[test]
fn tiny_terminals_do_not_panic_on_screens() {
    let mut model = with_diff(
        sample_diff(),
        DiffTarget::Cumulative,
        120,
        &[Action::SideBySide],
    );
    crate::ui::board::screen::open_review(
        &mut model,
        crate::ui::diff::fixtures::review_model(None),
    );
    for (w, h) in [(0, 0), (1, 1), (5, 2), (12, 4), (30, 8), (200, 3), (60, 9)] {
        let _ = render(&model, w, h);
        let mut diff_only = model.clone();
        diff_only.screens.pop();
        let _ = render(&diff_only, w, h);
    }
}

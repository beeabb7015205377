//! Snapshot and behaviour tests of the whole screen, rendered on ratatui's TestBackend.

use insta::assert_snapshot;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui_textarea::TextArea;

use super::snapshot_support::{
    board, fixture_card, keymap, render, render_with, styled_dump, text,
};
use super::{pane_areas, render as render_buf};
use crate::ui::board::model::{Dialog, Lamp, Toast};
use crate::ui::keys::keymap::{parse_chord, Keymap};
use crate::ui::theme::Theme;

#[test]
fn board_with_1_loop() {
    let mut model = board(1);
    model.loops[0]
        .marks
        .extend([crate::ui::board::model::IterMark::Passed; 3]);
    assert_snapshot!(text(&render(&model, 120, 40)));
}

#[test]
fn board_with_4_loops() {
    let mut model = board(4);
    model.selected = 2;
    assert_snapshot!(text(&render(&model, 120, 40)));
}

#[test]
fn board_with_9_loops() {
    let mut model = board(9);
    model.selected = 4;
    assert_snapshot!(text(&render(&model, 120, 40)));
}

#[test]
fn board_with_17_loops_shows_page_1_of_2() {
    let model = board(17);
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("page 1/2"));
    assert!(!screen.contains("retry-queue"), "loop 17 belongs on page 2");
    assert_snapshot!(screen);
}

#[test]
fn page_2_shows_the_remaining_loop() {
    let mut model = board(17);
    model.page = 1;
    model.selected = 16;
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("page 2/2"));
    assert!(screen.contains("retry-queue 118x37"), "{screen}");
    assert!(!screen.contains("api-auth"));
}

#[test]
fn zoomed_pane() {
    let mut model = board(6);
    model.selected = 2;
    model.zoomed = true;
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("search-index 118x37"));
    assert_snapshot!(screen);
}

#[test]
fn attached_pane_says_how_to_detach() {
    let mut model = board(4);
    model.attached = true;
    let km = Keymap::default_keymap(parse_chord("ctrl-]").unwrap());
    let theme = Theme::builtin("default").unwrap();
    let screen = text(&render_with(&model, &theme, &km, 120, 40));
    assert!(screen.contains("ATTACHED api-auth"));
    assert!(
        screen.contains("Ctrl-] detach"),
        "hints come from the keymap"
    );
    assert!(screen.contains('╔'), "attached pane has a double border");
    assert!(
        !screen.contains("s stop"),
        "board keys do not apply while attached"
    );
}

#[test]
fn line_stopped_banner() {
    let mut model = board(4);
    model.line_stopped = true;
    for card in &mut model.loops {
        card.lamp = Lamp::Red;
        card.state = andon_core::state::State::Stopped;
        card.badge = Some(crate::ui::board::model::Badge::Stopped);
        card.reason = Some("line stopped by a human".into());
    }
    let terminal = render(&model, 120, 40);
    let screen = text(&terminal);
    assert!(screen.contains("■ LINE STOPPED"));
    let buf = terminal.backend().buffer();
    let theme = Theme::builtin("default").unwrap();
    assert_eq!(buf[(2, 39)].bg, theme.banner_bg, "banner is red");
    assert_snapshot!(screen);
}

#[test]
fn dialog_confirm_abort() {
    let mut model = board(4);
    model.dialog = Some(Dialog::Confirm {
        title: "Abort api-auth?".into(),
        body: "SIGTERM then SIGKILL to the agent's process group. The lamp turns gray; \
               the worktree and branch loop/api-auth are kept."
            .into(),
        yes: "abort".into(),
    });
    assert_snapshot!(text(&render(&model, 120, 40)));
}

#[test]
fn dialog_accept_a_fix_plan_shows_it_whole() {
    let mut model = board(4);
    model.dialog = Some(Dialog::Confirm {
        title: "Accept vary's fix plan?".into(),
        body: "# Fix plan (iteration 4)\n\n## Pattern seen\nEvery iteration failed with a \
               different message; each rewrote src/price.sh with placeholder output.\n\n\
               ## Root cause\nThe agent guessed values instead of computing the difference.\n\n\
               ## Approach\n1. Compute a - b.\n2. Clamp at zero.\n3. Keep the test as it is.\n\n\
               Five Whys: wiki/90_LOG/incidents/2026-11-22-vary-4.md\n\
               Accepting adds the plan to every later prompt; redirect (i) instead to give your own."
            .into(),
        yes: "accept".into(),
    });
    let screen = text(&render(&model, 120, 40));
    assert!(screen.contains("3. Keep the test as it is."), "{screen}");
    assert!(
        screen.contains("Five Whys: wiki/90_LOG/incidents/2026-11-22-vary-4.md"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

fn typed(text: &str) -> TextArea<'static> {
    let mut textarea = TextArea::default();
    textarea.insert_str(text);
    textarea
}

#[test]
fn dialog_redirect_with_typed_text() {
    let mut model = board(4);
    model.dialog = Some(Dialog::Redirect {
        loop_name: "billing-fix".into(),
        textarea: typed(
            "Stop editing the fixtures.\nThe rounding bug is in src/pricing/round.rs; \
             write a failing test for 0.005 first.",
        ),
    });
    assert_snapshot!(text(&render(&model, 120, 40)));
}

#[test]
fn dialog_hypothesis_after_the_environment_failed_twice() {
    let mut model = board(4);
    model.dialog = Some(Dialog::Hypothesis {
        loop_name: "billing-fix".into(),
        reason: "the environment failed 2 times (service exit 1: bash: connect: Connection \
                 refused): a service, the network or the disk, not the code; resume with \
                 your hypothesis"
            .into(),
        textarea: TextArea::default(),
    });
    let screen = text(&render(&model, 80, 24));
    assert!(
        screen.contains("What broke, and what did you change?"),
        "{screen}"
    );
    assert_snapshot!(screen);
}

#[test]
fn dialog_approve_anyway() {
    let mut model = board(4);
    model.dialog = Some(Dialog::ApproveAnyway {
        loop_name: "docs-site".into(),
        textarea: TextArea::default(),
        approval: crate::ui::review::ApprovalIntent {
            loop_name: "docs-site".into(),
            branch: "loop/docs-site".into(),
            base: "main".into(),
            choice: crate::ui::review::ReviewChoice::Branch,
            anyway: None,
        },
    });
    assert_snapshot!(text(&render(&model, 120, 40)));
}

#[test]
fn help() {
    let mut model = board(4);
    model.dialog = Some(Dialog::Help);
    let screen = text(&render(&model, 120, 40));
    for line in [
        "s          stop the line (this loop)",
        "x          abort the loop (confirm)",
        "Ctrl-g     detach from the agent",
    ] {
        assert!(screen.contains(line), "help lacks {line:?}\n{screen}");
    }
    assert!(screen.contains("K          Kaizen board"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn help_at_80x24_scrolls_to_every_key() {
    let mut model = board(4);
    model.dialog = Some(Dialog::Help);
    let top = text(&render(&model, 80, 24));
    assert!(top.contains("scroll   [1-"), "help says it scrolls:\n{top}");
    assert!(top.contains("Tab        attach"), "{top}");
    let area = Rect::new(0, 0, 80, 24);
    let theme = Theme::builtin("default").unwrap();
    let most = crate::ui::views::help_max_scroll(area, &model, &theme, &keymap());
    assert!(most > 0);
    model.help_scroll = most;
    let bottom = text(&render(&model, 80, 24));
    for line in ["Ctrl-s     send", "▸ running"] {
        assert!(
            bottom.contains(line),
            "the end of help lacks {line:?}:\n{bottom}"
        );
    }
    assert_snapshot!("help_80x24_top", top);
    assert_snapshot!("help_80x24_bottom", bottom);
}

#[test]
fn the_newest_notice_shows_in_the_status_line_and_covers_no_pane() {
    let mut model = board(4);
    let plain = text(&render(&model, 80, 24));
    model.toasts = ["older", "pricing"]
        .iter()
        .map(|name| Toast {
            loop_name: (*name).into(),
            text: "Insanity Rule: the same failure 3 times in a row (tests failed (exit 1): FAIL: price 5 10 = -5, expected 0); change the approach".into(),
            lamp: Lamp::Red,
        })
        .collect();
    let screen = text(&render(&model, 80, 24));
    let lines: Vec<&str> = screen.lines().collect();
    let plain_lines: Vec<&str> = plain.lines().collect();
    // Every row but the status line is exactly the board without a notice.
    assert_eq!(lines[..23], plain_lines[..23]);
    let status = lines[23];
    assert!(
        status.contains("● pricing Insanity Rule: the same"),
        "{status}"
    );
    assert!(status.contains("+1 more · L messages"), "{status}");
    assert!(!status.contains("older"), "{status}");
    assert_snapshot!(screen);
}

#[test]
fn the_message_log_keeps_every_notice_whole() {
    let mut model = board(4);
    let path = "/home/dev/src/shop/.andon/loops/docs-site/PR.md";
    for (name, text) in [
        ("docs-site", format!("approved (pr): PR body written to {path}; to open it: gh pr create --head loop/docs-site --body-file {path}")),
        ("pricing", "Insanity Rule: the same failure 3 times in a row".to_string()),
    ] {
        model.messages.push(crate::ui::board::model::Message {
            time: "14:03".into(),
            loop_name: name.into(),
            text,
            lamp: Lamp::Gray,
        });
    }
    crate::ui::board::screen::open_messages(&mut model);
    let screen = text(&render(&model, 80, 24));
    assert!(
        screen.contains(&format!("│                         {path}; to ")),
        "the path is not cut:\n{screen}"
    );
    let newest = screen.find("pricing").unwrap_or(usize::MAX);
    let older = screen.find("docs-site").unwrap_or(0);
    assert!(newest < older, "newest first:\n{screen}");
    assert_snapshot!(screen);
}

fn plan_picker() -> Dialog {
    let choice = |path: &str, state: Option<&str>| crate::ui::port::PlanChoice {
        path: path.into(),
        loop_state: state.and_then(andon_core::state::State::parse),
    };
    Dialog::Plans {
        choices: vec![
            choice("plans/fix-pricing.md", None),
            choice("plans/api-auth.md", Some("stopped")),
            choice("plans/docs-site.md", Some("merged")),
        ],
        selected: 1,
    }
}

#[test]
fn the_plan_picker_lists_plans_with_their_loops() {
    let mut model = board(0);
    model.dialog = Some(plan_picker());
    let screen = text(&render(&model, 80, 24));
    assert!(screen.contains("plans/fix-pricing.md"), "{screen}");
    assert!(
        screen.contains("plans/api-auth.md  loop: stopped"),
        "{screen}"
    );
    assert!(screen.contains("Enter start"), "{screen}");
    assert_snapshot!(screen);
}

#[test]
fn empty_board_says_how_to_start() {
    let mut model = board(0);
    model.supervisor = "read-only".into();
    let screen = text(&render(&model, 80, 12));
    assert!(screen.contains("andon run plans/<plan>.md"));
    assert!(screen.contains("read-only"));
}

/// Each theme on a small board, with every cell's style.
fn theme_dump(theme: &Theme) -> String {
    let mut model = board(2);
    // A green loop and a stopped red one.
    model.loops[1] = fixture_card(2);
    let terminal = render_with(&model, theme, &keymap(), 60, 12);
    styled_dump(terminal.backend().buffer())
}

#[test]
fn theme_default() {
    assert_snapshot!(theme_dump(&Theme::builtin("default").unwrap()));
}

#[test]
fn theme_light() {
    assert_snapshot!(theme_dump(&Theme::builtin("light").unwrap()));
}

#[test]
fn theme_high_contrast() {
    assert_snapshot!(theme_dump(&Theme::builtin("high-contrast").unwrap()));
}

#[test]
fn theme_solarized_dark() {
    assert_snapshot!(theme_dump(&Theme::builtin("solarized-dark").unwrap()));
}

#[test]
fn theme_no_color() {
    let theme = Theme::builtin("default").unwrap().no_color();
    let dump = theme_dump(&theme);
    assert!(!dump.contains('#'), "NO_COLOR draws no RGB color");
    assert_snapshot!(dump);
}

#[test]
fn no_color_names_the_lamps() {
    let theme = Theme::builtin("solarized-dark").unwrap().no_color();
    let mut model = board(6);
    model.line_stopped = true;
    let screen = text(&render_with(&model, &theme, &keymap(), 120, 40));
    for name in [
        "● green api-auth",
        "● red search-index",
        "● blue docs-site",
        "● gray",
    ] {
        assert!(screen.contains(name), "no {name:?} in\n{screen}");
    }
    assert!(screen.contains("green 1 yellow 1 red 1 magenta 1 blue 1 gray 1"));
    assert!(screen.contains("■ LINE STOPPED"));
}

#[test]
fn panes_are_drawn_exactly_where_pane_areas_says() {
    let theme = Theme::builtin("default").unwrap();
    let km = keymap();
    for (n, zoomed) in [(1, false), (5, false), (16, false), (17, false), (9, true)] {
        let mut model = board(n);
        model.zoomed = zoomed;
        let area = Rect::new(0, 0, 80, 24);
        let mut buf = Buffer::empty(area);
        let mut drawn = Vec::new();
        render_buf(area, &mut buf, &model, &theme, &km, &mut |i, inner, _| {
            drawn.push((i, inner));
        });
        assert_eq!(
            drawn,
            pane_areas(area, &model),
            "{n} loops, zoomed {zoomed}"
        );
        assert_eq!(drawn.len(), if zoomed { 1 } else { n.min(16) });
        assert!(drawn.iter().all(|(_, r)| !r.is_empty()));
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let dialogs = [
        None,
        Some(Dialog::Help),
        Some(Dialog::Confirm {
            title: "t".into(),
            body: "b".into(),
            yes: "y".into(),
        }),
        Some(Dialog::Redirect {
            loop_name: "a".into(),
            textarea: typed("x"),
        }),
        Some(plan_picker()),
    ];
    for dialog in dialogs {
        for (w, h) in [(0, 0), (1, 1), (5, 2), (12, 4), (30, 8), (200, 3)] {
            let mut model = board(16);
            model.dialog = dialog.clone();
            model.toasts.push(Toast {
                loop_name: "api-auth".into(),
                text: "a long reason ".repeat(20),
                lamp: Lamp::Red,
            });
            let _ = render(&model, w, h);
        }
    }
}

#[test]
fn the_status_bar_shows_what_waits_in_the_queue() {
    let mut model = board(2);
    model.queue = "queued 3 · max_running 2/2".into();
    let screen = text(&render(&model, 120, 30));
    let bar = screen.lines().last().unwrap_or_default().to_string();
    assert!(bar.contains("queued 3 · max_running 2/2"), "{bar}");
    assert_snapshot!(screen);
    // At 80 columns a long repo path gives way to its folder's name, so the queue still shows.
    model.repo = "/home/dev/src/github.com/acme/inflection".into();
    model.queue = "queued 1 · 1 awaiting review".into();
    let bar = text(&render(&model, 80, 24));
    let bar = bar.lines().last().unwrap_or_default().to_string();
    assert!(bar.contains(" inflection · supervising"), "{bar}");
    assert!(!bar.contains("/home/dev"), "{bar}");
    assert!(bar.contains("queued 1 · 1 awaiting review"), "{bar}");
}

#[test]
fn loops_that_follow_their_pr_wear_its_mark() {
    use andon_core::state::{Badge, State};
    let mut model = board(3);
    for (card, (state, badge)) in model.loops.iter_mut().zip([
        (State::PrOpen, Badge::PrOpen),
        (State::AwaitingApproval, Badge::Push),
        (State::Mergeable, Badge::Mergeable),
    ]) {
        card.lamp = Lamp::Blue;
        card.state = state;
        card.badge = Some(badge);
        card.reason = None;
    }
    let screen = text(&render(&model, 120, 30));
    assert!(screen.contains("PR OPEN"), "{screen}");
    assert!(screen.contains("PUSH?"), "{screen}");
    assert!(screen.contains("MERGEABLE"), "{screen}");
    assert_snapshot!(screen);
}

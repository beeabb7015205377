//! The full-screen board as a front end of the supervisor: `andon` (host every unfinished
//! loop), `andon run PLAN...` and `andon demo` without `--headless`.

use std::time::Duration;

use andon::engine::ptys::PtyRegistry;
use andon::ui::app::{self, BoardOptions};
use andon::ui::key_chord::parse_chord;
use andon::ui::keymap::Keymap;
use andon::ui::panes::PaneSet;
use andon::ui::theme::{no_color_requested, Theme};

use super::repo::{bad_input, EXIT_ERROR};
use super::run::{start, Hooks, RunArgs};

pub fn run(args: RunArgs) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("andon: cannot start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    rt.block_on(async {
        let ptys = PtyRegistry::default();
        let panes = PaneSet::new(ptys.clone());
        let hooks = Hooks {
            output: Some(panes.hook()),
            ptys,
        };
        let mut session = match start(&args, hooks).await {
            Ok(s) => s,
            Err(code) => return code,
        };
        let shared = session.sup.shared().clone();
        let name = args
            .theme
            .clone()
            .unwrap_or_else(|| shared.config.ui.theme.clone());
        let mut theme = match Theme::load(&shared.repo_root, &name) {
            Ok(t) => t,
            Err(e) => {
                session.sup.shutdown("bad theme").await;
                session.close();
                return bad_input(&andon::engine::input_error::InputError::from_display(e));
            }
        };
        let no_color = no_color_requested(std::env::var_os("NO_COLOR").as_deref());
        if no_color {
            theme = theme.no_color();
        }
        let escape = match parse_chord(&shared.config.ui.escape) {
            Ok(c) => c,
            Err(e) => {
                session.sup.shutdown("bad escape key").await;
                session.close();
                eprintln!(
                    "andon: andon.toml [ui] escape = {:?}: {e}\n  fix: write a key like \"ctrl-g\"",
                    shared.config.ui.escape
                );
                return super::repo::EXIT_BAD_INPUT;
            }
        };
        let panic_after = std::env::var("ANDON_TEST_PANIC_AFTER")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs);
        let opts = BoardOptions {
            theme,
            keymap: Keymap::default_keymap(escape),
            repo: shared.repo_root.display().to_string(),
            panic_after,
            theme_source: Some((shared.repo_root.clone(), name, no_color)),
        };
        let fresh = session.updates.resubscribe();
        let updates = std::mem::replace(&mut session.updates, fresh);
        let code = app::run(session.sup.clone(), updates, panes, opts).await;
        session.close();
        code
    })
}

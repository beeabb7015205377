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
use super::run::{runtime, start, Hooks, RunArgs};

pub fn run(args: RunArgs) -> i32 {
    let Some(rt) = runtime() else {
        return EXIT_ERROR;
    };
    // Everything that can be wrong with the board is checked before any loop starts.
    let repo = match super::repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let config = match super::repo::config(&repo) {
        Ok(c) => c,
        Err(e) => return bad_input(&e),
    };
    let root = repo.git.repo_root().to_path_buf();
    let name = args
        .theme
        .clone()
        .unwrap_or_else(|| config.ui.theme.clone());
    let mut theme = match Theme::load(&root, &name) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("andon: {e}");
            return super::repo::EXIT_BAD_INPUT;
        }
    };
    let no_color = no_color_requested(std::env::var_os("NO_COLOR").as_deref());
    if no_color {
        theme = theme.no_color();
    }
    let escape = match parse_chord(&config.ui.escape) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "andon: andon.toml [ui] escape = {:?}: {e}\n  fix: write a key like \"ctrl-g\"",
                config.ui.escape
            );
            return super::repo::EXIT_BAD_INPUT;
        }
    };
    {
        use std::io::IsTerminal;
        if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
            eprintln!("andon: the board needs a terminal (stdin and stdout are not one)\n  fix: run it in a terminal, or use --headless");
            return super::repo::EXIT_BAD_INPUT;
        }
    }
    let panic_after = std::env::var("ANDON_TEST_PANIC_AFTER")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);
    let opts = BoardOptions {
        theme,
        keymap: Keymap::default_keymap(escape),
        repo: root.display().to_string(),
        panic_after,
        theme_source: Some((root.clone(), name, no_color)),
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
        let fresh = session.updates.resubscribe();
        let updates = std::mem::replace(&mut session.updates, fresh);
        let code = app::run(session.sup.clone(), updates, panes, opts).await;
        session.close();
        code
    })
}

//! The full-screen board as a front end of the supervisor: `andon` (host every unfinished
//! loop), `andon run PLAN...` and `andon demo` without `--headless`.

use std::sync::Arc;
use std::time::Duration;

use andon::engine::supervisor::lock::{LockError, RepoLock};
use andon::engine::supervisor::ptys::PtyRegistry;
use andon::engine::supervisor::shared::Shared;
use andon::engine::supervisor::Supervisor;
use andon::pty::reaper::fresh_token;
use andon::store::Store;
use andon::ui::app;
use andon::ui::board::panes::PaneSet;
use andon::ui::board::BoardOptions;
use andon::ui::keys::key_chord::parse_chord;
use andon::ui::keys::keymap::Keymap;
use andon::ui::port::SupervisorPort;
use andon::ui::theme::{no_color_requested, Theme};

use super::repo::{bad_input, EXIT_ERROR};
use super::run::{runtime, start, Hooks, RunArgs};
use andon_core::desktop::Desktop;

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
            super::output::error(&e);
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
    // Another andon supervises this repo: the board opens read-only beside it (with no plan
    // to start), its actions going to that process through the control socket.
    // Plans given here are handed to it first (one place to work).
    let supervised_by = match RepoLock::acquire(&repo.dirs.lock()) {
        Err(LockError::Held { pid }) => {
            if !args.plans.is_empty() {
                let code = super::run::hand_over(&repo, &args, &pid);
                if code != super::repo::EXIT_OK {
                    return code;
                }
            }
            Some(pid)
        }
        _ => None,
    };
    let mut opts = BoardOptions {
        theme,
        keymap: Keymap::default_keymap(escape),
        repo: root.display().to_string(),
        panic_after,
        theme_source: Some((root.clone(), name, no_color)),
        supervised_by: None,
        // The terminal sink: only a board that supervises writes it.
        desktop: config
            .notify
            .terminal
            .then(|| Desktop::from_env(|name| std::env::var(name).ok())),
    };
    if let Some(pid) = supervised_by {
        opts.supervised_by = Some(pid);
        // The supervising andon makes the calls; this board has none to write.
        if opts.desktop.take().is_some() {
            eprintln!("andon: [notify] terminal: another andon (pid {}) supervises this repo; its calls reach the terminal it runs in, not this board", opts.supervised_by.as_deref().unwrap_or_default());
        }
        return rt.block_on(read_only(repo, config, opts));
    }
    rt.block_on(supervise(&args, &config, opts))
}

/// The board that supervises: it starts the run and shows it until the human quits.
async fn supervise(args: &RunArgs, config: &andon::config::Config, opts: BoardOptions) -> i32 {
    let ptys = PtyRegistry::default();
    let panes = PaneSet::new(pane_replies(&ptys), config.ui.scrollback);
    // The terminal sink's calls, when it is on.
    let (calls, calls_rx) = match opts.desktop {
        Some(_) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let hooks = Hooks {
        output: Some(panes.hook()),
        ptys,
        calls,
    };
    let mut session = match start(args, hooks).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let fresh = session.updates.resubscribe();
    let updates = std::mem::replace(&mut session.updates, fresh);
    let clock = session.sup.shared().clock().clone();
    let code = app::run(
        SupervisorPort::port(session.sup.clone()),
        updates,
        panes,
        opts,
        clock,
        calls_rx,
    )
    .await;
    session.finish_calls().await;
    session.close();
    code
}

/// The read-only board: the loops as the store shows them, each pane the tail of its current
/// agent log; quitting it leaves the supervising process alone.
async fn read_only(
    repo: super::repo::Repo,
    config: andon::config::Config,
    opts: BoardOptions,
) -> i32 {
    let pid = opts.supervised_by.clone().unwrap_or_default();
    let store = match Store::open_read_only(&repo.dirs.db()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("andon: another andon (pid {pid}) supervises this repo, and its store cannot be read: {e}");
            return EXIT_ERROR;
        }
    };
    let ptys = PtyRegistry::default();
    let panes = PaneSet::new(pane_replies(&ptys), config.ui.scrollback);
    let exe = std::env::current_exe().unwrap_or_else(|_| std::path::PathBuf::from("andon"));
    let shared = Shared::new(
        repo.git.repo_root().to_path_buf(),
        repo.git.clone(),
        store,
        config,
        exe,
        None,
        fresh_token(),
        Some(panes.hook()),
        ptys,
    )
    .without_live_diffs();
    let shared = Arc::new(shared);
    let sup = Supervisor::remote(Arc::clone(&shared), repo.dirs.socket());
    // Its status bar shows what waits in the queue the supervising andon drains.
    sup.start_admission();
    let updates = shared.updates().subscribe();
    andon::engine::supervisor::remote::observe(Arc::clone(&shared), Duration::from_millis(500));
    let clock = shared.clock().clone();
    app::run(SupervisorPort::port(sup), updates, panes, opts, clock, None).await
}

/// The panes' answers to their agents' terminal queries, written to the agents' PTYs.
fn pane_replies(
    ptys: &andon::engine::supervisor::ptys::PtyRegistry,
) -> andon::ui::board::panes::Replies {
    let ptys = ptys.clone();
    std::sync::Arc::new(move |name: &str, bytes: Vec<u8>| {
        ptys.write(name, bytes);
    })
}

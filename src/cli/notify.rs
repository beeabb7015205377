//! `andon notify test`: sends a sample notification through the configured sink, so the
//! Andon call is known to reach you before the first red.

use clap::{Args, Subcommand};

use andon::engine::notify;
use andon_core::desktop::{Desktop, Protocol};
use andon_core::notify::Notice;

use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct NotifyArgs {
    #[command(subcommand)]
    pub action: NotifyAction,
}

#[derive(Subcommand, Debug)]
pub enum NotifyAction {
    /// Send a sample notification through `[notify] command` (and `terminal`).
    Test,
}

pub fn run(args: NotifyArgs) -> i32 {
    let NotifyAction::Test = args.action;
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let config = match repo::config(&repo) {
        Ok(c) => c,
        Err(e) => return bad_input(&e),
    };
    let root = repo.git.repo_root();
    if let Err(e) = notify::check(&config.notify, root) {
        return bad_input(&e);
    }
    let terminal = config.notify.terminal;
    let command = config.notify.command.clone();
    if command.is_none() && !terminal {
        eprintln!("andon: no notify sink is set\n  fix: add to ~/.config/andon/config.toml:\n  [notify]\n  command = [\"notify-send\", \"{{title}}\", \"{{body}}\"]\n  terminal = true");
        return EXIT_BAD_INPUT;
    }
    let sample = Notice::of_line(
        &notify::repo_name(root),
        "test",
        "a sample notification: the Andon call reaches you",
    );
    if terminal {
        to_terminal(&sample);
    }
    let Some((argv, file, line)) = command else {
        return EXIT_OK;
    };
    let Some(rt) = super::run::runtime() else {
        return EXIT_ERROR;
    };
    match rt.block_on(notify::send(argv, sample, config.notify.timeout)) {
        Ok(()) => {
            println!("sent through the command of {}:{line}", file.display());
            EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "andon: the notify command failed: {e}\n  fix: check [notify] command in {}:{line}",
                file.display()
            );
            EXIT_ERROR
        }
    }
}

/// The terminal sink's sample, written to this terminal as the board would write it.
fn to_terminal(sample: &Notice) {
    use std::io::{IsTerminal, Write};
    let mut out = std::io::stdout();
    if !out.is_terminal() {
        println!(
            "terminal = true: skipped, stdout is not a terminal (the board writes it to its own)"
        );
        return;
    }
    let desktop = Desktop::from_env(|name| std::env::var(name).ok());
    let written = out
        .write_all(desktop.sequence(&sample.title, &sample.body).as_bytes())
        .and_then(|()| out.flush());
    let how = match desktop.protocol {
        Protocol::Osc777 => "OSC 777",
        Protocol::Osc9 => "OSC 9",
    };
    match written {
        Ok(()) if desktop.tmux => println!(
            "written to this terminal ({how}, through tmux: it needs `set -g allow-passthrough on`)"
        ),
        Ok(()) => println!("written to this terminal ({how})"),
        Err(e) => eprintln!("andon: the terminal notification could not be written: {e}"),
    }
}

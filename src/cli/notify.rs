//! `andon notify test`: sends a sample notification through the configured sink, so the
//! Andon call is known to reach you before the first red.

use clap::{Args, Subcommand};

use andon::engine::notify;
use andon_core::notify::Notice;

use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct NotifyArgs {
    #[command(subcommand)]
    pub action: NotifyAction,
}

#[derive(Subcommand, Debug)]
pub enum NotifyAction {
    /// Send a sample notification through `[notify] command`.
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
    let Some((argv, file, line)) = config.notify.command.clone() else {
        eprintln!("andon: no notify sink is set\n  fix: add to ~/.config/andon/config.toml:\n  [notify]\n  command = [\"notify-send\", \"{{title}}\", \"{{body}}\"]");
        return EXIT_BAD_INPUT;
    };
    let Some(rt) = super::run::runtime() else {
        return EXIT_ERROR;
    };
    let sample = Notice::of_line(
        &notify::repo_name(root),
        "test",
        "a sample notification: the Andon call reaches you",
    );
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

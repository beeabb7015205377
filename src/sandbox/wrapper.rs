//! `andon __sandbox --write DIR ... -- PROGRAM ARGS...`: confine this process, then become
//! the program. Nothing runs unconfined: when the ruleset cannot be applied the program is
//! not started at all.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use clap::Args;

use super::{restrict_writes, DEVICE_FILES};

/// Exit status when the program could not be started (the shell's convention).
const CANNOT_RUN: i32 = 126;
const NOT_FOUND: i32 = 127;

#[derive(Args, Debug)]
pub struct SandboxArgs {
    /// A directory (or file) the program may write, create and remove in; repeatable.
    #[arg(long = "write", value_name = "DIR")]
    pub write: Vec<PathBuf>,
    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "PROGRAM")]
    pub command: Vec<OsString>,
}

/// Runs the wrapper; returns only when the program could not be started.
pub fn sandbox_main(args: &SandboxArgs) -> i32 {
    let Some((program, rest)) = args.command.split_first() else {
        say("andon sandbox: no program to run");
        return CANNOT_RUN;
    };
    let mut writable = args.write.clone();
    writable.extend(DEVICE_FILES.iter().map(PathBuf::from));
    writable.extend(own_terminals());
    if let Err(e) = restrict_writes(&writable) {
        say(&format!("andon sandbox: refusing to run unconfined: {e}"));
        return CANNOT_RUN;
    }
    let err = Command::new(program).args(rest).exec();
    say(&format!(
        "andon sandbox: cannot run `{}`: {err}",
        program.to_string_lossy()
    ));
    if err.kind() == std::io::ErrorKind::NotFound {
        NOT_FOUND
    } else {
        CANNOT_RUN
    }
}

/// The PTY on the standard streams, so a program that reopens its own terminal by name
/// (`/dev/pts/N`, `/proc/self/fd/1`) may — and no other terminal.
fn own_terminals() -> Vec<PathBuf> {
    (0..3)
        .filter_map(|fd| std::fs::read_link(format!("/proc/self/fd/{fd}")).ok())
        .filter(|path| path.starts_with("/dev/pts/"))
        // In namespaces /dev/pts is a fresh one, where the PTY has no name.
        .filter(|path| path.exists())
        .collect()
}

/// The wrapper's only channel is the child's own stderr (it lands in the agent's log).
fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

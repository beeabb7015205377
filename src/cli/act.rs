//! `andon stop / resume / redirect / meta-andon / abort`: human actions sent to the running
//! supervisor through `.andon/control.sock`. With none running they say so and change nothing.

use clap::Args;

use andon::engine::control::{request, Request};

use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct TargetArgs {
    /// The loop to act on.
    #[arg(
        value_name = "LOOP",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub loop_name: Option<String>,
    /// The whole line: every loop.
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct LoopArg {
    #[arg(value_name = "LOOP")]
    pub loop_name: String,
}

#[derive(Args, Debug)]
pub struct RedirectArgs {
    #[arg(value_name = "LOOP")]
    pub loop_name: String,
    /// What the agent should do differently; added to every later prompt.
    #[arg(long, short)]
    pub message: String,
}

pub fn stop(t: TargetArgs) -> i32 {
    send("stop", t.loop_name, t.all, None)
}

pub fn resume(t: TargetArgs) -> i32 {
    send("resume", t.loop_name, t.all, None)
}

pub fn redirect(r: RedirectArgs) -> i32 {
    if r.message.trim().is_empty() {
        eprintln!("andon: a redirect needs a note\n  fix: andon redirect {} --message \"what to do differently\"", r.loop_name);
        return EXIT_BAD_INPUT;
    }
    send("redirect", Some(r.loop_name), false, Some(r.message))
}

pub fn simple(action: &str, l: LoopArg) -> i32 {
    send(action, Some(l.loop_name), false, None)
}

fn send(action: &str, loop_name: Option<String>, all: bool, message: Option<String>) -> i32 {
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let req = Request {
        action: action.to_string(),
        loop_name,
        all,
        message,
        ..Request::default()
    };
    match request(&repo.dirs.socket(), &req) {
        Ok(r) if r.ok => {
            println!("{}", r.message);
            EXIT_OK
        }
        Ok(r) => {
            eprintln!("andon: refused: {}", r.message);
            EXIT_ERROR
        }
        Err(e) => {
            eprintln!("andon: {e}");
            EXIT_ERROR
        }
    }
}

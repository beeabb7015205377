//! `andon signal done`: an interactive agent's hook says its turn is over. It runs inside the
//! agent (Claude Code's Stop hook, Codex's `notify`), which hands it `ANDON_LOOP` and
//! `ANDON_SOCKET`. It never fails the hook: a missing supervisor is a note on stderr and
//! exit 0, because a hook's error would interrupt the agent the human is watching.

use andon::engine::supervisor::control::{request, Reply, Request};

#[derive(clap::Args, Debug)]
pub struct SignalArgs {
    /// The signal: `done` (the turn is over)
    #[arg(value_enum)]
    pub what: Signal,
    /// Whatever the agent passes its hook (Codex appends a JSON event); ignored
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

/// What an agent's hook can say.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Signal {
    /// The turn is over.
    Done,
}

pub fn run(args: SignalArgs) -> i32 {
    let (Ok(loop_name), Ok(socket)) = (std::env::var("ANDON_LOOP"), std::env::var("ANDON_SOCKET"))
    else {
        eprintln!(
            "andon signal: ANDON_LOOP and ANDON_SOCKET are not set; this command runs inside \
             an agent that andon started"
        );
        return 0;
    };
    let req = match args.what {
        Signal::Done => Request::TurnDone { loop_name },
    };
    match request(std::path::Path::new(&socket), &req).map(Reply::into_result) {
        Ok(Ok(_)) => {}
        Ok(Err(refused)) => eprintln!("andon signal: {refused}"),
        Err(e) => eprintln!("andon signal: {e}"),
    }
    0
}

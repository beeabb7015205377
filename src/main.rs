//! The `andon` binary: clap entry point. Logs go to `.andon/andon.log` (a TUI owns the
//! terminal), and every subcommand lives in its own file under `cli/`.

mod cli;

fn main() {
    std::process::exit(cli::main());
}

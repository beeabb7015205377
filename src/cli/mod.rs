//! Command-line interface (DESIGN §5): one file per subcommand; this file parses and dispatches.

mod act;
mod approve;
mod audit;
mod board;
mod demo;
mod doctor;
mod headless;
mod import;
mod init;
mod kaizen;
mod log;
mod notify;
mod output;
mod query;
mod queue;
mod repo;
mod run;
mod signal;
mod status;

use clap::{Parser, Subcommand};

use andon_core::event::HumanAction;
use andon_sim::SimArgs;

#[derive(Parser, Debug)]
#[command(
    name = "andon",
    version,
    about = "A supervisor for autonomous coding-agent loops: one agent per git worktree, checks after every iteration, an Andon lamp per loop."
)]
pub struct Cli {
    /// With no subcommand: the full-screen board for this repo's loops.
    #[command(subcommand)]
    command: Option<Command>,
    /// The board's theme (with no subcommand).
    #[arg(long, value_name = "NAME", global = false)]
    theme: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start loops for plan files (and resume interrupted loops).
    Run(run::RunArgs),
    /// Show every loop of this repo, from the store (whether or not a supervisor runs).
    Status(status::StatusArgs),
    /// Show one loop's iterations, checks and events.
    Log(log::LogArgs),
    /// Stop the line: freeze a loop's agent (or every loop with --all).
    Stop(act::TargetArgs),
    /// Resume a stopped loop (or the whole line with --all).
    Resume(act::ResumeArgs),
    /// Redirect a loop: end its run, add a note to every later prompt, start a new iteration.
    Redirect(act::RedirectArgs),
    /// Pull the Meta-Andon cord: end the run and start a plan-mode iteration.
    MetaAndon(act::LoopArg),
    /// Abort a loop: end its agent; the worktree is kept.
    Abort(act::LoopArg),
    /// Reset a stopped loop's worktree to its last green iteration (or the base).
    Rollback(act::LoopArg),
    /// Approve a loop: merge it, keep its branch, or write its PR body (audited).
    Approve(approve::ApproveArgs),
    /// Remove an approved, merged or aborted loop's worktree (refused with unsaved work).
    Cleanup(approve::CleanupArgs),
    /// Every human action, oldest first: who, when, which loop, iteration and commit, why.
    Audit(audit::AuditArgs),
    /// The Kaizen board: incidents grouped across loops, their prevention, and the metrics.
    Kaizen(kaizen::KaizenArgs),
    /// One read-only SQL statement over the store (`--schema` explains its tables); agents may
    /// use it to look up past failures and their fixes.
    Query(query::QueryArgs),
    /// The plans waiting for the line to admit them; `add` queues plans (priority, a
    /// dependency), `rm` removes entries.
    Queue(queue::QueueArgs),
    /// The Andon call: `andon notify test` sends a sample through `[notify] command` and `terminal`.
    Notify(notify::NotifyArgs),
    /// What is installed and supported: agent CLIs, git, this repo's config, the terminal.
    Doctor(doctor::DoctorArgs),
    /// The demo: a generated repository with six scripted loops showing every lamp.
    Demo(demo::DemoArgs),
    /// Scaffold andon.toml, plans/TEMPLATE.md, skills/ and wiki/ here; never overwrites a file.
    Init,
    /// Run the scripted agent used by demos and tests (the `sim` profile).
    SimAgent(SimArgs),
    /// From an interactive agent's hook: `andon signal done` ends its turn.
    Signal(signal::SignalArgs),
    /// Internal: the guardian that ends every agent process group when the supervisor dies.
    #[command(name = "__reaper", hide = true)]
    Reaper { token: String },
    /// Internal: confine this process with Landlock, then run the program (sandboxed agents
    /// and checks).
    #[command(name = "__sandbox", hide = true)]
    Sandbox(andon::sandbox::SandboxArgs),
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return board::run(run::RunArgs {
            headless: false,
            serve: true,
            agent: None,
            replace: false,
            theme: cli.theme,
            plans: Vec::new(),
        });
    };
    match command {
        Command::Run(args) => run::run(args),
        Command::Status(args) => status::run(args),
        Command::Log(args) => log::run(args),
        Command::Stop(t) => act::stop(t),
        Command::Resume(t) => act::resume(t),
        Command::Redirect(r) => act::redirect(r),
        Command::MetaAndon(l) => act::simple(HumanAction::MetaAndon, l),
        Command::Abort(l) => act::simple(HumanAction::Abort, l),
        Command::Rollback(l) => act::simple(HumanAction::Rollback, l),
        Command::Approve(args) => approve::approve(args),
        Command::Cleanup(args) => approve::cleanup(args),
        Command::Audit(args) => audit::run(args),
        Command::Kaizen(args) => kaizen::run(args),
        Command::Query(args) => query::run(args),
        Command::Queue(args) => queue::run(args),
        Command::Notify(args) => notify::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Init => init::run(),
        Command::SimAgent(args) => andon_sim::run(&args),
        Command::Signal(args) => signal::run(args),
        Command::Reaper { token } => andon::pty::reaper::reaper_main(&token),
        Command::Sandbox(args) => andon::sandbox::sandbox_main(&args),
    }
}

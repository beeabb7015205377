//! `andon stop / resume / redirect / meta-andon / abort / rollback`: human actions sent to the
//! running supervisor through `.andon/control.sock`. With none running, abort and rollback act
//! on the loop directly (under the repo lock); the others, which start work, say how to host
//! the loop and change nothing.

use andon::or_log::OrLog;
use clap::Args;

use andon::engine::supervisor::control::{request, ControlError, Reply, Request, Target};
use andon::engine::supervisor::offline::act_offline;
use andon::engine::supervisor::shared::actor;
use andon_core::event::HumanAction;

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
pub struct ResumeArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// A note that joins every later prompt, like a redirect's: the hypothesis a loop stopped
    /// by a second environment failure needs.
    #[arg(long, short)]
    pub note: Option<String>,
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

impl TargetArgs {
    /// The loop named, or the whole line with `--all` (clap requires exactly one of them).
    fn target(&self) -> Option<Target> {
        match (&self.loop_name, self.all) {
            (None, true) => Some(Target::All),
            (Some(name), false) => Some(Target::Loop(name.clone())),
            _ => None,
        }
    }
}

/// Says that a loop or `--all` must be named; the exit code.
fn name_a_target() -> i32 {
    super::output::error("name a loop, or --all for the whole line");
    EXIT_BAD_INPUT
}

pub fn stop(t: TargetArgs) -> i32 {
    match t.target() {
        Some(target) => send(target, HumanAction::Stop),
        None => name_a_target(),
    }
}

pub fn resume(args: ResumeArgs) -> i32 {
    let ResumeArgs { target: t, note } = args;
    // After a Meta-Andon, resuming accepts the fix plan: the human reads it (and where the
    // Five Whys file is) first, and exactly that text is what gets accepted.
    let fix_plan = match (&t.loop_name, repo::open()) {
        (Some(name), Ok(repo)) => match fix_plan_to_accept(&repo, name) {
            Ok(plan) => plan,
            Err(code) => return code,
        },
        _ => None,
    };
    match t.target() {
        Some(target) => send(target, HumanAction::Resume { fix_plan, note }),
        None => name_a_target(),
    }
}

/// The fix plan a Meta-Andon stop waits on, shown (and confirmed on a terminal); `None` when
/// the loop is not stopped by a Meta-Andon. Err is the exit code when the human says no.
fn fix_plan_to_accept(repo: &repo::Repo, name: &str) -> Result<Option<String>, i32> {
    use std::io::{BufRead, IsTerminal, Write};
    let Ok(store) = andon::store::Store::open_read_only(&repo.dirs.db()) else {
        return Ok(None);
    };
    let Some(row) = store.get_loop(name).ok().flatten() else {
        return Ok(None);
    };
    let Ok(p) = serde_json::from_str::<andon::engine::spec::Persisted>(&row.state_json) else {
        return Ok(None);
    };
    let meta_andon = p
        .state
        .stop
        .as_ref()
        .is_some_and(|s| s.cause == andon_core::state::StopCause::MetaAndon);
    if !meta_andon {
        return Ok(None);
    }
    let n = p.state.iteration;
    let Ok((plan, whys)) =
        andon::engine::memory::fix_plan_review(&repo.dirs, repo.git.repo_root(), name, n)
    else {
        return Ok(None);
    };
    println!(
        "The fix plan of {name} (iteration {n}):\n\n{}\n",
        plan.trim()
    );
    if let Some(whys) = whys {
        println!("Five Whys: {whys}\n");
    }
    if std::io::stdin().is_terminal() {
        print!("Accept this fix plan (it joins every later prompt)? [y/N] ");
        std::io::stdout()
            .flush()
            .or_log("a closed stdout cannot show the question; the answer then is no");
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .or_log("a closed stdin answers no");
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!(
                "andon: not accepted; redirect with a note instead: andon redirect {name} -m TEXT"
            );
            return Err(EXIT_ERROR);
        }
    }
    Ok(Some(plan))
}

pub fn redirect(r: RedirectArgs) -> i32 {
    if r.message.trim().is_empty() {
        super::output::error(format!(
            "a redirect needs a note\n  fix: andon redirect {} --message \"what to do differently\"",
            r.loop_name
        ));
        return EXIT_BAD_INPUT;
    }
    let note = r.message;
    send(Target::Loop(r.loop_name), HumanAction::Redirect { note })
}

/// A human action that needs nothing but the loop's name.
pub fn simple(action: HumanAction, l: LoopArg) -> i32 {
    send(Target::Loop(l.loop_name), action)
}

fn send(target: Target, action: HumanAction) -> i32 {
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let req = Request::Act {
        target: target.clone(),
        action: action.clone(),
    };
    match request(&repo.dirs.socket(), &req).map(Reply::into_result) {
        Ok(Ok(message)) => {
            println!("{message}");
            EXIT_OK
        }
        Ok(Err(refused)) => {
            super::output::error(format!("refused: {refused}"));
            EXIT_ERROR
        }
        Err(ControlError::NotRunning(_))
            if matches!(action, HumanAction::Abort | HumanAction::Rollback) =>
        {
            let Target::Loop(name) = target else {
                return EXIT_BAD_INPUT;
            };
            match offline(&repo, &name, action) {
                Ok(message) => {
                    println!("{message}");
                    EXIT_OK
                }
                Err(e) => {
                    super::output::error(format!("refused: {e}"));
                    EXIT_ERROR
                }
            }
        }
        Err(e) => {
            super::output::error(&e);
            EXIT_ERROR
        }
    }
}

/// Abort or roll back a loop with no supervisor running: hosted alone under the repo lock,
/// as the board would. A loop no supervisor can host (its plan changed) runs nothing, so an
/// abort ends it in the store.
fn offline(repo: &repo::Repo, name: &str, human: HumanAction) -> Result<String, String> {
    if !repo.dirs.db().exists() {
        return Err(repo::no_store(name));
    }
    let config = repo::config(repo).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().unwrap_or_else(|_| std::path::PathBuf::from("andon"));
    let rt = super::run::runtime().ok_or("cannot start the async runtime")?;
    let abort = human == HumanAction::Abort;
    let hosted = rt.block_on(act_offline(
        &repo.git,
        &config,
        exe,
        name,
        human,
        andon::clock::Clock::system(),
    ));
    match hosted {
        Err(e) if abort && e.contains("the plan changed") => {
            let dirs = andon::engine::paths::AndonDir::new(repo.git.repo_root());
            let _lock = andon::engine::supervisor::lock::RepoLock::acquire(&dirs.lock())
                .map_err(|e| e.to_string())?;
            let store = andon::store::Store::open(&dirs.db()).map_err(|e| e.to_string())?;
            let reason = "aborted by a human; its plan had changed since it started";
            andon::engine::supervisor::offline::retire(
                &store,
                &actor(&config),
                name,
                reason,
                &andon::clock::Clock::system(),
            )?;
            Ok(format!("loop {name} aborted ({reason})"))
        }
        other => other,
    }
}

//! `andon approve LOOP [--merge|--squash|--history|--branch|--pr]` and `andon cleanup LOOP`: through the
//! running supervisor when there is one, otherwise directly under the repo lock. Approval asks
//! for confirmation on a terminal; elsewhere `--yes` says it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use andon::engine::delivery::deliver::{self, Place};
use andon::engine::delivery::pull_request;
use andon::engine::spec::Persisted;
use andon::engine::supervisor::control::{request, ControlError, Request, Target};
use andon::engine::supervisor::offline::{act_offline, clean_up_offline};
use andon::engine::supervisor::shared::actor;
use andon::git::MergeStyle;
use andon::or_log::OrLog;
use andon_core::event::{HumanAction, Outcome};
use andon_core::reducer::human::approval_gate;

use super::repo::{self, bad_input, Repo, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};
use super::run::runtime;

#[derive(Args, Debug)]
pub struct ApproveArgs {
    #[arg(value_name = "LOOP")]
    pub loop_name: String,
    /// Merge the loop into the main worktree's branch as one commit titled by the goal (with
    /// `[merge] history = true` in andon.toml: as --history).
    #[arg(long, group = "outcome")]
    pub merge: bool,
    /// The same as --merge: one squashed commit.
    #[arg(long, group = "outcome")]
    pub squash: bool,
    /// Merge keeping every iteration's commit: a merge commit with the loop branch as its
    /// second parent.
    #[arg(long, group = "outcome")]
    pub history: bool,
    /// Keep the branch loop/<LOOP> for you to push (the default).
    #[arg(long, group = "outcome")]
    pub branch: bool,
    /// Keep the branch and write .andon/loops/<LOOP>/PR.md (and offer `gh pr create`).
    #[arg(long, group = "outcome")]
    pub pr: bool,
    /// Approve anyway although the last checks are red: the reason is audited.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short)]
    pub yes: bool,
    /// With --pr: run `gh pr create` with the body without asking.
    #[arg(long, requires = "pr")]
    pub gh: bool,
}

#[derive(Args, Debug)]
pub struct CleanupArgs {
    #[arg(value_name = "LOOP")]
    pub loop_name: String,
    /// Delete the branch loop/<LOOP> too.
    #[arg(long)]
    pub delete_branch: bool,
    /// Remove the worktree even though it holds work no snapshot contains.
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why the unsaved work may go (audited).
    #[arg(long, value_name = "TEXT", requires = "force")]
    pub reason: Option<String>,
}

impl ApproveArgs {
    fn outcome(&self) -> Outcome {
        if self.merge {
            Outcome::Merge
        } else if self.squash {
            Outcome::Squash
        } else if self.history {
            Outcome::History
        } else if self.pr {
            Outcome::Pr
        } else {
            Outcome::Branch
        }
    }
}

fn describe(outcome: Outcome, history: bool, follow: bool, name: &str, target: &str) -> String {
    match deliver::style(outcome, history) {
        Some(MergeStyle::Squash) => {
            format!("Merge loop/{name} into {target} as one commit titled by its goal")
        }
        Some(MergeStyle::History) => {
            format!("Merge loop/{name} into {target} with a merge commit, keeping every iteration")
        }
        None if outcome == Outcome::Pr && follow => format!(
            "Approve {name}: push loop/{name} and open its PR (or push the fix to the PR it has); andon follows it"
        ),
        None if outcome == Outcome::Pr => {
            format!("Approve {name}, keep loop/{name} and write its PR body")
        }
        None => format!("Approve {name} and keep branch loop/{name} for you to push"),
    }
}

/// Ask on the terminal; without one, only `--yes` confirms.
fn confirmed(question: &str, yes: bool) -> Result<bool, String> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(
            "stdin is not a terminal, so andon cannot ask\n  fix: pass --yes to confirm".into(),
        );
    }
    eprint!("{question}? [y/N] ");
    std::io::stderr()
        .flush()
        .or_log("a closed stderr cannot show the question");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub fn approve(args: ApproveArgs) -> i32 {
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    if args.reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
        eprintln!("andon: --reason is empty\n  fix: say why the loop may be approved anyway");
        return EXIT_BAD_INPUT;
    }
    let outcome = args.outcome();
    let (history, follow) = match repo::config(&repo) {
        Ok(c) => (c.merge.history, c.pr.follow),
        Err(e) => return bad_input(&e),
    };
    let target = repo
        .git
        .merge_target()
        .ok()
        .flatten()
        .unwrap_or_else(|| "HEAD".into());
    // What would be refused is refused before the question is asked.
    if let Err(e) = precheck(&repo, &args.loop_name, outcome, args.reason.as_deref()) {
        eprintln!("andon: refused: {e}");
        return EXIT_ERROR;
    }
    match confirmed(
        &describe(outcome, history, follow, &args.loop_name, &target),
        args.yes,
    ) {
        Ok(true) => {}
        Ok(false) => {
            eprintln!("andon: not approved; nothing was changed");
            return EXIT_ERROR;
        }
        Err(e) => {
            super::output::error(&e);
            return EXIT_BAD_INPUT;
        }
    }
    let action = HumanAction::Approve {
        anyway: args.reason.clone(),
        outcome,
    };
    let req = Request::Act {
        target: Target::Loop(args.loop_name.clone()),
        action: action.clone(),
    };
    let code = finish(through_supervisor_or(&repo, &req, |repo| {
        let config = repo::config(repo).map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("andon"));
        let rt = runtime().ok_or("cannot start the async runtime")?;
        rt.block_on(act_offline(
            &repo.git,
            &config,
            exe,
            &args.loop_name,
            action,
            andon::clock::Clock::system(),
        ))
    }));
    // With `[pr] follow` the approval opened the PR itself (or said why it could not).
    if code == EXIT_OK && outcome == Outcome::Pr && !follow {
        return offer_gh(&repo, &args);
    }
    code
}

/// The gates and the merge, checked from the store and git without changing anything. (The
/// engine checks again when it acts: the state may move in between.)
fn precheck(repo: &Repo, name: &str, outcome: Outcome, reason: Option<&str>) -> Result<(), String> {
    if !repo.dirs.db().exists() {
        return Err(repo::no_store(name));
    }
    let store = super::status::open_store(&repo.dirs).map_err(|e| e.to_string())?;
    let row = store
        .get_loop(name)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no loop named `{name}`\n  fix: `andon status` lists the loops"))?;
    if let Ok(p) = serde_json::from_str::<Persisted>(&row.state_json) {
        if let Some(gate) = approval_gate(&p.state, false) {
            if !gate.overridable || reason.is_none() {
                return Err(gate.why);
            }
        }
    }
    deliver::check(&repo.git, &Place::of_row(&row), outcome)
}

/// After `--pr`: run `gh pr create` when gh is installed and the human says so.
fn offer_gh(repo: &Repo, args: &ApproveArgs) -> i32 {
    let pr = repo.dirs.loop_dir(&args.loop_name).join("PR.md");
    let branch = format!("loop/{}", args.loop_name);
    let Some(cmd) = pull_request::gh_command(&branch, &pr) else {
        if args.gh {
            eprintln!(
                "andon: --gh: gh is not on PATH; the PR body is in {}",
                pr.display()
            );
            return EXIT_ERROR;
        }
        return EXIT_OK;
    };
    let question = format!("Push {branch} and run gh pr create now");
    let ask = args.gh
        || (std::io::stdin().is_terminal() && matches!(confirmed(&question, false), Ok(true)));
    if !ask {
        return EXIT_OK;
    }
    match pull_request::open_pr(&repo.git, repo.git.repo_root(), &branch, &cmd) {
        Ok(out) => {
            println!("{out}");
            EXIT_OK
        }
        Err(e) => {
            super::output::error(&e);
            EXIT_ERROR
        }
    }
}

pub fn cleanup(args: CleanupArgs) -> i32 {
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let force = args.force.then(|| args.reason.clone().unwrap_or_default());
    let req = Request::Cleanup {
        loop_name: args.loop_name.clone(),
        force: force.clone(),
        delete_branch: args.delete_branch,
    };
    finish(through_supervisor_or(&repo, &req, |repo| {
        let config = repo::config(repo).map_err(|e| e.to_string())?;
        clean_up_offline(
            &repo.git,
            &actor(&config),
            &args.loop_name,
            force.as_deref(),
            args.delete_branch,
            &andon::clock::Clock::system(),
        )
    }))
}

/// The running supervisor answers when there is one; otherwise `offline` acts directly.
fn through_supervisor_or(
    repo: &Repo,
    req: &Request,
    offline: impl FnOnce(&Repo) -> Result<String, String>,
) -> Result<String, String> {
    match request(&repo.dirs.socket(), req) {
        Ok(reply) => reply.into_result().map_err(|r| format!("refused: {r}")),
        Err(ControlError::NotRunning(_)) => offline(repo),
        Err(e) => Err(e.to_string()),
    }
}

fn finish(result: Result<String, String>) -> i32 {
    match result {
        Ok(message) => {
            println!("{message}");
            EXIT_OK
        }
        Err(e) => {
            super::output::error(&e);
            EXIT_ERROR
        }
    }
}

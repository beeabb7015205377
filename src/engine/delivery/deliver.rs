//! Carrying out an approval's outcome: merge or squash the loop branch into the main
//! worktree's branch, keep the branch, or write the PR body (`pull_request`). Blocking (git
//! and files); the loop task and `andon approve` call it off the async threads.

use std::path::PathBuf;

use crate::engine::delivery::pull_request;
use crate::engine::paths::AndonDir;
use crate::engine::spec::LoopSpec;
use crate::error_chain::chain;
use crate::git::{GitOwner, MergeStyle, Merged};
use crate::store::Store;
use andon_core::event::Outcome;
use andon_core::state::LoopState;

/// Where a loop lives and what it was for: what a delivery needs to know.
#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub branch: String,
    pub worktree: PathBuf,
    /// The base commit the loop started from.
    pub base: String,
    pub plan_path: String,
    pub title: String,
    pub goal: String,
}

impl Place {
    /// From the store's row (the plan's title and goal are not needed to merge or clean up).
    pub fn of_row(row: &crate::store::LoopRow) -> Place {
        Place {
            name: row.name.clone(),
            branch: row.branch.clone(),
            worktree: PathBuf::from(&row.worktree),
            base: row.base.clone(),
            plan_path: row.plan_path.clone(),
            title: String::new(),
            goal: String::new(),
        }
    }

    pub fn of(spec: &LoopSpec) -> Place {
        Place {
            name: spec.name.clone(),
            branch: spec.branch.clone(),
            worktree: spec.worktree.clone(),
            base: spec.base.clone(),
            plan_path: spec.plan.path.to_string_lossy().into_owned(),
            title: spec.plan.title.clone(),
            goal: spec.plan.goal.clone(),
        }
    }
}

/// What a delivery did, for the event log and the human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub message: String,
    /// Set after a merge or squash: the worktree can be cleaned up.
    pub merged: Option<Merged>,
    /// A PR body written: the command that opens the PR by hand.
    pub how_to_open: Option<String>,
}

/// How an outcome lands on the base branch: `Merge` squashes unless `[merge] history` asks
/// for the iterations to be kept.
pub fn style(outcome: Outcome, history_by_default: bool) -> Option<MergeStyle> {
    match outcome {
        Outcome::Merge if history_by_default => Some(MergeStyle::History),
        Outcome::Merge | Outcome::Squash => Some(MergeStyle::Squash),
        Outcome::History => Some(MergeStyle::History),
        Outcome::Branch | Outcome::Pr => None,
    }
}

/// Checks, changing nothing, that the outcome can be carried out (a merge that would be
/// refused is refused before the approval is recorded).
pub fn check(git: &GitOwner, place: &Place, outcome: Outcome) -> Result<(), String> {
    if let Some(why) = nothing_to_approve(git, place) {
        return Err(why);
    }
    if !outcome.merges() {
        return Ok(());
    }
    git.check_merge(&place.branch, crate::wiki::OWNED)
        .map_err(|e| chain(&e))
}

/// A loop whose branch has the base's content changed nothing: there is no result to approve,
/// merge or propose. Says so, and what to do instead.
pub fn nothing_to_approve(git: &GitOwner, place: &Place) -> Option<String> {
    git.branch_changes_nothing(&place.branch, &place.base)
        .ok()
        .filter(|same| *same)
        .map(|_| {
            format!(
                "loop {} changed nothing: {} has the base's content, so there is nothing to approve or merge\n  fix: abort it to close it (x on the board, or `andon abort {}`), or redirect it with a note",
                place.name, place.branch, place.name
            )
        })
}

/// What a delivery needs besides git: the store's record of the loop, the config's merge
/// style, and the writer of andon's record of the loop (its 90_LOG page), which a merge puts
/// in its own commit. The writer returns the repo-relative paths it wrote.
pub struct Delivery<'a> {
    pub store: &'a Store,
    pub dirs: &'a AndonDir,
    pub history_by_default: bool,
    /// The secrets kept out of the PR body.
    pub redactor: &'a andon_core::redact::Redactor,
    pub memory: &'a mut dyn FnMut() -> Result<Vec<String>, String>,
}

/// Carries the outcome out. `state` is the loop's state before approval (its notes and
/// iteration count feed the commit message and PR body).
pub fn deliver(
    git: &GitOwner,
    d: Delivery<'_>,
    place: &Place,
    state: &LoopState,
    outcome: Outcome,
    anyway: Option<&str>,
) -> Result<Delivered, String> {
    let Some(style) = style(outcome, d.history_by_default) else {
        return match outcome {
            Outcome::Pr => {
                let path = pull_request::write_pr(git, &d, place, state, anyway)?;
                Ok(Delivered {
                    message: format!("PR body written to {}", path.display()),
                    merged: None,
                    how_to_open: pull_request::gh_command(&place.branch, &path)
                        .map(|cmd| format!("to open it: {}", pull_request::shell_words(&cmd))),
                })
            }
            _ => Ok(Delivered {
                message: format!("branch {} kept for you to push", place.branch),
                merged: None,
                how_to_open: None,
            }),
        };
    };
    let target = git
        .merge_target()
        .map_err(|e| chain(&e))?
        .unwrap_or_else(|| "HEAD".into());
    let checks = d
        .store
        .check_runs(&place.name, Some(state.iteration))
        .unwrap_or_default();
    let message = commit_message(place, state, style, &checks, anyway);
    let merged = git
        .merge_into_base(&place.branch, style, &message, crate::wiki::OWNED, d.memory)
        .map_err(|e| chain(&e))?;
    Ok(Delivered {
        message: merged.describe(&place.branch, &target),
        merged: Some(merged),
        how_to_open: None,
    })
}

/// The merge commit's message: titled by the goal, its body naming the loop, the iterations
/// and the checks that passed — what `git log` on the base branch should say.
fn commit_message(
    place: &Place,
    state: &LoopState,
    style: MergeStyle,
    checks: &[crate::store::CheckRunRow],
    anyway: Option<&str>,
) -> String {
    let goal = andon_core::sanitize::one_line(place.goal.trim(), 200);
    let title = if goal.is_empty() {
        andon_core::sanitize::one_line(&place.title, 200)
    } else {
        goal
    };
    let n = state.iteration;
    let s = if n == 1 { "" } else { "s" };
    let how = match style {
        MergeStyle::Squash => format!("squashed from {}", place.branch),
        MergeStyle::History => format!("merged from {}, every iteration kept", place.branch),
    };
    let mut body = format!(
        "{title}\n\nandon loop {} ({}): {n} iteration{s}, {how}.\n",
        place.name, place.plan_path
    );
    if !checks.is_empty() {
        body.push_str("\nChecks of the approved iteration:\n");
        for c in checks {
            let verdict = if c.passed { "passed" } else { "FAILED" };
            body.push_str(&format!(
                "- {} {}: {verdict} (`{}`)\n",
                c.kind,
                c.name,
                andon_core::sanitize::one_line(&c.command, 200)
            ));
        }
    }
    if let Some(reason) = anyway {
        body.push_str(&format!(
            "\nApproved anyway: {}\n",
            andon_core::sanitize::one_line(reason, 400)
        ));
    }
    body
}

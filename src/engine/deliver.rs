//! Carrying out an approval's outcome: merge or squash the loop branch into the main
//! worktree's branch, keep the branch, or write the PR body (`pull_request`). Blocking (git
//! and files); the loop task and `andon approve` call it off the async threads.

use std::path::PathBuf;

use crate::core::event::Outcome;
use crate::core::state::LoopState;
use crate::engine::input_error::chain;
use crate::engine::paths::AndonDir;
use crate::engine::pull_request;
use crate::engine::spec::LoopSpec;
use crate::git::{GitOwner, MergeStyle, Merged};
use crate::store::Store;

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
}

fn style(outcome: Outcome) -> Option<MergeStyle> {
    match outcome {
        Outcome::Merge => Some(MergeStyle::Merge),
        Outcome::Squash => Some(MergeStyle::Squash),
        Outcome::Branch | Outcome::Pr => None,
    }
}

/// Checks, changing nothing, that the outcome can be carried out (a merge that would be
/// refused is refused before the approval is recorded).
pub fn check(git: &GitOwner, place: &Place, outcome: Outcome) -> Result<(), String> {
    match style(outcome) {
        Some(style) => git
            .check_merge(&place.branch, style, crate::wiki::OWNED)
            .map_err(|e| chain(&e)),
        None => Ok(()),
    }
}

/// Carries the outcome out. `state` is the loop's state before approval (its notes and
/// iteration count feed the commit message and PR body).
pub fn deliver(
    git: &GitOwner,
    store: &Store,
    dirs: &AndonDir,
    place: &Place,
    state: &LoopState,
    outcome: Outcome,
    anyway: Option<&str>,
) -> Result<Delivered, String> {
    match outcome {
        Outcome::Branch => Ok(Delivered {
            message: format!("branch {} kept for you to push", place.branch),
            merged: None,
        }),
        Outcome::Pr => {
            let path = pull_request::write_pr(git, store, dirs, place, state, anyway)?;
            let mut message = format!("PR body written to {}", path.display());
            if let Some(cmd) = pull_request::gh_command(&place.branch, &path) {
                message.push_str(&format!(
                    "; to open it: {}",
                    pull_request::shell_words(&cmd)
                ));
            }
            Ok(Delivered {
                message,
                merged: None,
            })
        }
        Outcome::Merge | Outcome::Squash => {
            let style = style(outcome).unwrap_or(MergeStyle::Merge);
            let target = git
                .merge_target()
                .map_err(|e| chain(&e))?
                .unwrap_or_else(|| "HEAD".into());
            let message = commit_message(place, state, style);
            let merged = git
                .merge_into_base(&place.branch, style, &message, crate::wiki::OWNED)
                .map_err(|e| chain(&e))?;
            Ok(Delivered {
                message: merged.describe(&place.branch, &target),
                merged: Some(merged),
            })
        }
    }
}

fn commit_message(place: &Place, state: &LoopState, style: MergeStyle) -> String {
    let n = state.iteration;
    let s = if n == 1 { "" } else { "s" };
    match style {
        MergeStyle::Merge => format!(
            "Merge {}: {}\n\n{}\n\nandon loop {} ({n} iteration{s}).\n",
            place.branch,
            place.title,
            place.goal.trim(),
            place.name
        ),
        MergeStyle::Squash => format!(
            "{}\n\n{}\n\nSquashed from {} by andon ({n} iteration{s}).\n",
            place.title,
            place.goal.trim(),
            place.branch
        ),
    }
}

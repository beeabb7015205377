//! Removing an ended loop's worktree (and, when asked, its branch) without losing work: what
//! no snapshot holds and what the base branch lacks refuse the cleanup unless it is forced.

use crate::engine::delivery::deliver::Place;
use crate::error_chain::chain;
use crate::git::{CleanupCheck, GitOwner};

/// What a cleanup would do, and why it must not (without force).
pub struct CleanupPlan {
    pub check: CleanupCheck,
    pub delete_branch: bool,
}

impl CleanupPlan {
    pub fn of(git: &GitOwner, place: &Place, delete_branch: bool) -> Result<CleanupPlan, String> {
        let check = git
            .check_cleanup(&place.worktree, &place.branch)
            .map_err(|e| chain(&e))?;
        Ok(CleanupPlan {
            check,
            delete_branch,
        })
    }

    /// Nothing is left to remove.
    pub fn is_noop(&self) -> bool {
        let removes_branch = self.delete_branch && self.check.branch_exists;
        !self.check.worktree_exists && !removes_branch
    }

    /// Why removing would lose work, if it would.
    pub fn refusal(&self, place: &Place) -> Option<String> {
        let mut why = Vec::new();
        if !self.check.unsaved.is_empty() {
            let shown: Vec<&str> = self
                .check
                .unsaved
                .iter()
                .take(10)
                .map(String::as_str)
                .collect();
            let more = self.check.unsaved.len().saturating_sub(shown.len());
            why.push(format!(
                "worktree {} has unsaved work: {}{}",
                place.worktree.display(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        if self.delete_branch && self.check.branch_unmerged {
            why.push(format!(
                "branch {} has commits the main worktree's branch does not contain",
                place.branch
            ));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}

/// Removes a loop's worktree (and its branch when the plan says so). Refused when that would
/// lose work — changes no snapshot holds, commits the base lacks — unless `force`.
pub fn cleanup(
    git: &GitOwner,
    place: &Place,
    plan: &CleanupPlan,
    force: bool,
) -> Result<String, String> {
    if plan.is_noop() {
        return Ok(format!(
            "nothing to clean up: worktree {} is already gone{}",
            place.worktree.display(),
            if plan.check.branch_exists {
                format!("; branch {} kept", place.branch)
            } else {
                String::new()
            }
        ));
    }
    if let Some(why) = plan.refusal(place).filter(|_| !force) {
        return Err(why);
    }
    let branch = (plan.delete_branch && plan.check.branch_exists).then_some(place.branch.as_str());
    git.remove_worktree(&place.worktree, branch, force)
        .map_err(|e| chain(&e))?;
    let dirs = crate::engine::paths::AndonDir::new(git.repo_root());
    crate::engine::sandbox::forget(&dirs, &place.name);
    let worktree = if plan.check.worktree_exists {
        format!("worktree {} removed", place.worktree.display())
    } else {
        format!("worktree {} was already gone", place.worktree.display())
    };
    Ok(match branch {
        Some(b) => format!("{worktree}; branch {b} deleted"),
        None if plan.check.branch_exists => format!("{worktree}; branch {} kept", place.branch),
        None => worktree,
    })
}

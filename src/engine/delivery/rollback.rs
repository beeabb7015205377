//! Where a rollback goes and what it gives up: the last iteration whose checks all passed
//! (or, when none did, the base the loop started from), the iterations after it, and what they
//! had changed — said before a human confirms and again in the answer.

use crate::git::{DiffLimits, GitOwner};
use crate::store::Store;
use andon_core::diff::DiffStat;

/// The commit a rollback resets a loop's worktree and branch to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackTarget {
    /// The green iteration, or `None` for the base.
    pub iteration: Option<u32>,
    pub commit: String,
    /// Iterations after the target whose work is dropped.
    pub dropped: Vec<u32>,
    /// What the newest snapshot changed relative to the target.
    pub lost: Option<DiffStat>,
}

impl RollbackTarget {
    /// "iteration 2 (1a2b3c4d)" or "the base (1a2b3c4d)".
    pub fn label(&self) -> String {
        let short: String = self.commit.chars().take(8).collect();
        match self.iteration {
            Some(n) => format!("iteration {n} ({short})"),
            None => format!("the base ({short})"),
        }
    }

    /// What is given up, in words: the iterations and the lines they changed.
    pub fn loss(&self) -> String {
        let iterations = match self.dropped.as_slice() {
            [] => "no iteration".to_string(),
            [one] => format!("iteration {one}"),
            [first, .., last] => format!("iterations {first}–{last}"),
        };
        match &self.lost {
            Some(s) if s.files > 0 => format!(
                "{iterations} and their changes: {} file{} (+{} −{})",
                s.files,
                if s.files == 1 { "" } else { "s" },
                s.added,
                s.removed
            ),
            _ => format!("{iterations} (no file differs)"),
        }
    }

    /// The confirm dialog's text.
    pub fn preview(&self) -> String {
        let to = match self.iteration {
            Some(_) => format!(
                "{}, the last iteration whose checks all passed",
                self.label()
            ),
            None => format!(
                "{}: no iteration has passed its checks yet, so everything the loop did goes",
                self.label()
            ),
        };
        format!(
            "The worktree and its branch go back to {to}. Lost: {}. Uncommitted edits in the worktree go too.",
            self.loss()
        )
    }
}

/// Where loop `name` (started from `base`) would roll back to now. Blocking: store and git.
pub fn target(
    store: &Store,
    git: &GitOwner,
    name: &str,
    base: &str,
) -> Result<RollbackTarget, String> {
    let iterations = store.iterations(name).map_err(|e| e.to_string())?;
    let green = iterations
        .iter()
        .rev()
        .find(|it| it.status == "passed")
        .and_then(|it| it.snapshot.clone().map(|c| (it.n, c)));
    let (iteration, commit) = match green {
        Some((n, commit)) => (Some(n), commit),
        None => (None, base.to_string()),
    };
    let after = iteration.unwrap_or(0);
    let dropped: Vec<u32> = iterations
        .iter()
        .filter(|it| it.n > after)
        .map(|it| it.n)
        .collect();
    let newest = iterations.iter().rev().find_map(|it| it.snapshot.clone());
    let lost = newest
        .filter(|n| *n != commit)
        .and_then(|n| git.diff_commits(&commit, &n, DiffLimits::default()).ok())
        .map(|d| d.stat());
    Ok(RollbackTarget {
        iteration,
        commit,
        dropped,
        lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(iteration: Option<u32>, dropped: Vec<u32>, files: u32) -> RollbackTarget {
        RollbackTarget {
            iteration,
            commit: "0123456789abcdef".into(),
            dropped,
            lost: Some(DiffStat {
                files,
                added: 10,
                removed: 3,
            }),
        }
    }

    #[test]
    fn the_preview_names_the_real_target_and_the_loss() {
        let green = target(Some(2), vec![3, 4, 5], 2);
        assert_eq!(green.label(), "iteration 2 (01234567)");
        let text = green.preview();
        assert!(
            text.contains("iteration 2 (01234567), the last iteration whose checks all passed"),
            "{text}"
        );
        assert!(
            text.contains("Lost: iterations 3–5 and their changes: 2 files (+10 −3)"),
            "{text}"
        );

        let none = target(None, vec![1], 1);
        let text = none.preview();
        assert!(
            text.contains("the base (01234567): no iteration has passed"),
            "{text}"
        );
        assert!(
            text.contains("iteration 1 and their changes: 1 file"),
            "{text}"
        );
        assert!(!text.contains("last green"), "{text}");
    }
}

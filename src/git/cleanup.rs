//! What removing a loop's worktree and branch would lose, worked out without changing
//! anything: work in the worktree no snapshot holds, and branch commits the main worktree's
//! branch does not contain.

use std::path::Path;

use git2::BranchType;

use super::changes;
use super::error::GitContext;
use super::paths::absolute;
use super::{GitError, GitOwner};

/// What a cleanup would remove, and what it would lose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupCheck {
    pub worktree_exists: bool,
    pub branch_exists: bool,
    /// Paths changed in the worktree since its last snapshot.
    pub unsaved: Vec<String>,
    /// The branch has commits the main worktree's branch does not contain.
    pub branch_unmerged: bool,
}

impl GitOwner {
    pub fn check_cleanup(&self, worktree: &Path, branch: &str) -> Result<CleanupCheck, GitError> {
        let path = absolute(worktree)?;
        let worktree_exists = path.join(".git").symlink_metadata().is_ok();
        let unsaved = if worktree_exists {
            let repo = self.open_worktree(&path)?;
            let head = repo
                .head()
                .and_then(|head| head.peel_to_tree())
                .op("read worktree HEAD")?;
            changes::workdir_changes(&repo, &head)?
                .into_iter()
                .map(|c| c.path)
                .collect()
        } else {
            Vec::new()
        };
        let repo = self.open_main()?;
        let tip = match repo.find_branch(branch, BranchType::Local) {
            Ok(b) => Some(b.get().peel_to_commit().op("read branch")?.id()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(source) => {
                return Err(GitError::Git {
                    op: "look up branch",
                    source,
                })
            }
        };
        let branch_unmerged = match tip {
            None => false,
            Some(tip) => {
                let head = repo
                    .head()
                    .and_then(|h| h.peel_to_commit())
                    .op("read HEAD")?
                    .id();
                head != tip && !repo.graph_descendant_of(head, tip).op("compare commits")?
            }
        };
        Ok(CleanupCheck {
            worktree_exists,
            branch_exists: tip.is_some(),
            unsaved,
            branch_unmerged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{init_repo, write};
    use super::super::MergeStyle;
    use super::*;

    #[test]
    fn unsaved_work_and_unmerged_commits_are_found_then_cleared() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let wt = tmp.path().join("wt");
        owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
        let fresh = owner.check_cleanup(&wt, "loop/a").unwrap();
        assert!(fresh.worktree_exists && fresh.branch_exists);
        assert!(fresh.unsaved.is_empty() && !fresh.branch_unmerged);

        write(&wt, "src/lib.rs", "pub fn one() -> u32 { 2 }\n");
        let dirty = owner.check_cleanup(&wt, "loop/a").unwrap();
        assert_eq!(dirty.unsaved, vec!["src/lib.rs".to_string()]);
        owner
            .snapshot(&wt, "andon: iteration 1 (1/1 checks)")
            .unwrap();
        let ahead = owner.check_cleanup(&wt, "loop/a").unwrap();
        assert!(ahead.unsaved.is_empty() && ahead.branch_unmerged);

        owner
            .merge_into_base("loop/a", MergeStyle::History, "m", &[], &mut || {
                Ok(Vec::new())
            })
            .unwrap();
        assert!(!owner.check_cleanup(&wt, "loop/a").unwrap().branch_unmerged);
        owner.remove_worktree(&wt, Some("loop/a"), false).unwrap();
        let gone = owner.check_cleanup(&wt, "loop/a").unwrap();
        assert!(!gone.worktree_exists && !gone.branch_exists);
    }
}

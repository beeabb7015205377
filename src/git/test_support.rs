//! The git layer's test repositories: the shared ones from `andon-test-support`, and a repo
//! with one loop worktree made by andon's own [`GitOwner`].

use std::path::PathBuf;

pub use andon_test_support::git;
pub use andon_test_support::repo::{commit_all, init_repo, read, write};
use tempfile::TempDir;

use super::GitOwner;

/// A repo and one loop worktree `<tmp>/wt` on `loop/a` at HEAD; returns HEAD too.
pub fn repo_with_worktree() -> (TempDir, GitOwner, PathBuf, String) {
    let (tmp, root) = init_repo();
    let owner = GitOwner::open(&root).unwrap();
    let wt = tmp.path().join("wt");
    owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
    let base = owner.head_commit().unwrap();
    (tmp, owner, wt, base)
}

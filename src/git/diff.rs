//! A loop's diffs for the diff and review views: the cumulative one (base commit .. the worktree
//! as it is on disk) and one iteration's (snapshot `k-1` .. snapshot `k`), as `core::diff` data.
//!
//! The cumulative diff goes through the worktree's index (tree -> index -> disk, the way
//! `git diff <commit>` does): the index's stat cache lets libgit2 skip reading every unchanged
//! file, where a plain tree-to-disk diff would hash all of them on every refresh. The index is
//! only read, never written: refreshing its stat cache (what `git status` does) would race with
//! the agent's own `git add` — libgit2 writes the index it read, without re-checking it under
//! the lock — and andon's snapshot rewrites the index every iteration anyway, so the cache is
//! stale only for files touched since, which are the ones worth reading.

use std::path::Path;

use git2::{DiffFindOptions, DiffOptions, ErrorClass};

use super::changes::{commit_tree, worktree_root};
use super::diff_files::{collect, NewSide};
use super::{GitContext, GitError, GitOwner};
use crate::core::diff::Diff;

/// A file changing under the diff (the agent is still writing) fails the file's load; the
/// whole diff is retried this many times before the error is returned.
const RACE_RETRIES: usize = 2;

/// How much of a file a diff expands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffLimits {
    /// Text files bigger than this (either side) are `TooLarge`, with 0/0 line counts: counting
    /// them would mean diffing them. Also libgit2's binary cut-off, so it never loads them.
    pub max_file_bytes: u64,
    /// Text files whose diff has more lines than this are `TooLarge` too, with exact counts
    /// (libgit2 has computed the diff by then).
    pub max_lines_per_file: u32,
}

impl Default for DiffLimits {
    fn default() -> Self {
        DiffLimits {
            max_file_bytes: 512 * 1024,
            max_lines_per_file: 10_000,
        }
    }
}

impl GitOwner {
    /// Everything a loop changed: `base`'s tree against the worktree's files as they are on disk
    /// now, untracked files included (ignored ones not), exact renames detected. A read: no
    /// write lock, nothing written.
    pub fn diff_worktree(
        &self,
        worktree: &Path,
        base: &str,
        limits: DiffLimits,
    ) -> Result<Diff, GitError> {
        let repo = self.open_worktree(worktree)?;
        let root = worktree_root(&repo, worktree)?;
        let tree = commit_tree(&repo, base)?;
        let mut attempt = 0;
        loop {
            let result = (|| {
                let mut opts = options(limits);
                opts.include_untracked(true)
                    .recurse_untracked_dirs(true)
                    .show_untracked_content(true)
                    .include_ignored(false);
                let mut diff = repo
                    .diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts))
                    .op("diff worktree")?;
                find_renames(&mut diff)?;
                collect(&repo, &diff, limits, NewSide::Disk(&root))
            })();
            match result {
                Err(e) if attempt < RACE_RETRIES && changed_underneath(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    /// One iteration's work: commit `old`'s tree against commit `new`'s (snapshots `k-1` and
    /// `k`, or the base and snapshot 1). Commits are immutable, so no retry is needed.
    pub fn diff_commits(&self, old: &str, new: &str, limits: DiffLimits) -> Result<Diff, GitError> {
        let repo = self.open_main()?;
        let old_tree = commit_tree(&repo, old)?;
        let new_tree = commit_tree(&repo, new)?;
        let mut opts = options(limits);
        let mut diff = repo
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))
            .op("diff commits")?;
        find_renames(&mut diff)?;
        collect(&repo, &diff, limits, NewSide::Odb)
    }
}

fn options(limits: DiffLimits) -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true)
        // A submodule's status means opening its repository: not worth it on every refresh.
        .ignore_submodules(true)
        .max_size(i64::try_from(limits.max_file_bytes).unwrap_or(i64::MAX));
    opts
}

/// Exact renames only: found by comparing object ids, so they cost no content similarity
/// scoring (a moved-and-edited file shows as a deletion and an addition).
fn find_renames(diff: &mut git2::Diff<'_>) -> Result<(), GitError> {
    let mut find = DiffFindOptions::new();
    find.renames(true)
        .for_untracked(true)
        .exact_match_only(true);
    diff.find_similar(Some(&mut find)).op("find renames")
}

/// libgit2 reports a file that changed size or vanished between listing and reading it as a
/// filesystem or OS error.
fn changed_underneath(err: &GitError) -> bool {
    matches!(err, GitError::Git { source, .. }
        if matches!(source.class(), ErrorClass::Filesystem | ErrorClass::Os))
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;

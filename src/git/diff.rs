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

use git2::{DiffOptions, ErrorClass, Repository, Tree};

use super::changes::{commit_tree, worktree_root};
use super::diff_files::{changes_of, files_of, finish, Collected, NewSide};
use super::diff_split::{in_parallel, part_count, partition, Prefixes};
use super::{GitContext, GitError, GitOwner};
use andon_core::diff::Diff;

/// A file changing under the diff (the agent is still writing) fails the file's read; the
/// whole diff is retried this many times before the error is returned.
const RACE_RETRIES: usize = 2;
/// Files per thread when a diff between commits is split.
const FILES_PER_PART: usize = 128;

/// How much of a file a diff expands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiffLimits {
    /// Text files bigger than this (either side) are `TooLarge`, with 0/0 line counts: counting
    /// them would mean diffing them, so they are never loaded (only their first bytes are
    /// read, to tell binary from text).
    pub max_file_bytes: u64,
    /// Text files whose diff has more lines than this are `TooLarge` too, with exact counts
    /// (the diff has been computed by then).
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
    /// now, untracked files included (ignored ones not), exact renames paired. A read: no write
    /// lock, nothing written. A big worktree is diffed by a few threads at once.
    pub fn diff_worktree(
        &self,
        worktree: &Path,
        base: &str,
        limits: DiffLimits,
    ) -> Result<Diff, GitError> {
        let repo = self.open_worktree(worktree)?;
        let root = worktree_root(&repo, worktree)?;
        let parts = partition(&repo, &commit_tree(&repo, base)?, &root)?;
        let open = || Repository::open(&root).op("open worktree");
        let work = |repo: &Repository, prefixes: &Prefixes| -> Result<Vec<Collected>, GitError> {
            let tree = commit_tree(repo, base)?;
            let listed = list_worktree(repo, &tree, prefixes)?;
            files_of(repo, &changes_of(&listed), limits, NewSide::Disk(&root))
        };
        let mut attempt = 0;
        loop {
            match in_parallel(&parts, &repo, &open, &work) {
                Ok(parts) => return Ok(finish(parts.into_iter().flatten().collect())),
                Err(e) if attempt < RACE_RETRIES && changed_underneath(&e) => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// One iteration's work: commit `old`'s tree against commit `new`'s (snapshots `k-1` and
    /// `k`, or the base and snapshot 1).
    pub fn diff_commits(&self, old: &str, new: &str, limits: DiffLimits) -> Result<Diff, GitError> {
        let repo = self.open_main()?;
        let old_tree = commit_tree(&repo, old)?;
        let new_tree = commit_tree(&repo, new)?;
        let mut opts = options();
        let listed = repo
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))
            .op("diff commits")?;
        let changes = changes_of(&listed);
        let per_part = changes
            .len()
            .div_ceil(part_count(changes.len(), FILES_PER_PART));
        let parts: Vec<_> = changes.chunks(per_part.max(1)).collect();
        let open = || self.open_main();
        let work = |repo: &Repository, part: &&[_]| files_of(repo, part, limits, NewSide::Odb);
        let parts = in_parallel(&parts, &repo, &open, &work)?;
        Ok(finish(parts.into_iter().flatten().collect()))
    }
}

/// The changed files under `prefixes` (all of them when empty): `tree` against the disk,
/// through the index.
fn list_worktree<'r>(
    repo: &'r Repository,
    tree: &Tree<'_>,
    prefixes: &Prefixes,
) -> Result<git2::Diff<'r>, GitError> {
    let mut opts = options();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        // Literal prefixes: no glob matching, and directories the walk can skip.
        .disable_pathspec_match(true);
    for prefix in prefixes {
        opts.pathspec(prefix.as_slice());
    }
    repo.diff_tree_to_workdir_with_index(Some(tree), Some(&mut opts))
        .op("diff worktree")
}

/// Options for listing the changed files; their content is read afterwards.
fn options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true)
        // A submodule's status means opening its repository: not worth it on every refresh.
        .ignore_submodules(true);
    opts
}

/// A file that changed size or vanished between the listing and the read: libgit2 reports a
/// filesystem or OS error, our own read a missing file.
fn changed_underneath(err: &GitError) -> bool {
    match err {
        GitError::Git { source, .. } => {
            matches!(source.class(), ErrorClass::Filesystem | ErrorClass::Os)
        }
        GitError::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;

//! From a libgit2 diff to `core::diff` data in one pass: each file's patch is loaded once and
//! gives its hunks, lines and +/- counts together. Binary and oversized files are summarised.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use git2::{Delta, DiffDelta, Patch, Repository};

use super::diff::DiffLimits;
use super::{lossy, GitContext, GitError};
use crate::core::diff::{Diff, DiffFile, DiffLine, FileBody, FileStatus, Hunk, LineKind};

/// How many leading bytes decide whether content is binary: git's own rule (a NUL among the
/// first 8000 bytes).
const BINARY_PEEK: usize = 8000;

/// Where the new side of each file lives, for the few files the diff itself did not read.
pub(super) enum NewSide<'a> {
    /// The worktree's files on disk, under this root.
    Disk(&'a Path),
    /// Blobs in the object database (a diff between two commits).
    Odb,
}

/// Every changed file of `diff`, sorted by path.
pub(super) fn collect(
    repo: &Repository,
    diff: &git2::Diff<'_>,
    limits: DiffLimits,
    new_side: NewSide<'_>,
) -> Result<Diff, GitError> {
    let mut files = Vec::with_capacity(diff.deltas().len());
    for idx in 0..diff.deltas().len() {
        // `None` for a delta libgit2 skips (unmodified).
        let Some(patch) = Patch::from_diff(diff, idx).op("load file diff")? else {
            continue;
        };
        if let Some(file) = file_of(repo, &patch, limits, &new_side)? {
            files.push(file);
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Diff { files })
}

fn file_of(
    repo: &Repository,
    patch: &Patch<'_>,
    limits: DiffLimits,
    new_side: &NewSide<'_>,
) -> Result<Option<DiffFile>, GitError> {
    let delta = patch.delta();
    let Some(status) = status_of(delta.status()) else {
        return Ok(None);
    };
    let (old, new) = (delta.old_file(), delta.new_file());
    let shown = if status == FileStatus::Deleted {
        &old
    } else {
        &new
    };
    let Some(path_bytes) = shown.path_bytes() else {
        return Ok(None);
    };
    // An untracked directory entry is a nested repository; like `git clean -d`, leave it be.
    if path_bytes.ends_with(b"/") {
        return Ok(None);
    }
    let path = lossy(path_bytes);
    let old_path = match status {
        FileStatus::Renamed => old.path_bytes().map(lossy),
        _ => None,
    };
    let (old_size, new_size) = (old.size(), new.size());
    let (body, added, removed) = if delta.flags().is_binary() {
        // Files over `max_size` are flagged binary by libgit2 without being read.
        let over = old_size.max(new_size) > limits.max_file_bytes;
        if over && !looks_binary(repo, &delta, status, new_side, &path) {
            (FileBody::TooLarge { old_size, new_size }, 0, 0)
        } else {
            (FileBody::Binary { old_size, new_size }, 0, 0)
        }
    } else {
        let (context, added, removed) = patch.line_stats().op("count diff lines")?;
        let total = context + added + removed;
        let (added, removed) = (count(added), count(removed));
        if total > limits.max_lines_per_file as usize {
            (FileBody::TooLarge { old_size, new_size }, added, removed)
        } else {
            let hunks = hunks(patch)?;
            // Content and mode equal: nothing to show. Happens when a staged change was undone
            // on disk (the diff goes through the index).
            if hunks.is_empty() && status == FileStatus::Modified && old.mode() == new.mode() {
                return Ok(None);
            }
            (FileBody::Text { hunks }, added, removed)
        }
    };
    Ok(Some(DiffFile {
        path,
        old_path,
        status,
        added,
        removed,
        body,
    }))
}

fn status_of(delta: Delta) -> Option<FileStatus> {
    Some(match delta {
        Delta::Added | Delta::Untracked | Delta::Copied => FileStatus::Added,
        Delta::Deleted => FileStatus::Deleted,
        Delta::Modified | Delta::Conflicted => FileStatus::Modified,
        Delta::Renamed => FileStatus::Renamed,
        Delta::Typechange => FileStatus::TypeChange,
        Delta::Unmodified | Delta::Ignored | Delta::Unreadable => return None,
    })
}

fn hunks(patch: &Patch<'_>) -> Result<Vec<Hunk>, GitError> {
    let mut hunks = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, count) = patch.hunk(h).op("read diff hunk")?;
        let mut lines = Vec::with_capacity(count);
        for l in 0..count {
            let line = patch.line_in_hunk(h, l).op("read diff line")?;
            // The other origins mark a missing newline at the end of file.
            let kind = match line.origin() {
                ' ' => LineKind::Context,
                '+' => LineKind::Added,
                '-' => LineKind::Removed,
                _ => continue,
            };
            lines.push(DiffLine {
                kind,
                old_no: line.old_lineno(),
                new_no: line.new_lineno(),
                text: line_text(line.content()),
            });
        }
        hunks.push(Hunk {
            header: line_text(hunk.header()),
            old_start: hunk.old_start(),
            old_lines: hunk.old_lines(),
            new_start: hunk.new_start(),
            new_lines: hunk.new_lines(),
            lines,
        });
    }
    Ok(hunks)
}

/// Whether an oversized file is binary rather than text, from its first bytes. A file that
/// cannot be read any more (the agent just deleted it) counts as binary: the next refresh
/// sees it gone.
fn looks_binary(
    repo: &Repository,
    delta: &DiffDelta<'_>,
    status: FileStatus,
    new_side: &NewSide<'_>,
    path: &str,
) -> bool {
    match new_side {
        NewSide::Disk(root) if status != FileStatus::Deleted => {
            let mut head = Vec::with_capacity(BINARY_PEEK);
            File::open(root.join(path))
                .and_then(|file| file.take(BINARY_PEEK as u64).read_to_end(&mut head))
                .map(|_| head.contains(&0))
                .unwrap_or(true)
        }
        _ => {
            let file = if status == FileStatus::Deleted {
                delta.old_file()
            } else {
                delta.new_file()
            };
            repo.find_blob(file.id())
                .map(|blob| blob.is_binary())
                .unwrap_or(true)
        }
    }
}

/// Without the line's newline; invalid UTF-8 is replaced, never an error.
fn line_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

//! From libgit2's list of changed files to `core::diff` data: each file's two sides are read
//! once — the old from the object database, the new from disk or the object database — and
//! diffed as plain buffers, giving hunks, lines and +/- counts together. Binary and oversized
//! files are summarised without being diffed. Exact renames are paired up at the end, across
//! the parts a diff was split into.
//!
//! Diffing buffers rather than asking libgit2 for each file's patch skips its per-file
//! attribute and filter lookups (dozens of stat and readlink calls per file — most of the time
//! on a big diff). The price: `.gitattributes` (`-diff`, `binary`, eol conversion) is not
//! consulted; a file is binary when its content says so.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use git2::{Delta, DiffDelta, DiffOptions, FileMode, ObjectType, Odb, Oid, Patch, Repository};

use super::diff::DiffLimits;
use super::diff_content::{add_lead_ins, hunks, looks_binary, on_disk, stored, Content, Side};
use super::{lossy, GitContext, GitError};
use andon_core::diff::{Diff, DiffFile, FileBody, FileStatus};

/// Where the new side of each file lives.
#[derive(Clone, Copy)]
pub(super) enum NewSide<'a> {
    /// The worktree's files on disk, under this root.
    Disk(&'a Path),
    /// Blobs in the object database (a diff between two commits).
    Odb,
}

/// One changed file as the listing described it, owned so a worker thread can take it.
pub(super) struct Change {
    status: FileStatus,
    /// Relative to the root, exactly as git has it (a path need not be UTF-8).
    path: PathBuf,
    old_path: PathBuf,
    old: Side,
    new: Side,
}

/// One changed file with what pairing renames needs: its content's id when known (the old
/// blob of a deletion, the new blob of an addition between commits) and its size.
pub(super) struct Collected {
    file: DiffFile,
    id: Option<Oid>,
    size: u64,
    /// Where an added file is on disk, to hash it if its size matches a deletion's.
    disk: Option<PathBuf>,
}

/// The changed files libgit2 listed.
pub(super) fn changes_of(diff: &git2::Diff<'_>) -> Vec<Change> {
    diff.deltas().filter_map(|d| change_of(&d)).collect()
}

fn change_of(delta: &DiffDelta<'_>) -> Option<Change> {
    let status = status_of(delta.status())?;
    let (old, new) = (delta.old_file(), delta.new_file());
    let shown = if status == FileStatus::Deleted {
        &old
    } else {
        &new
    };
    let path = shown.path()?;
    // An untracked directory entry is a nested repository; like `git clean -d`, leave it be.
    if shown.path_bytes()?.ends_with(b"/") {
        return None;
    }
    let side = |file: &git2::DiffFile<'_>| Side {
        id: file.id(),
        mode: file.mode(),
        size: file.size(),
    };
    Some(Change {
        status,
        path: path.to_path_buf(),
        old_path: old.path().unwrap_or(path).to_path_buf(),
        old: side(&old),
        new: side(&new),
    })
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

pub(super) fn files_of(
    repo: &Repository,
    changes: &[Change],
    limits: DiffLimits,
    new_side: NewSide<'_>,
) -> Result<Vec<Collected>, GitError> {
    let odb = repo.odb().op("open object database")?;
    let mut opts = DiffOptions::new();
    let mut files = Vec::with_capacity(changes.len());
    for change in changes {
        if let Some(file) = file_of(repo, &odb, change, limits, new_side, &mut opts)? {
            files.push(file);
        }
    }
    Ok(files)
}

fn file_of(
    repo: &Repository,
    odb: &Odb<'_>,
    change: &Change,
    limits: DiffLimits,
    new_side: NewSide<'_>,
    opts: &mut DiffOptions,
) -> Result<Option<Collected>, GitError> {
    let status = change.status;
    let on_disk_path = match new_side {
        NewSide::Disk(root) if status != FileStatus::Deleted => Some(root.join(&change.path)),
        _ => None,
    };
    let old = match status {
        FileStatus::Added => Content::Absent,
        _ => stored(repo, odb, &change.old, limits)?,
    };
    let new = match (status, &on_disk_path) {
        (FileStatus::Deleted, _) => Content::Absent,
        (_, Some(path)) => on_disk(path, limits)?,
        (_, None) => stored(repo, odb, &change.new, limits)?,
    };
    let (old_size, new_size) = (old.size(), new.size());
    let (body, added, removed) = if !old.loaded() || !new.loaded() {
        // Too big or unreadable: judged by the new side's first bytes, unless it is gone.
        let id = match status {
            FileStatus::Deleted => change.old.id,
            _ => change.new.id,
        };
        if looks_binary(repo, id, on_disk_path.as_deref()) {
            (FileBody::Binary { old_size, new_size }, 0, 0)
        } else {
            (FileBody::TooLarge { old_size, new_size }, 0, 0)
        }
    } else {
        let patch = Patch::from_buffers(
            old.bytes(),
            Some(&change.old_path),
            new.bytes(),
            Some(&change.path),
            Some(opts),
        )
        .op("diff file")?;
        if patch.delta().flags().is_binary() {
            (FileBody::Binary { old_size, new_size }, 0, 0)
        } else {
            let (context, added, removed) = patch.line_stats().op("count diff lines")?;
            let total = context + added + removed;
            let (added, removed) = (count(added), count(removed));
            if total > limits.max_lines_per_file as usize {
                (FileBody::TooLarge { old_size, new_size }, added, removed)
            } else {
                let mut hunks = hunks(&patch)?;
                add_lead_ins(&mut hunks, old.bytes(), new.bytes());
                // Content and mode equal: nothing to show. Happens when a staged change was
                // undone on disk (the diff goes through the index).
                let same_mode = change.old.mode == change.new.mode;
                if hunks.is_empty() && status == FileStatus::Modified && same_mode {
                    return Ok(None);
                }
                (FileBody::Text { hunks }, added, removed)
            }
        }
    };
    let file = DiffFile {
        path: lossy(change.path.as_os_str().as_encoded_bytes()),
        old_path: (status == FileStatus::Renamed)
            .then(|| lossy(change.old_path.as_os_str().as_encoded_bytes())),
        status,
        added,
        removed,
        body,
    };
    let (id, size) = match status {
        FileStatus::Deleted => (Some(change.old.id), old_size),
        _ if on_disk_path.is_some() => (None, new_size),
        _ => (Some(change.new.id), new_size),
    };
    let regular = |mode: FileMode| matches!(mode, FileMode::Blob | FileMode::BlobExecutable);
    // A symlink's content is its target, which hashing the path would not see.
    let disk = on_disk_path.filter(|_| regular(change.new.mode));
    Ok(Some(Collected {
        file,
        id,
        size,
        disk,
    }))
}

/// The diff from every part's files: a deletion and an addition with the same content become
/// one rename (exact renames only — similarity scoring costs too much for a live view), and
/// files are sorted by path.
pub(super) fn finish(collected: Vec<Collected>) -> Diff {
    let mut deleted: HashMap<Oid, Vec<usize>> = HashMap::new();
    let mut deleted_sizes = HashSet::new();
    for (i, c) in collected.iter().enumerate() {
        if let (FileStatus::Deleted, Some(id)) = (c.file.status, c.id) {
            deleted.entry(id).or_default().push(i);
            deleted_sizes.insert(c.size);
        }
    }
    let mut renamed_from = HashMap::new();
    if !deleted.is_empty() {
        for (i, c) in collected.iter().enumerate() {
            if c.file.status != FileStatus::Added || !deleted_sizes.contains(&c.size) {
                continue;
            }
            let id = c.id.or_else(|| {
                let path = c.disk.as_deref()?;
                Oid::hash_file(ObjectType::Blob, path).ok()
            });
            if let Some(from) = id.and_then(|id| deleted.get_mut(&id)?.pop()) {
                renamed_from.insert(i, from);
            }
        }
    }
    let gone: HashSet<usize> = renamed_from.values().copied().collect();
    let old_paths: HashMap<usize, String> = renamed_from
        .iter()
        .map(|(&to, &from)| (to, collected[from].file.path.clone()))
        .collect();
    let mut files: Vec<DiffFile> = collected
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !gone.contains(i))
        .map(|(i, c)| match old_paths.get(&i) {
            Some(old_path) => renamed(c.file, old_path.clone()),
            None => c.file,
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Diff { files }
}

/// An added file that is a deleted one moved: same content, so nothing to show but the move.
fn renamed(mut file: DiffFile, old_path: String) -> DiffFile {
    file.status = FileStatus::Renamed;
    file.old_path = Some(old_path);
    file.added = 0;
    file.removed = 0;
    file.body = match file.body {
        FileBody::Text { .. } => FileBody::Text { hunks: Vec::new() },
        FileBody::Binary { new_size, .. } => FileBody::Binary {
            old_size: new_size,
            new_size,
        },
        FileBody::TooLarge { new_size, .. } => FileBody::TooLarge {
            old_size: new_size,
            new_size,
        },
    };
    file
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

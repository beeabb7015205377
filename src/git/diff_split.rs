//! Splitting a big diff across a few threads, each with its own `Repository` (it is not
//! `Sync`). For the worktree diff, the worktree is cut into groups of path prefixes of similar
//! size, counted from the index: libgit2's walk costs one `lstat` per file, and only threads
//! make that shorter (git's own `preload-index` does the same).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::num::NonZeroUsize;
use std::os::unix::ffi::OsStrExt;
use std::panic::resume_unwind;
use std::path::Path;
use std::thread;

use git2::{ObjectType, Repository, Tree};

use super::{GitContext, GitError};

/// Fewer index entries than this per thread and one thread is quicker.
const ENTRIES_PER_PART: usize = 2048;
const MAX_PARTS: usize = 4;
/// Prefixes are refined at most this many directories deep.
const MAX_DEPTH: usize = 4;

/// Relative paths as git writes them (`/`-separated bytes), matching themselves and, for a
/// directory, everything under it.
pub(super) type Prefixes = Vec<Vec<u8>>;

/// How many threads a job of `units` is worth, `per_part` units each at least.
pub(super) fn part_count(units: usize, per_part: usize) -> usize {
    thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_PARTS)
        .min(units / per_part.max(1))
        .max(1)
}

/// Groups of prefixes that together cover every path the worktree diff can report — on disk,
/// in the index or in `tree` — one group per thread. A single empty group (no pathspec: the
/// whole worktree) when the worktree is too small to be worth splitting.
pub(super) fn partition(
    repo: &Repository,
    tree: &Tree<'_>,
    root: &Path,
) -> Result<Vec<Prefixes>, GitError> {
    let index = repo.index().op("read worktree index")?;
    let parts = part_count(index.len(), ENTRIES_PER_PART);
    if parts < 2 {
        return Ok(vec![Vec::new()]);
    }
    let tracked: Vec<Vec<u8>> = index.iter().map(|entry| entry.path).collect();
    // (prefix -> (weight, is a directory)); the heaviest directory is refined until each
    // prefix is a small share of the whole.
    let mut prefixes = children(repo, tree, root, &tracked, b"");
    let share = tracked.len() / (parts * 2);
    loop {
        let heaviest = prefixes
            .iter()
            .filter(|(path, (_, dir))| *dir && depth(path) < MAX_DEPTH)
            .max_by_key(|(_, (weight, _))| *weight)
            .filter(|(_, (weight, _))| *weight > share)
            .map(|(path, _)| path.clone());
        let Some(path) = heaviest else {
            break;
        };
        let inner = children(repo, tree, root, &tracked, &path);
        match prefixes.get_mut(&path) {
            // An empty directory cannot be refined; it stays one prefix.
            Some(entry) if inner.is_empty() => entry.1 = false,
            _ => {
                prefixes.remove(&path);
                prefixes.extend(inner);
            }
        }
    }
    // Heaviest first, each into the lightest group. The first group runs on this thread, whose
    // repository has the index loaded already; the others start behind by the cost of loading
    // it again (reading and hashing the index is about a tenth of walking the worktree).
    let mut by_weight: Vec<_> = prefixes.into_iter().collect();
    by_weight.sort_by_key(|(_, (weight, _))| std::cmp::Reverse(*weight));
    let reload = tracked.len() / 10;
    let mut groups: Vec<(usize, Prefixes)> = (0..parts)
        .map(|i| (if i == 0 { 0 } else { reload }, Vec::new()))
        .collect();
    for (path, (weight, _)) in by_weight {
        if let Some(lightest) = groups.iter_mut().min_by_key(|(total, _)| *total) {
            lightest.0 += weight;
            lightest.1.push(path);
        }
    }
    Ok(groups
        .into_iter()
        .map(|(_, group)| group)
        .filter(|group| !group.is_empty())
        .collect())
}

/// The entries directly under `prefix` (`""` = the root) on disk, in the index and in the
/// tree, each weighed by the index entries under it.
fn children(
    repo: &Repository,
    tree: &Tree<'_>,
    root: &Path,
    tracked: &[Vec<u8>],
    prefix: &[u8],
) -> BTreeMap<Vec<u8>, (usize, bool)> {
    let mut found: BTreeMap<Vec<u8>, (usize, bool)> = BTreeMap::new();
    let mut add = |name: &[u8], dir: bool, weight: usize| {
        let path = join(prefix, name);
        let entry = found.entry(path).or_insert((1, false));
        entry.0 += weight;
        entry.1 |= dir;
    };
    let dir = root.join(OsStr::from_bytes(prefix));
    if let Ok(entries) = fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if prefix.is_empty() && name == ".git" {
                continue;
            }
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            add(name.as_bytes(), is_dir, 0);
        }
    }
    for path in tracked {
        let Some(rest) = under(path, prefix) else {
            continue;
        };
        match rest.iter().position(|&b| b == b'/') {
            Some(slash) => add(&rest[..slash], true, 1),
            None => add(rest, false, 1),
        }
    }
    let subtree = if prefix.is_empty() {
        Some(tree.clone())
    } else {
        tree.get_path(Path::new(OsStr::from_bytes(prefix)))
            .and_then(|entry| entry.to_object(repo))
            .ok()
            .and_then(|object| object.into_tree().ok())
    };
    for entry in subtree.iter().flat_map(|t| t.iter()) {
        add(
            entry.name_bytes(),
            entry.kind() == Some(ObjectType::Tree),
            0,
        );
    }
    found
}

/// What follows `prefix/` in `path`, if `path` is under `prefix`.
fn under<'p>(path: &'p [u8], prefix: &[u8]) -> Option<&'p [u8]> {
    if prefix.is_empty() {
        return Some(path);
    }
    path.strip_prefix(prefix)?.strip_prefix(b"/")
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    if prefix.is_empty() {
        return name.to_vec();
    }
    [prefix, b"/", name].concat()
}

fn depth(path: &[u8]) -> usize {
    path.iter().filter(|&&b| b == b'/').count() + 1
}

/// Runs `work` on every part — the first on this thread with `here`, the others on threads of
/// their own, each with a repository from `open` — and returns the results, in no set order.
pub(super) fn in_parallel<P: Sync, T: Send>(
    parts: &[P],
    here: &Repository,
    open: &(dyn Fn() -> Result<Repository, GitError> + Sync),
    work: &(dyn Fn(&Repository, &P) -> Result<T, GitError> + Sync),
) -> Result<Vec<T>, GitError> {
    let Some((first, rest)) = parts.split_first() else {
        return Ok(Vec::new());
    };
    thread::scope(|scope| {
        let mut running = Vec::with_capacity(rest.len());
        let mut inline = Vec::new();
        for part in rest {
            let job = move || work(&open()?, part);
            match thread::Builder::new()
                .name("andon-diff".into())
                .spawn_scoped(scope, job)
            {
                Ok(handle) => running.push(handle),
                // No thread to be had: this one does the part.
                Err(_) => inline.push(part),
            }
        }
        let mut results = vec![work(here, first)?];
        for part in inline {
            results.push(work(here, part)?);
        }
        for handle in running {
            results.push(handle.join().unwrap_or_else(|panic| resume_unwind(panic))?);
        }
        Ok(results)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_on_directory_boundaries() {
        assert_eq!(under(b"src/a/b.rs", b"src"), Some(&b"a/b.rs"[..]));
        assert_eq!(under(b"srcx/b.rs", b"src"), None);
        assert_eq!(under(b"src", b"src"), None);
        assert_eq!(under(b"top.rs", b""), Some(&b"top.rs"[..]));
        assert_eq!(join(b"", b"a"), b"a");
        assert_eq!(join(b"src", b"a"), b"src/a");
        assert_eq!(depth(b"src/a"), 2);
    }
}

//! The diff model the guards work on: a worktree's files against a commit, and putting chosen
//! files back as that commit has them (the guards' rollback of out-of-scope and protected files).

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, ErrorCode, FileMode, ObjectType, Repository, Tree, TreeEntry};

use super::paths::checked_relative;
use super::{io_error, lossy, GitContext, GitError, GitOwner};

/// How a path differs between a commit and the worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

/// One changed file of a worktree compared with a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathChange {
    /// Relative to the worktree root (so also to the repo), with `/` separators.
    pub path: String,
    pub kind: ChangeKind,
    /// The path exists in the compared commit, so restoring it means rewriting, not deleting.
    pub in_base: bool,
}

impl GitOwner {
    /// The worktree's files — tracked and untracked-but-not-ignored, inside untracked
    /// directories too — compared with `commit`'s tree. The index plays no part: what counts
    /// is what is on disk.
    pub fn changes_since(
        &self,
        worktree: &Path,
        commit: &str,
    ) -> Result<Vec<PathChange>, GitError> {
        let repo = self.open_worktree(worktree)?;
        let tree = commit_tree(&repo, commit)?;
        workdir_changes(&repo, &tree)
    }

    /// Puts each of `paths` back as `commit` has it: rewritten with its content and mode when
    /// the commit has it, deleted (with parent directories left empty) when it does not. The
    /// worktree's index follows; HEAD does not move.
    pub fn restore_paths(
        &self,
        worktree: &Path,
        commit: &str,
        paths: &[String],
    ) -> Result<(), GitError> {
        let _write = self.write_lock();
        let repo = self.open_worktree(worktree)?;
        let root = worktree_root(&repo, worktree)?;
        let tree = commit_tree(&repo, commit)?;
        let mut index = repo.index().op("read worktree index")?;
        for path in paths {
            let rel = checked_relative(path)?;
            match tree.get_path(rel) {
                Ok(entry) => {
                    write_entry(&repo, &root, rel, &entry, path)?;
                    index.add_path(rel).op("update worktree index")?;
                }
                Err(e) if e.code() == ErrorCode::NotFound => {
                    delete_file(&root, rel)?;
                    index.remove_path(rel).op("update worktree index")?;
                }
                Err(source) => {
                    return Err(GitError::Git {
                        op: "read commit tree",
                        source,
                    })
                }
            }
        }
        index.write().op("write worktree index")
    }
}

pub(super) fn worktree_root(repo: &Repository, worktree: &Path) -> Result<PathBuf, GitError> {
    repo.workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| GitError::NotAWorktree {
            path: worktree.to_path_buf(),
        })
}

pub(super) fn commit_tree<'r>(repo: &'r Repository, commit: &str) -> Result<Tree<'r>, GitError> {
    repo.revparse_single(commit)
        .and_then(|object| object.peel_to_commit())
        .and_then(|commit| commit.tree())
        .op("resolve commit")
}

/// The working directory of `repo` against `tree`, one entry per file.
pub(super) fn workdir_changes(
    repo: &Repository,
    tree: &Tree<'_>,
) -> Result<Vec<PathChange>, GitError> {
    let mut opts = DiffOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        // Without it a file replaced by a symlink (or the reverse) is reported twice.
        .include_typechange(true);
    let diff = repo
        .diff_tree_to_workdir(Some(tree), Some(&mut opts))
        .op("diff worktree")?;
    let mut changes: Vec<PathChange> = diff
        .deltas()
        .filter_map(|delta| {
            let (kind, file) = match delta.status() {
                Delta::Added | Delta::Untracked => (ChangeKind::Added, delta.new_file()),
                Delta::Deleted => (ChangeKind::Deleted, delta.old_file()),
                Delta::Modified | Delta::Typechange => (ChangeKind::Modified, delta.new_file()),
                _ => return None,
            };
            Some(PathChange {
                path: lossy(file.path_bytes()?),
                kind,
                in_base: kind != ChangeKind::Added,
            })
        })
        .collect();
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// Makes every directory from `root` down to `rel`'s parent a real directory, removing files or
/// symlinks in the way: writing through an agent's symlink could land outside the worktree.
fn prepare_parents(root: &Path, rel: &Path) -> Result<(), GitError> {
    let mut dir = root.to_path_buf();
    let parents: Vec<_> = rel
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .collect();
    for component in parents {
        dir.push(component);
        match dir.symlink_metadata() {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => fs::remove_file(&dir).map_err(io_error("remove", &dir))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("inspect", &dir)(e)),
        }
        fs::create_dir(&dir).map_err(io_error("create", &dir))?;
    }
    Ok(())
}

/// Removes whatever is at `full` (a file, a symlink — never followed — or a directory).
fn clear(full: &Path) -> Result<(), GitError> {
    match full.symlink_metadata() {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(full).map_err(io_error("remove", full)),
        Ok(_) => fs::remove_file(full).map_err(io_error("remove", full)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("inspect", full)(e)),
    }
}

fn write_entry(
    repo: &Repository,
    root: &Path,
    rel: &Path,
    entry: &TreeEntry<'_>,
    path: &str,
) -> Result<(), GitError> {
    if entry.kind() != Some(ObjectType::Blob) {
        return Err(GitError::InvalidPath {
            path: path.to_owned(),
            reason: "the commit has a directory or submodule there, not a file",
        });
    }
    let blob = repo.find_blob(entry.id()).op("read blob")?;
    let full = root.join(rel);
    prepare_parents(root, rel)?;
    // A fresh file rather than an overwrite, so a symlink planted at the path is replaced
    // instead of written through.
    clear(&full)?;
    if entry.filemode() == i32::from(FileMode::Link) {
        let target = OsStr::from_bytes(blob.content());
        return std::os::unix::fs::symlink(target, &full).map_err(io_error("create", &full));
    }
    // Same modes git itself uses; the umask applies.
    let mode = if entry.filemode() == i32::from(FileMode::BlobExecutable) {
        0o777
    } else {
        0o666
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&full)
        .map_err(io_error("create", &full))?;
    file.write_all(blob.content())
        .map_err(io_error("write", &full))
}

/// Deletes the file at `rel` and then its parent directories while they are empty. A path under
/// a symlinked directory is not inside the worktree, so nothing is deleted through it.
pub(super) fn delete_file(root: &Path, rel: &Path) -> Result<(), GitError> {
    let full = root.join(rel);
    let mut dir = root.to_path_buf();
    for component in rel.parent().into_iter().flat_map(Path::components) {
        dir.push(component);
        match dir.symlink_metadata() {
            Ok(meta) if meta.is_dir() => {}
            _ => return Ok(()),
        }
    }
    clear(&full)?;
    for dir in full.ancestors().skip(1) {
        if dir == root || fs::remove_dir(dir).is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::super::test_support::{commit_all, git, read, repo_with_worktree, write};
    use super::*;

    fn change(path: &str, kind: ChangeKind) -> PathChange {
        PathChange {
            path: path.to_owned(),
            kind,
            in_base: kind != ChangeKind::Added,
        }
    }

    #[test]
    fn changes_since_lists_added_modified_deleted_and_untracked_files() {
        let (_tmp, owner, wt, base) = repo_with_worktree();
        assert_eq!(owner.changes_since(&wt, &base).unwrap(), []);

        write(&wt, "README.md", "# changed\n");
        fs::remove_file(wt.join("src/lib.rs")).unwrap();
        write(&wt, "src/pricing/deep/new.rs", "// new\n");
        write(&wt, "staged.txt", "staged");
        git(&wt, &["add", "staged.txt"]);
        write(&wt, "target/debug/out", "ignored dir");
        write(&wt, "run.log", "ignored file");

        let changes = owner.changes_since(&wt, &base).unwrap();
        assert_eq!(
            changes,
            [
                change("README.md", ChangeKind::Modified),
                change("src/lib.rs", ChangeKind::Deleted),
                change("src/pricing/deep/new.rs", ChangeKind::Added),
                change("staged.txt", ChangeKind::Added),
            ]
        );
    }

    #[test]
    fn changes_since_counts_committed_work_against_an_older_commit() {
        let (_tmp, owner, wt, base) = repo_with_worktree();
        write(&wt, "a.txt", "a");
        let first = owner
            .snapshot(&wt, "andon: iteration 1 (0/0 checks)")
            .unwrap();
        write(&wt, "b.txt", "b");
        let since_base = owner.changes_since(&wt, &base).unwrap();
        assert_eq!(
            since_base,
            [
                change("a.txt", ChangeKind::Added),
                change("b.txt", ChangeKind::Added)
            ]
        );
        assert_eq!(
            owner.changes_since(&wt, &first).unwrap(),
            [change("b.txt", ChangeKind::Added)]
        );
    }

    #[test]
    fn restore_paths_puts_files_back_as_the_commit_has_them() {
        let (_tmp, owner, wt, _base) = repo_with_worktree();
        write(&wt, "tools/run.sh", "#!/bin/sh\necho ok\n");
        fs::set_permissions(wt.join("tools/run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        let base2 = commit_all(&wt, "add script");

        write(&wt, "README.md", "# vandalised\n");
        fs::remove_file(wt.join("src/lib.rs")).unwrap();
        fs::remove_dir_all(wt.join("tools")).unwrap();
        write(&wt, "tests/new/deep/t.rs", "// out of scope\n");
        write(&wt, "tests/keep.rs", "// stays\n");
        git(&wt, &["add", "-A"]);
        write(&wt, "other.txt", "not restored");

        let paths: Vec<String> = [
            "README.md",
            "src/lib.rs",
            "tools/run.sh",
            "tests/new/deep/t.rs",
        ]
        .map(String::from)
        .to_vec();
        owner.restore_paths(&wt, &base2, &paths).unwrap();

        assert_eq!(read(&wt, "README.md"), "# demo\n");
        assert_eq!(read(&wt, "src/lib.rs"), "pub fn one() -> u32 { 1 }\n");
        let mode = fs::metadata(wt.join("tools/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "executable bit restored: {mode:o}");
        assert!(
            !wt.join("tests/new").exists(),
            "emptied new dirs are removed"
        );
        assert!(wt.join("tests/keep.rs").exists());
        assert_eq!(
            owner.changes_since(&wt, &base2).unwrap(),
            [
                change("other.txt", ChangeKind::Added),
                change("tests/keep.rs", ChangeKind::Added)
            ]
        );
        // The index follows the restored paths; HEAD did not move.
        assert_eq!(
            git(&wt, &["status", "--porcelain"]),
            "A  tests/keep.rs\n?? other.txt"
        );
        assert_eq!(git(&wt, &["rev-parse", "HEAD"]), base2);
    }

    #[test]
    fn restore_paths_replaces_a_planted_symlink_instead_of_writing_through_it() {
        let (tmp, owner, wt, base) = repo_with_worktree();
        let outside = tmp.path().join("outside.txt");
        fs::write(&outside, "outside").unwrap();
        fs::remove_file(wt.join("README.md")).unwrap();
        std::os::unix::fs::symlink(&outside, wt.join("README.md")).unwrap();
        fs::remove_dir_all(wt.join("src")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), wt.join("src")).unwrap();

        let paths = ["README.md".to_owned(), "src/lib.rs".to_owned()];
        owner.restore_paths(&wt, &base, &paths).unwrap();

        assert_eq!(fs::read_to_string(&outside).unwrap(), "outside");
        assert!(!tmp.path().join("lib.rs").exists());
        assert_eq!(read(&wt, "README.md"), "# demo\n");
        assert!(wt.join("src").symlink_metadata().unwrap().is_dir());
        assert_eq!(git(&wt, &["status", "--porcelain"]), "");
    }

    #[test]
    fn restore_paths_refuses_paths_leaving_the_worktree() {
        let (tmp, owner, wt, base) = repo_with_worktree();
        fs::write(tmp.path().join("victim"), "x").unwrap();
        for bad in ["../victim", "/etc/passwd", "", "src/../../victim"] {
            let err = owner
                .restore_paths(&wt, &base, &[bad.to_owned()])
                .unwrap_err();
            assert!(
                matches!(err, GitError::InvalidPath { .. }),
                "{bad:?}: {err:?}"
            );
        }
        assert!(tmp.path().join("victim").exists());
    }

    #[test]
    fn worktree_operations_refuse_the_main_worktree() {
        let (_tmp, owner, _wt, base) = repo_with_worktree();
        let root = owner.repo_root().to_path_buf();
        let err = owner.changes_since(&root, &base).unwrap_err();
        assert!(matches!(err, GitError::NotAWorktree { .. }), "{err:?}");
        let err = owner
            .restore_paths(&root, &base, &["README.md".to_owned()])
            .unwrap_err();
        assert!(matches!(err, GitError::NotAWorktree { .. }), "{err:?}");
    }
}

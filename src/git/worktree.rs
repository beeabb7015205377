//! Loop worktrees: where they live, creating one on a new `loop/<slug>` branch (all or nothing)
//! and removing one without losing unsaved work.

use crate::or_log::OrLog;
use std::fs;
use std::path::{Path, PathBuf};

use git2::{BranchType, Commit, Repository, Worktree, WorktreeAddOptions, WorktreePruneOptions};

use super::paths::{absolute, check_loop_name, comparable};
use super::{branch_exists_in, changes, io_error, GitContext, GitError, GitOwner};

/// What `create_worktree` made so far, removed again when a later step fails.
#[derive(Default)]
struct Created {
    branch: Option<String>,
    /// The worktree directory and its admin directory; neither existed before.
    trees: Vec<PathBuf>,
    /// Directories that did not exist before, deepest first; removed only while empty.
    empty_dirs: Vec<PathBuf>,
}

impl Created {
    /// Best effort: the step that failed is the error worth reporting, so a failure while
    /// cleaning up is not allowed to replace it.
    fn undo(self, repo: &Repository) {
        for tree in &self.trees {
            fs::remove_dir_all(tree)
                .or_log("undoing a worktree that was half made: what is not there is fine");
        }
        for dir in &self.empty_dirs {
            fs::remove_dir(dir)
                .or_log("undoing a worktree that was half made: what is not there is fine");
        }
        if let Some(branch) = self.branch {
            if let Ok(mut branch) = repo.find_branch(&branch, BranchType::Local) {
                branch
                    .delete()
                    .or_log("undoing a worktree that was half made: a branch never made is fine");
            }
        }
    }
}

/// `path`'s missing ancestors, deepest first.
fn missing_ancestors(path: &Path) -> Vec<PathBuf> {
    path.ancestors()
        .skip(1)
        .take_while(|dir| dir.symlink_metadata().is_err())
        .map(Path::to_path_buf)
        .collect()
}

impl GitOwner {
    /// Creates branch `branch` at `base` and checks it out in a new linked worktree at `path`,
    /// registered under `loop_name` so the git CLI sees it. Refuses before creating anything
    /// when the path, the branch or the worktree name is taken; when a later step fails, what
    /// was created is removed again.
    pub fn create_worktree(
        &self,
        loop_name: &str,
        path: &Path,
        branch: &str,
        base: &str,
    ) -> Result<(), GitError> {
        check_loop_name(loop_name)?;
        let path = absolute(path)?;
        let _write = self.write_lock();
        let repo = self.open_main()?;
        if path.symlink_metadata().is_ok() {
            return Err(GitError::PathExists { path });
        }
        if branch_exists_in(&repo, branch)? {
            return Err(GitError::BranchExists {
                branch: branch.to_owned(),
            });
        }
        let admin_root = self.inner.common_dir.join("worktrees");
        let admin = admin_root.join(loop_name);
        if admin.symlink_metadata().is_ok() {
            return Err(GitError::WorktreeExists {
                name: loop_name.to_owned(),
            });
        }
        let base = repo
            .revparse_single(base)
            .and_then(|object| object.peel_to_commit())
            .op("resolve base commit")?;

        let mut created = Created {
            trees: vec![path.clone(), admin],
            empty_dirs: missing_ancestors(&path),
            ..Created::default()
        };
        if admin_root.symlink_metadata().is_err() {
            created.empty_dirs.push(admin_root);
        }
        match add_worktree(&repo, loop_name, &path, branch, &base, &mut created) {
            Ok(()) => Ok(()),
            Err(e) => {
                created.undo(&repo);
                Err(e)
            }
        }
    }

    /// Removes the worktree at `path`: its directory, its admin entry and, when given, its
    /// branch. Refuses with `UnsavedWork` while the worktree holds changes its HEAD commit does
    /// not contain, unless `force`. Parts already gone are skipped, so a removal interrupted
    /// half-way can be repeated.
    pub fn remove_worktree(
        &self,
        path: &Path,
        branch: Option<&str>,
        force: bool,
    ) -> Result<(), GitError> {
        let path = absolute(path)?;
        let _write = self.write_lock();
        let repo = self.open_main()?;
        let registered = find_registered(&repo, &path)?;
        if path.symlink_metadata().is_ok() {
            // Never delete a directory git does not know as one of our worktrees.
            if registered.is_none() {
                return Err(GitError::NotAWorktree { path });
            }
            if !force {
                let worktree = self.open_worktree(&path)?;
                let head = worktree
                    .head()
                    .and_then(|head| head.peel_to_tree())
                    .op("read worktree HEAD")?;
                let unsaved = changes::workdir_changes(&worktree, &head)?;
                if !unsaved.is_empty() {
                    let paths = unsaved.into_iter().map(|change| change.path).collect();
                    return Err(GitError::UnsavedWork { path, paths });
                }
            }
            fs::remove_dir_all(&path).map_err(io_error("remove worktree", &path))?;
        }
        if let Some(worktree) = registered {
            // The directory is gone, but libgit2 may still call the entry valid (it only checks
            // the admin files), and andon owns the entry even if someone locked it.
            worktree
                .prune(Some(WorktreePruneOptions::new().valid(true).locked(true)))
                .op("prune worktree")?;
        }
        if let Some(branch) = branch {
            match repo.find_branch(branch, BranchType::Local) {
                Ok(mut found) => found.delete().op("delete branch")?,
                Err(e) if e.code() == git2::ErrorCode::NotFound => {}
                Err(source) => {
                    return Err(GitError::Git {
                        op: "look up branch",
                        source,
                    })
                }
            }
        }
        Ok(())
    }
}

fn add_worktree(
    repo: &Repository,
    loop_name: &str,
    path: &Path,
    branch: &str,
    base: &Commit<'_>,
    created: &mut Created,
) -> Result<(), GitError> {
    // libgit2 creates the worktree directory but not its parents (`../<repo>.worktrees`).
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error("create", parent))?;
    }
    let reference = repo.branch(branch, base, false).op("create branch")?;
    created.branch = Some(branch.to_owned());
    let mut opts = WorktreeAddOptions::new();
    opts.reference(Some(reference.get()));
    repo.worktree(loop_name, path, Some(&opts))
        .op("add worktree")?;
    Ok(())
}

/// The registered worktree checked out at `path`, if any. Entries whose admin files are broken
/// are skipped: they cannot be ours to remove.
fn find_registered(repo: &Repository, path: &Path) -> Result<Option<Worktree>, GitError> {
    let wanted = comparable(path);
    let names = repo.worktrees().op("list worktrees")?;
    for name in names.iter().flatten().flatten() {
        if let Ok(worktree) = repo.find_worktree(name) {
            if comparable(worktree.path()) == wanted {
                return Ok(Some(worktree));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{git, init_repo, write};
    use super::super::worktree_path;
    use super::*;

    #[test]
    fn create_worktree_checks_out_a_new_branch_outside_the_repo() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let path = worktree_path("../{repo}.worktrees", &root, "repo", "fix");
        assert_eq!(path, tmp.path().join("repo.worktrees/fix"));

        owner
            .create_worktree("fix", &path, "loop/fix", "HEAD")
            .unwrap();

        let list = git(&root, &["worktree", "list", "--porcelain"]);
        let canonical = path.canonicalize().unwrap();
        assert!(
            list.contains(&format!("worktree {}", canonical.display())),
            "{list}"
        );
        assert!(list.contains("branch refs/heads/loop/fix"), "{list}");
        assert!(!list.contains("prunable"), "{list}");
        assert_eq!(git(&path, &["status", "--porcelain"]), "");
        assert_eq!(
            git(&path, &["rev-parse", "--abbrev-ref", "HEAD"]),
            "loop/fix"
        );
        assert_eq!(
            git(&path, &["rev-parse", "HEAD"]),
            owner.head_commit().unwrap()
        );
        assert_eq!(
            fs::read_to_string(path.join("README.md")).unwrap(),
            "# demo\n"
        );
        assert!(owner.branch_exists("loop/fix").unwrap());
        // The main worktree stays where it was.
        assert_eq!(owner.head_branch().unwrap().as_deref(), Some("main"));
    }

    /// The repo holds nothing of a worktree: no branch, no admin entry, nothing listed.
    fn assert_no_trace(root: &Path, loop_name: &str, branch: &str) {
        assert_eq!(git(root, &["branch", "--list", branch]), "");
        assert!(!root.join(".git/worktrees").join(loop_name).exists());
        assert_eq!(git(root, &["worktree", "list"]).lines().count(), 1);
    }

    #[test]
    fn create_worktree_refusals_leave_nothing_behind() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();

        let taken = tmp.path().join("taken");
        fs::create_dir(&taken).unwrap();
        let err = owner
            .create_worktree("a", &taken, "loop/a", "HEAD")
            .unwrap_err();
        assert!(matches!(err, GitError::PathExists { .. }), "{err:?}");
        assert!(err.to_string().contains("[worktrees] root"), "{err}");
        assert_eq!(fs::read_dir(&taken).unwrap().count(), 0);
        assert_no_trace(&root, "a", "loop/a");

        git(&root, &["branch", "loop/b"]);
        let fresh = tmp.path().join("fresh");
        let err = owner
            .create_worktree("b", &fresh, "loop/b", "HEAD")
            .unwrap_err();
        assert!(matches!(err, GitError::BranchExists { .. }), "{err:?}");
        assert!(err.to_string().contains("git branch -D loop/b"), "{err}");
        assert!(!fresh.exists());
        assert!(!root.join(".git/worktrees/b").exists());
        assert_eq!(git(&root, &["worktree", "list"]).lines().count(), 1);

        let err = owner
            .create_worktree("c/d", &fresh, "loop/c", "HEAD")
            .unwrap_err();
        assert!(matches!(err, GitError::InvalidPath { .. }), "{err:?}");
        let err = owner
            .create_worktree("c", &fresh, "loop/c", "no-such-rev")
            .unwrap_err();
        assert!(matches!(err, GitError::Git { .. }), "{err:?}");
        assert!(!fresh.exists());
        assert_no_trace(&root, "c", "loop/c");
    }

    #[test]
    fn create_worktree_refuses_a_registered_name() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        owner
            .create_worktree("a", &tmp.path().join("one"), "loop/a", "HEAD")
            .unwrap();
        let other = tmp.path().join("two");
        let err = owner
            .create_worktree("a", &other, "loop/a2", "HEAD")
            .unwrap_err();
        assert!(matches!(err, GitError::WorktreeExists { .. }), "{err:?}");
        assert!(!other.exists());
        assert_eq!(git(&root, &["branch", "--list", "loop/a2"]), "");
    }

    #[test]
    fn create_worktree_failing_late_removes_what_it_created() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        // The branch and the admin entry exist before libgit2 fails to make a directory whose
        // name is too long for the file system.
        let path = tmp.path().join("repo.worktrees").join("x".repeat(300));
        let err = owner
            .create_worktree("late", &path, "loop/late", "HEAD")
            .unwrap_err();
        assert!(
            matches!(
                err,
                GitError::Git {
                    op: "add worktree",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_no_trace(&root, "late", "loop/late");
        assert!(!root.join(".git/worktrees").exists());
        assert!(!tmp.path().join("repo.worktrees").exists());

        // A file where a parent directory should be: refused before anything is created.
        write(tmp.path(), "file", "not a directory");
        let err = owner
            .create_worktree("late", &tmp.path().join("file/wt"), "loop/late", "HEAD")
            .unwrap_err();
        assert!(matches!(err, GitError::Io { .. }), "{err:?}");
        assert_no_trace(&root, "late", "loop/late");
        assert_eq!(
            fs::read_to_string(tmp.path().join("file")).unwrap(),
            "not a directory"
        );

        // The same loop can then be created for real.
        let good = tmp.path().join("nested/dirs/late");
        owner
            .create_worktree("late", &good, "loop/late", "HEAD")
            .unwrap();
        assert_eq!(git(&good, &["status", "--porcelain"]), "");
    }

    #[test]
    fn remove_worktree_refuses_unsaved_work_unless_forced() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let path = tmp.path().join("repo.worktrees/a");
        owner.create_worktree("a", &path, "loop/a", "HEAD").unwrap();
        write(&path, "notes/new.txt", "unsaved");
        write(&path, "debug.log", "ignored output is not work");

        let err = owner
            .remove_worktree(&path, Some("loop/a"), false)
            .unwrap_err();
        match &err {
            GitError::UnsavedWork { paths, .. } => assert_eq!(paths, &["notes/new.txt"]),
            other => panic!("{other:?}"),
        }
        assert!(path.join("notes/new.txt").exists());
        assert!(owner.branch_exists("loop/a").unwrap());
        assert_eq!(git(&root, &["worktree", "list"]).lines().count(), 2);

        owner.remove_worktree(&path, Some("loop/a"), true).unwrap();
        assert!(!path.exists());
        assert_no_trace(&root, "a", "loop/a");
        // Repeating a finished removal is harmless.
        owner.remove_worktree(&path, Some("loop/a"), false).unwrap();
    }

    #[test]
    fn remove_worktree_of_a_clean_worktree_keeps_the_branch_when_asked() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let path = tmp.path().join("wt");
        owner.create_worktree("a", &path, "loop/a", "HEAD").unwrap();
        write(&path, "src/lib.rs", "pub fn one() -> u32 { 2 }\n");
        owner
            .snapshot(&path, "andon: iteration 1 (1/1 checks)")
            .unwrap();

        owner.remove_worktree(&path, None, false).unwrap();
        assert!(!path.exists());
        assert_eq!(git(&root, &["worktree", "list"]).lines().count(), 1);
        assert_eq!(
            git(&root, &["log", "-1", "--format=%s", "loop/a"]),
            "andon: iteration 1 (1/1 checks)"
        );
    }

    #[test]
    fn remove_worktree_refuses_a_directory_that_is_not_a_worktree() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let stranger = tmp.path().join("stranger");
        write(&stranger, "precious.txt", "keep me");
        let err = owner.remove_worktree(&stranger, None, true).unwrap_err();
        assert!(matches!(err, GitError::NotAWorktree { .. }), "{err:?}");
        assert!(stranger.join("precious.txt").exists());
        let err = owner.remove_worktree(&root, None, true).unwrap_err();
        assert!(matches!(err, GitError::NotAWorktree { .. }), "{err:?}");
        assert!(root.join("README.md").exists());
    }

    #[test]
    fn a_pinned_worktree_whose_git_file_is_gone_or_a_link_is_tampered_with() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let mut made = Vec::new();
        for name in ["gone", "linked", "moved"] {
            let path = worktree_path("../{repo}.worktrees", &root, "repo", name);
            owner
                .create_worktree(name, &path, &format!("loop/{name}"), "HEAD")
                .unwrap();
            owner.pin(&path, &format!("loop/{name}"));
            made.push(path);
        }
        let tampered = |path: &Path, what: &str| match owner.diff_worktree(
            path,
            "HEAD",
            crate::git::DiffLimits::default(),
        ) {
            Err(GitError::Tampered { what: said, .. }) => {
                assert!(said.contains(what), "{said}")
            }
            other => panic!("{}: {other:?}", path.display()),
        };
        std::fs::remove_file(made[0].join(".git")).unwrap();
        tampered(&made[0], "no longer makes it a worktree");
        let git_file = made[1].join(".git");
        let elsewhere = tmp.path().join("git-file");
        std::fs::rename(&git_file, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &git_file).unwrap();
        tampered(&made[1], "replaced by a link");
        // The worktree folder itself swapped for a link to another worktree of the repo.
        let other = tmp.path().join("other");
        git(
            &root,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "other",
                &other.to_string_lossy(),
            ],
        );
        std::fs::rename(&made[2], tmp.path().join("moved-away")).unwrap();
        std::os::unix::fs::symlink(&other, &made[2]).unwrap();
        tampered(&made[2], "now resolves to");
    }
}

//! The git layer: one [`GitOwner`] per repo owns every repository write (worktrees, snapshots,
//! rollbacks) and serialises them, so concurrent loops never race on refs, worktree admin files
//! or the object database.
//!
//! Every operation opens its own `git2::Repository` (it is not `Sync`), like gitui's background
//! jobs. Writes take the owner's mutex; reads skip it, because git writes refs, indexes and
//! objects atomically (lock file + rename) and a read never sees a torn file.

mod changes;
mod cleanup;
mod commit;
mod diff;
mod diff_content;
mod diff_files;
mod diff_split;
mod error;
mod init;
mod merge;
mod paths;
mod snapshot;
mod worktree;

#[cfg(test)]
pub(crate) mod test_support;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};

use git2::{ErrorCode, Repository, StatusOptions, StatusShow};

pub use changes::{ChangeKind, PathChange};
pub use cleanup::CleanupCheck;
pub use diff::DiffLimits;
pub use error::GitError;
pub use merge::{MergeError, MergeRefused, MergeStyle, Merged};
pub use paths::worktree_path;
pub use snapshot::CommitInfo;

use error::{io_error, GitContext};

/// A loop worktree as andon made it: where it resolved, and its branch.
#[derive(Debug, Clone)]
struct Pin {
    canonical: PathBuf,
    branch: String,
}

/// Clone-able handle that owns all repository writes of one repo. Clones share one mutex; two
/// owners opened separately on the same repo do NOT, so a process should open exactly one.
#[derive(Clone)]
pub struct GitOwner {
    inner: Arc<Inner>,
}

struct Inner {
    /// Root of the main worktree, canonical.
    root: PathBuf,
    /// The shared `.git` directory, canonical; tells our linked worktrees from strangers.
    common_dir: PathBuf,
    /// Guards no data: holding it is what serialises writes.
    write: Mutex<()>,
    /// Each loop worktree's branch (by canonical path): before any operation on it, the
    /// worktree must still be itself and on that branch.
    /// Each loop worktree andon made, by its path as given and as resolved then.
    pins: Mutex<std::collections::HashMap<PathBuf, Pin>>,
}

impl GitOwner {
    /// Discovers the repository containing `start`. Run from a linked worktree, it still owns
    /// the main worktree's repository.
    pub fn open(start: &Path) -> Result<GitOwner, GitError> {
        // libgit2 re-hashes every object it reads by default; git itself leaves that to
        // `git fsck`. On a big live diff the hashing is a tenth of the time.
        static READ_LIKE_GIT: Once = Once::new();
        READ_LIKE_GIT.call_once(|| git2::opts::strict_hash_verification(false));
        let found = Repository::discover(start).map_err(|source| match source.code() {
            ErrorCode::NotFound => GitError::NotARepository {
                path: start.to_path_buf(),
            },
            _ => GitError::Git {
                op: "discover",
                source,
            },
        })?;
        let repo = if found.is_worktree() {
            Repository::open(found.commondir()).op("open main worktree")?
        } else {
            found
        };
        let workdir = match repo.workdir() {
            Some(dir) if !repo.is_bare() => dir,
            _ => {
                return Err(GitError::BareRepository {
                    path: repo.path().to_path_buf(),
                })
            }
        };
        let root = workdir
            .canonicalize()
            .map_err(io_error("resolve", workdir))?;
        let common_dir = canonical_common_dir(&repo)?;
        match repo.head() {
            Ok(_) => {}
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                return Err(GitError::NoCommits { path: root });
            }
            Err(source) => {
                return Err(GitError::Git {
                    op: "read HEAD",
                    source,
                })
            }
        }
        Ok(GitOwner {
            inner: Arc::new(Inner {
                root,
                common_dir,
                write: Mutex::new(()),
                pins: Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    /// From now on every operation on `worktree` first checks that it is still the linked
    /// worktree andon made, on `branch`: an agent that points its `.git` file at another
    /// worktree, or checks out another branch, gets a refusal, never andon's snapshots or
    /// restores on the user's other work.
    pub fn pin(&self, worktree: &Path, branch: &str) {
        let canonical = worktree
            .canonicalize()
            .unwrap_or_else(|_| worktree.to_path_buf());
        let pin = Pin {
            canonical: canonical.clone(),
            branch: branch.to_string(),
        };
        let mut pins = self
            .inner
            .pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pins.insert(worktree.to_path_buf(), pin.clone());
        pins.insert(canonical, pin);
    }

    /// The pin of `worktree`, by the path as given or as it resolves.
    fn pin_of(&self, worktree: &Path) -> Option<Pin> {
        let pins = self
            .inner
            .pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pins.get(worktree).cloned().or_else(|| {
            worktree
                .canonicalize()
                .ok()
                .and_then(|path| pins.get(&path).cloned())
        })
    }

    /// The main worktree's root directory.
    pub fn repo_root(&self) -> &Path {
        &self.inner.root
    }

    /// The directory name of the main worktree, the `{repo}` placeholder.
    pub fn repo_name(&self) -> String {
        self.inner
            .root
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The main worktree's HEAD commit as a hex oid.
    pub fn head_commit(&self) -> Result<String, GitError> {
        let repo = self.open_main()?;
        let commit = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .op("read HEAD")?;
        Ok(commit.id().to_string())
    }

    /// The main worktree's branch short name, or `None` when HEAD is detached.
    pub fn head_branch(&self) -> Result<Option<String>, GitError> {
        let repo = self.open_main()?;
        if repo.head_detached().op("read HEAD")? {
            return Ok(None);
        }
        let head = repo.head().op("read HEAD")?;
        Ok(Some(lossy(head.shorthand_bytes())))
    }

    /// Tracked files of the main worktree that are modified, staged or deleted. Untracked files
    /// do not count: they cannot be lost by a merge or checkout.
    pub fn dirty_tracked_paths(&self) -> Result<Vec<String>, GitError> {
        let repo = self.open_main()?;
        let mut opts = StatusOptions::new();
        opts.show(StatusShow::IndexAndWorkdir)
            .include_untracked(false)
            .include_ignored(false);
        let statuses = repo.statuses(Some(&mut opts)).op("read status")?;
        Ok(statuses
            .iter()
            .filter(|entry| {
                let status = entry.status();
                !status.is_empty() && !status.is_wt_new() && !status.is_ignored()
            })
            .map(|entry| String::from_utf8_lossy(entry.path_bytes()).into_owned())
            .collect())
    }

    /// Whether `branch`'s tip has exactly the tree of commit `base`: the loop changed nothing.
    pub fn branch_changes_nothing(&self, branch: &str, base: &str) -> Result<bool, GitError> {
        let repo = self.open_main()?;
        let tip = repo
            .find_branch(branch, git2::BranchType::Local)
            .and_then(|b| b.get().peel_to_tree())
            .op("find branch")?;
        let base = repo
            .revparse_single(base)
            .and_then(|o| o.peel_to_tree())
            .op("read base")?;
        Ok(tip.id() == base.id())
    }

    /// The commit a local branch points at, as a hex oid.
    pub fn branch_tip(&self, branch: &str) -> Result<String, GitError> {
        let repo = self.open_main()?;
        let commit = repo
            .find_branch(branch, git2::BranchType::Local)
            .and_then(|b| b.get().peel_to_commit())
            .op("find branch")?;
        Ok(commit.id().to_string())
    }

    /// Whether `commit` is in `branch`'s history (its tip, or behind it). A commit this
    /// repository does not have is not.
    pub fn branch_contains(&self, branch: &str, commit: &str) -> Result<bool, GitError> {
        let repo = self.open_main()?;
        let tip = repo
            .find_branch(branch, git2::BranchType::Local)
            .and_then(|b| b.get().peel_to_commit())
            .op("find branch")?
            .id();
        let Ok(oid) = git2::Oid::from_str(commit) else {
            return Ok(false);
        };
        if repo.find_commit(oid).is_err() {
            return Ok(false);
        }
        Ok(tip == oid || repo.graph_descendant_of(tip, oid).op("compare commits")?)
    }

    /// Whether `path` is a file in `commit`'s tree.
    pub fn path_in_commit(&self, commit: &str, path: &str) -> Result<bool, GitError> {
        let repo = self.open_main()?;
        let oid = git2::Oid::from_str(commit).op("parse commit id")?;
        let tree = repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .op("read commit")?;
        Ok(tree.get_path(Path::new(path)).is_ok())
    }

    /// The remote a branch is pushed to: `origin` when it exists, else the only remote.
    pub fn push_remote(&self) -> Result<Option<String>, GitError> {
        let repo = self.open_main()?;
        let remotes = repo.remotes().op("list remotes")?;
        let names: Vec<&str> = remotes.iter().flatten().flatten().collect();
        Ok(if names.contains(&"origin") {
            Some("origin".into())
        } else if names.len() == 1 {
            Some(names[0].to_string())
        } else {
            None
        })
    }

    /// Whether a local branch of that name exists.
    pub fn branch_exists(&self, branch: &str) -> Result<bool, GitError> {
        let repo = self.open_main()?;
        branch_exists_in(&repo, branch)
    }

    /// Appends `pattern` to the common `info/exclude` (shared by every worktree) unless a line
    /// already says exactly that. Returns whether it was added.
    pub fn add_info_exclude(&self, pattern: &str) -> Result<bool, GitError> {
        let _write = self.write_lock();
        let info = self.inner.common_dir.join("info");
        let exclude = info.join("exclude");
        let current = match fs::read_to_string(&exclude) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io_error("read", &exclude)(e)),
        };
        if current.lines().any(|line| line.trim() == pattern) {
            return Ok(false);
        }
        fs::create_dir_all(&info).map_err(io_error("create", &info))?;
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&exclude)
            .map_err(io_error("open", &exclude))?;
        let separator = if current.is_empty() || current.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        file.write_all(format!("{separator}{pattern}\n").as_bytes())
            .map_err(io_error("write", &exclude))?;
        Ok(true)
    }

    /// Held for the duration of every write. The mutex guards no data, so a panic while holding
    /// it leaves nothing inconsistent and poisoning is ignored.
    fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.inner
            .write
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn open_main(&self) -> Result<Repository, GitError> {
        Repository::open(&self.inner.root).op("open repository")
    }

    /// Opens a linked worktree of this repo. The main worktree and other repositories are
    /// refused: resetting or restoring files there would destroy the person's own work.
    fn open_worktree(&self, worktree: &Path) -> Result<Repository, GitError> {
        let pin = self.pin_of(worktree);
        let not_ours = || match &pin {
            // A loop's worktree that no longer opens as this repository's: its `.git` was
            // removed or replaced.
            Some(_) => GitError::Tampered {
                worktree: worktree.to_path_buf(),
                what: "its .git no longer makes it a worktree of this repository".into(),
            },
            None => GitError::NotAWorktree {
                path: worktree.to_path_buf(),
            },
        };
        if pin.is_some()
            && worktree
                .join(".git")
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(GitError::Tampered {
                worktree: worktree.to_path_buf(),
                what: "its .git was replaced by a link".into(),
            });
        }
        let repo = Repository::open(worktree).map_err(|source| match source.code() {
            ErrorCode::NotFound => not_ours(),
            _ => GitError::Git {
                op: "open worktree",
                source,
            },
        })?;
        if !repo.is_worktree() || canonical_common_dir(&repo)? != self.inner.common_dir {
            return Err(not_ours());
        }
        if let Some(pin) = &pin {
            self.check_pinned(&repo, worktree, pin)?;
        }
        Ok(repo)
    }

    /// A pinned worktree must still be the one at its path, on its branch.
    fn check_pinned(&self, repo: &Repository, worktree: &Path, pin: &Pin) -> Result<(), GitError> {
        let path = worktree
            .canonicalize()
            .unwrap_or_else(|_| worktree.to_path_buf());
        let branch = &pin.branch;
        let tampered = |what: String| GitError::Tampered {
            worktree: path.clone(),
            what,
        };
        if path != pin.canonical {
            return Err(tampered(format!(
                "it now resolves to {} (a link)",
                path.display()
            )));
        }
        // Its `.git` file names another worktree's git dir (that worktree's files and branch):
        // the git dir's own pointer back names another worktree.
        let back = fs::read_to_string(repo.path().join("gitdir"))
            .ok()
            .and_then(|text| PathBuf::from(text.trim()).canonicalize().ok());
        let ours = path.join(".git").canonicalize().ok();
        if back.is_none() || back != ours {
            return Err(tampered(format!(
                "its .git file points at the git dir of {}",
                back.as_deref()
                    .and_then(Path::parent)
                    .map_or("another worktree".into(), |w| w.display().to_string())
            )));
        }
        let head = repo.find_reference("HEAD").op("read HEAD")?;
        let target = head
            .symbolic_target_bytes()
            .map(|t| String::from_utf8_lossy(t).into_owned());
        let on = target.as_deref().unwrap_or("a detached HEAD");
        if on != format!("refs/heads/{branch}") {
            return Err(tampered(format!(
                "it is on {} instead of its branch {branch}",
                on.trim_start_matches("refs/heads/")
            )));
        }
        Ok(())
    }
}

fn canonical_common_dir(repo: &Repository) -> Result<PathBuf, GitError> {
    repo.commondir()
        .canonicalize()
        .map_err(io_error("resolve", repo.commondir()))
}

fn branch_exists_in(repo: &Repository, branch: &str) -> Result<bool, GitError> {
    match repo.find_branch(branch, git2::BranchType::Local) {
        Ok(_) => Ok(true),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(false),
        Err(source) => Err(GitError::Git {
            op: "look up branch",
            source,
        }),
    }
}

/// A path or name as git stores it (bytes, `/` separators), as text.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::test_support::{git, init_repo, write};
    use super::*;

    #[test]
    fn open_finds_the_root_from_a_subdirectory() {
        let (_tmp, root) = init_repo();
        let owner = GitOwner::open(&root.join("src")).unwrap();
        assert_eq!(owner.repo_root(), root.canonicalize().unwrap());
        assert_eq!(owner.repo_name(), "repo");
        assert_eq!(owner.head_branch().unwrap().as_deref(), Some("main"));
        assert_eq!(
            owner.head_commit().unwrap(),
            git(&root, &["rev-parse", "HEAD"])
        );
    }

    #[test]
    fn open_refuses_a_directory_outside_any_repository() {
        let tmp = tempfile::tempdir().unwrap();
        let err = GitOwner::open(tmp.path()).err().unwrap();
        assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
        assert!(err
            .to_string()
            .contains("fix: run andon inside a git repository"));
    }

    #[test]
    fn open_refuses_a_repository_without_commits() {
        let tmp = tempfile::tempdir().unwrap();
        Repository::init(tmp.path()).unwrap();
        let err = GitOwner::open(tmp.path()).err().unwrap();
        assert!(matches!(err, GitError::NoCommits { .. }), "{err:?}");
        assert!(err.to_string().contains("fix: make a first commit"));
    }

    #[test]
    fn open_refuses_a_bare_repository() {
        let tmp = tempfile::tempdir().unwrap();
        Repository::init_bare(tmp.path()).unwrap();
        let err = GitOwner::open(tmp.path()).err().unwrap();
        assert!(matches!(err, GitError::BareRepository { .. }), "{err:?}");
    }

    #[test]
    fn open_from_a_linked_worktree_owns_the_main_repository() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let wt = tmp.path().join("wt");
        owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
        let from_wt = GitOwner::open(&wt).unwrap();
        assert_eq!(from_wt.repo_root(), owner.repo_root());
        assert_eq!(from_wt.head_branch().unwrap().as_deref(), Some("main"));
    }

    #[test]
    fn head_branch_is_none_when_detached() {
        let (_tmp, root) = init_repo();
        let head = git(&root, &["rev-parse", "HEAD"]);
        git(&root, &["checkout", "--quiet", "--detach", &head]);
        let owner = GitOwner::open(&root).unwrap();
        assert_eq!(owner.head_branch().unwrap(), None);
    }

    #[test]
    fn dirty_tracked_paths_ignores_untracked_files() {
        let (_tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        assert!(owner.dirty_tracked_paths().unwrap().is_empty());

        write(&root, "untracked.txt", "new");
        write(&root, "build.log", "ignored");
        assert!(owner.dirty_tracked_paths().unwrap().is_empty());

        write(&root, "README.md", "changed");
        fs::remove_file(root.join("src/lib.rs")).unwrap();
        write(&root, "staged.txt", "staged");
        git(&root, &["add", "staged.txt"]);
        let mut dirty = owner.dirty_tracked_paths().unwrap();
        dirty.sort();
        assert_eq!(dirty, ["README.md", "src/lib.rs", "staged.txt"]);
    }

    #[test]
    fn branch_exists_tells_local_branches() {
        let (_tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        assert!(owner.branch_exists("main").unwrap());
        assert!(!owner.branch_exists("loop/none").unwrap());
    }

    #[test]
    fn add_info_exclude_appends_once_to_the_common_dir() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let wt = tmp.path().join("wt");
        owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();

        assert!(owner.add_info_exclude(".andon/").unwrap());
        assert!(!owner.add_info_exclude(".andon/").unwrap());
        // Through a handle opened in the linked worktree: still the common exclude file.
        assert!(!GitOwner::open(&wt)
            .unwrap()
            .add_info_exclude(".andon/")
            .unwrap());

        let exclude = fs::read_to_string(root.join(".git/info/exclude")).unwrap();
        assert_eq!(exclude.lines().filter(|l| *l == ".andon/").count(), 1);
        write(&root, ".andon/andon.db", "x");
        write(&wt, ".andon/andon.db", "x");
        assert_eq!(git(&root, &["status", "--porcelain"]), "");
        assert_eq!(git(&wt, &["status", "--porcelain"]), "");
    }
}

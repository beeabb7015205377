//! Loop history: the per-iteration snapshot commit, the rollback to an earlier one, and the
//! list of a loop branch's commits.

use std::path::Path;

use git2::build::CheckoutBuilder;
use git2::{BranchType, IndexAddOption, ObjectType, ResetType, Signature, Sort};

use super::changes::{delete_file, workdir_changes, worktree_root};
use super::{ChangeKind, GitContext, GitError, GitOwner};

const ANDON_NAME: &str = "andon";
const ANDON_EMAIL: &str = "andon@localhost";

/// One commit of a loop branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub summary: String,
    /// Commit time, seconds since the Unix epoch.
    pub time: i64,
}

impl GitOwner {
    /// Stages everything in the worktree (additions, modifications, deletions; ignored files
    /// stay out) and commits it on the worktree's HEAD with `message`. Commits even when nothing
    /// changed, so every iteration has its own commit to diff against and roll back to.
    ///
    /// The author is the person's configured identity when there is one, so the loop's work is
    /// attributed to them; the committer is always andon, so its commits stay recognisable.
    pub fn snapshot(&self, worktree: &Path, message: &str) -> Result<String, GitError> {
        // Staging touches only this worktree's own index and adds objects to the shared object
        // database, which is safe concurrently (objects are written to a temp file and renamed
        // into place). Only the commit, which moves a ref, takes the repository write lock —
        // so eight loops snapshotting at once do not queue behind each other's file scans.
        let repo = self.open_worktree(worktree)?;
        let mut index = repo.index().op("read worktree index")?;
        index
            .add_all(["*"], IndexAddOption::DEFAULT, None)
            .op("stage worktree")?;
        let tree_id = index.write_tree().op("write tree")?;
        index.write().op("write worktree index")?;
        let tree = repo.find_tree(tree_id).op("read tree")?;

        let _write = self.write_lock();
        let committer = Signature::now(ANDON_NAME, ANDON_EMAIL).op("make signature")?;
        let author = repo.signature().unwrap_or_else(|_| committer.clone());
        let parent = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .op("read worktree HEAD")?;
        let id = repo
            .commit(
                Some("HEAD"),
                &author,
                &committer,
                message,
                &tree,
                &[&parent],
            )
            .op("commit snapshot")?;
        Ok(id.to_string())
    }

    /// Rolls the worktree and its branch back to `commit`: a hard reset that also deletes
    /// untracked files (ignored ones, such as build output, are kept).
    pub fn reset_worktree(&self, worktree: &Path, commit: &str) -> Result<(), GitError> {
        let _write = self.write_lock();
        let repo = self.open_worktree(worktree)?;
        let target = repo
            .revparse_single(commit)
            .and_then(|object| object.peel(ObjectType::Commit))
            .op("resolve commit")?;
        let mut checkout = CheckoutBuilder::new();
        checkout.force();
        repo.reset(&target, ResetType::Hard, Some(&mut checkout))
            .op("reset worktree")?;
        // libgit2's REMOVE_UNTRACKED leaves files inside untracked directories, so the rest is
        // what still differs from the reset tree: only untracked files can.
        let root = worktree_root(&repo, worktree)?;
        // From the resolved object: `commit` may be relative to HEAD, which has just moved.
        let tree = target.peel_to_tree().op("read commit tree")?;
        for change in workdir_changes(&repo, &tree)? {
            // A directory entry is a nested repository; like `git clean -d`, leave it alone.
            if change.kind == ChangeKind::Added && !change.path.ends_with('/') {
                delete_file(&root, Path::new(&change.path))?;
            }
        }
        Ok(())
    }

    /// The commits on `branch` after `since` (exclusive), oldest first.
    pub fn log(&self, branch: &str, since: &str) -> Result<Vec<CommitInfo>, GitError> {
        let repo = self.open_main()?;
        let tip = repo
            .find_branch(branch, BranchType::Local)
            .and_then(|branch| branch.get().peel_to_commit())
            .op("look up branch")?;
        let since = repo
            .revparse_single(since)
            .and_then(|object| object.peel_to_commit())
            .op("resolve commit")?;
        let mut walk = repo.revwalk().op("walk history")?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .op("walk history")?;
        walk.push(tip.id()).op("walk history")?;
        walk.hide(since.id()).op("walk history")?;
        walk.map(|id| {
            let commit = repo.find_commit(id.op("walk history")?).op("read commit")?;
            Ok(CommitInfo {
                id: commit.id().to_string(),
                summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                    .into_owned(),
                time: commit.time().seconds(),
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::process::Command;
    use std::thread;

    use super::super::test_support::{git, init_repo, read, write};
    use super::*;

    #[test]
    fn snapshot_commits_every_change_on_the_loop_branch_even_when_nothing_changed() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let wt = tmp.path().join("wt");
        owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
        let base = owner.head_commit().unwrap();

        write(&wt, "README.md", "# changed\n");
        fs::remove_file(wt.join("src/lib.rs")).unwrap();
        write(&wt, "src/new/mod.rs", "// new\n");
        write(&wt, ".hidden", "dotfile");
        write(&wt, "target/out.bin", "ignored");
        let first = owner
            .snapshot(&wt, "andon: iteration 1 (0/1 checks)")
            .unwrap();
        let second = owner
            .snapshot(&wt, "andon: iteration 2 (1/1 checks)")
            .unwrap();
        assert_ne!(first, second);

        assert_eq!(
            git(&root, &["log", "--format=%s", "loop/a"]),
            "andon: iteration 2 (1/1 checks)\nandon: iteration 1 (0/1 checks)\ninitial"
        );
        assert_eq!(git(&wt, &["status", "--porcelain"]), "");
        assert_eq!(
            git(&root, &["ls-tree", "-r", "--name-only", "loop/a"]),
            ".gitignore\n.hidden\nREADME.md\nsrc/new/mod.rs"
        );
        assert_eq!(git(&root, &["diff", "--name-only", &first, &second]), "");
        assert_eq!(
            git(&root, &["log", "-1", "--format=%cn <%ce>", "loop/a"]),
            "andon <andon@localhost>"
        );
        // The main worktree's branch is untouched.
        assert_eq!(owner.head_commit().unwrap(), base);

        let log = owner.log("loop/a", &base).unwrap();
        let summaries: Vec<_> = log
            .iter()
            .map(|c| (c.id.as_str(), c.summary.as_str()))
            .collect();
        assert_eq!(
            summaries,
            [
                (first.as_str(), "andon: iteration 1 (0/1 checks)"),
                (second.as_str(), "andon: iteration 2 (1/1 checks)"),
            ]
        );
        assert!(log.iter().all(|c| c.time > 1_600_000_000));
        assert_eq!(owner.log("loop/a", &second).unwrap(), []);
    }

    #[test]
    fn snapshot_credits_the_configured_author_and_keeps_andon_as_committer() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let wt = tmp.path().join("wt");
        owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
        git(&root, &["config", "user.name", "Ada Lovelace"]);
        git(&root, &["config", "user.email", "ada@example.com"]);

        owner
            .snapshot(&wt, "andon: iteration 1 (1/1 checks)")
            .unwrap();
        assert_eq!(
            git(
                &root,
                &["log", "-1", "--format=%an <%ae>|%cn <%ce>", "loop/a"]
            ),
            "Ada Lovelace <ada@example.com>|andon <andon@localhost>"
        );
    }

    #[test]
    fn reset_worktree_rolls_back_to_a_good_iteration() {
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let wt = tmp.path().join("wt");
        owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
        write(&wt, "src/lib.rs", "pub fn one() -> u32 { 1 } // good\n");
        let good = owner
            .snapshot(&wt, "andon: iteration 1 (1/1 checks)")
            .unwrap();
        write(&wt, "src/lib.rs", "broken");
        write(&wt, "src/extra.rs", "// committed later");
        owner
            .snapshot(&wt, "andon: iteration 2 (0/1 checks)")
            .unwrap();
        write(&wt, "README.md", "uncommitted edit");
        write(&wt, "scratch/deep/notes.txt", "untracked");
        write(&wt, "target/cache", "ignored build output");

        // Relative to HEAD on purpose: the rollback target must not move with the reset.
        owner.reset_worktree(&wt, "HEAD~1").unwrap();

        assert_eq!(git(&wt, &["rev-parse", "HEAD"]), good);
        assert_eq!(git(&root, &["rev-parse", "loop/a"]), good);
        assert_eq!(
            git(&wt, &["status", "--porcelain", "--untracked-files=all"]),
            ""
        );
        assert_eq!(
            read(&wt, "src/lib.rs"),
            "pub fn one() -> u32 { 1 } // good\n"
        );
        assert_eq!(read(&wt, "README.md"), "# demo\n");
        assert!(!wt.join("src/extra.rs").exists());
        assert!(!wt.join("scratch").exists());
        assert_eq!(read(&wt, "target/cache"), "ignored build output");
    }

    #[test]
    fn concurrent_loops_through_one_owner_keep_the_repository_sound() {
        const LOOPS: usize = 8;
        const ITERATIONS: usize = 5;
        let (tmp, root) = init_repo();
        let owner = GitOwner::open(&root).unwrap();
        let base = owner.head_commit().unwrap();

        let handles: Vec<_> = (0..LOOPS)
            .map(|n| {
                let owner = owner.clone();
                let wt = tmp.path().join(format!("repo.worktrees/l{n}"));
                let base = base.clone();
                thread::spawn(move || {
                    owner
                        .create_worktree(&format!("l{n}"), &wt, &format!("loop/l{n}"), &base)
                        .unwrap();
                    for i in 1..=ITERATIONS {
                        write(&wt, &format!("src/l{n}.rs"), &format!("// {i}\n"));
                        owner
                            .snapshot(&wt, &format!("andon: iteration {i} (1/1 checks)"))
                            .unwrap();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }

        let fsck = Command::new("git")
            .args(["fsck", "--strict", "--no-dangling"])
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(
            fsck.status.success(),
            "{}",
            String::from_utf8_lossy(&fsck.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&fsck.stderr).trim(), "");
        assert_eq!(git(&root, &["worktree", "list"]).lines().count(), LOOPS + 1);
        for n in 0..LOOPS {
            let log = owner.log(&format!("loop/l{n}"), &base).unwrap();
            assert_eq!(log.len(), ITERATIONS, "loop l{n}");
            let wt = tmp.path().join(format!("repo.worktrees/l{n}"));
            assert_eq!(git(&wt, &["status", "--porcelain"]), "");
            assert_eq!(
                git(&root, &["show", &format!("loop/l{n}:src/l{n}.rs")]),
                format!("// {ITERATIONS}")
            );
        }
    }
}

//! Merging an approved loop branch into the branch checked out in the user's main worktree:
//! one squashed commit by default, or a merge commit keeping the iterations. Everything that
//! can refuse (detached HEAD, uncommitted changes, conflicts, untracked files in the way) is
//! checked before anything is written, and `git commit` itself (hooks, signing) can still
//! refuse: either way the worktree and refs are left exactly as they were.

use git2::{BranchType, ErrorCode, MergeOptions, Oid, Repository};

use super::{GitError, GitOwner};

pub use super::commit::MergeStyle;

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// One commit on the base with the loop's whole change.
    Squashed { commit: String },
    /// A merge commit keeping the loop's iterations as its second parent.
    MergeCommit { commit: String },
    /// The base already contains the loop branch; nothing changed.
    UpToDate { commit: String },
}

impl Merged {
    pub fn commit(&self) -> &str {
        match self {
            Merged::Squashed { commit }
            | Merged::MergeCommit { commit }
            | Merged::UpToDate { commit } => commit,
        }
    }

    pub fn describe(&self, branch: &str, base: &str) -> String {
        let short = |c: &str| c.chars().take(8).collect::<String>();
        match self {
            Merged::Squashed { commit } => {
                format!(
                    "{branch} squashed onto {base} as one commit ({})",
                    short(commit)
                )
            }
            Merged::MergeCommit { commit } => format!(
                "{branch} merged into {base} with its iterations (merge commit {})",
                short(commit)
            ),
            Merged::UpToDate { commit } => {
                format!("{base} already contains {branch} ({})", short(commit))
            }
        }
    }
}

/// Why a merge was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum MergeRefused {
    #[error("the main worktree has no branch checked out (detached HEAD)\n  fix: `git switch <base-branch>` in {root}, then approve again")]
    DetachedHead { root: String },
    #[error("the main worktree has uncommitted changes: {}\n  fix: commit or stash them (`git stash`), then approve again", paths.join(", "))]
    Dirty { paths: Vec<String> },
    #[error("{branch} does not merge cleanly into {base}; conflicting files: {}\n  fix: keep the branch (`andon approve LOOP --branch`) and merge it by hand, or redirect the loop onto the new {base}", paths.join(", "))]
    Conflict {
        branch: String,
        base: String,
        paths: Vec<String>,
    },
    #[error("the merge would overwrite files in the main worktree: {}\n  fix: move or commit those files, then approve again", paths.join(", "))]
    InTheWay { paths: Vec<String> },
    #[error("branch {branch} does not exist\n  fix: the loop's branch was deleted; nothing can be merged")]
    NoBranch { branch: String },
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Refused(#[from] MergeRefused),
    #[error(transparent)]
    Git(#[from] GitError),
}

impl From<git2::Error> for MergeError {
    fn from(source: git2::Error) -> Self {
        MergeError::Git(GitError::Git {
            op: "merge",
            source,
        })
    }
}

/// What a merge would do, worked out without writing anything.
struct MergePlan {
    head: Oid,
    kind: PlanKind,
}

enum PlanKind {
    UpToDate,
    /// The tree the base branch ends up with.
    Commit {
        tree: Oid,
    },
}

impl GitOwner {
    /// The branch the main worktree has checked out: the base a merge goes into.
    pub fn merge_target(&self) -> Result<Option<String>, GitError> {
        self.head_branch()
    }

    /// Checks that `branch` would merge into the main worktree's branch, changing nothing.
    ///
    /// `tolerated` lists path prefixes (andon's own memory files) whose uncommitted changes do
    /// not block a merge that leaves those paths alone.
    pub fn check_merge(&self, branch: &str, tolerated: &[&str]) -> Result<(), MergeError> {
        let repo = self.open_main()?;
        plan(&repo, branch, tolerated).map(|_| ())
    }

    /// Merges `branch` into the branch checked out in the main worktree in `style`, with the
    /// files `memory` writes (andon's record of the loop) in the same commit, committed by
    /// `git commit` with `message` — the user's identity, signing and hooks apply. Everything
    /// that can refuse is checked first; a refusal by git itself undoes the merge, so either
    /// way the main worktree and its branch are as they were.
    pub fn merge_into_base(
        &self,
        branch: &str,
        style: MergeStyle,
        message: &str,
        tolerated: &[&str],
        memory: &mut dyn FnMut() -> Result<Vec<String>, String>,
    ) -> Result<Merged, MergeError> {
        let _write = self.write_lock();
        let repo = self.open_main()?;
        let plan = plan(&repo, branch, tolerated)?;
        if let PlanKind::UpToDate = plan.kind {
            return Ok(Merged::UpToDate {
                commit: plan.head.to_string(),
            });
        }
        let commit = self.merge_by_git(branch, style, message, tolerated, memory)?;
        tracing::info!(%branch, %commit, "merged");
        Ok(match style {
            MergeStyle::Squash => Merged::Squashed { commit },
            MergeStyle::History => Merged::MergeCommit { commit },
        })
    }
}

fn plan(repo: &Repository, branch: &str, tolerated: &[&str]) -> Result<MergePlan, MergeError> {
    let root = repo
        .workdir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if repo.head_detached()? {
        return Err(MergeRefused::DetachedHead { root }.into());
    }
    let head_ref = repo.head()?;
    let base_name = String::from_utf8_lossy(head_ref.shorthand_bytes()).into_owned();
    let head = head_ref.peel_to_commit()?.id();
    let theirs = match repo.find_branch(branch, BranchType::Local) {
        Ok(b) => b.get().peel_to_commit()?.id(),
        Err(e) if e.code() == ErrorCode::NotFound => {
            return Err(MergeRefused::NoBranch {
                branch: branch.into(),
            }
            .into())
        }
        Err(e) => return Err(e.into()),
    };
    let (dirty, tolerated_dirty): (Vec<String>, Vec<String>) = dirty_paths(repo)?
        .into_iter()
        .partition(|p| !tolerated.iter().any(|t| p.starts_with(t)));
    if !dirty.is_empty() {
        return Err(MergeRefused::Dirty { paths: dirty }.into());
    }
    let kind = if head == theirs || repo.graph_descendant_of(head, theirs)? {
        PlanKind::UpToDate
    } else {
        let ours_c = repo.find_commit(head)?;
        let theirs_c = repo.find_commit(theirs)?;
        let mut index = repo.merge_commits(&ours_c, &theirs_c, Some(&MergeOptions::new()))?;
        if index.has_conflicts() {
            let mut paths: Vec<String> = index
                .conflicts()?
                .filter_map(Result::ok)
                .filter_map(|c| c.our.or(c.their).or(c.ancestor))
                .map(|entry| String::from_utf8_lossy(&entry.path).into_owned())
                .collect();
            paths.dedup();
            return Err(MergeRefused::Conflict {
                branch: branch.into(),
                base: base_name,
                paths,
            }
            .into());
        }
        let tree = index.write_tree_to(repo)?;
        PlanKind::Commit { tree }
    };
    let plan = MergePlan { head, kind };
    let touched = touched_paths(repo, &plan)?;
    let dirty: Vec<String> = tolerated_dirty
        .into_iter()
        .filter(|p| touched.iter().any(|(t, _)| t == p))
        .collect();
    if !dirty.is_empty() {
        return Err(MergeRefused::Dirty { paths: dirty }.into());
    }
    let in_the_way: Vec<String> = match repo.workdir() {
        Some(root) => touched
            .into_iter()
            .filter(|(path, added)| *added && root.join(path).symlink_metadata().is_ok())
            .map(|(path, _)| path)
            .collect(),
        None => Vec::new(),
    };
    if !in_the_way.is_empty() {
        return Err(MergeRefused::InTheWay { paths: in_the_way }.into());
    }
    Ok(plan)
}

/// Tracked files with changes, staged or not (untracked files are checked separately: only
/// the ones the merge would write matter).
fn dirty_paths(repo: &Repository) -> Result<Vec<String>, git2::Error> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .filter(|e| !e.status().is_empty() && !e.status().is_ignored())
        .map(|e| String::from_utf8_lossy(e.path_bytes()).into_owned())
        .collect())
}

/// Every path the merge changes in the main worktree, with whether it is a new file.
fn touched_paths(repo: &Repository, plan: &MergePlan) -> Result<Vec<(String, bool)>, git2::Error> {
    let new_tree = match &plan.kind {
        PlanKind::UpToDate => return Ok(Vec::new()),
        PlanKind::Commit { tree } => repo.find_tree(*tree)?,
    };
    let old_tree = repo.find_commit(plan.head)?.tree()?;
    let diff = repo.diff_tree_to_tree(Some(&old_tree), Some(&new_tree), None)?;
    Ok(diff
        .deltas()
        .filter_map(|delta| {
            let file = delta.new_file().path().or(delta.old_file().path())?;
            Some((
                file.to_string_lossy().into_owned(),
                delta.status() == git2::Delta::Added,
            ))
        })
        .collect())
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;

//! Merging an approved loop branch into the branch checked out in the user's main worktree: a
//! fast-forward when possible, else a merge commit, or a squash on request. Everything that
//! can refuse (detached HEAD, uncommitted changes, conflicts, untracked files in the way) is
//! checked before anything is written, so a refusal leaves the worktree and refs exactly as
//! they were.

use git2::build::CheckoutBuilder;
use git2::{BranchType, Commit, ErrorCode, MergeOptions, Oid, Repository, Signature};

use super::{GitError, GitOwner};

/// How the loop's commits land on the base branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStyle {
    /// Fast-forward when the base has not moved, else a merge commit with both parents.
    Merge,
    /// One new commit on the base with the loop's whole change.
    Squash,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    FastForward {
        commit: String,
    },
    MergeCommit {
        commit: String,
    },
    Squashed {
        commit: String,
    },
    /// The base already contains the loop branch; nothing changed.
    UpToDate {
        commit: String,
    },
}

impl Merged {
    pub fn commit(&self) -> &str {
        match self {
            Merged::FastForward { commit }
            | Merged::MergeCommit { commit }
            | Merged::Squashed { commit }
            | Merged::UpToDate { commit } => commit,
        }
    }

    pub fn describe(&self, branch: &str, base: &str) -> String {
        let short = |c: &str| c.chars().take(8).collect::<String>();
        match self {
            Merged::FastForward { commit } => {
                format!("{base} fast-forwarded to {branch} ({})", short(commit))
            }
            Merged::MergeCommit { commit } => {
                format!(
                    "{branch} merged into {base} (merge commit {})",
                    short(commit)
                )
            }
            Merged::Squashed { commit } => {
                format!("{branch} squashed onto {base} ({})", short(commit))
            }
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
    #[error("{base} could not be moved ({why}); the merge was undone\n  fix: check that no other git command is running, then approve again")]
    RefMoved { base: String, why: String },
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
    base_ref: String,
    base_name: String,
    head: Oid,
    theirs: Oid,
    /// The tree the base branch ends up with, and the new commit's parents; `None` for a
    /// fast-forward or an up-to-date base.
    kind: PlanKind,
}

enum PlanKind {
    UpToDate,
    FastForward,
    Commit { tree: Oid, parents: Vec<Oid> },
}

impl GitOwner {
    /// The branch the main worktree has checked out: the base a merge goes into.
    pub fn merge_target(&self) -> Result<Option<String>, GitError> {
        self.head_branch()
    }

    /// Checks that `branch` would merge into the main worktree's branch, changing nothing.
    ///
    /// `tolerated` lists path prefixes (e.g. andon's own wiki log) whose uncommitted changes do
    /// not block a merge that leaves those paths alone.
    pub fn check_merge(
        &self,
        branch: &str,
        style: MergeStyle,
        tolerated: &[&str],
    ) -> Result<(), MergeError> {
        let repo = self.open_main()?;
        plan(&repo, branch, style, tolerated).map(|_| ())
    }

    /// Merges `branch` into the branch checked out in the main worktree, updating that
    /// worktree's files and index. `message` is the merge or squash commit's message;
    /// `tolerated` as for [`GitOwner::check_merge`].
    pub fn merge_into_base(
        &self,
        branch: &str,
        style: MergeStyle,
        message: &str,
        tolerated: &[&str],
    ) -> Result<Merged, MergeError> {
        let _write = self.write_lock();
        let repo = self.open_main()?;
        let plan = plan(&repo, branch, style, tolerated)?;
        let new = match &plan.kind {
            PlanKind::UpToDate => {
                return Ok(Merged::UpToDate {
                    commit: plan.head.to_string(),
                })
            }
            PlanKind::FastForward => plan.theirs,
            PlanKind::Commit { tree, parents } => {
                let tree = repo.find_tree(*tree)?;
                let parents = parents
                    .iter()
                    .map(|id| repo.find_commit(*id))
                    .collect::<Result<Vec<Commit>, _>>()?;
                let parents: Vec<&Commit> = parents.iter().collect();
                let sig = signature(&repo)?;
                // Written as a dangling object first: the ref moves only after the checkout.
                repo.commit(None, &sig, &sig, message, &tree, &parents)?
            }
        };
        // A safe checkout refuses (and writes nothing) if a file it must touch was changed or
        // is an untracked file in the way; the plan has checked both, this is the backstop.
        let target = repo.find_commit(new)?;
        repo.checkout_tree(target.as_object(), Some(CheckoutBuilder::new().safe()))
            .map_err(|e| match e.code() {
                ErrorCode::Conflict => MergeError::Refused(MergeRefused::InTheWay {
                    paths: vec![e.message().to_string()],
                }),
                _ => e.into(),
            })?;
        if let Err(e) = repo.reference_matching(
            &plan.base_ref,
            new,
            true,
            plan.head,
            &format!("andon: merge {branch}"),
        ) {
            // The branch moved (or its ref is locked) after the checkout: put the files the
            // checkout touched back as they were, so the worktree still matches its HEAD.
            restore_touched(&repo, &plan);
            return Err(MergeRefused::RefMoved {
                base: plan.base_name.clone(),
                why: e.message().to_string(),
            }
            .into());
        }
        let commit = new.to_string();
        Ok(match (&plan.kind, style) {
            (PlanKind::FastForward, _) => Merged::FastForward { commit },
            (_, MergeStyle::Squash) => Merged::Squashed { commit },
            _ => Merged::MergeCommit { commit },
        })
        .inspect(|_| tracing::info!(base = %plan.base_name, %branch, "merged"))
    }
}

fn plan(
    repo: &Repository,
    branch: &str,
    style: MergeStyle,
    tolerated: &[&str],
) -> Result<MergePlan, MergeError> {
    let root = repo
        .workdir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if repo.head_detached()? {
        return Err(MergeRefused::DetachedHead { root }.into());
    }
    let head_ref = repo.head()?;
    let base_ref = head_ref.name()?.to_string();
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
    } else if style == MergeStyle::Merge && repo.graph_descendant_of(theirs, head)? {
        PlanKind::FastForward
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
        let parents = match style {
            MergeStyle::Merge => vec![head, theirs],
            MergeStyle::Squash => vec![head],
        };
        PlanKind::Commit { tree, parents }
    };
    let plan = MergePlan {
        base_ref,
        base_name,
        head,
        theirs,
        kind,
    };
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

/// Checks the base's own tree out again on the paths the merge touched (index and files).
fn restore_touched(repo: &Repository, plan: &MergePlan) {
    let restored = touched_paths(repo, plan).and_then(|touched| {
        let old = repo.find_commit(plan.head)?;
        let mut checkout = CheckoutBuilder::new();
        checkout.force().remove_untracked(false);
        for (path, _) in &touched {
            checkout.path(path);
        }
        repo.checkout_tree(old.as_object(), Some(&mut checkout))?;
        // Files the merge added are not in the old tree: remove what the checkout left.
        if let Some(root) = repo.workdir() {
            for (path, added) in touched {
                if added {
                    let _ = std::fs::remove_file(root.join(path));
                }
            }
        }
        Ok(())
    });
    if let Err(e) = restored {
        tracing::error!("could not undo a merge checkout: {e}");
    }
}

/// Every path the merge changes in the main worktree, with whether it is a new file.
fn touched_paths(repo: &Repository, plan: &MergePlan) -> Result<Vec<(String, bool)>, git2::Error> {
    let new_tree = match &plan.kind {
        PlanKind::UpToDate => return Ok(Vec::new()),
        PlanKind::FastForward => repo.find_commit(plan.theirs)?.tree()?,
        PlanKind::Commit { tree, .. } => repo.find_tree(*tree)?,
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

fn signature(repo: &Repository) -> Result<Signature<'static>, git2::Error> {
    repo.signature()
        .map(|s| s.to_owned())
        .or_else(|_| Signature::now("andon", "andon@localhost"))
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;

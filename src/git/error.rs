//! The git layer's error type: what went wrong, and for what a person can fix, how.

use std::io;
use std::path::{Path, PathBuf};

/// How many paths an [`GitError::UnsavedWork`] message lists before summarising the rest.
const LISTED_PATHS: usize = 10;

/// Everything that can go wrong in the git layer. Variants a person can act on carry the fix in
/// their message; `Git` and `Io` expose their cause through `source()` (print with `{:#}`).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "{} is not inside a git repository\n  fix: run andon inside a git repository, or `git init && git commit`",
        path.display()
    )]
    NotARepository { path: PathBuf },
    #[error(
        "{} is a bare repository and has no working tree\n  fix: run andon inside a clone with a checkout",
        path.display()
    )]
    BareRepository { path: PathBuf },
    #[error(
        "repository {} has no commit yet\n  fix: make a first commit (`git add -A && git commit -m init`)",
        path.display()
    )]
    NoCommits { path: PathBuf },
    #[error(
        "worktree path {} already exists\n  fix: remove it, or choose another [worktrees] root in andon.toml",
        path.display()
    )]
    PathExists { path: PathBuf },
    #[error(
        "branch {branch} already exists\n  fix: delete it with `git branch -D {branch}`, or rename the plan"
    )]
    BranchExists { branch: String },
    #[error(
        "a worktree named {name} is already registered\n  fix: `git worktree remove` or `git worktree prune` it, or rename the plan"
    )]
    WorktreeExists { name: String },
    #[error(
        "{} is not a linked worktree of this repository\n  fix: use a worktree created by andon (see `git worktree list`)",
        path.display()
    )]
    NotAWorktree { path: PathBuf },
    #[error(
        "the loop's worktree {} was tampered with: {what}",
        worktree.display()
    )]
    Tampered { worktree: PathBuf, what: String },
    #[error(
        "worktree {} has unsaved work: {}\n  fix: snapshot or discard the changes first, or remove it with force",
        path.display(),
        list_paths(paths)
    )]
    UnsavedWork { path: PathBuf, paths: Vec<String> },
    #[error(
        "git refused the {what}: {said}\n  fix: nothing was changed; `git commit` in the repository would meet the same refusal (what git said above: a hook, commit signing, your git identity or configuration): fix that, then try again"
    )]
    Refused { what: &'static str, said: String },
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("git {op} failed")]
    Git {
        op: &'static str,
        source: git2::Error,
    },
    #[error("{op} {} failed", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

fn list_paths(paths: &[String]) -> String {
    let shown = paths
        .iter()
        .take(LISTED_PATHS)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    match paths.len().saturating_sub(LISTED_PATHS) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// Names the operation a libgit2 call belonged to, so an error says what andon was doing.
pub(super) trait GitContext<T> {
    fn op(self, op: &'static str) -> Result<T, GitError>;
}

impl<T> GitContext<T> for Result<T, git2::Error> {
    fn op(self, op: &'static str) -> Result<T, GitError> {
        self.map_err(|source| GitError::Git { op, source })
    }
}

pub(super) fn io_error<'p>(
    op: &'static str,
    path: &'p Path,
) -> impl FnOnce(io::Error) -> GitError + 'p {
    move |source| GitError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsaved_work_message_lists_a_bounded_number_of_paths() {
        let paths: Vec<String> = (0..12).map(|i| format!("f{i}")).collect();
        let err = GitError::UnsavedWork {
            path: PathBuf::from("/w"),
            paths,
        };
        let text = err.to_string();
        assert!(text.contains("f9 and 2 more"), "{text}");
        assert!(!text.contains("f10"), "{text}");
    }
}

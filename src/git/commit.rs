//! Commits in the user's main worktree, made by git itself so that the user's identity,
//! `commit.gpgsign` and commit hooks apply exactly as to their own `git commit`: a loop's
//! merge, and andon's memory (the 90_LOG pages and Five Whys files it writes).

use crate::or_log::OrLog;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::{GitError, GitOwner};

/// Variables that would point git at another repository, index or work tree than the one
/// andon names (set by a hook or a shell that andon was started from).
const GIT_LOCATION_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
];

/// `git -C root ...` with the user's configuration and hooks, and nothing that redirects it.
fn git(root: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(root).stdin(Stdio::null());
    for var in GIT_LOCATION_VARS {
        cmd.env_remove(var);
    }
    // A hook or git itself must never stop to ask on the board's terminal.
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_EDITOR", "true");
    cmd
}

/// Runs git, feeding `input` on stdin; a non-zero exit is `GitError::Refused` with what git
/// (or its hook, or gpg) said.
fn run(mut cmd: Command, what: &'static str, input: Option<&str>) -> Result<String, GitError> {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let spawn_error = |source| GitError::Io {
        op: "run git for",
        path: what.into(),
        source,
    };
    let mut child = cmd.spawn().map_err(spawn_error)?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        // A hook that exits without reading its input closes the pipe: not our failure.
        stdin
            .write_all(text.as_bytes())
            .or_log("a hook that exits without reading its input closes the pipe");
    }
    let out: Output = child.wait_with_output().map_err(spawn_error)?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let said = [&out.stderr, &out.stdout]
        .iter()
        .map(|b| String::from_utf8_lossy(b).trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Err(GitError::Refused {
        what,
        said: if said.is_empty() {
            format!("git exited with {}", out.status)
        } else {
            said
        },
    })
}

/// `paths` without the ones the user's ignore rules exclude: andon writes its memory where
/// the user keeps it, but a git-ignored wiki stays out of git.
fn not_ignored(root: &Path, paths: &[String]) -> Result<Vec<String>, GitError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let io = |source| GitError::Io {
        op: "run git for",
        path: "check-ignore".into(),
        source,
    };
    // NUL-separated both ways: a path is never quoted or split.
    let mut cmd = git(root);
    cmd.args(["check-ignore", "-z", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(io)?;
    if let Some(mut stdin) = child.stdin.take() {
        let list: Vec<u8> = paths
            .iter()
            .flat_map(|p| p.bytes().chain(std::iter::once(0)))
            .collect();
        stdin.write_all(&list).map_err(io)?;
    }
    let out = child.wait_with_output().map_err(io)?;
    // 0: some are ignored (listed); 1: none is; anything else is git failing.
    let ignored: Vec<String> = match out.status.code() {
        Some(0) => String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        Some(1) => Vec::new(),
        _ => {
            return Err(GitError::Refused {
                what: "memory commit",
                said: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    };
    Ok(paths
        .iter()
        .filter(|p| !ignored.contains(p))
        .cloned()
        .collect())
}

/// The bytes of andon's memory files that differ from HEAD before a merge writes to them (an
/// edit the user made there, or a line an older andon left): a refused merge puts them back.
struct Kept(Vec<(std::path::PathBuf, Vec<u8>)>);

impl Kept {
    fn read(root: &Path, prefixes: &[&str]) -> Result<Kept, GitError> {
        if prefixes.is_empty() {
            return Ok(Kept(Vec::new()));
        }
        // Tracked files that differ from HEAD, and untracked ones (a page whose commit was
        // refused earlier): undoing a merge resets the first and deletes the second.
        let mut changed = git(root);
        changed
            .args(["diff", "--name-only", "-z", "HEAD", "--"])
            .args(prefixes);
        let mut untracked = git(root);
        untracked
            .args(["ls-files", "-z", "--others", "--exclude-standard", "--"])
            .args(prefixes);
        let names = run(changed, "merge", None)? + &run(untracked, "merge", None)?;
        let mut files = Vec::new();
        for name in names.split('\0').filter(|n| !n.is_empty()) {
            let path = root.join(name);
            if let Ok(bytes) = std::fs::read(&path) {
                files.push((path, bytes));
            }
        }
        Ok(Kept(files))
    }

    fn put_back(&self) {
        for (path, bytes) in &self.0 {
            if let Err(e) = crate::atomic::write_bytes(path, bytes) {
                tracing::error!(path = %path.display(), "could not put back a file after a refused merge: {e}");
            }
        }
    }
}

/// How a merge keeps the loop's work on the base branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeStyle {
    /// One commit with the loop's whole change, titled by its goal: no red iteration on the
    /// base for bisect to land on.
    Squash,
    /// A merge commit whose second parent is the loop branch, every iteration kept.
    History,
}

impl GitOwner {
    /// Commits `paths` (repo-relative, andon's own files) in the main worktree as they are on
    /// disk, with `message`, leaving every other change of the user's alone (staged or not).
    /// `Ok(None)` when the files are already committed as they are.
    pub fn commit_memory(
        &self,
        paths: &[String],
        message: &str,
    ) -> Result<Option<String>, GitError> {
        if paths.is_empty() {
            return Ok(None);
        }
        let _write = self.write_lock();
        let root = self.repo_root();
        if self.head_branch()?.is_none() {
            return Err(GitError::Refused {
                what: "memory commit",
                said: "the main worktree has no branch checked out (detached HEAD)".into(),
            });
        }
        let paths = not_ignored(root, paths)?;
        if paths.is_empty() {
            return Ok(None);
        }
        let mut add = git(root);
        add.args(["add", "--"]).args(&paths);
        run(add, "memory commit", None)?;
        let mut staged = git(root);
        staged
            .args(["diff", "--cached", "--name-only", "--"])
            .args(&paths);
        if run(staged, "memory commit", None)?.trim().is_empty() {
            return Ok(None);
        }
        // --only: exactly these paths, whatever else the user has staged.
        let mut commit = git(root);
        commit
            .args(["commit", "-q", "--only", "-F", "-", "--"])
            .args(&paths);
        if let Err(e) = run(commit, "memory commit", Some(message)) {
            // Refused: the files stay as andon wrote them, but the user's index is as it was.
            let mut unstage = git(root);
            unstage.args(["reset", "-q", "--"]).args(&paths);
            if let Err(undo) = run(unstage, "memory commit", None) {
                tracing::warn!("could not unstage andon's files after a refused commit: {undo}");
            }
            return Err(e);
        }
        self.head_commit().map(Some)
    }

    /// Merges `branch` into the main worktree's branch with `style`, adds the files `memory`
    /// writes (andon's record of the loop, repo-relative paths) to the same commit, and
    /// commits with `message` through `git commit`. Any refusal (a hook, signing, identity)
    /// undoes the merge: the main worktree and its branch are left as they were, andon's
    /// memory files (under `owned`) included.
    pub(super) fn merge_by_git(
        &self,
        branch: &str,
        style: MergeStyle,
        message: &str,
        owned: &[&str],
        memory: &mut dyn FnMut() -> Result<Vec<String>, String>,
    ) -> Result<String, GitError> {
        let root = self.repo_root();
        let kept = Kept::read(root, owned)?;
        let mut merge = git(root);
        merge.args(["merge", "-q", "--no-commit"]);
        // Explicit, whatever `merge.ff` says: a squash with `merge.ff = false` would be
        // refused, one with `merge.ff = only` too once the base moved on.
        match style {
            MergeStyle::Squash => merge.args(["--squash", "--ff"]),
            MergeStyle::History => merge.arg("--no-ff"),
        };
        merge.arg(branch);
        let undo = |style| {
            let mut undo = git(root);
            match style {
                MergeStyle::Squash => undo.args(["reset", "-q", "--merge"]),
                MergeStyle::History => undo.args(["merge", "--abort"]),
            };
            if let Err(e) = run(undo, "merge undo", None) {
                tracing::error!("could not undo a refused merge: {e}");
            }
            kept.put_back();
        };
        if let Err(e) = run(merge, "merge", None) {
            undo(style);
            return Err(e);
        }
        let committed = (|| {
            let paths = memory().map_err(|said| GitError::Refused {
                what: "merge",
                said: format!("andon could not write its record of the loop: {said}"),
            })?;
            let paths = not_ignored(root, &paths)?;
            if !paths.is_empty() {
                let mut add = git(root);
                add.args(["add", "--"]).args(&paths);
                run(add, "merge", None)?;
            }
            let mut commit = git(root);
            commit.args(["commit", "-q", "-F", "-"]);
            run(commit, "merge commit", Some(message))
        })();
        if let Err(e) = committed {
            undo(style);
            return Err(e);
        }
        self.head_commit()
    }
}

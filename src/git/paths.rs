//! Paths the git layer accepts and produces: where a loop's worktree lives, and checks that a
//! name or path handed in cannot reach outside where it belongs.

use std::path::{Component, Path, PathBuf};

use super::{io_error, GitError};

/// Where the worktree of `loop_name` lives: `root_template` (the `[worktrees] root` setting) with
/// `{repo}` expanded, relative to the repo root, plus the loop name. `..` is resolved lexically
/// so the default `../{repo}.worktrees` gives `<parent>/<repo>.worktrees/<loop>`.
pub fn worktree_path(
    root_template: &str,
    repo_root: &Path,
    repo_name: &str,
    loop_name: &str,
) -> PathBuf {
    let root = root_template.replace("{repo}", repo_name);
    normalize_lexically(&repo_root.join(root).join(loop_name))
}

/// Resolves `.` and `..` without touching the file system. `..` never climbs above `/`.
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

pub(super) fn absolute(path: &Path) -> Result<PathBuf, GitError> {
    std::path::absolute(path)
        .map(|p| normalize_lexically(&p))
        .map_err(io_error("resolve", path))
}

/// The worktree name becomes a directory under `.git/worktrees/`, so it must be one plain
/// path component.
pub(super) fn check_loop_name(loop_name: &str) -> Result<(), GitError> {
    let mut components = Path::new(loop_name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) if name == loop_name => Ok(()),
        _ => Err(GitError::InvalidPath {
            path: loop_name.to_owned(),
            reason: "a loop name must be a single path component",
        }),
    }
}

/// `path` as a relative path that stays inside the worktree: the list may come from an agent's
/// diff, and `../` or an absolute path must never reach the file system.
pub(super) fn checked_relative(path: &str) -> Result<&Path, GitError> {
    let rel = Path::new(path);
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    if path.is_empty() || !plain {
        return Err(GitError::InvalidPath {
            path: path.to_owned(),
            reason: "expected a relative path inside the worktree",
        });
    }
    Ok(rel)
}

/// A form of `path` that compares equal for the same location: canonical while it exists,
/// otherwise its canonical parent plus its name (the directory may already be deleted).
pub(super) fn comparable(path: &Path) -> PathBuf {
    if let Ok(canonical) = path.canonicalize() {
        return canonical;
    }
    match (path.parent().map(Path::canonicalize), path.file_name()) {
        (Some(Ok(parent)), Some(name)) => parent.join(name),
        _ => normalize_lexically(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worktree_path_expands_the_template_beside_the_repo() {
        let cases = [
            ("../{repo}.worktrees", "/src/app.worktrees/fix"),
            ("./../{repo}.wt/", "/src/app.wt/fix"),
            (".andon/worktrees", "/src/app/.andon/worktrees/fix"),
            ("/var/wt/{repo}", "/var/wt/app/fix"),
            ("../../../../{repo}", "/app/fix"),
        ];
        for (template, want) in cases {
            let got = worktree_path(template, Path::new("/src/app"), "app", "fix");
            assert_eq!(got, Path::new(want), "template {template:?}");
        }
    }

    #[test]
    fn only_plain_names_and_inside_paths_are_accepted() {
        for (name, ok) in [
            ("fix-1", true),
            ("a/b", false),
            ("..", false),
            ("", false),
            ("/a", false),
        ] {
            assert_eq!(check_loop_name(name).is_ok(), ok, "loop name {name:?}");
        }
        let paths = [
            ("src/lib.rs", true),
            (".hidden/x", true),
            ("../x", false),
            ("src/../../x", false),
            ("/etc/passwd", false),
            ("./x", false),
            ("", false),
        ];
        for (path, ok) in paths {
            assert_eq!(checked_relative(path).is_ok(), ok, "path {path:?}");
        }
    }
}

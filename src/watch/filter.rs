//! Which file events can change a worktree's diff: not git's own files, not build output, not
//! what `.gitignore` ignores. The cheap name checks run on notify's thread; the gitignore check
//! runs on the debounce thread, cached per path.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use git2::Repository;

/// Directories whose contents never belong in a diff, at any depth, whatever `.gitignore`
/// says: git's own, and caches no one writes by hand.
const NOISE_DIRS: &[&str] = &[".git", "node_modules", "__pycache__", ".pytest_cache"];

/// Build output at the worktree's root. Deeper down these names are often real source
/// (`src/build/`), so there `.gitignore` decides.
const ROOT_OUTPUT_DIRS: &[&str] = &["target", "dist", "build"];

/// Entries kept before the ignore cache starts over: bounds memory for a loop that creates
/// many distinct files.
const CACHE_LIMIT: usize = 8192;

/// `rel` (relative to the worktree root) is under git's directory, a cache, or the root's
/// build output directory. Only directory components count: a file named `build` is source.
pub fn under_noise_dir(rel: &Path) -> bool {
    let mut dirs = rel.components();
    dirs.next_back();
    let named = |c: Component, names: &[&str]| matches!(c, Component::Normal(name) if names.iter().any(|d| name == *d));
    let mut first = true;
    dirs.any(|c| {
        let noise = named(c, NOISE_DIRS) || (first && named(c, ROOT_OUTPUT_DIRS));
        first = false;
        noise
    })
}

/// `.git` itself (a file in a linked worktree) changes with git commands, not with work.
pub fn is_git_entry(rel: &Path) -> bool {
    rel.components().next() == Some(Component::Normal(".git".as_ref()))
}

/// Answers "does `.gitignore` ignore this path" from the worktree's repository, remembering
/// answers. Without a repository (not a git worktree) nothing is ignored.
pub struct IgnoreCache {
    repo: Option<Repository>,
    known: HashMap<PathBuf, bool>,
}

impl IgnoreCache {
    pub fn open(worktree: &Path) -> IgnoreCache {
        IgnoreCache {
            repo: Repository::open(worktree).ok(),
            known: HashMap::new(),
        }
    }

    pub fn is_ignored(&mut self, rel: &Path) -> bool {
        let Some(repo) = &self.repo else {
            return false;
        };
        // New ignore rules change earlier answers.
        if rel.file_name() == Some(".gitignore".as_ref()) {
            self.known.clear();
            return false;
        }
        if let Some(&known) = self.known.get(rel) {
            return known;
        }
        // An error (say, a path git cannot represent) is treated as not ignored: a spurious
        // refresh costs less than a missed one.
        let ignored = repo.is_path_ignored(rel).unwrap_or(false);
        if self.known.len() >= CACHE_LIMIT {
            self.known.clear();
        }
        self.known.insert(rel.to_path_buf(), ignored);
        ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn noise_dirs_are_matched_on_directory_components_only() {
        let table: &[(&str, bool)] = &[
            ("target/debug/out", true),
            ("web/node_modules/x/index.js", true),
            ("pkg/__pycache__/m.pyc", true),
            ("build/out.js", true),
            ("src/build/mod.rs", false),
            ("crates/a/target/debug/out", false),
            (".git/index", true),
            ("build", false),
            ("src/build.rs", false),
            ("src/lib.rs", false),
            ("targets/list.txt", false),
        ];
        for (path, want) in table {
            assert_eq!(under_noise_dir(Path::new(path)), *want, "{path}");
        }
        assert!(is_git_entry(Path::new(".git")));
        assert!(is_git_entry(Path::new(".git/HEAD")));
        assert!(!is_git_entry(Path::new(".github/ci.yml")));
    }

    #[test]
    fn gitignore_answers_follow_the_rules_and_their_changes() {
        let dir = tempfile::tempdir().unwrap();
        Repository::init(dir.path()).unwrap();
        fs::write(dir.path().join(".gitignore"), "*.log\nout/\n").unwrap();
        fs::create_dir(dir.path().join("out")).unwrap();
        let mut cache = IgnoreCache::open(dir.path());
        assert!(cache.is_ignored(Path::new("run.log")));
        assert!(cache.is_ignored(Path::new("out/deep/file.txt")));
        assert!(!cache.is_ignored(Path::new("src/main.rs")));

        fs::write(dir.path().join(".gitignore"), "out/\n").unwrap();
        assert!(!cache.is_ignored(Path::new(".gitignore")));
        assert!(!cache.is_ignored(Path::new("run.log")), "rules reloaded");

        let plain = tempfile::tempdir().unwrap();
        assert!(!IgnoreCache::open(plain.path()).is_ignored(Path::new("run.log")));
    }
}

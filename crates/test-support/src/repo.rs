//! Real temp repositories, built with git2: a small committed repo, files written and read
//! in it, everything committed.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{IndexAddOption, Repository, RepositoryInitOptions, Signature};
use tempfile::TempDir;

/// A repo at `<tmp>/repo` on branch `main` with one commit: README.md, src/lib.rs and a
/// .gitignore ignoring `target/` and `*.log`. Worktrees go beside it, inside the same tempdir.
pub fn init_repo() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(&root, &opts).unwrap();
    write(&root, "README.md", "# demo\n");
    write(&root, "src/lib.rs", "pub fn one() -> u32 { 1 }\n");
    write(&root, ".gitignore", "target/\n*.log\n");
    commit_all(&root, "initial");
    (tmp, root)
}

/// Stages everything in `dir` and commits it on HEAD; returns the new commit's oid.
pub fn commit_all(dir: &Path, message: &str) -> String {
    let repo = Repository::open(dir).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("test", "test@localhost").unwrap();
    let parent = repo.head().ok().map(|h| h.peel_to_commit().unwrap());
    let parents: Vec<_> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap()
        .to_string()
}

pub fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

pub fn read(dir: &Path, rel: &str) -> String {
    fs::read_to_string(dir.join(rel)).unwrap()
}

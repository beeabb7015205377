//! Making a new repository with a first commit (the generated demo repository).

use std::path::Path;

use git2::{IndexAddOption, Repository, RepositoryInitOptions, Signature};

use super::{GitContext, GitError, GitOwner};

impl GitOwner {
    /// `git init -b main` in `dir`, stage every file (`.gitignore` respected), commit `message`
    /// as andon, and own the result.
    pub fn init_with_commit(dir: &Path, message: &str) -> Result<GitOwner, GitError> {
        {
            let mut opts = RepositoryInitOptions::new();
            opts.initial_head("main");
            let repo = Repository::init_opts(dir, &opts).op("init repository")?;
            let mut index = repo.index().op("read index")?;
            index
                .add_all(["*"], IndexAddOption::DEFAULT, None)
                .op("stage files")?;
            index.write().op("write index")?;
            let tree_id = index.write_tree().op("write tree")?;
            let tree = repo.find_tree(tree_id).op("read tree")?;
            let who = Signature::now("andon", "andon@localhost").op("make signature")?;
            repo.commit(Some("HEAD"), &who, &who, message, &tree, &[])
                .op("commit")?;
        }
        GitOwner::open(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_repository_has_one_commit_with_every_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.sh"), "echo a\n").unwrap();
        let owner = GitOwner::init_with_commit(dir.path(), "first").unwrap();
        assert_eq!(owner.head_branch().unwrap().as_deref(), Some("main"));
        let out = std::process::Command::new("git")
            .args(["ls-files"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "src/a.sh");
        assert!(owner.dirty_tracked_paths().unwrap().is_empty());
    }
}

//! Merges on real repositories, checked with the git CLI: every refusal leaves HEAD, refs,
//! index and files exactly as they were.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::super::test_support::{commit_all, git, init_repo, read, write};
use super::*;

/// A repo with loop branch `loop/a` one snapshot ahead of main (src/lib.rs changed, a new
/// file added).
fn repo_with_loop() -> (TempDir, PathBuf, GitOwner) {
    let (tmp, root) = init_repo();
    let owner = GitOwner::open(&root).unwrap();
    let wt = tmp.path().join("wt");
    owner.create_worktree("a", &wt, "loop/a", "HEAD").unwrap();
    write(
        &wt,
        "src/lib.rs",
        "pub fn one() -> u32 { 1 }\npub fn two() -> u32 { 2 }\n",
    );
    write(&wt, "src/three.rs", "pub fn three() -> u32 { 3 }\n");
    owner
        .snapshot(&wt, "andon: iteration 1 (1/1 checks)")
        .unwrap();
    (tmp, root, owner)
}

/// Everything a refused merge must leave untouched.
fn fingerprint(root: &Path) -> (String, String, String, String) {
    (
        git(root, &["rev-parse", "HEAD"]),
        git(root, &["rev-parse", "loop/a"]),
        git(root, &["status", "--porcelain", "--untracked-files=all"]),
        read(root, "src/lib.rs"),
    )
}

#[test]
fn fast_forward_when_the_base_has_not_moved() {
    let (_tmp, root, owner) = repo_with_loop();
    let tip = git(&root, &["rev-parse", "loop/a"]);
    let merged = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "unused", &[])
        .unwrap();
    assert_eq!(
        merged,
        Merged::FastForward {
            commit: tip.clone()
        }
    );
    assert_eq!(git(&root, &["rev-parse", "main"]), tip);
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    assert!(read(&root, "src/lib.rs").contains("two"));
    assert_eq!(read(&root, "src/three.rs"), "pub fn three() -> u32 { 3 }\n");
}

#[test]
fn merge_commit_when_the_base_moved() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "README.md", "# demo, moved on\n");
    let moved = commit_all(&root, "meanwhile on main");
    let tip = git(&root, &["rev-parse", "loop/a"]);
    let merged = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "Merge loop/a: two", &[])
        .unwrap();
    let Merged::MergeCommit { commit } = &merged else {
        panic!("{merged:?}")
    };
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), *commit);
    assert_eq!(
        git(&root, &["rev-parse", "HEAD^1", "HEAD^2"]),
        format!("{moved}\n{tip}")
    );
    assert_eq!(
        git(&root, &["log", "-1", "--format=%s"]),
        "Merge loop/a: two"
    );
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    assert_eq!(read(&root, "README.md"), "# demo, moved on\n");
    assert!(read(&root, "src/lib.rs").contains("two"));
}

#[test]
fn squash_makes_one_commit_with_one_parent() {
    let (_tmp, root, owner) = repo_with_loop();
    let before = git(&root, &["rev-parse", "HEAD"]);
    let merged = owner
        .merge_into_base("loop/a", MergeStyle::Squash, "Add two and three", &[])
        .unwrap();
    assert!(matches!(merged, Merged::Squashed { .. }), "{merged:?}");
    assert_eq!(git(&root, &["rev-parse", "HEAD^"]), before);
    assert_eq!(
        git(&root, &["rev-list", "--parents", "-1", "HEAD"])
            .split(' ')
            .count(),
        2
    );
    assert_eq!(git(&root, &["diff", "HEAD", "loop/a", "--stat"]), "");
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
}

#[test]
fn conflict_is_refused_and_changes_nothing() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "src/lib.rs", "pub fn one() -> u32 { 111 }\n");
    commit_all(&root, "conflicting change on main");
    let before = fingerprint(&root);
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, MergeError::Refused(MergeRefused::Conflict { .. })),
        "{text}"
    );
    assert!(
        text.contains("src/lib.rs") && text.contains("fix:"),
        "{text}"
    );
    assert_eq!(fingerprint(&root), before);
    assert!(owner
        .check_merge("loop/a", MergeStyle::Squash, &[])
        .is_err());
}

#[test]
fn dirty_main_worktree_is_refused_and_changes_nothing() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "README.md", "# uncommitted edit\n");
    let before = fingerprint(&root);
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    assert!(
        matches!(&err, MergeError::Refused(MergeRefused::Dirty { paths }) if paths == &["README.md"]),
        "{err}"
    );
    assert!(err.to_string().contains("git stash"), "{err}");
    assert_eq!(fingerprint(&root), before);
}

#[test]
fn untracked_file_in_the_way_is_refused_and_kept() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "src/three.rs", "my own notes\n");
    let before = fingerprint(&root);
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    assert!(err.to_string().contains("src/three.rs"), "{err}");
    assert_eq!(fingerprint(&root), before);
    assert_eq!(read(&root, "src/three.rs"), "my own notes\n");
}

#[test]
fn detached_head_and_missing_branch_are_refused() {
    let (_tmp, root, owner) = repo_with_loop();
    let err = owner
        .merge_into_base("loop/nope", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    assert!(err.to_string().contains("loop/nope"), "{err}");
    git(&root, &["checkout", "-q", "--detach", "HEAD"]);
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    assert!(err.to_string().contains("detached HEAD"), "{err}");
}

#[test]
fn merging_twice_is_up_to_date() {
    let (_tmp, root, owner) = repo_with_loop();
    owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap();
    let again = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap();
    assert!(matches!(again, Merged::UpToDate { .. }), "{again:?}");
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
}

#[test]
fn tolerated_dirty_paths_do_not_block_a_merge_that_leaves_them_alone() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "wiki/log.md", "# Log\n");
    commit_all(&root, "wiki");
    // main moved, so this is a merge commit, with andon's own log line uncommitted.
    write(&root, "wiki/log.md", "# Log\n\n- a loop ended\n");
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    assert!(err.to_string().contains("wiki/log.md"), "{err}");
    owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &["wiki/"])
        .unwrap();
    assert_eq!(read(&root, "wiki/log.md"), "# Log\n\n- a loop ended\n");
    assert!(read(&root, "src/lib.rs").contains("two"));
}

#[test]
fn a_locked_base_ref_undoes_the_checkout() {
    let (_tmp, root, owner) = repo_with_loop();
    let before = fingerprint(&root);
    // Another git command holds main's ref lock: the ref cannot move after the checkout.
    std::fs::write(root.join(".git/refs/heads/main.lock"), "").unwrap();
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Merge, "m", &[])
        .unwrap_err();
    assert!(err.to_string().contains("the merge was undone"), "{err}");
    std::fs::remove_file(root.join(".git/refs/heads/main.lock")).unwrap();
    assert_eq!(fingerprint(&root), before);
    assert!(
        !root.join("src/three.rs").exists(),
        "the added file is gone again"
    );
}

//! Merges on real repositories, made by the git CLI and checked with it: one squashed commit by
//! default or a merge commit with history, andon's record in the same commit, the user's hooks,
//! signing and identity honoured, and every refusal leaving HEAD, refs, index and files exactly
//! as they were.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::super::test_support::{commit_all, git, init_repo, read, write};
use super::*;

/// A repo with loop branch `loop/a` one snapshot ahead of main (src/lib.rs changed, a new
/// file added), and a git identity of its own.
fn repo_with_loop() -> (TempDir, PathBuf, GitOwner) {
    let (tmp, root) = init_repo();
    git(&root, &["config", "user.name", "Ada Reviewer"]);
    git(&root, &["config", "user.email", "ada@example.invalid"]);
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
        .snapshot(&wt, "andon: iteration 1 (0/1 checks)")
        .unwrap();
    write(
        &wt,
        "src/three.rs",
        "pub fn three() -> u32 { 3 } // fixed\n",
    );
    owner
        .snapshot(&wt, "andon: iteration 2 (1/1 checks)")
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

/// andon's record of the loop, written by the merge into the main worktree.
fn memory(root: &Path) -> impl FnMut() -> Result<Vec<String>, String> + '_ {
    move || {
        write(root, "wiki/90_LOG/2026-12-06-a.md", "# loop a\n");
        write(root, "wiki/log.md", "# Log\n- loop a merged\n");
        Ok(vec![
            "wiki/90_LOG/2026-12-06-a.md".into(),
            "wiki/log.md".into(),
        ])
    }
}

fn merge(owner: &GitOwner, root: &Path, style: MergeStyle) -> Result<Merged, MergeError> {
    owner.merge_into_base(
        "loop/a",
        style,
        "Add two and three\n\nandon loop a (plans/a.md): 2 iterations.\n",
        OWNED,
        &mut memory(root),
    )
}

const OWNED: &[&str] = &["wiki/90_LOG/", "wiki/log.md", "wiki/index.md"];

#[test]
fn squash_makes_one_commit_titled_by_the_goal_with_the_loops_record() {
    let (_tmp, root, owner) = repo_with_loop();
    let before = git(&root, &["rev-parse", "HEAD"]);
    let merged = merge(&owner, &root, MergeStyle::Squash).unwrap();
    let Merged::Squashed { commit } = &merged else {
        panic!("{merged:?}")
    };
    assert_eq!(git(&root, &["rev-parse", "HEAD"]), *commit);
    assert_eq!(
        git(&root, &["rev-parse", "HEAD^"]),
        before,
        "one commit, one parent"
    );
    assert_eq!(git(&root, &["rev-list", "--count", "HEAD"]), "2");
    assert_eq!(
        git(&root, &["log", "-1", "--format=%s"]),
        "Add two and three"
    );
    assert_eq!(
        git(&root, &["log", "-1", "--format=%an <%ae>"]),
        "Ada Reviewer <ada@example.invalid>",
        "the user's own identity"
    );
    // The loop's change and andon's record, together, and nothing left uncommitted.
    let files = git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    for f in [
        "src/lib.rs",
        "src/three.rs",
        "wiki/90_LOG/2026-12-06-a.md",
        "wiki/log.md",
    ] {
        assert!(
            files.lines().any(|l| l == f),
            "{f} not in the commit: {files}"
        );
    }
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    assert!(!git(&root, &["log", "--format=%s"]).contains("andon: iteration"));
}

#[test]
fn history_keeps_the_iterations_in_a_merge_commit() {
    let (_tmp, root, owner) = repo_with_loop();
    let before = git(&root, &["rev-parse", "HEAD"]);
    let tip = git(&root, &["rev-parse", "loop/a"]);
    let merged = merge(&owner, &root, MergeStyle::History).unwrap();
    assert!(matches!(merged, Merged::MergeCommit { .. }), "{merged:?}");
    assert_eq!(
        git(&root, &["rev-parse", "HEAD^1", "HEAD^2"]),
        format!("{before}\n{tip}")
    );
    assert_eq!(
        git(&root, &["log", "-1", "--format=%s"]),
        "Add two and three"
    );
    let files = git(
        &root,
        &["show", "--name-only", "--format=", "--first-parent", "HEAD"],
    );
    assert!(files.contains("wiki/90_LOG/2026-12-06-a.md"), "{files}");
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
}

#[test]
fn a_failing_pre_commit_hook_refuses_the_merge_and_changes_nothing() {
    for style in [MergeStyle::Squash, MergeStyle::History] {
        let (_tmp, root, owner) = repo_with_loop();
        write(
            &root,
            ".git/hooks/pre-commit",
            "#!/bin/sh\necho 'lint: trailing whitespace in src/lib.rs' >&2\nexit 1\n",
        );
        make_executable(&root.join(".git/hooks/pre-commit"));
        let before = fingerprint(&root);
        let err = merge(&owner, &root, style).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("lint: trailing whitespace"),
            "{style:?}: {text}"
        );
        assert_eq!(fingerprint(&root), before, "{style:?}");
        assert!(
            !root.join("wiki/90_LOG/2026-12-06-a.md").exists(),
            "{style:?}"
        );
        assert!(!root.join(".git/MERGE_HEAD").exists(), "{style:?}");
    }
}

#[test]
fn a_commit_msg_hook_shapes_the_message_as_for_git_commit() {
    let (_tmp, root, owner) = repo_with_loop();
    write(
        &root,
        ".git/hooks/commit-msg",
        "#!/bin/sh\nprintf '\\nReviewed-by: hook\\n' >> \"$1\"\n",
    );
    make_executable(&root.join(".git/hooks/commit-msg"));
    merge(&owner, &root, MergeStyle::Squash).unwrap();
    assert!(git(&root, &["log", "-1", "--format=%B"]).contains("Reviewed-by: hook"));
}

#[test]
fn commit_signing_is_honoured_or_refused_with_the_reason() {
    let (tmp, root, owner) = repo_with_loop();
    // A stand-in for gpg that signs anything (and says so on the status fd, as gpg does).
    let signer = tmp.path().join("fake-gpg");
    write(
        tmp.path(),
        "fake-gpg",
        "#!/bin/sh\ncat >/dev/null\necho '[GNUPG:] SIG_CREATED D 1 8 00 1 ABCD' >&2\nprintf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'\n",
    );
    make_executable(&signer);
    git(&root, &["config", "commit.gpgsign", "true"]);
    git(&root, &["config", "gpg.program", &signer.to_string_lossy()]);
    merge(&owner, &root, MergeStyle::Squash).unwrap();
    assert!(git(&root, &["cat-file", "-p", "HEAD"]).contains("gpgsig"));

    let (tmp, root, owner) = repo_with_loop();
    let broken = tmp.path().join("broken-gpg");
    write(
        tmp.path(),
        "broken-gpg",
        "#!/bin/sh\necho 'gpg: no secret key' >&2\nexit 2\n",
    );
    make_executable(&broken);
    git(&root, &["config", "commit.gpgsign", "true"]);
    git(&root, &["config", "gpg.program", &broken.to_string_lossy()]);
    let before = fingerprint(&root);
    let err = merge(&owner, &root, MergeStyle::Squash).unwrap_err();
    assert!(err.to_string().contains("gpg"), "{err}");
    assert_eq!(fingerprint(&root), before);
}

#[test]
fn conflict_is_refused_and_changes_nothing() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "src/lib.rs", "pub fn one() -> u32 { 111 }\n");
    commit_all(&root, "conflicting change on main");
    let before = fingerprint(&root);
    let err = merge(&owner, &root, MergeStyle::Squash).unwrap_err();
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
    assert!(owner.check_merge("loop/a", &[]).is_err());
}

#[test]
fn dirty_main_worktree_is_refused_and_changes_nothing() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "README.md", "# uncommitted edit\n");
    let before = fingerprint(&root);
    let err = merge(&owner, &root, MergeStyle::Squash).unwrap_err();
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
    let err = merge(&owner, &root, MergeStyle::Squash).unwrap_err();
    assert!(err.to_string().contains("src/three.rs"), "{err}");
    assert_eq!(fingerprint(&root), before);
    assert_eq!(read(&root, "src/three.rs"), "my own notes\n");
}

#[test]
fn detached_head_and_missing_branch_are_refused() {
    let (_tmp, root, owner) = repo_with_loop();
    let err = owner
        .merge_into_base(
            "loop/nope",
            MergeStyle::Squash,
            "m",
            &[],
            &mut memory(&root),
        )
        .unwrap_err();
    assert!(err.to_string().contains("loop/nope"), "{err}");
    git(&root, &["checkout", "-q", "--detach", "HEAD"]);
    let err = merge(&owner, &root, MergeStyle::Squash).unwrap_err();
    assert!(err.to_string().contains("detached HEAD"), "{err}");
}

#[test]
fn merging_a_history_merge_again_is_up_to_date() {
    let (_tmp, root, owner) = repo_with_loop();
    merge(&owner, &root, MergeStyle::History).unwrap();
    let again = merge(&owner, &root, MergeStyle::History).unwrap();
    assert!(matches!(again, Merged::UpToDate { .. }), "{again:?}");
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
}

#[test]
fn andons_own_uncommitted_files_do_not_block_a_merge_and_go_into_it() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "wiki/log.md", "# Log\n");
    commit_all(&root, "wiki");
    // An older andon left its log line uncommitted.
    write(&root, "wiki/log.md", "# Log\n- an older loop ended\n");
    let err = owner
        .merge_into_base("loop/a", MergeStyle::Squash, "m", &[], &mut memory(&root))
        .unwrap_err();
    assert!(err.to_string().contains("wiki/log.md"), "{err}");
    merge(&owner, &root, MergeStyle::Squash).unwrap();
    assert_eq!(git(&root, &["status", "--porcelain"]), "");
    assert!(read(&root, "src/lib.rs").contains("two"));
}

#[test]
fn a_locked_base_ref_refuses_and_changes_nothing() {
    let (_tmp, root, owner) = repo_with_loop();
    let before = fingerprint(&root);
    // Another git command holds main's ref lock: the commit cannot move it.
    std::fs::write(root.join(".git/refs/heads/main.lock"), "").unwrap();
    let err = merge(&owner, &root, MergeStyle::Squash).unwrap_err();
    assert!(err.to_string().contains("main.lock"), "{err}");
    std::fs::remove_file(root.join(".git/refs/heads/main.lock")).unwrap();
    assert_eq!(fingerprint(&root), before);
    assert!(
        !root.join("src/three.rs").exists(),
        "the added file is gone again"
    );
}

#[test]
fn memory_commits_take_only_andons_paths() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, "README.md", "# the user's unstaged edit\n");
    write(&root, "notes.txt", "the user's staged file\n");
    git(&root, &["add", "notes.txt"]);
    write(&root, "wiki/90_LOG/x.md", "# x\n");
    let commit = owner
        .commit_memory(&["wiki/90_LOG/x.md".into()], "andon: log loop x")
        .unwrap();
    assert_eq!(
        commit.as_deref(),
        Some(git(&root, &["rev-parse", "HEAD"]).as_str())
    );
    assert_eq!(
        git(&root, &["log", "-1", "--format=%s"]),
        "andon: log loop x"
    );
    assert_eq!(
        git(&root, &["show", "--name-only", "--format=", "HEAD"]),
        "wiki/90_LOG/x.md"
    );
    let status = git(&root, &["status", "--porcelain"]);
    assert!(
        status.contains("M README.md") && status.contains("A  notes.txt"),
        "{status}"
    );
    // Nothing new: no commit.
    assert_eq!(
        owner
            .commit_memory(&["wiki/90_LOG/x.md".into()], "andon: again")
            .unwrap(),
        None
    );
}

#[test]
fn squash_merges_whatever_merge_ff_says() {
    for ff in ["false", "only"] {
        let (_tmp, root, owner) = repo_with_loop();
        git(&root, &["config", "merge.ff", ff]);
        // The base moved on: no fast-forward is possible.
        write(&root, "NOTES.md", "the base moved on\n");
        commit_all(&root, "notes");
        let merged = merge(&owner, &root, MergeStyle::Squash).unwrap();
        assert!(matches!(merged, Merged::Squashed { .. }), "merge.ff={ff}");
        assert_eq!(
            git(&root, &["log", "-1", "--format=%s"]),
            "Add two and three",
            "merge.ff={ff}"
        );
        assert_eq!(git(&root, &["status", "--porcelain"]), "", "merge.ff={ff}");
    }
}

#[test]
fn a_refused_merge_puts_back_an_uncommitted_edit_to_andons_files() {
    for style in [MergeStyle::Squash, MergeStyle::History] {
        let (_tmp, root, owner) = repo_with_loop();
        write(&root, "wiki/log.md", "# Log\n");
        commit_all(&root, "wiki");
        write(
            &root,
            "wiki/log.md",
            "# Log\n- the user's own note, not committed\n",
        );
        // A page andon wrote earlier, whose commit was refused: untracked.
        write(&root, "wiki/90_LOG/2026-12-06-a.md", "# the earlier page\n");
        write(
            &root,
            ".git/hooks/pre-commit",
            "#!/bin/sh\necho 'refused by the hook' >&2\nexit 1\n",
        );
        make_executable(&root.join(".git/hooks/pre-commit"));
        let err = merge(&owner, &root, style).unwrap_err();
        assert!(
            err.to_string().contains("refused by the hook"),
            "{style:?}: {err}"
        );
        assert_eq!(
            read(&root, "wiki/log.md"),
            "# Log\n- the user's own note, not committed\n",
            "{style:?}: the edit is back"
        );
        assert_eq!(
            read(&root, "wiki/90_LOG/2026-12-06-a.md"),
            "# the earlier page\n",
            "{style:?}: the untracked page is back too"
        );
        assert!(!root.join(".git/SQUASH_MSG").exists(), "{style:?}");
        assert!(!root.join(".git/MERGE_MSG").exists(), "{style:?}");
    }
}

#[test]
fn an_ignored_wiki_stays_out_of_git() {
    let (_tmp, root, owner) = repo_with_loop();
    write(&root, ".gitignore", "wiki/\n");
    commit_all(&root, "ignore the wiki");
    merge(&owner, &root, MergeStyle::Squash).unwrap();
    let files = git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    assert!(!files.contains("wiki/"), "{files}");
    assert!(files.contains("src/three.rs"), "{files}");
    assert!(root.join("wiki/90_LOG/2026-12-06-a.md").exists());
    assert_eq!(
        owner
            .commit_memory(&["wiki/90_LOG/2026-12-06-a.md".into()], "andon: log")
            .unwrap(),
        None,
        "nothing of an ignored wiki to commit"
    );
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

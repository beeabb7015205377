use std::fs;

use super::super::test_support::{git, repo_with_worktree, write};
use super::*;
use andon_core::diff::{DiffFile, DiffLine, FileBody, FileStatus, LineKind};

fn summary(diff: &Diff) -> Vec<(&str, char, u32, u32)> {
    diff.files
        .iter()
        .map(|f| (f.path.as_str(), f.status.letter(), f.added, f.removed))
        .collect()
}

fn file<'d>(diff: &'d Diff, path: &str) -> &'d DiffFile {
    diff.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not in {:?}", summary(diff)))
}

fn line(kind: LineKind, old_no: Option<u32>, new_no: Option<u32>, text: &str) -> DiffLine {
    DiffLine {
        kind,
        old_no,
        new_no,
        text: text.into(),
    }
}

fn numbered(n: u32) -> String {
    (1..=n).map(|i| format!("l{i}\n")).collect()
}

#[test]
fn worktree_diff_has_modified_untracked_and_deleted_files_but_not_ignored_ones() {
    let (_tmp, owner, wt, base) = repo_with_worktree();
    assert!(owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap()
        .is_empty());

    write(&wt, "README.md", "# changed\nsecond line\n");
    fs::remove_file(wt.join("src/lib.rs")).unwrap();
    write(&wt, "src/pricing/deep/new.rs", "// new\nfn f() {}\n");
    write(&wt, "staged.txt", "staged\n");
    git(&wt, &["add", "staged.txt"]);
    write(&wt, "target/debug/out", "ignored dir\n");
    write(&wt, "run.log", "ignored file\n");

    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    assert_eq!(
        summary(&diff),
        [
            ("README.md", 'M', 2, 1),
            ("src/lib.rs", 'D', 0, 1),
            ("src/pricing/deep/new.rs", 'A', 2, 0),
            ("staged.txt", 'A', 1, 0),
        ]
    );
    // The counts agree with git's own for the files git diffs against a commit.
    assert_eq!(
        git(&wt, &["diff", "--numstat", &base]),
        "2\t1\tREADME.md\n0\t1\tsrc/lib.rs\n1\t0\tstaged.txt"
    );
    assert_eq!(
        file(&diff, "README.md").hunks()[0].lines,
        [
            line(LineKind::Removed, Some(1), None, "# demo"),
            line(LineKind::Added, None, Some(1), "# changed"),
            line(LineKind::Added, None, Some(2), "second line"),
        ]
    );
    assert_eq!(
        file(&diff, "src/pricing/deep/new.rs").hunks()[0].header,
        "@@ -0,0 +1,2 @@"
    );
    assert_eq!(diff.stat().to_string(), "4 files +5 -2");
}

#[test]
fn hunks_carry_correct_line_numbers_and_headers() {
    let (_tmp, owner, wt, _) = repo_with_worktree();
    write(&wt, "notes.txt", &numbered(20));
    let base = owner.snapshot(&wt, "andon: iteration 1").unwrap();
    let edited = numbered(20)
        .replace("l5\n", "five\n")
        .replace("l16\n", "l16\nextra\n");
    write(&wt, "notes.txt", &edited);

    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    let hunks = file(&diff, "notes.txt").hunks();
    assert_eq!(hunks.len(), 2);
    let (first, second) = (&hunks[0], &hunks[1]);
    // With the function context git would show too: the nearest line starting with a letter.
    assert_eq!(first.header, "@@ -2,7 +2,7 @@ l1");
    assert_eq!(
        (
            first.old_start,
            first.old_lines,
            first.new_start,
            first.new_lines
        ),
        (2, 7, 2, 7)
    );
    assert_eq!(
        first.lines[2..5],
        [
            line(LineKind::Context, Some(4), Some(4), "l4"),
            line(LineKind::Removed, Some(5), None, "l5"),
            line(LineKind::Added, None, Some(5), "five"),
        ]
    );
    assert_eq!(
        second.lines[2..4],
        [
            line(LineKind::Context, Some(16), Some(16), "l16"),
            line(LineKind::Added, None, Some(17), "extra"),
        ]
    );
    assert_eq!(
        second.lines[4],
        line(LineKind::Context, Some(17), Some(18), "l17")
    );
}

#[test]
fn binary_and_oversized_files_are_summarised() {
    let (_tmp, owner, wt, _) = repo_with_worktree();
    fs::write(wt.join("logo.png"), [0x89, b'P', b'N', b'G', 0, 1, 2, 3]).unwrap();
    let base = owner.snapshot(&wt, "andon: iteration 1").unwrap();
    fs::write(
        wt.join("logo.png"),
        [0x89, b'P', b'N', b'G', 0, 9, 9, 9, 9, 9],
    )
    .unwrap();
    fs::write(wt.join("new.bin"), [0u8; 100]).unwrap();
    let big_text = "x".repeat(99) + "\n";
    write(&wt, "generated.json", &big_text.repeat(7_000)); // 700 000 bytes
    let mut big_binary = vec![0u8; 600_000];
    big_binary[..4].copy_from_slice(b"\x7fELF");
    fs::write(wt.join("a.out"), &big_binary).unwrap();
    write(&wt, "long.txt", &numbered(50));

    let limits = DiffLimits {
        max_file_bytes: 512 * 1024,
        max_lines_per_file: 40,
    };
    let diff = owner.diff_worktree(&wt, &base, limits).unwrap();
    // (path, status, added, body kind, old size, new size)
    let bodies: Vec<_> = diff
        .files
        .iter()
        .map(|f| {
            let (kind, old, new) = match f.body {
                FileBody::Binary { old_size, new_size } => ("binary", old_size, new_size),
                FileBody::TooLarge { old_size, new_size } => ("too large", old_size, new_size),
                FileBody::Text { .. } => ("text", 0, 0),
            };
            (f.path.as_str(), f.status.letter(), f.added, kind, old, new)
        })
        .collect();
    let want = [
        ("a.out", 'A', 0, "binary", 0, 600_000),
        ("generated.json", 'A', 0, "too large", 0, 700_000),
        ("logo.png", 'M', 0, "binary", 8, 10),
        // Over the line limit: not expanded, but counted exactly.
        ("long.txt", 'A', 50, "too large", 0, 50 * 3 + 41),
        ("new.bin", 'A', 0, "binary", 0, 100),
    ];
    assert_eq!(bodies, want);
}

#[test]
fn non_utf8_lines_are_replaced_not_refused() {
    let (_tmp, owner, wt, base) = repo_with_worktree();
    fs::write(wt.join("latin1.txt"), b"caf\xe9\nno newline at end").unwrap();
    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    let latin1 = file(&diff, "latin1.txt");
    assert_eq!(latin1.added, 2);
    assert_eq!(
        latin1.hunks()[0].lines,
        [
            line(LineKind::Added, None, Some(1), "caf\u{fffd}"),
            line(LineKind::Added, None, Some(2), "no newline at end"),
        ]
    );
}

#[test]
fn exact_renames_are_detected_and_undone_staging_is_not_a_change() {
    let (_tmp, owner, wt, base) = repo_with_worktree();
    fs::create_dir(wt.join("docs")).unwrap();
    fs::rename(wt.join("README.md"), wt.join("docs/README.md")).unwrap();
    // Staged, then put back on disk: the diff follows the disk, so nothing changed.
    write(&wt, "src/lib.rs", "pub fn one() -> u32 { 2 }\n");
    git(&wt, &["add", "src/lib.rs"]);
    write(&wt, "src/lib.rs", "pub fn one() -> u32 { 1 }\n");

    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    assert_eq!(summary(&diff), [("docs/README.md", 'R', 0, 0)]);
    assert_eq!(diff.files[0].old_path.as_deref(), Some("README.md"));
}

#[test]
fn commit_diff_is_one_iteration_between_two_snapshots() {
    let (_tmp, owner, wt, base) = repo_with_worktree();
    write(&wt, "a.txt", "one\n");
    let first = owner.snapshot(&wt, "andon: iteration 1").unwrap();
    write(&wt, "a.txt", "one\ntwo\n");
    write(&wt, "b.txt", "b\n");
    fs::remove_file(wt.join("README.md")).unwrap();
    let second = owner.snapshot(&wt, "andon: iteration 2").unwrap();
    write(&wt, "c.txt", "not snapshotted\n");

    let diff = owner
        .diff_commits(&first, &second, DiffLimits::default())
        .unwrap();
    assert_eq!(
        summary(&diff),
        [
            ("README.md", 'D', 0, 1),
            ("a.txt", 'M', 1, 0),
            ("b.txt", 'A', 1, 0)
        ]
    );
    assert_eq!(
        file(&diff, "a.txt").hunks()[0].lines[1],
        line(LineKind::Added, None, Some(2), "two")
    );
    let from_base = owner
        .diff_commits(&base, &first, DiffLimits::default())
        .unwrap();
    assert_eq!(summary(&from_base), [("a.txt", 'A', 1, 0)]);
    // The same range through the worktree adds the unsnapshotted file.
    let cumulative = owner
        .diff_worktree(&wt, &first, DiffLimits::default())
        .unwrap();
    assert_eq!(cumulative.stat().files, 4);
    assert_eq!(file(&cumulative, "c.txt").status, FileStatus::Added);
}

#[test]
fn an_oversized_binary_blob_between_commits_stays_binary() {
    let (_tmp, owner, wt, base) = repo_with_worktree();
    fs::write(wt.join("blob.bin"), vec![0u8; 700_000]).unwrap();
    let first = owner.snapshot(&wt, "andon: iteration 1").unwrap();
    let diff = owner
        .diff_commits(&base, &first, DiffLimits::default())
        .unwrap();
    assert_eq!(
        diff.files[0].body,
        FileBody::Binary {
            old_size: 0,
            new_size: 700_000
        }
    );
}

#[test]
fn diff_worktree_refuses_the_main_worktree() {
    let (_tmp, owner, _wt, base) = repo_with_worktree();
    let root = owner.repo_root().to_path_buf();
    let err = owner
        .diff_worktree(&root, &base, DiffLimits::default())
        .unwrap_err();
    assert!(matches!(err, GitError::NotAWorktree { .. }), "{err:?}");
}

#[test]
fn a_symlink_is_diffed_as_its_target_like_git_stores_it() {
    let (_tmp, owner, wt, base) = repo_with_worktree();
    std::os::unix::fs::symlink("src/lib.rs", wt.join("link")).unwrap();
    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    assert_eq!(
        file(&diff, "link").hunks()[0].lines,
        [line(LineKind::Added, None, Some(1), "src/lib.rs")]
    );
    owner.snapshot(&wt, "andon: iteration 1").unwrap();
    assert_eq!(git(&wt, &["cat-file", "-p", "HEAD:link"]), "src/lib.rs");
}

#[test]
fn a_diff_big_enough_for_several_threads_matches_git() {
    let (_tmp, owner, wt, _) = repo_with_worktree();
    for i in 0..400 {
        write(&wt, &format!("gen/f{i:03}.txt"), &numbered(5));
    }
    let base = owner.snapshot(&wt, "andon: iteration 1").unwrap();
    for i in 0..400 {
        let path = format!("gen/f{i:03}.txt");
        match i % 4 {
            0 => fs::remove_file(wt.join(&path)).unwrap(),
            1 => write(&wt, &path, &numbered(5).replace("l3\n", "three\n")),
            2 => write(&wt, &format!("new/n{i:03}.txt"), "new\n"),
            _ => {}
        }
    }
    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    assert_eq!(diff.stat().to_string(), "300 files +200 -600");
    let paths: Vec<_> = diff.files.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    git(&wt, &["add", "-A"]);
    assert_eq!(
        git(&wt, &["diff", "--cached", "--shortstat", &base]).trim_start(),
        "300 files changed, 200 insertions(+), 600 deletions(-)"
    );
}

#[test]
fn a_worktree_split_across_threads_reports_what_git_reports() {
    let (_tmp, owner, wt, _) = repo_with_worktree();
    for d in 0..42 {
        for f in 0..100 {
            write(&wt, &format!("src/m{d:02}/f{f:02}.rs"), &numbered(3));
        }
    }
    write(&wt, "docs/guide.md", "# guide\n");
    let base = owner.snapshot(&wt, "andon: iteration 1").unwrap();
    assert!(
        git(&wt, &["ls-files"]).lines().count() > 4096,
        "big enough to split"
    );

    write(&wt, "src/m00/f00.rs", "changed\n");
    write(&wt, "src/m41/f99.rs", "changed\n");
    fs::remove_file(wt.join("src/m20/f50.rs")).unwrap();
    git(&wt, &["rm", "--quiet", "src/m21/f00.rs"]);
    write(&wt, "src/m05/new.rs", "untracked in a tracked dir\n");
    write(&wt, "src/brand/new/deep.rs", "untracked dir\n");
    write(&wt, "TOP.md", "at the root\n");
    write(&wt, "target/ignored.o", "ignored\n");
    fs::rename(wt.join("docs/guide.md"), wt.join("src/m30/guide.md")).unwrap();

    let diff = owner
        .diff_worktree(&wt, &base, DiffLimits::default())
        .unwrap();
    let ours: Vec<String> = diff
        .files
        .iter()
        .map(|f| format!("{}\t{}", f.status.letter(), f.path))
        .collect();
    git(&wt, &["add", "-A"]);
    let theirs = git(
        &wt,
        &[
            "diff",
            "--cached",
            "--name-status",
            "--find-renames=100%",
            &base,
        ],
    );
    // git names a rename `R100\told\tnew`; ours carries the old path separately.
    let theirs: Vec<String> = theirs
        .lines()
        .map(|l| match l.strip_prefix("R100\t") {
            Some(paths) => format!("R\t{}", paths.split('\t').nth(1).unwrap()),
            None => l.to_string(),
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut ours_sorted = ours.clone();
    ours_sorted.sort_by(|a, b| a[2..].cmp(&b[2..]));
    assert_eq!(ours, ours_sorted, "sorted by path");
    let ours: std::collections::BTreeSet<_> = ours.into_iter().collect();
    assert_eq!(ours.into_iter().collect::<Vec<_>>(), theirs);
    assert_eq!(
        file(&diff, "src/m30/guide.md").old_path.as_deref(),
        Some("docs/guide.md")
    );
}

#[test]
fn each_hunk_carries_the_lines_above_it_back_to_the_previous_hunk() {
    let (_tmp, owner, wt, _) = repo_with_worktree();
    write(&wt, "long.txt", &numbered(40));
    git(&wt, &["add", "long.txt"]);
    git(&wt, &["commit", "-q", "-m", "long"]);
    let base_long = git(&wt, &["rev-parse", "HEAD"]).trim().to_string();
    let edited = numbered(40)
        .replace("l10\n", "l10 changed\n")
        .replace("l30\n", "l30 changed\n");
    write(&wt, "long.txt", &edited);
    let diff = owner
        .diff_worktree(&wt, &base_long, DiffLimits::default())
        .unwrap();
    let hunks = file(&diff, "long.txt").hunks();
    assert_eq!(hunks.len(), 2);
    // Hunk 1 starts at line 7 (three lines of context): lines 1-6 above it.
    let want: Vec<String> = (1..=6).map(|i| format!("l{i}")).collect();
    assert_eq!(hunks[0].lead_in.new, want);
    assert_eq!(hunks[0].lead_in.old, want);
    // Hunk 2 starts at line 27; hunk 1 ended at line 13: lines 14-26 between them.
    let want: Vec<String> = (14..=26).map(|i| format!("l{i}")).collect();
    assert_eq!(hunks[1].lead_in.new, want);
}

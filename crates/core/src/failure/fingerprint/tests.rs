use super::*;

macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/failures/",
                $name,
                ".txt"
            )),
        )
    };
}

/// Every captured failure, grouped by "the same failure": captures of one failure from
/// several runs (different temp dirs, timings, test order, colored or plain) share a group;
/// every group is a different failure.
const GROUPS: &[&[(&str, &str)]] = &[
    &[fixture!("bash-command-not-found")],
    &[fixture!("bash-no-such-file")],
    &[fixture!("bash-permission-denied")],
    &[
        fixture!("cargo-build-type-mismatch-1"),
        fixture!("cargo-build-type-mismatch-2"),
        fixture!("cargo-build-type-mismatch-plain"),
    ],
    &[fixture!("cargo-build-unresolved")],
    &[
        fixture!("cargo-test-assert-1"),
        fixture!("cargo-test-assert-2"),
    ],
    &[fixture!("cargo-test-unwrap-panic")],
    &[fixture!("clippy-bool-comparison")],
    &[fixture!("clippy-needless-1"), fixture!("clippy-needless-2")],
    &[fixture!("eslint-debugger")],
    &[fixture!("eslint-rules-1"), fixture!("eslint-rules-2")],
    &[fixture!("flake8-codes")],
    &[fixture!("gcc-error")],
    &[fixture!("go-build-undefined")],
    &[fixture!("go-test-build-failed")],
    &[fixture!("go-test-fail-1"), fixture!("go-test-fail-2")],
    &[fixture!("go-test-other")],
    &[fixture!("jest-expect-1"), fixture!("jest-expect-2")],
    &[fixture!("jest-type-error")],
    &[fixture!("node-cannot-find-module")],
    &[
        fixture!("pytest-assert-1"),
        fixture!("pytest-assert-2"),
        fixture!("pytest-assert-plain"),
    ],
    &[
        fixture!("pytest-import-error-1"),
        fixture!("pytest-import-error-2"),
    ],
    &[fixture!("pytest-type-error")],
    &[fixture!("python-module-not-found")],
    &[fixture!("python-syntax-error")],
    &[
        fixture!("ruff-unused-import-1"),
        fixture!("ruff-unused-import-2"),
    ],
    &[fixture!("rustfmt-diff-1"), fixture!("rustfmt-diff-2")],
    &[fixture!("rustfmt-diff-other")],
    &[fixture!("sh-not-found")],
    &[fixture!("tsc-possibly-undefined")],
    &[fixture!("tsc-type-error-1"), fixture!("tsc-type-error-2")],
    &[fixture!("vitest-assert-1"), fixture!("vitest-assert-2")],
    &[fixture!("vitest-type-error")],
];

#[test]
fn repeated_runs_of_one_failure_share_a_fingerprint() {
    for group in GROUPS.iter().filter(|g| g.len() > 1) {
        let (first_name, first) = group[0];
        for (name, output) in &group[1..] {
            assert_ne!(
                first, *output,
                "{name}: the captures should differ in raw text"
            );
            assert_eq!(
                fingerprint(first),
                fingerprint(output),
                "{first_name} vs {name}:\n{}\n---\n{}",
                normalize(first),
                normalize(output)
            );
        }
    }
}

#[test]
fn different_failures_have_different_fingerprints() {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for group in GROUPS {
        let (name, output) = group[0];
        let print = fingerprint(output);
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == print) {
            panic!("{name} and {other} share fingerprint {print}");
        }
        seen.push((print, name));
    }
}

#[test]
fn fingerprint_is_sixteen_lowercase_hex_characters() {
    let print = fingerprint(GROUPS[0][0].1);
    assert_eq!(print.len(), 16);
    assert!(print
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
}

#[test]
fn empty_output_has_a_stable_fingerprint() {
    // sha256("") starts with e3b0c44298fc1c14.
    assert_eq!(normalize(""), "");
    assert_eq!(fingerprint(""), "e3b0c44298fc1c14");
    assert_eq!(fingerprint("\n \r\n\t\n"), fingerprint(""));
    assert_eq!(fingerprint("\x1b[0m\n"), fingerprint(""));
}

#[test]
fn normalize_line_rules() {
    let cases: &[(&str, &str, &str)] = &[
        // escape sequences
        (
            "ansi colors",
            "\x1b[1m\x1b[91merror\x1b[0m\x1b[1m: mismatched types\x1b[0m",
            "error: mismatched types",
        ),
        (
            "osc hyperlink",
            "see \x1b]8;;https://x.invalid/a\x1b\\docs\x1b]8;;\x1b\\ here",
            "see docs here",
        ),
        ("osc title with bell", "\x1b]0;cargo test\x07done", "done"),
        (
            "charset switch",
            "\x1b[31m-  prices.iter().sum()\x1b(B\x1b[m",
            "- prices.iter().sum()",
        ),
        (
            "carriage return keeps the last frame",
            "⠋ Building\r⠙ Building\rerror: boom",
            "error: boom",
        ),
        ("crlf line ending", "error: boom\r", "error: boom"),
        ("control characters", "a\x07b\x08c", "abc"),
        // timestamps
        (
            "iso 8601",
            "2024-05-01T12:01:33.123Z ERROR x",
            "<time> ERROR x",
        ),
        (
            "iso with offset",
            "at 2024-05-01 12:01:33+02:00",
            "at <time>",
        ),
        ("time of day", "[12:01:33] failed", "[<time>] failed"),
        ("date", "2024/05/01 build failed", "<date> build failed"),
        (
            "date(1) style",
            "Mon Jan  5 12:01:33 UTC 2024 failed",
            "<time> UTC N failed",
        ),
        // hex ids and addresses
        ("commit hash", "at commit 3f2a9c1d8e", "at commit <hex>"),
        (
            "memory address",
            "ptr 0x7ffd5a3c9e10 freed",
            "ptr <hex> freed",
        ),
        (
            "rustc hash in paths",
            "at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panicking.rs:689:5",
            "at /rustc/<hex>/library/std/src/panicking.rs:N:N",
        ),
        (
            "cargo deps hash",
            "Running unittests src/lib.rs (target/debug/deps/shop_core-507999230d6984fa)",
            "Running unittests src/lib.rs (target/debug/deps/shop_core-<hash>)",
        ),
        ("hex-letter words stay", "defaced facade", "defaced facade"),
        (
            "uuid",
            "request 123e4567-e89b-12d3-a456-426614174000 failed",
            "request <uuid> failed",
        ),
        // paths
        (
            "tmp dir",
            "Compiling shop v0.1.0 (/tmp/andonfx.sJ5cmn/shop)",
            "Compiling shop v0.N.N (<tmp>/shop)",
        ),
        (
            "macos temp dir",
            "/var/folders/x1/abc123/T/.tmpAbCd/src/lib.rs",
            "<tmp>/src/lib.rs",
        ),
        (
            "macos private temp dir",
            "/private/var/folders/x1/abc123/T/.tmpAbCd/a",
            "<tmp>/a",
        ),
        (
            "home dir",
            "/home/alice/code/shop/src/lib.rs",
            "~/code/shop/src/lib.rs",
        ),
        (
            "root home",
            "/root/.cargo/registry/src",
            "~/.cargo/registry/src",
        ),
        ("macos home", "/Users/bob/shop/a.py", "~/shop/a.py"),
        (
            "home inside a path and parentheses",
            "/mnt/home/x (/home/alice/a.rs) \"/root/b\" /var/root",
            "/mnt/home/x (~/a.rs) \"~/b\" /var/root",
        ),
        (
            "pytest short summary",
            "FAILED tests/test_a.py::test_b - AssertionError: assert 190 == {...",
            "FAILED tests/test_a.py::test_b",
        ),
        (
            "worktree",
            "--> /home/alice/code/shop.worktrees/fix-pricing/src/lib.rs:12:5",
            "--> <worktree>/src/lib.rs:N:N",
        ),
        // numbers
        ("line and column", "src/lib.rs:19:9", "src/lib.rs:N:N"),
        (
            "durations",
            "finished in 0.42s (1.2s)",
            "finished in N.Ns (N.Ns)",
        ),
        (
            "thread id",
            "thread 'a' (7482) panicked",
            "thread 'a' (N) panicked",
        ),
        ("pid", "pid 4242 exited", "pid N exited"),
        ("negative values", "left: -150", "left: -N"),
        (
            "codes and names keep digits",
            "error[E0308] TS2322 F401 test_2 utf8",
            "error[E0308] TS2322 F401 test_2 utf8",
        ),
        // layout
        (
            "rulers are shortened",
            "===== 2 failed, 1 passed in 0.10s =====",
            "=== N failed, N passed in N.Ns ===",
        ),
        (
            "whitespace collapsed",
            "  2:9   error  'x' is unused  no-unused-vars  ",
            "N:N error 'x' is unused no-unused-vars",
        ),
    ];
    for (rule, input, expected) in cases {
        assert_eq!(normalize_line(input), *expected, "rule: {rule}");
    }
}

#[test]
fn line_shifts_and_timings_do_not_change_the_fingerprint() {
    let before = "thread 'tests::x' panicked at src/lib.rs:19:9:\nboom\ntest result: FAILED. 1 passed; 1 failed; finished in 0.42s";
    let after = "thread 'tests::x' panicked at src/lib.rs:27:13:\nboom\ntest result: FAILED. 2 passed; 1 failed; finished in 3.10s";
    assert_eq!(fingerprint(before), fingerprint(after));
}

#[test]
fn a_different_message_changes_the_fingerprint() {
    let a = "thread 'tests::x' panicked at src/lib.rs:19:9:\nprice went negative\n";
    let b = "thread 'tests::x' panicked at src/lib.rs:19:9:\nprice overflowed\n";
    assert_ne!(fingerprint(a), fingerprint(b));
}

#[test]
fn progress_noise_does_not_change_the_fingerprint() {
    let (_, failure) = fixture!("cargo-test-assert-1");
    let noise = [
        "   Compiling serde v1.0.229",
        "\x1b[1m\x1b[92m    Checking\x1b[0m shop v0.1.0 (/tmp/x)",
        "⠋ Building [=====>    ] 12/40: regex\r⠙ Building [======>   ] 13/40: sha2\r",
        "⠹",
        "   Finished `test` profile [unoptimized + debuginfo] target(s) in 12.01s",
        "     Running tests/api.rs (target/debug/deps/api-0123456789abcdef)",
        "running 7 tests",
        "test api::ok_path ... ok",
        "test result: ok. 7 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
        "Finished in 3.2s",
        "tests/test_api.py ..s.. [ 40%]",
        "PASS src/api.test.js",
        "✓ handles empty carts (3 ms)",
        "=== RUN   TestApi",
        "--- PASS: TestApi (0.00s)",
        "ok  \texample.com/shop/api\t0.002s",
    ];
    let noisy = format!("{}\n{failure}\n{}", noise.join("\n"), noise.join("\n"));
    assert_eq!(fingerprint(failure), fingerprint(&noisy));
}

#[test]
fn noise_is_also_ignored_by_the_fallback() {
    let quiet = "checking invariants\nstate mismatch in ledger\n";
    let noisy = "   Compiling shop v0.1.0\nchecking invariants\n⠋\nstate mismatch in ledger\nFinished in 0.2s\n";
    assert_eq!(
        normalize(quiet),
        "checking invariants\nstate mismatch in ledger"
    );
    assert_eq!(fingerprint(quiet), fingerprint(noisy));
}

#[test]
fn error_lines_are_selected_deduplicated_and_sorted() {
    let first =
        "setup done\nerror: b is wrong\nall good here\nerror: a is wrong\nerror: b is wrong\n";
    let second = "error: a is wrong\nsetup done again\nerror: b is wrong\n";
    assert_eq!(normalize(first), "error: a is wrong\nerror: b is wrong");
    assert_eq!(fingerprint(first), fingerprint(second));
}

#[test]
fn fallback_is_the_last_twenty_lines() {
    let lines: Vec<String> = (0..30)
        .map(|i| format!("step {}", ["a", "b", "c"][i % 3]))
        .collect();
    let mut changed_head = lines.clone();
    changed_head[0] = "a different first line".to_string();
    let mut changed_tail = lines.clone();
    changed_tail[29] = "a different last line".to_string();
    let print = fingerprint(&lines.join("\n"));
    assert_eq!(normalize(&lines.join("\n")).lines().count(), FALLBACK_LINES);
    assert_eq!(print, fingerprint(&changed_head.join("\n")));
    assert_ne!(print, fingerprint(&changed_tail.join("\n")));
}

#[test]
fn context_lines_are_selected() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "rust panic message",
            fixture!("cargo-test-assert-1").1,
            "price went negative: -N",
        ),
        (
            "python exception without Error in its name",
            "Traceback (most recent call last):\n  File \"cli.py\", line 3, in <module>\n    main()\nKeyboardInterrupt\n",
            "KeyboardInterrupt",
        ),
        (
            "rustfmt diff body",
            fixture!("rustfmt-diff-other").1,
            "+ if a < b { a } else { b }",
        ),
        (
            "go test message",
            fixture!("go-test-other").1,
            r#"discount_test.go:N: Code(" spring ") = " SPRING ", want "SPRING""#,
        ),
        (
            "pytest explanation",
            fixture!("pytest-assert-1").1,
            "E assert -N >= N",
        ),
    ];
    for (what, output, line) in cases {
        let normalized = normalize(output);
        assert!(
            normalized.lines().any(|l| l == *line),
            "{what}: {line:?} not in\n{normalized}"
        );
    }
}

#[test]
fn stack_frames_and_source_excerpts_are_not_selected() {
    let (_, failure) = fixture!("cargo-test-assert-1");
    let normalized = normalize(failure);
    assert!(!normalized.contains("assert_failed_inner"), "{normalized}");
    let (_, build) = fixture!("cargo-build-type-mismatch-1");
    assert!(
        !normalize(build).contains("let discount"),
        "{}",
        normalize(build)
    );
}

#[test]
fn every_pattern_compiles() {
    assert_eq!(SUBSTITUTIONS.len(), SUBSTITUTION_TABLE.len());
    for table in [NOISE_PATTERNS, ERROR_LINE_PATTERNS, NOT_ERROR_LINE_PATTERNS] {
        for pattern in table {
            assert!(Regex::new(pattern).is_ok(), "{pattern}");
        }
        assert_eq!(compile_set(table).len(), table.len());
    }
}

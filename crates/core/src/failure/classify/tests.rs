use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/failures/",
            $name,
            ".txt"
        ))
    };
}

fn input<'a>(check_name: &'a str, command: &'a str, output: &'a str) -> FailureInput<'a> {
    FailureInput {
        check_name,
        command,
        output,
        exit_code: Some(1),
        timed_out: false,
    }
}

struct Case {
    fixture: &'static str,
    output: &'static str,
    check: &'static str,
    command: &'static str,
    exit_code: i32,
    category: Category,
    min_confidence: f32,
    rule: &'static str,
}

macro_rules! case {
    ($fixture:literal, $check:literal, $command:literal, $exit:literal, $category:ident, $min:literal, $rule:literal) => {
        Case {
            fixture: $fixture,
            output: fixture!($fixture),
            check: $check,
            command: $command,
            exit_code: $exit,
            category: Category::$category,
            min_confidence: $min,
            rule: $rule,
        }
    };
}

/// Every captured failure with the check that produced it and its real exit code:
/// fixture, check name, command, exit code, category, minimum confidence, rule.
#[rustfmt::skip]
const CASES: &[Case] = &[
    case!("pytest-connection-refused", "tests", "python3 -m pytest -q test_api.py", 1, Environment, 1.0, "connection_refused"),
    case!("curl-couldnt-connect", "health", "curl -sS --fail http://127.0.0.1:9/health", 7, Environment, 1.0, "connection_refused"),
    case!("psql-connection-refused", "db", "psql -h 127.0.0.1 -p 9 -c 'select 1'", 2, Environment, 1.0, "connection_refused"),
    case!("bash-command-not-found", "tests", "pytets -q tests/", 127, Environment, 0.9, "command_not_found"),
    case!("bash-no-such-file", "lint", "./scripts/lint.sh --strict", 127, Environment, 0.9, "shell_missing_path"),
    case!("bash-permission-denied", "check", "./scripts/check.sh", 126, Environment, 0.85, "permission_denied"),
    case!("sh-not-found", "lint", "golangci-lint run ./...", 127, Environment, 0.9, "shell_not_found"),
    case!("node-cannot-find-module", "smoke", "node pad.js", 1, Environment, 0.9, "node_module_not_found"),
    case!("python-module-not-found", "smoke", "python3 -c 'import requests_toolbelt'", 1, Environment, 0.9, "python_module_not_found"),
    case!("pytest-import-error-1", "tests", "pytest --color=yes", 2, Environment, 0.9, "python_module_not_found"),
    case!("pytest-import-error-2", "tests", "pytest --color=yes", 2, Environment, 0.9, "python_module_not_found"),
    case!("cargo-build-type-mismatch-1", "build", "cargo build --color always", 101, BuildError, 0.95, "rustc_error_code"),
    case!("cargo-build-type-mismatch-2", "build", "cargo build --color always", 101, BuildError, 0.95, "rustc_error_code"),
    case!("cargo-build-type-mismatch-plain", "build", "cargo build --color never", 101, BuildError, 0.95, "rustc_error_code"),
    case!("cargo-build-unresolved", "build", "cargo build", 101, BuildError, 0.95, "rustc_error_code"),
    case!("tsc-type-error-1", "types", "tsc -p . --pretty", 1, BuildError, 0.9, "tsc_error"),
    case!("tsc-type-error-2", "types", "tsc -p . --pretty", 1, BuildError, 0.9, "tsc_error"),
    case!("tsc-possibly-undefined", "typecheck", "npx tsc --noEmit", 1, BuildError, 0.9, "tsc_error"),
    case!("go-build-undefined", "build", "go build ./...", 1, BuildError, 0.9, "go_undefined"),
    case!("go-test-build-failed", "tests", "go test ./...", 2, BuildError, 0.95, "go_build_failed"),
    case!("python-syntax-error", "smoke", "python3 discount.py", 1, BuildError, 0.85, "python_syntax_error"),
    case!("gcc-error", "build", "cc -Wall -o main main.c", 1, BuildError, 0.85, "c_compiler_error"),
    case!("cargo-test-assert-1", "tests", "cargo test --color always", 101, TestFailure, 0.95, "rust_panicked"),
    case!("cargo-test-assert-2", "tests", "cargo test --color always", 101, TestFailure, 0.95, "rust_panicked"),
    case!("cargo-test-unwrap-panic", "unit", "cargo test", 101, TestFailure, 0.95, "rust_panicked"),
    case!("pytest-assert-1", "tests", "python -m pytest --color=yes", 1, TestFailure, 0.95, "pytest_failed"),
    case!("pytest-assert-2", "tests", "python -m pytest --color=yes", 1, TestFailure, 0.95, "pytest_failed"),
    case!("pytest-assert-plain", "tests", "python -m pytest --color=no", 1, TestFailure, 0.95, "pytest_failed"),
    case!("pytest-type-error", "unit", "python -m pytest", 1, TestFailure, 0.95, "pytest_failed"),
    case!("jest-expect-1", "tests", "jest --colors --maxWorkers=2", 1, TestFailure, 0.95, "js_fail_file"),
    case!("jest-expect-2", "tests", "jest --colors --maxWorkers=2", 1, TestFailure, 0.95, "js_fail_file"),
    case!("jest-type-error", "unit", "npx jest", 1, TestFailure, 0.95, "js_fail_file"),
    case!("vitest-assert-1", "tests", "vitest run", 1, TestFailure, 0.95, "js_fail_file"),
    case!("vitest-assert-2", "tests", "vitest run", 1, TestFailure, 0.95, "js_fail_file"),
    case!("vitest-type-error", "unit", "npx vitest run", 1, TestFailure, 0.95, "js_fail_file"),
    case!("go-test-fail-1", "tests", "go test ./...", 1, TestFailure, 0.95, "go_test_fail"),
    case!("go-test-fail-2", "tests", "go test ./...", 1, TestFailure, 0.95, "go_test_fail"),
    case!("go-test-other", "unit", "go test -v ./...", 1, TestFailure, 0.95, "go_test_fail"),
    case!("clippy-needless-1", "clippy", "cargo clippy --color always -- -D warnings", 101, LintFailure, 0.95, "clippy_lint"),
    case!("clippy-needless-2", "clippy", "cargo clippy --color always -- -D warnings", 101, LintFailure, 0.95, "clippy_lint"),
    case!("clippy-bool-comparison", "lint", "cargo clippy -- -D warnings", 101, LintFailure, 0.95, "clippy_lint"),
    case!("rustfmt-diff-1", "fmt", "cargo fmt --check", 1, LintFailure, 0.95, "rustfmt_diff"),
    case!("rustfmt-diff-2", "fmt", "cargo fmt --check", 1, LintFailure, 0.95, "rustfmt_diff"),
    case!("rustfmt-diff-other", "format", "cargo fmt --check", 1, LintFailure, 0.95, "rustfmt_diff"),
    case!("eslint-rules-1", "eslint", "eslint --color src", 1, LintFailure, 0.95, "eslint_problems"),
    case!("eslint-rules-2", "eslint", "eslint --color src", 1, LintFailure, 0.95, "eslint_problems"),
    case!("eslint-debugger", "lint", "npx eslint src", 1, LintFailure, 0.95, "eslint_problems"),
    case!("ruff-unused-import-1", "lint", "ruff check pricing", 1, LintFailure, 0.85, "ruff_code"),
    case!("ruff-unused-import-2", "lint", "ruff check pricing", 1, LintFailure, 0.85, "ruff_code"),
    case!("flake8-codes", "style", "flake8 pricing", 1, LintFailure, 0.85, "flake8_code"),
];

#[test]
fn every_fixture_is_classified() {
    for case in CASES {
        let got = classify(&FailureInput {
            check_name: case.check,
            command: case.command,
            output: case.output,
            exit_code: Some(case.exit_code),
            timed_out: false,
        });
        assert_eq!(got.category, case.category, "{}: {got:?}", case.fixture);
        assert_eq!(got.rule, case.rule, "{}: {got:?}", case.fixture);
        assert!(
            got.confidence >= case.min_confidence && got.confidence <= 1.0,
            "{}: {got:?}",
            case.fixture
        );
        let evidence = got.evidence.unwrap_or_default();
        assert!(
            !evidence.is_empty()
                && visible_text(case.output).contains(evidence.split(' ').next().unwrap_or("")),
            "{}: evidence {evidence:?} should come from the output",
            case.fixture
        );
    }
}

#[test]
fn every_fixture_keeps_its_category_under_an_uninformative_check_name() {
    for case in CASES {
        let got = classify(&input("check-1", "make ci", case.output));
        assert_eq!(got.category, case.category, "{}: {got:?}", case.fixture);
    }
}

#[test]
fn evidence_is_readable() {
    let got = classify(&input("tests", "jest", fixture!("jest-type-error")));
    assert_eq!(got.evidence.as_deref(), Some("FAIL src/cart.test.js"));
    let got = classify(&input(
        "build",
        "cargo build",
        fixture!("cargo-build-type-mismatch-1"),
    ));
    // Escape sequences stripped, alignment collapsed.
    assert_eq!(
        got.evidence.as_deref(),
        Some("error[E0308]: mismatched types")
    );
}

#[test]
fn a_timeout_wins_whatever_the_output() {
    let got = classify(&FailureInput {
        timed_out: true,
        exit_code: None,
        ..input("tests", "cargo test", fixture!("cargo-test-assert-1"))
    });
    assert_eq!(got.category, Category::Timeout);
    assert_eq!(got.confidence, 1.0);
    assert_eq!(got.rule, "timed_out");
}

#[test]
fn empty_output_is_unknown_with_low_confidence() {
    let got = classify(&input("check-1", "make ci", ""));
    assert_eq!(
        got,
        Classification {
            category: Category::Unknown,
            confidence: UNKNOWN_CONFIDENCE,
            rule: "no_rule_matched",
            evidence: None,
        }
    );
    assert!(got.confidence < 0.5);
}

#[test]
fn exit_codes_of_the_shell_mean_environment() {
    for (code, rule) in [(127, "exit_127"), (126, "exit_126")] {
        let got = classify(&FailureInput {
            exit_code: Some(code),
            ..input("check-1", "make ci", "")
        });
        assert_eq!(got.category, Category::Environment, "{code}");
        assert_eq!(got.rule, rule);
        assert_eq!(got.evidence, Some(format!("exit code {code}")));
    }
}

#[test]
fn a_lint_check_name_raises_lint_confidence() {
    let output = fixture!("clippy-bool-comparison");
    let plain = classify(&input("check-1", "make ci", output));
    let named = classify(&input("clippy", "cargo clippy -- -D warnings", output));
    assert_eq!(plain.category, Category::LintFailure);
    assert!(
        named.confidence > plain.confidence,
        "{named:?} vs {plain:?}"
    );
}

#[test]
fn a_check_name_alone_beats_unknown_but_not_the_output() {
    let odd = "the linter crashed in an unexpected way";
    let got = classify(&input("eslint", "npx eslint .", odd));
    assert_eq!(
        (got.category, got.rule),
        (Category::LintFailure, "lint_check_name")
    );
    assert!(got.confidence > UNKNOWN_CONFIDENCE && got.confidence < 0.5);
    assert_eq!(
        classify(&input("misc", "make misc", odd)).category,
        Category::Unknown
    );
    // A lint check whose tool is missing is an environment problem, not a lint failure.
    let got = classify(&input(
        "lint",
        "golangci-lint run",
        fixture!("sh-not-found"),
    ));
    assert_eq!(got.category, Category::Environment);
}

#[test]
fn the_most_specific_rule_wins_over_generic_ones() {
    // clippy ends with rustc's `could not compile`, a build error at lower confidence.
    let got = classify(&input("check-1", "make ci", fixture!("clippy-needless-1")));
    assert_eq!(got.category, Category::LintFailure);
    // A test failing on a missing fixture file is still a test failure.
    let output = "thread 'loads' panicked at src/lib.rs:3:5:\nNo such file or directory (os error 2)\ntest result: FAILED. 0 passed; 1 failed";
    assert_eq!(
        classify(&input("tests", "cargo test", output)).category,
        Category::TestFailure
    );
}

#[test]
fn equal_confidences_go_to_the_rule_listed_first() {
    // Both rules have confidence 0.95; command_not_found is listed before the test rules.
    let output = "test result: FAILED. 0 passed; 1 failed\nbash: line 1: jq: command not found";
    let got = classify(&input("check-1", "make ci", output));
    assert_eq!(
        (got.category, got.rule),
        (Category::Environment, "command_not_found")
    );
}

#[test]
fn evidence_is_cut_at_two_hundred_characters() {
    let long = format!("error[E0308]: {}", "x".repeat(500));
    let got = classify(&input("build", "cargo build", &long));
    assert_eq!(
        got.evidence.map(|e| e.chars().count()),
        Some(EVIDENCE_MAX_CHARS)
    );
    let multibyte = format!("error[E0308]: {}", "é".repeat(500));
    let got = classify(&input("build", "cargo build", &multibyte));
    assert_eq!(
        got.evidence.map(|e| e.chars().count()),
        Some(EVIDENCE_MAX_CHARS)
    );
}

#[test]
fn agent_exit_is_an_agent_error_with_the_last_error_line() {
    let output = "Thinking...\nError: rate limit exceeded\nretrying\n\x1b[31mError: API key invalid\x1b[0m\nbye\n";
    let got = classify_agent_exit(output, Some(1));
    assert_eq!(got.category, Category::AgentError);
    assert_eq!(got.confidence, AGENT_ERROR_CONFIDENCE);
    assert_eq!(got.evidence.as_deref(), Some("Error: API key invalid"));
    assert_eq!(got.rule, "agent_exit_nonzero");

    let quiet = classify_agent_exit("all done\n", None);
    assert_eq!(quiet.category, Category::AgentError);
    assert_eq!(quiet.evidence, None);
    assert_eq!(quiet.rule, "agent_killed_by_signal");
}

#[test]
fn category_names_round_trip() {
    for category in Category::ALL {
        assert_eq!(Category::parse(category.as_str()), Some(category));
        assert_eq!(category.to_string(), category.as_str());
        let json = serde_json::to_string(&category).unwrap();
        assert_eq!(json, format!("\"{}\"", category.as_str()));
        assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), category);
    }
    assert_eq!(Category::parse("BuildError"), None);
    assert_eq!(Category::parse(""), None);
}

#[test]
fn the_rule_table_is_sound() {
    let compiled = &*COMPILED;
    let line_rules = RULES
        .iter()
        .filter(|r| matches!(r.trigger, Trigger::Line(_)))
        .count();
    assert_eq!(
        compiled.lines.len(),
        line_rules,
        "a line pattern does not compile"
    );
    assert_eq!(
        compiled.hints.len(),
        HINT_PATTERNS.len(),
        "a hint pattern does not compile"
    );
    for (index, rule) in RULES.iter().enumerate() {
        assert!((0.0..=1.0).contains(&rule.confidence), "{}", rule.name);
        assert!(rule.confidence > UNKNOWN_CONFIDENCE, "{}", rule.name);
        assert!(
            !RULES[..index].iter().any(|other| other.name == rule.name),
            "duplicate rule name {}",
            rule.name
        );
        assert!(
            !matches!(rule.trigger, Trigger::HintOnly) || rule.hint.is_some(),
            "{}: a hint-only rule needs a hint",
            rule.name
        );
        assert!(
            !matches!(
                rule.category,
                Category::AgentError | Category::GuardViolation | Category::Unknown
            ),
            "{}: the reducer assigns that category",
            rule.name
        );
    }
}

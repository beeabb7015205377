//! The classifier's rule table: which output lines, exit codes and check names point to which
//! failure category, and how sure each clue is. Data only; `classify` compiles and applies it.
//!
//! Confidences encode precedence. A tool-specific verdict line (`test result: FAILED`,
//! `✖ 3 problems`) beats a generic one (`could not compile`, `No such file or directory`),
//! so that clippy's closing `could not compile` stays a lint failure and a test that fails on a
//! missing fixture stays a test failure. Equal confidences fall back to table order.

use crate::failure::classify::Category;

/// What a rule looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Trigger {
    /// A regex that must match one visible output line.
    Line(&'static str),
    /// The check's exit code.
    ExitCode(i32),
    /// Only the check's name or command, when nothing in the output said more.
    HintOnly,
}

/// Which kind of check a name or command suggests; it raises the confidence of the rules of
/// that category that matched (a clippy finding in a check called `lint` is surely a lint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    Lint,
    Test,
    Build,
}

pub(crate) struct Rule {
    pub name: &'static str,
    pub category: Category,
    pub confidence: f32,
    pub trigger: Trigger,
    pub hint: Option<Hint>,
}

/// Added to a matched rule's confidence when the check's name or command carries its hint.
pub(crate) const HINT_BONUS: f32 = 0.05;

/// Regexes over `"<check name> <command>"` for each hint.
#[rustfmt::skip]
pub(crate) const HINT_PATTERNS: &[(Hint, &str)] = &[
    (Hint::Lint, r"(?i)lint|clippy|eslint|\bfmt\b|rustfmt|gofmt|format|ruff|flake8|pylint|prettier|biome|golangci|stylelint|\bvet\b"),
    (Hint::Test, r"(?i)\btests?\b|pytest|jest|vitest|mocha|nextest|\bspec\b"),
    (Hint::Build, r"(?i)\bbuild\b|compile|\btsc\b|typecheck|type-check|cargo check"),
];

const fn rule(
    name: &'static str,
    category: Category,
    confidence: f32,
    trigger: Trigger,
    hint: Option<Hint>,
) -> Rule {
    Rule {
        name,
        category,
        confidence,
        trigger,
        hint,
    }
}

use Category::{BuildError, Environment, LintFailure, TestFailure, Timeout};
use Hint::{Build, Lint, Test};
use Trigger::{ExitCode, HintOnly, Line};

/// One rule per row: name, category, confidence, trigger, hint. Line patterns match one
/// visible output line (escape sequences removed, numbers intact).
#[rustfmt::skip]
pub(crate) const RULES: &[Rule] = &[
    // Environment, in the middle of a loop: a service, the network or the disk failed, not the
    // code. Certain enough to win over the test failures they cause (a test's hint included).
    rule("connection_refused", Environment, 1.0,
        Line(r"(?i)connection refused|\bECONNREFUSED\b|connection reset by peer|\bECONNRESET\b|couldn't connect to server"), None),
    rule("network_unreachable", Environment, 1.0,
        Line(r"(?i)network is unreachable|\bENETUNREACH\b|no route to host|\bEHOSTUNREACH\b|temporary failure in name resolution|could not resolve host|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)"), None),
    rule("disk_full", Environment, 1.0,
        Line(r"(?i)no space left on device|\bENOSPC\b|disk quota exceeded"), None),
    rule("service_unavailable", Environment, 0.9,
        Line(r"(?i)\b503 service unavailable\b|\bservice unavailable\b"), None),
    // Environment: the check could not run as written, whatever the code says.
    rule("command_not_found", Environment, 0.95, Line(r"command not found"), None),
    rule("shell_not_found", Environment, 0.95,
        Line(r"^(?:\S*/)?(?:sh|bash|dash|zsh|env):? (?:\d+: |line \d+: )?\S+: not found$"), None),
    rule("shell_missing_path", Environment, 0.9,
        Line(r"^(?:\S*/)?(?:sh|bash|dash|zsh|env):? (?:\d+: |line \d+: )?\S+: No such file or directory$"), None),
    rule("cargo_no_such_command", Environment, 0.9, Line(r"^error: no such command: "), None),
    rule("cargo_manifest_missing", Environment, 0.9, Line(r"could not find `Cargo\.toml`"), None),
    rule("python_module_not_found", Environment, 0.9, Line(r"ModuleNotFoundError: |\bNo module named "), None),
    rule("pytest_import_error", Environment, 0.85, Line(r"ImportError while importing test module"), None),
    rule("node_module_not_found", Environment, 0.9, Line(r"Cannot find (?:module|package) '|ERR_MODULE_NOT_FOUND"), None),
    rule("go_package_missing", Environment, 0.85,
        Line(r"no required module provides package|cannot find package "), None),
    rule("npm_missing_script", Environment, 0.85, Line(r"(?i)npm (?:ERR!|error) Missing script"), None),
    rule("permission_denied", Environment, 0.85, Line(r"(?i)permission denied|\bEACCES\b|\bEPERM\b"), None),
    rule("exit_127", Environment, 0.85, ExitCode(127), None),
    rule("exit_126", Environment, 0.8, ExitCode(126), None),
    rule("missing_path", Environment, 0.6, Line(r"(?i)no such file or directory|\bENOENT\b|cannot access '"), None),
    // Timeouts the tool reports itself (andon's own timeout is the `timed_out` flag).
    rule("go_test_timeout", Timeout, 0.9, Line(r"^panic: test timed out after "), None),
    // Build errors: the code does not compile.
    rule("cargo_build_script_failed", BuildError, 0.97, Line(r"^error: failed to run custom build command"), Some(Build)),
    rule("rustc_error_code", BuildError, 0.95, Line(r"^error\[E\d{4}\]"), Some(Build)),
    rule("go_build_failed", BuildError, 0.95, Line(r"^FAIL\s+\S+\s+\[(?:build|setup) failed\]"), Some(Build)),
    rule("tsc_error", BuildError, 0.9, Line(r"\berror TS\d+:"), Some(Build)),
    rule("go_undefined", BuildError, 0.9, Line(r"\.go:\d+:\d+: undefined: "), Some(Build)),
    rule("c_compiler_error", BuildError, 0.85, Line(r"^\S+:\d+:\d+: (?:fatal )?error: "), Some(Build)),
    rule("linker_error", BuildError, 0.85,
        Line(r"undefined reference to |ld returned \d+ exit status|^error: linking with "), Some(Build)),
    rule("python_syntax_error", BuildError, 0.85, Line(r"\b(?:SyntaxError|IndentationError|TabError): "), Some(Build)),
    rule("go_compile_error", BuildError, 0.8, Line(r"^\S+\.go:\d+:\d+: "), Some(Build)),
    rule("cargo_could_not_compile", BuildError, 0.8, Line(r"^error: could not compile "), Some(Build)),
    // Test failures: the code builds and a test says it is wrong.
    rule("rust_panicked", TestFailure, 0.95, Line(r"panicked at "), Some(Test)),
    rule("cargo_test_result_failed", TestFailure, 0.95, Line(r"^test result: FAILED\."), Some(Test)),
    rule("cargo_test_failed", TestFailure, 0.95, Line(r"^error: test failed, to rerun pass "), Some(Test)),
    rule("pytest_failed", TestFailure, 0.95, Line(r"^FAILED \S+::"), Some(Test)),
    rule("pytest_summary_failed", TestFailure, 0.95, Line(r"^=+ .*\b\d+ failed\b.* in [\d.]+s"), Some(Test)),
    rule("js_fail_file", TestFailure, 0.95, Line(r"^\s*FAIL\s+\S+\.(?:test|spec)\.[cm]?[jt]sx?\b"), Some(Test)),
    rule("js_tests_failed", TestFailure, 0.95,
        Line(r"^\s*(?:Tests:|Tests|Test Files|Test Suites:)\s+\d+ failed"), Some(Test)),
    rule("go_test_fail", TestFailure, 0.95, Line(r"^--- FAIL: "), Some(Test)),
    rule("go_fail_package", TestFailure, 0.9, Line(r"^FAIL\s+\S+\s+\d+(?:\.\d+)?s$"), Some(Test)),
    rule("cargo_test_line_failed", TestFailure, 0.9, Line(r"^test \S+ \.\.\. FAILED$"), Some(Test)),
    rule("assertion_error", TestFailure, 0.85, Line(r"\bAssertionError\b"), Some(Test)),
    rule("go_panic", TestFailure, 0.8, Line(r"^panic: "), Some(Test)),
    rule("pytest_error", TestFailure, 0.6, Line(r"^ERROR \S+"), Some(Test)),
    // Lint failures: the code builds and works, a linter or formatter objects.
    rule("rustfmt_diff", LintFailure, 0.95, Line(r"^Diff in \S+(?::\d+:| at line \d+:)$"), Some(Lint)),
    rule("eslint_problems", LintFailure, 0.95, Line(r"^✖ \d+ problems? \("), Some(Lint)),
    rule("clippy_lint", LintFailure, 0.9, Line(r"clippy::[a-z_-]+"), Some(Lint)),
    rule("prettier_check", LintFailure, 0.9, Line(r"Code style issues (?:found|were found)"), Some(Lint)),
    rule("rustc_lint_denied", LintFailure, 0.85,
        Line(r"implied by `-D warnings`|#\[deny\([a-z_:]+\)\]"), Some(Lint)),
    rule("eslint_rule", LintFailure, 0.85,
        Line(r"^\s*\d+:\d+\s+(?:error|warning)\s+.+\s{2,}(?:@?[\w-]+/)?[a-z][\w-]*$"), Some(Lint)),
    rule("flake8_code", LintFailure, 0.85, Line(r"^\S+:\d+:\d+: [A-Z]{1,3}\d{3,4} "), Some(Lint)),
    rule("ruff_code", LintFailure, 0.8, Line(r"^[A-Z]{1,4}\d{3,4} (?:\[\*\] )?\S"), Some(Lint)),
    // Only the check's name or command says what it is.
    rule("lint_check_name", LintFailure, 0.35, HintOnly, Some(Lint)),
    rule("test_check_name", TestFailure, 0.3, HintOnly, Some(Test)),
    rule("build_check_name", BuildError, 0.3, HintOnly, Some(Build)),
];

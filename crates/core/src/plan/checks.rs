//! A plan's checks: the `[[checks]]` tables and the body lines of the form
//! ``- [Testing] Run `cargo test` - must pass``, merged into one uniquely named list.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use lazy_regex::{lazy_regex, Lazy};
use regex::Regex;

use crate::file_error::FileError;
use crate::plan::frame::prose_lines;
use crate::plan::CheckSpec;

/// How long a check may run when the plan does not say.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(10 * 60);

// lazy-regex checks the patterns when andon is compiled.
static CHECK_LINE: Lazy<Regex> = lazy_regex!(
    r"(?x)^\s*[-*+]\s+
          \[(?P<tag>[A-Za-z][A-Za-z0-9\ _-]*)\]\s+
          (?i:run)\s+
          (?:``\ ?(?P<double>[^`].*?)\ ?``|`(?P<single>[^`]+)`)
          \s*[-\u{2013}\u{2014}]+\s*(?i:must\ pass)\b"
);

/// A line that starts like a check line and says "must pass", but does not parse as one.
static NEAR_MISS: Lazy<Regex> =
    lazy_regex!(r"(?i)^\s*[-*+]\s+\[(?P<tag>[^\]]*)\]\s+run\b.*must\s+pass");

const CHECK_LINE_FORM: &str = "write it as - [Testing] Run `cargo test` - must pass (a [Tag] of \
     letters, digits, spaces, '-' or '_', and the command in backticks)";

/// Checks declared in the body, named after their lowercased tag; repeats of a tag get
/// `-2`, `-3` suffixes.
pub fn body_checks(
    file: &Path,
    body: &str,
    first_line: usize,
) -> Result<Vec<CheckSpec>, FileError> {
    let (check_line, near_miss) = (&*CHECK_LINE, &*NEAR_MISS);
    let mut checks = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (line, text) in prose_lines(body, first_line) {
        let Some(caps) = check_line.captures(text) else {
            if let Some(caps) = near_miss.captures(text) {
                // `- [ ] ...` and `- [x] ...` are Markdown task items, not check lines.
                if !matches!(caps["tag"].trim(), "" | "x" | "X") {
                    return Err(FileError::new(
                        file,
                        line,
                        "this line looks like a check but andon cannot read it",
                        CHECK_LINE_FORM,
                    ));
                }
            }
            continue;
        };
        let run = caps
            .name("single")
            .or_else(|| caps.name("double"))
            .map_or("", |m| m.as_str())
            .trim();
        if run.is_empty() {
            return Err(FileError::new(
                file,
                line,
                "the check on this line has an empty command",
                CHECK_LINE_FORM,
            ));
        }
        let base = caps["tag"]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-")
            .to_lowercase();
        let count = seen.entry(base.clone()).or_insert(0);
        *count += 1;
        let name = if *count == 1 {
            base
        } else {
            format!("{base}-{count}")
        };
        checks.push(CheckSpec {
            name,
            run: run.to_string(),
            timeout: DEFAULT_CHECK_TIMEOUT,
            network: false,
            line,
        });
    }
    Ok(checks)
}

/// Check names end up in log file names (`check-<name>.log`), so they are kept to a safe
/// alphabet.
pub fn valid_check_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Rejects two checks with the same name, naming both lines.
pub fn ensure_unique(file: &Path, checks: &[CheckSpec]) -> Result<(), FileError> {
    let mut first_line: BTreeMap<&str, usize> = BTreeMap::new();
    for check in checks {
        if let Some(earlier) = first_line.insert(&check.name, check.line) {
            let (first, second) = (earlier.min(check.line), earlier.max(check.line));
            return Err(FileError::new(
                file,
                second,
                format!(
                    "two checks are named `{}`: on line {first} and on line {second}",
                    check.name
                ),
                "rename one of them: change `name` in the [[checks]] table, or the [Tag] of the \
                 body line (body lines are named after their tag, lowercased, with -2, -3 for \
                 repeats)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<(String, String, usize)>, FileError> {
        body_checks(Path::new("p.md"), body, 10).map(|checks| {
            checks
                .into_iter()
                .map(|c| (c.name, c.run, c.line))
                .collect()
        })
    }

    fn check(name: &str, run: &str, line: usize) -> (String, String, usize) {
        (name.into(), run.into(), line)
    }

    #[test]
    fn body_lines_become_named_checks() {
        let body = "\
# Plan
- [Testing] Run `cargo test` - must pass
- [Lint] Run `cargo clippy -- -D warnings` — must pass before merge
* [Testing] run `cargo test --doc` – Must Pass
- [Type Check] Run ``echo `date` `` -- must pass
```
- [Testing] Run `ignored` - must pass
```
- [ ] Run `cargo fmt` - must pass
- [Testing] Run `cargo bench` and look at it
plain text mentioning - [Lint] Run `x` - must pass
";
        let checks = parse(body).expect("valid");
        assert_eq!(
            checks,
            [
                check("testing", "cargo test", 11),
                check("lint", "cargo clippy -- -D warnings", 12),
                check("testing-2", "cargo test --doc", 13),
                check("type-check", "echo `date`", 14),
            ]
        );
    }

    #[test]
    fn near_misses_are_errors_with_the_expected_form() {
        let cases: &[(&str, usize)] = &[
            ("intro\n- [Testing] Run cargo test - must pass\n", 11),
            ("- [Lint/Style] Run `x` - must pass\n", 10),
            ("\n\n- [Testing] Run `  ` - must pass\n", 12),
        ];
        for (body, line) in cases {
            let err = parse(body).expect_err(body);
            assert_eq!(err.line, *line, "{body:?}");
            assert!(
                err.fix.contains("- [Testing] Run `cargo test` - must pass"),
                "{err}"
            );
        }
    }

    #[test]
    fn duplicate_names_name_both_lines() {
        let spec = |name: &str, line| CheckSpec {
            name: name.into(),
            run: "x".into(),
            timeout: DEFAULT_CHECK_TIMEOUT,
            network: false,
            line,
        };
        assert!(ensure_unique(Path::new("p.md"), &[spec("a", 3), spec("b", 9)]).is_ok());
        let err = ensure_unique(
            Path::new("p.md"),
            &[spec("a", 3), spec("b", 5), spec("a", 9)],
        )
        .expect_err("duplicate");
        assert_eq!(err.line, 9);
        assert!(err.message.contains("line 3 and on line 9"), "{err}");
    }

    #[test]
    fn check_names_are_file_name_safe() {
        for name in ["tests", "unit-2", "a.b_c", "9"] {
            assert!(valid_check_name(name), "{name}");
        }
        for name in ["", "-x", "a/b", "a b", "../x", "é"] {
            assert!(!valid_check_name(name), "{name}");
        }
    }
}

//! Configuration mistakes, told apart from the agent's failures: a check or an agent that can
//! never succeed as written (a command not found, a script that is not there, a variable andon
//! withholds). Such a run stops the line at once with the fix named; no breaker counts it and
//! no Meta-Andon asks the agent to plan around it.

use lazy_regex::{lazy_regex, Lazy};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::sanitize::one_line;

/// What is misconfigured, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misconfigured {
    /// One line: what cannot work, with the evidence.
    pub what: String,
    pub fix: String,
}

/// Exit codes a POSIX shell uses for "found but cannot execute" and "not found".
const CANNOT_EXECUTE: i32 = 126;
const NOT_FOUND: i32 = 127;

/// `sh: 1: pytset: not found`, `bash: line 1: pytset: command not found`,
/// `zsh: command not found: pytset`.
/// (lazy-regex checks the pattern when andon is compiled.)
static NOT_FOUND_LINE: Lazy<Regex> =
    lazy_regex!(r"(?m)(?:^|: )([^\s:]+): (?:command )?not found\s*$|command not found: (\S+)");

/// A check that exited 126 or 127: its command cannot run here at all.
pub fn check(
    name: &str,
    command: &str,
    exit_code: Option<i32>,
    output: &str,
    plan: &str,
) -> Option<Misconfigured> {
    let code = exit_code?;
    if code != NOT_FOUND && code != CANNOT_EXECUTE {
        return None;
    }
    let evidence = evidence_line(output);
    let missing = NOT_FOUND_LINE
        .captures_iter(output)
        .last()
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().to_string());
    let (what, fix) = match (code, missing) {
        (NOT_FOUND, Some(program)) => (
            format!("check `{name}` runs `{program}`, which is not installed or not on PATH ({evidence})"),
            format!(
                "install `{program}` or fix its name in {plan}'s checks; a corrected plan is a new \
                 plan (plans are immutable): abort this loop and run the corrected copy"
            ),
        ),
        (NOT_FOUND, None) => (
            format!("check `{name}` (`{}`) found no command to run ({evidence})", one_line(command, 80)),
            format!("fix the check's command in {plan}; a corrected plan is a new plan: abort this loop and run the corrected copy"),
        ),
        _ => (
            format!("check `{name}` cannot execute (`{}`: {evidence})", one_line(command, 80)),
            "make the program executable (chmod +x) or run it through its interpreter \
             (`sh script.sh`), then resume"
                .to_string(),
        ),
    };
    Some(Misconfigured { what, fix })
}

/// An agent run that changed nothing and failed because its command cannot start — exit 126
/// or 127, or a shell or interpreter saying a script named in its command is not there — or
/// because it names a variable andon withholds from agents.
pub struct AgentRun<'a> {
    /// The profile's name, e.g. `claude` or `fixer`.
    pub agent: &'a str,
    /// The argv as the profile writes it (before placeholders are filled in).
    pub command: &'a [String],
    pub exit_code: Option<i32>,
    pub changed_nothing: bool,
    pub output: &'a str,
    /// Variables of andon's own environment that the agent did not get.
    pub withheld: &'a [String],
    /// Where a withheld variable may be allowed: the user config when the user's floor (or
    /// andon's defaults) withholds it — a repository may not let it through — else the
    /// repository's `andon.toml`.
    pub allow_in: &'a dyn Fn(&str) -> String,
}

pub fn agent(run: &AgentRun<'_>) -> Option<Misconfigured> {
    if !run.changed_nothing || run.exit_code == Some(0) {
        return None;
    }
    let agent = run.agent;
    if let Some(var) = withheld_named(run.output, run.withheld) {
        return Some(Misconfigured {
            what: format!(
                "agent `{agent}` failed naming {var}, a variable andon withholds from agents ({})",
                evidence_line(run.output)
            ),
            fix: format!(
                "allow it: env_allow = [\"{var}\"] under [agents.{agent}] in {} (or \
                 [env] allow for every agent), restart andon, then resume",
                (run.allow_in)(var)
            ),
        });
    }
    let missing_script = run
        .command
        .iter()
        .skip(1)
        .filter(|a| a.contains('/') && !a.contains('{') && !a.starts_with('-'))
        .find(|a| says_missing(run.output, a));
    let evidence = evidence_line(run.output);
    let what = match (missing_script, run.exit_code) {
        (Some(script), _) => {
            format!("agent `{agent}` cannot start: `{script}` is not there ({evidence})")
        }
        (None, Some(NOT_FOUND)) => {
            format!("agent `{agent}` ran into a command that is not installed ({evidence})")
        }
        (None, Some(CANNOT_EXECUTE)) => {
            format!("agent `{agent}` cannot execute its command ({evidence})")
        }
        _ => return None,
    };
    Some(Misconfigured {
        what,
        fix: format!(
            "fix [agents.{agent}] command in andon.toml or install what it runs (a script it \
             names must be committed: the agent runs in the loop's worktree); restart andon if \
             you changed andon.toml, then resume"
        ),
    })
}

/// Whether the output says `path` (or the file it names) is missing or cannot be opened.
fn says_missing(output: &str, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    output.lines().any(|line| {
        let missing = line.contains("No such file or directory")
            || line.contains("cannot open")
            || line.contains("can't open file")
            || line.contains("Cannot find module");
        missing && (line.contains(path) || line.contains(name))
    })
}

/// The first withheld variable the output says is missing: named as a whole word on a line
/// that says it lacks it (a plan or a prompt echoed by the agent may name it in passing).
fn withheld_named<'a>(output: &str, withheld: &'a [String]) -> Option<&'a str> {
    const LACKS: &[&str] = &[
        "missing",
        "not set",
        "unset",
        "required",
        "undefined",
        "must be set",
        "keyerror",
        "not found",
        "no value",
        "empty",
    ];
    let lacks = |line: &str| {
        let line = line.to_ascii_lowercase();
        LACKS.iter().any(|w| line.contains(w))
    };
    withheld
        .iter()
        .find(|var| {
            output
                .lines()
                .filter(|line| lacks(line))
                .any(|line| names_whole(line, var))
        })
        .map(String::as_str)
}

/// Whether `line` has `var` as a whole word.
fn names_whole(line: &str, var: &str) -> bool {
    line.match_indices(var).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + var.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// The last non-empty line of output, shortened.
fn evidence_line(output: &str) -> String {
    let last = output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no output");
    one_line(last, 160)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_that_cannot_run_are_configuration_mistakes() {
        let rows: [(Option<i32>, &str, Option<&str>); 6] = [
            (
                Some(127),
                "sh: 1: pytset: not found\n",
                Some("`pytset`, which is not installed"),
            ),
            (
                Some(127),
                "bash: line 1: pytset: command not found\n",
                Some("`pytset`, which"),
            ),
            (
                Some(126),
                "sh: 1: ./run.sh: Permission denied\n",
                Some("cannot execute"),
            ),
            // Failing tests are the agent's business, whatever they print.
            (Some(1), "FAILED test_x - assert 1 == 2\n", None),
            (Some(2), "make: *** [test] Error 1\n", None),
            (None, "", None),
        ];
        for (code, output, want) in rows {
            let got = check("tests", "pytset -q", code, output, "plans/fix.md");
            match want {
                Some(needle) => {
                    let m = got.unwrap_or_else(|| panic!("{output:?} is a mistake"));
                    assert!(m.what.contains(needle), "{m:?}");
                    assert!(
                        m.fix.contains("plans/fix.md") || m.fix.contains("chmod"),
                        "{m:?}"
                    );
                }
                None => assert_eq!(got, None, "{output:?}"),
            }
        }
    }

    #[test]
    fn agents_that_cannot_start_or_lack_a_withheld_variable_are_named() {
        let command = vec![
            "sh".to_string(),
            "agents/fixer.sh".into(),
            "{prompt_file}".into(),
        ];
        let withheld = vec!["MOCK_API_KEY".to_string(), "GITHUB_TOKEN".into()];
        let run = |exit: i32, changed_nothing: bool, output: &'static str| AgentRun {
            agent: "fixer",
            command: &command,
            exit_code: Some(exit),
            changed_nothing,
            output,
            withheld: &withheld,
            allow_in: &|var| {
                if var.starts_with("GITHUB") {
                    "~/.config/andon/config.toml"
                } else {
                    "andon.toml"
                }
                .to_string()
            },
        };
        // dash says "cannot open" and exits 2; bash says "No such file" and exits 127.
        for (exit, output, what) in [
            (
                2,
                "sh: 0: cannot open agents/fixer.sh: No such file\n",
                "cannot start: `agents/fixer.sh` is not there",
            ),
            (
                127,
                "bash: agents/fixer.sh: No such file or directory\n",
                "cannot start",
            ),
            (
                127,
                "sh: 1: my-agent: not found\n",
                "a command that is not installed",
            ),
            (126, "sh: 1: ./x: Permission denied\n", "cannot execute"),
        ] {
            let m = agent(&run(exit, true, output)).unwrap_or_else(|| panic!("{output}"));
            assert!(m.what.contains(what), "{m:?}");
            assert!(m.fix.contains("[agents.fixer] command"), "{m:?}");
        }
        let m = agent(&run(
            1,
            true,
            "Error: Missing environment variable: MOCK_API_KEY\n",
        ))
        .unwrap();
        assert!(m.what.contains("MOCK_API_KEY"), "{m:?}");
        assert!(
            m.fix
                .contains("env_allow = [\"MOCK_API_KEY\"] under [agents.fixer] in andon.toml"),
            "{m:?}"
        );
        let m = agent(&run(1, true, "GITHUB_TOKEN is not set\n")).expect("withheld");
        assert!(m.fix.contains("in ~/.config/andon/config.toml"), "{m:?}");
        // Only whole names: MOCK_API_KEYS is another variable.
        assert_eq!(agent(&run(1, true, "MOCK_API_KEYS is unset\n")), None);
        // Named in passing (an echoed plan), then a failure of another kind: the agent's.
        assert_eq!(
            agent(&run(
                1,
                true,
                "plan: call the API with MOCK_API_KEY\nI could not fix the test\n"
            )),
            None
        );
        for said in [
            "KeyError: 'MOCK_API_KEY'\n",
            "error: MOCK_API_KEY is not set\n",
            "MOCK_API_KEY must be set to use this provider\n",
        ] {
            assert!(agent(&run(1, true, said)).is_some(), "{said}");
        }
        // An agent that changed something, or succeeded, failed on its own terms.
        assert_eq!(agent(&run(127, false, "sh: 1: x: not found\n")), None);
        assert_eq!(agent(&run(0, true, "sh: 1: x: not found\n")), None);
        // An ordinary failure is the agent's.
        assert_eq!(agent(&run(1, true, "I could not fix the test\n")), None);
    }
}

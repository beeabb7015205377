use super::*;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Doc {
    goal: Option<String>,
    max_iterations: Option<std::num::NonZeroU32>,
    scope: Option<Vec<String>>,
    #[serde(default, with = "crate::duration::serde_opt")]
    timeout: Option<std::time::Duration>,
    #[serde(default)]
    checks: Vec<Check>,
    agents: Option<BTreeMap<String, Agent>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Check {
    name: String,
    run: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
#[allow(dead_code)]
enum Prompt {
    File,
    Arg,
    Stdin,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Agent {
    prompt: Option<Prompt>,
}

fn explain(text: &str) -> FileError {
    let source = TomlSource {
        file: Path::new("f.toml"),
        text,
        first_line: 2,
        top_level_keys: &["goal", "max_iterations", "scope", "timeout"],
        examples: &[("run", "\"cargo test\"")],
    };
    source.parse::<Doc>().expect_err(text)
}

#[test]
fn every_failure_names_the_file_line_and_a_specific_fix() {
    // (toml, expected file line, message needle, fix needle)
    let cases: &[(&str, usize, &str, &str)] = &[
        (
            "max_iteration = 3\n",
            2,
            "unknown key `max_iteration`",
            "did you mean `max_iterations`?",
        ),
        (
            "goal = \"g\"\nbogus = 1\n",
            3,
            "unknown key `bogus`",
            "remove `bogus` or use one of the allowed keys: goal, max_iterations",
        ),
        (
            "[[checks]]\nname = \"a\"\nrunn = \"b\"\n",
            4,
            "in [[checks]]",
            "did you mean `run`?",
        ),
        (
            "[[checks]]\nname = \"a\"\nrun = \"b\"\ngoal = \"x\"\n",
            5,
            "`goal` is inside the [[checks]] table",
            "move `goal` above line 2",
        ),
        (
            "[[checks]]\nname = \"a\"\n",
            2,
            "the [[checks]] table on line 2 has no `run`",
            "add `run = \"cargo test\"` to the table that starts on line 2",
        ),
        (
            "max_iterations = \"eight\"\n",
            2,
            "`max_iterations`: invalid type",
            "whole number without quotes, e.g. `max_iterations = 3`",
        ),
        (
            "max_iterations = 0\n",
            2,
            "`max_iterations`: invalid value",
            "1 or more",
        ),
        (
            "scope = \"src/**\"\n",
            2,
            "`scope`",
            "a list, e.g. `scope = [\"...\"]`",
        ),
        (
            "scope = [\n  \"a\",\n  3,\n]\n",
            4,
            "`scope`",
            "a string in double quotes",
        ),
        ("timeout = \"5x\"\n", 2, "unknown unit", "units ms, s, m, h"),
        (
            "goal = \"a\"\ngoal = \"b\"\n",
            3,
            "`goal` is set more than once",
            "delete line 3",
        ),
        (
            "goal = yes\n",
            2,
            "must be quoted",
            "fix the TOML on line 2: put the value in double quotes",
        ),
        ("scope = [\"a\"\n", 2, "unclosed array", "close the list"),
        (
            "max_iterations = 5 5\n",
            2,
            "`max_iterations` has more than one value: `5 5`",
            "write `max_iterations = 5`",
        ),
        (
            "goal = \"a\" b\n",
            2,
            "`goal` has more than one value",
            "write `goal = \"a\"`",
        ),
        (
            "goal = \"pytest -k \"not slow\"\"\n",
            2,
            "`goal`'s string ends early: the \" before `not` closes it",
            "`goal = 'pytest -k \"not slow\"'`",
        ),
        (
            "[agents.x]\nprompt = \"stdn\"\n",
            3,
            "`prompt` cannot be \"stdn\"",
            "did you mean `stdin`? Allowed values: file, arg, stdin",
        ),
        ("agents = 3\n", 2, "`agents`", "is a table"),
        (
            "goal = \"g\"\n[checks]\nname = \"a\"\n",
            3,
            "[checks] is a single table",
            "write [[checks]]",
        ),
        (
            "max_iterations = 1\n[agents.x]\nprompt = 3\n",
            4,
            "`prompt`: wanted string",
            "write `prompt` as a string in double quotes",
        ),
    ];
    for (text, line, message, fix) in cases {
        let err = explain(text);
        assert_eq!(err.line, *line, "{text:?}: {err}");
        assert!(err.message.contains(message), "{text:?}: {err}");
        assert!(err.fix.contains(fix), "{text:?}: {err}");
        assert_eq!(err.file, Path::new("f.toml"));
    }
}

#[test]
fn serde_unknown_field_formats_are_split() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("x`, expected one of `a`, `b`, `c`", "x", &["a", "b", "c"]),
        ("x`, expected `a` or `b`", "x", &["a", "b"]),
        ("x`, expected `a`", "x", &["a"]),
        ("x`, there are no fields", "x", &[]),
    ];
    for (rest, name, allowed) in cases {
        let (n, a) = split_unknown(rest);
        assert_eq!(n, *name);
        assert_eq!(a, *allowed, "{rest}");
    }
}

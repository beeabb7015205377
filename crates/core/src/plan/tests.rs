use super::*;
use crate::sandbox::{SandboxMode, SandboxSetting};

const DESIGN_PLAN: &str = r#"+++
goal = "Discounts never produce a negative price"
agent = "claude"                         # a profile name
skill = "tdd"                            # skills/tdd.md
scope = ["src/pricing/**", "tests/pricing_new_*.rs"]
protected = ["tests/**"]                 # default comes from andon.toml
max_iterations = 8
iteration_timeout = "20m"
reviewer = "codex"
sandbox = "landlock"

[breakers]
consecutive_failures = 4
no_progress = "15m"

[[checks]]
name = "tests"
run = "cargo test --quiet"
timeout = "5m"

[[checks]]
name = "fmt"
run = "cargo fmt --check"
+++
# Pricing input validation

...chunks, context, risks...

- [Testing] Run `cargo test pricing` - must pass
- [Lint] Run `cargo clippy -- -D warnings` — must pass
- [Testing] Run `cargo test --doc` – must pass (doc examples too)
"#;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn check(name: &str, run: &str, timeout_secs: u64, line: usize) -> CheckSpec {
    CheckSpec {
        name: name.into(),
        run: run.into(),
        timeout: Duration::from_secs(timeout_secs),
        network: false,
        line,
    }
}

#[test]
fn full_plan_round_trips() {
    let plan = parse_plan(Path::new("plans/pricing-validation.md"), DESIGN_PLAN).expect("valid");
    let body_start = DESIGN_PLAN.find("# Pricing").expect("heading");
    assert_eq!(
        plan,
        Plan {
            slug: "pricing-validation".into(),
            path: "plans/pricing-validation.md".into(),
            title: "Pricing input validation".into(),
            goal: "Discounts never produce a negative price".into(),
            agent: Some("claude".into()),
            agent_line: Some(3),
            skill: Some("tdd".into()),
            scope: strings(&["src/pricing/**", "tests/pricing_new_*.rs"]),
            protected: Some(strings(&["tests/**"])),
            max_iterations: Some(8),
            breakers: BreakerOverrides {
                consecutive_failures: Some(4),
                no_progress: Some(Duration::from_secs(15 * 60)),
                ..BreakerOverrides::default()
            },
            iteration_timeout: Some(Duration::from_secs(20 * 60)),
            budget: None,
            token_budget: None,
            cost_budget_micros: None,
            checks: vec![
                check("tests", "cargo test --quiet", 300, 16),
                check("fmt", "cargo fmt --check", 600, 21),
                check("testing", "cargo test pricing", 600, 29),
                check("lint", "cargo clippy -- -D warnings", 600, 30),
                check("testing-2", "cargo test --doc", 600, 31),
            ],
            goal_checks: vec![],
            goal_network: false,
            body: DESIGN_PLAN[body_start..].to_string(),
            reviewers: vec!["codex".into()],
            sandbox: Some(SandboxSetting {
                mode: SandboxMode::Landlock,
                file: "plans/pricing-validation.md".into(),
                line: 10,
            }),
        }
    );
}

#[test]
fn goal_table_carries_text_and_goal_checks() {
    let text = "+++\n[goal]\ntext = \"  Prices stay positive \"\nrun = [\"cargo test never_negative\", \"./prove.sh\"]\n+++\n- [Testing] Run `cargo test` - must pass\n";
    let plan = parse_plan(Path::new("plans/p.md"), text).expect("valid");
    assert_eq!(plan.goal, "Prices stay positive");
    assert_eq!(
        plan.goal_checks,
        strings(&["cargo test never_negative", "./prove.sh"])
    );
    assert_eq!(plan.title, "p", "no heading: the slug is the title");
    assert_eq!(
        (plan.agent, plan.agent_line, plan.protected),
        (None, None, None)
    );
    assert!(plan.scope.is_empty());
    assert_eq!(plan.checks, [check("testing", "cargo test", 600, 6)]);
}

#[test]
fn goal_checks_and_checks_ask_for_the_network_each() {
    let text = "+++\n[goal]\ntext = \"g\"\nrun = [\"./prove.sh\"]\nnetwork = true\n\n[[checks]]\nname = \"deps\"\nrun = \"pip download x\"\nnetwork = true\n\n[[checks]]\nname = \"unit\"\nrun = \"pytest\"\n+++\n";
    let plan = parse_plan(Path::new("plans/p.md"), text).expect("valid");
    assert!(plan.goal_network);
    let networks: Vec<bool> = plan.checks.iter().map(|c| c.network).collect();
    assert_eq!(networks, [true, false]);
    let offline = parse_plan(
        Path::new("plans/p.md"),
        "+++\ngoal = \"g\"\n+++\n- [T] Run `x` - must pass\n",
    )
    .expect("valid");
    assert!(!offline.goal_network);
}

/// Front matter with a goal and one check, for cases that only need one bad line.
fn with(extra_top: &str, extra_tables: &str) -> String {
    format!(
        "+++\ngoal = \"g\"\n{extra_top}[[checks]]\nname = \"tests\"\nrun = \"cargo test\"\n{extra_tables}+++\n# T\n"
    )
}

#[test]
fn every_error_names_its_line_and_a_specific_fix() {
    let huge = format!("+++\ngoal = \"g\"\n+++\n{}", "x".repeat(2 * 1024 * 1024));
    // (file, text, line, message needle, fix needle)
    let cases: Vec<(&str, String, usize, &str, &str)> = vec![
        ("p.md", "# Plan\n".into(), 1, "no front matter", "add `+++` as line 1"),
        ("p.md", "+++\ngoal = \"g\"\n# T\n".into(), 1, "never closed", "add a line containing only `+++`"),
        ("p.md", "---\ngoal: g\n---\n".into(), 1, "YAML", "replace `---` on line 1 with `+++`"),
        ("p.md", with("goal2 = \"x\n", ""), 3, "", "fix the TOML on line 3"),
        ("p.md", with("max_iteration = 8\n", ""), 3, "unknown key `max_iteration`", "did you mean `max_iterations`? Allowed keys: goal, agent, skill"),
        ("p.md", with("", "timout = \"5m\"\n"), 6, "unknown key `timout` in [[checks]]", "did you mean `timeout`?"),
        ("p.md", with("", "max_iterations = 3\n"), 6, "`max_iterations` is inside the [[checks]] table", "move `max_iterations` above line 3"),
        ("p.md", with("max_iterations = \"eight\"\n", ""), 3, "`max_iterations`: invalid type: string \"eight\"", "write `max_iterations` as a whole number without quotes, e.g. `max_iterations = 8`"),
        ("p.md", with("max_iterations = 0\n", ""), 3, "`max_iterations`", "set `max_iterations` to 1 or more"),
        ("p.md", "+++\nagent = \"x\"\n[[checks]]\nname = \"a\"\nrun = \"b\"\n+++\n".into(), 2, "no goal", "add `goal = \"what done looks like\"` on line 2"),
        ("p.md", "+++\n\ngoal = \"   \"\n+++\n".into(), 3, "the goal is empty", "say what done looks like"),
        ("p.md", "+++\n[goal]\nrun = [\"x\"]\n+++\n".into(), 2, "the [goal] table has no `text`", "below [goal] on line 2"),
        ("p.md", "+++\n[goal]\ntext = \"\"\n+++\n".into(), 3, "the goal is empty", "say what done looks like"),
        ("p.md", "+++\ngoals = \"g\"\n[goal]\ntext = \"t\"\n+++\n".into(), 2, "unknown key `goals`", "did you mean `goal`?"),
        ("p.md", "+++\ngoal = \"g\"\n[goal]\nrun = [\"x\"]\n+++\n".into(), 3, "the text on line 2 and the [goal] table on line 3", "delete line 2 and write its text in the table, as `text = \"...\"`"),
        ("p.md", with("", "[goal]\ntext = \"t\"\nrun = [\"\"]\n").replace("goal = \"g\"\n", ""), 7, "goal check command is empty", "remove the empty string"),
        ("p.md", "+++\ngoal = \"g\"\n+++\n# T\n- [Testing] Run cargo test\n".into(), 3, "no checks", "add a [[checks]] table with name and run, or a body line - [Testing] Run `cargo test` - must pass"),
        ("p.md", with("scope = [\"src/**\", \"src/[a\"]\n", ""), 3, "`scope` has an invalid glob \"src/[a\": unclosed character class", "e.g. \"src/pricing/**\""),
        ("p.md", with("protected = [\n  \"tests/**\",\n  \"{a,b\",\n]\n", ""), 5, "`protected` has an invalid glob \"{a,b\"", "`**` (any depth)"),
        ("p.md", with("", "timeout = \"5x\"\n"), 6, "unknown unit \"x\"", "write `timeout` as a duration such as \"30s\""),
        ("p.md", with("iteration_timeout = \"1.5h\"\n", ""), 3, "whole numbers", "write `iteration_timeout` as a duration"),
        ("p.md", with("", "[breakers]\nno_progress = \"0s\"\n"), 7, "zero", "write `no_progress` as a duration"),
        ("p.md", with("", "[breakers]\nconsecutive_failures = 0\n"), 7, "`consecutive_failures`", "set `consecutive_failures` to 1 or more"),
        ("p.md", with("", "[breakers]\nrepeat_fingerprints = 2\n"), 7, "unknown key `repeat_fingerprints` in [breakers]", "did you mean `repeat_fingerprint`?"),
        ("p.md", with("max_iterations = 5\n", "[breakers]\nmax_iterations = 6\n"), 7, "`max_iterations` is set twice", "delete `max_iterations` from [breakers] (from line 7)"),
        ("p.md", with("", "[[checks]]\nname = \"x\"\n"), 6, "the [[checks]] table on line 6 has no `run`", "add `run = \"cargo test\"` to the table that starts on line 6"),
        ("p.md", with("", "[[checks]]\nname = \"a b\"\nrun = \"x\"\n"), 7, "check name \"a b\"", "e.g. name = \"unit-tests\""),
        ("p.md", with("", "[[checks]]\nname = \"e\"\nrun = \" \"\n"), 8, "the check `e` has an empty `run`", "run = \"cargo test --quiet\""),
        ("p.md", with("", "").replace("[[checks]]", "[checks]"), 3, "[checks] is a single table", "write [[checks]] with double brackets"),
        ("p.md", with("", "").replace("\"tests\"", "\"testing\"").replace("# T\n", "# T\n- [Testing] Run `cargo test` - must pass\n"), 8, "two checks are named `testing`: on line 3 and on line 8", "rename one of them"),
        ("p.md", with("", "").replace("\"tests\"", "\"testing-2\"").replace("# T\n", "# T\n- [Testing] Run `a` - must pass\n* [Testing] Run `b` - must pass\n"), 9, "`testing-2`: on line 3 and on line 9", "-2, -3 for repeats"),
        ("p.md", with("", "").replace("# T\n", "# T\n- [Testing] Run cargo test - must pass\n"), 8, "looks like a check", "the command in backticks"),
        ("p.md", with("skill = \"skills/tdd.md\"\n", ""), 3, "not a skill name", "skill = \"tdd\""),
        ("p.md", with("agent = 3\n", ""), 3, "`agent`", "write `agent` as a string in double quotes"),
        ("p.md", with("sandbox = \"landlok\"\n", ""), 3, "`sandbox` cannot be \"landlok\"", "did you mean `landlock`? Allowed values: off, landlock"),
        ("p.md", with("reviewer = \"codex\"\nreviewers = [\"gemini\"]\n", ""), 4, "both `reviewer` and `reviewers`", "keep one"),
        ("p.md", with("reviewers = []\n", ""), 3, "`reviewers` is empty", "or remove the line"),
        ("p.md", with("reviewers = [\"codex\", \"codex\"]\n", ""), 3, "names `codex` twice", "name each reviewer once"),
        ("Fix Pricing.md", with("", ""), 1, "cannot be a loop name", "rename the file to `fix-pricing.md`"),
        ("p.md", with("", "").replace("# T", "# T\0"), 7, "NUL byte", "plain UTF-8"),
        ("p.md", huge, 1, "the limit is 1024 KiB", "wiki/"),
    ];
    for (file, text, line, message, fix) in cases {
        let err = parse_plan(Path::new(file), &text).expect_err(&text[..text.len().min(200)]);
        let context = format!("{:?}\n=> {err}", &text[..text.len().min(200)]);
        assert_eq!(err.line, line, "{context}");
        assert!(err.message.contains(message), "{context}");
        assert!(err.fix.contains(fix), "{context}");
        assert_eq!(err.file, Path::new(file));
        assert!(
            err.to_string().starts_with(&format!("{file}:{line}: ")),
            "{context}"
        );
    }
}

#[test]
fn several_reviewers_are_listed_in_order() {
    let plan = parse_plan(
        Path::new("p.md"),
        &with("reviewers = [\"codex\", \"gemini\"]\n", ""),
    )
    .expect("valid");
    assert_eq!(plan.reviewers, strings(&["codex", "gemini"]));
    let none = parse_plan(Path::new("p.md"), &with("", "")).expect("valid");
    assert!(none.reviewers.is_empty());
}

#[test]
fn plan_keys_match_the_front_matter_fields() {
    let err = parse_plan(Path::new("p.md"), &with("zzz = 1\n", "")).expect_err("unknown");
    assert!(err.fix.ends_with(&PLAN_KEYS.join(", ")), "{err}");
}

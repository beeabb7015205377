//! The `sim` agent's scenarios as data: what a scenario does on a given iteration and mode,
//! written as a `Script` of steps. Pure: it reads no file and prints nothing (`play`
//! carries a script out), so every scenario's behaviour is decided by its inputs alone.
//!
//! What each scenario writes (code mode; `K` is `fix_on`, `n` the iteration, `#` the comment
//! marker of the target's extension — `//` for rs, js, ts, go and other C-like files):
//! - `fix`: `n < K` appends `# sim-agent attempt n: adjusted the edge case (no behavior change)`
//!   to the target; `n >= K` replaces the target with the fix content.
//! - `repeat`: appends `# sim-agent attempt n: same approach as before` every iteration.
//! - `vary`: replaces the target with a broken variant naming word `n` of alpha, bravo,
//!   charlie, delta, echo, … zulu (then alpha2, bravo2, …), see `vary_content`; each variant
//!   fails with its own message.
//! - `out-of-scope`: replaces the target with the fix and appends
//!   `- sim-agent iteration n: noted a follow-up outside the plan's scope` to the stray file.
//! - `edit-protected`: appends the `repeat` comment to the target and weakens the protected
//!   test: `exit 0 # sim-agent: skip the failing assertions` right after the shebang of a shell
//!   test, otherwise an appended `# sim-agent: relaxed this test` comment.
//! - `hang`: a few lines, then silence with no file change until killed.
//! - `flood`: `flood_mb` MiB of colored log lines, then the fix.
//! - `crash`: a `529 overloaded` trace on stderr, no change, exit `exit_code`.
//! - `noop`: says there is nothing to do, no change.
//!
//! In plan mode every scenario writes a Markdown fix plan instead and changes no code.

use std::path::{Path, PathBuf};

use crate::error::SimError;
use crate::fix_plan::fix_plan_markdown;

/// The scenarios the `sim` agent can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScenarioName {
    Fix,
    Repeat,
    Vary,
    OutOfScope,
    EditProtected,
    Hang,
    Flood,
    Crash,
    Noop,
}

impl ScenarioName {
    pub const ALL: [ScenarioName; 9] = [
        Self::Fix,
        Self::Repeat,
        Self::Vary,
        Self::OutOfScope,
        Self::EditProtected,
        Self::Hang,
        Self::Flood,
        Self::Crash,
        Self::Noop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fix => "fix",
            Self::Repeat => "repeat",
            Self::Vary => "vary",
            Self::OutOfScope => "out-of-scope",
            Self::EditProtected => "edit-protected",
            Self::Hang => "hang",
            Self::Flood => "flood",
            Self::Crash => "crash",
            Self::Noop => "noop",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Every name, for help and error messages.
    pub fn list() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    pub(crate) fn needs_target(self) -> bool {
        matches!(
            self,
            Self::Fix
                | Self::Repeat
                | Self::Vary
                | Self::OutOfScope
                | Self::EditProtected
                | Self::Flood
        )
    }

    pub(crate) fn needs_fix(self) -> bool {
        matches!(self, Self::Fix | Self::OutOfScope | Self::Flood)
    }
}

/// `ANDON_MODE`: an ordinary iteration, or a Meta-Andon plan-mode iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Code,
    Plan,
}

impl Mode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Plan => "plan",
        }
    }
}

/// What andon tells the agent about this iteration; `run` fills it from the environment so
/// tests can pass it explicitly.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The loop's worktree; relative paths are resolved against it.
    pub(crate) cwd: PathBuf,
    pub(crate) iteration: u32,
    pub(crate) mode: Mode,
    pub(crate) prompt_file: Option<PathBuf>,
    /// `ANDON_FIX_PLAN`, when andon names the fix plan's path itself.
    pub(crate) fix_plan: Option<PathBuf>,
}

impl Context {
    #[cfg(test)]
    pub(crate) fn code(cwd: &Path, iteration: u32) -> Self {
        Self {
            cwd: cwd.to_path_buf(),
            iteration,
            mode: Mode::Code,
            prompt_file: None,
            fix_plan: None,
        }
    }

    /// `ANDON_FIX_PLAN`, else `fix-plan.md` next to the prompt file.
    pub(crate) fn fix_plan_path(&self) -> Option<PathBuf> {
        self.fix_plan.clone().or_else(|| {
            let prompt = self.prompt_file.as_ref()?;
            Some(prompt.parent().unwrap_or(Path::new("")).join("fix-plan.md"))
        })
    }
}

/// A scenario with every parameter resolved against the worktree.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) name: ScenarioName,
    pub(crate) target: Option<PathBuf>,
    /// The correct content for the target, already read from `--fix-from` if given so.
    pub(crate) fix: Option<String>,
    pub(crate) fix_on: u32,
    pub(crate) stray: PathBuf,
    pub(crate) protected: Option<PathBuf>,
    pub(crate) flood_mb: u64,
    pub(crate) exit_code: u8,
}

/// How a step changes a file, relative to its current content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// One line at the end (a newline is added first if the file lacks one).
    Append(String),
    /// One line at the top, after a `#!` line if there is one.
    Prepend(String),
    Replace(String),
}

impl Change {
    pub(crate) fn apply(&self, old: &str) -> String {
        match self {
            Self::Append(line) => {
                let mut new = old.to_string();
                if !new.is_empty() && !new.ends_with('\n') {
                    new.push('\n');
                }
                new.push_str(line);
                new.push('\n');
                new
            }
            Self::Prepend(line) => {
                let split = if old.starts_with("#!") {
                    old.find('\n').map_or(old.len(), |i| i + 1)
                } else {
                    0
                };
                let (shebang, rest) = old.split_at(split);
                let newline = if shebang.is_empty() || shebang.ends_with('\n') {
                    ""
                } else {
                    "\n"
                };
                format!("{shebang}{newline}{line}\n{rest}")
            }
            Self::Replace(content) => content.clone(),
        }
    }
}

/// One visible action of the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Think(String),
    Read(PathBuf),
    Edit {
        path: PathBuf,
        change: Change,
    },
    Note(String),
    Flood {
        bytes: u64,
    },
    CrashTrace,
    /// Silence until killed.
    Hang,
    Summary(String),
}

/// Everything the agent does in one iteration, and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Script {
    pub(crate) steps: Vec<Step>,
    pub(crate) exit_code: i32,
}

const NATO: [&str; 26] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
];

/// The distinct word of `vary`'s iteration `n` (1-based): alpha … zulu, then alpha2, ….
pub(crate) fn vary_word(iteration: u32) -> String {
    let index = iteration.max(1) as usize - 1;
    let word = NATO[index % NATO.len()];
    match index / NATO.len() {
        0 => word.to_string(),
        round => format!("{word}{}", round + 1),
    }
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// The line-comment marker for a file, by extension.
pub(crate) fn comment_marker(path: &Path) -> &'static str {
    match extension(path) {
        "rs" | "js" | "ts" | "go" | "jsx" | "tsx" | "mjs" | "cjs" | "c" | "h" | "cc" | "cpp"
        | "hpp" | "java" | "kt" | "swift" => "//",
        _ => "#",
    }
}

/// `vary`'s broken content for `target` on iteration `n`. It always fails, and the word shows
/// up in the failure (stdout, stderr, compiler or import error), so every iteration's
/// fingerprint differs:
/// - rs: `compile_error!("sim-agent vary: WORD");`
/// - go: `package WORD` (a package name clash)
/// - py: `raise RuntimeError("sim-agent vary: WORD")`
/// - js, ts: `throw new Error("sim-agent vary: WORD");`
/// - anything else, as a shell script: `echo WORD`, `echo "sim-agent vary: WORD" >&2`, `exit 1`
///
/// each after a comment line `sim-agent vary: iteration N writes "WORD"` (after `#!/bin/sh`
/// for the shell variant).
pub(crate) fn vary_content(target: &Path, iteration: u32) -> String {
    let word = vary_word(iteration);
    let c = comment_marker(target);
    let header = format!("{c} sim-agent vary: iteration {iteration} writes \"{word}\"\n");
    match extension(target) {
        "rs" => format!("{header}compile_error!(\"sim-agent vary: {word}\");\n"),
        "go" => format!("{header}package {word}\n"),
        "py" => format!("{header}raise RuntimeError(\"sim-agent vary: {word}\")\n"),
        "js" | "ts" | "jsx" | "tsx" | "mjs" | "cjs" => {
            format!("{header}throw new Error(\"sim-agent vary: {word}\");\n")
        }
        _ => {
            format!("#!/bin/sh\n{header}echo {word}\necho \"sim-agent vary: {word}\" >&2\nexit 1\n")
        }
    }
}

fn is_shell(path: &Path) -> bool {
    matches!(extension(path), "sh" | "bash" | "zsh")
}

fn think(text: impl Into<String>) -> Step {
    Step::Think(text.into())
}

fn edit(path: &Path, change: Change) -> Step {
    Step::Edit {
        path: path.to_path_buf(),
        change,
    }
}

/// The iteration's script. Fails only in plan mode when there is nowhere to write the plan.
pub(crate) fn script(scenario: &Scenario, ctx: &Context) -> Result<Script, SimError> {
    if ctx.mode == Mode::Plan {
        return plan_script(scenario, ctx);
    }
    let target = scenario.target.clone().unwrap_or_default();
    let mut steps = vec![think("reading the plan and the last check results")];
    steps.extend(ctx.prompt_file.clone().map(Step::Read));
    if scenario.name.needs_target() {
        steps.push(Step::Read(target.clone()));
    }
    steps.extend(code_steps(scenario, ctx.iteration, &target));
    let exit_code = match scenario.name {
        ScenarioName::Crash => i32::from(scenario.exit_code),
        _ => 0,
    };
    Ok(Script { steps, exit_code })
}

/// What the agent does in code mode on iteration `n`, after reading the plan (and its
/// target): the scenario's edits, notes and summary.
fn code_steps(scenario: &Scenario, n: u32, target: &Path) -> Vec<Step> {
    let shown = target.display();
    let fix = || Change::Replace(scenario.fix.clone().unwrap_or_default());
    let attempt = |text: &str| {
        let marker = comment_marker(target);
        Change::Append(format!("{marker} sim-agent attempt {n}: {text}"))
    };
    let mut out = Vec::new();
    match scenario.name {
        ScenarioName::Fix if n < scenario.fix_on => out.extend([
            think(format!("the failing check points at {shown}")),
            think("trying a small adjustment first"),
            edit(
                target,
                attempt("adjusted the edge case (no behavior change)"),
            ),
            Step::Note(format!(
                "scripted: the real fix lands on iteration {}",
                scenario.fix_on
            )),
            Step::Summary(format!("Tried a small tweak in {shown}")),
        ]),
        ScenarioName::Fix => out.extend([
            think("the earlier attempts only touched comments"),
            think(format!("rewriting {shown} with the correct logic")),
            edit(target, fix()),
            Step::Summary(format!("Fixed {shown}")),
        ]),
        ScenarioName::Repeat => out.extend([
            think(format!("the failing check points at {shown}")),
            think("the same idea as last time should work"),
            edit(target, attempt("same approach as before")),
            Step::Summary(format!("Retried the same approach in {shown}")),
        ]),
        ScenarioName::Vary => {
            let word = vary_word(n);
            out.extend([
                think(format!("maybe {shown} should print {word}")),
                think("rewriting it from scratch"),
                edit(target, Change::Replace(vary_content(target, n))),
                Step::Summary(format!("Rewrote {shown} (variant {word})")),
            ]);
        }
        ScenarioName::OutOfScope => {
            let stray = &scenario.stray;
            out.extend([
                think(format!("fixing {shown} and jotting down a follow-up")),
                edit(target, fix()),
                edit(
                    stray,
                    Change::Append(format!(
                        "- sim-agent iteration {n}: noted a follow-up outside the plan's scope"
                    )),
                ),
                Step::Summary(format!("Fixed {shown} and updated {}", stray.display())),
            ]);
        }
        ScenarioName::EditProtected => {
            let test = scenario.protected.clone().unwrap_or_default();
            let weaken = if is_shell(&test) {
                Change::Prepend("exit 0 # sim-agent: skip the failing assertions".into())
            } else {
                let marker = comment_marker(&test);
                Change::Append(format!("{marker} sim-agent: relaxed this test"))
            };
            out.extend([
                think(format!("{} looks too strict", test.display())),
                Step::Read(test.clone()),
                edit(target, attempt("same approach as before")),
                edit(&test, weaken),
                Step::Summary(format!("Relaxed {}", test.display())),
            ]);
        }
        ScenarioName::Hang => out.extend([
            think("waiting for the test runner to answer"),
            Step::Note("running the checks…".into()),
            Step::Hang,
        ]),
        ScenarioName::Flood => out.extend([
            think("turning on verbose logging to see everything"),
            Step::Note("streaming the full build log…".into()),
            Step::Flood {
                bytes: scenario.flood_mb.saturating_mul(1024 * 1024),
            },
            edit(target, fix()),
            Step::Summary(format!("Fixed {shown} after reading the log")),
        ]),
        ScenarioName::Crash => {
            out.extend([Step::Note("calling the model…".into()), Step::CrashTrace]);
        }
        ScenarioName::Noop => out.extend([
            think("the checks in the plan look satisfied already"),
            Step::Summary("Nothing to do: no change needed".into()),
        ]),
    }
    out
}

fn plan_script(scenario: &Scenario, ctx: &Context) -> Result<Script, SimError> {
    let plan = ctx.fix_plan_path().ok_or(SimError::NoFixPlanPath)?;
    let mut steps = vec![think(
        "several failed iterations: analysing the pattern instead of editing",
    )];
    steps.extend(ctx.prompt_file.clone().map(Step::Read));
    steps.extend(scenario.target.clone().map(Step::Read));
    steps.extend([
        think("writing a fix plan; no code changes"),
        edit(
            &plan,
            Change::Replace(fix_plan_markdown(scenario, ctx.iteration)),
        ),
    ]);
    steps.push(Step::Summary(
        "Wrote the fix plan for a human to approve".into(),
    ));
    Ok(Script {
        steps,
        exit_code: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    fn scenario(name: ScenarioName) -> Scenario {
        Scenario {
            name,
            target: Some("src/price.sh".into()),
            fix: Some("fixed\n".into()),
            fix_on: 2,
            stray: "NOTES.md".into(),
            protected: Some("tests/price_test.sh".into()),
            flood_mb: 3,
            exit_code: 101,
        }
    }

    fn edits(script: &Script) -> Vec<(&Path, &Change)> {
        script
            .steps
            .iter()
            .filter_map(|step| match step {
                Step::Edit { path, change } => Some((path.as_path(), change)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn names_match_the_cli_and_parse_back() {
        for name in ScenarioName::ALL {
            let cli = name.to_possible_value().expect("visible value");
            assert_eq!(cli.get_name(), name.as_str());
            assert_eq!(ScenarioName::parse(name.as_str()), Some(name));
        }
        assert_eq!(
            ScenarioName::value_variants().len(),
            ScenarioName::ALL.len()
        );
        assert_eq!(ScenarioName::parse("Fix"), None);
    }

    #[test]
    fn changes_apply_to_the_current_content() {
        let cases = [
            (Change::Append("# a".into()), "x\n", "x\n# a\n"),
            (Change::Append("# a".into()), "x", "x\n# a\n"),
            (Change::Append("# a".into()), "", "# a\n"),
            (
                Change::Prepend("exit 0".into()),
                "#!/bin/sh\nfalse\n",
                "#!/bin/sh\nexit 0\nfalse\n",
            ),
            (
                Change::Prepend("exit 0".into()),
                "#!/bin/sh",
                "#!/bin/sh\nexit 0\n",
            ),
            (
                Change::Prepend("exit 0".into()),
                "false\n",
                "exit 0\nfalse\n",
            ),
            (Change::Replace("new\n".into()), "old\n", "new\n"),
        ];
        for (change, old, new) in cases {
            assert_eq!(change.apply(old), new, "{change:?} on {old:?}");
        }
    }

    #[test]
    fn comment_marker_follows_the_extension() {
        let cases = [
            ("a.sh", "#"),
            ("a.py", "#"),
            ("Cargo.toml", "#"),
            ("src/a.rs", "//"),
            ("a.js", "//"),
            ("a.ts", "//"),
            ("a.go", "//"),
            ("README", "#"),
            ("a.md", "#"),
        ];
        for (path, marker) in cases {
            assert_eq!(comment_marker(Path::new(path)), marker, "{path}");
        }
    }

    #[test]
    fn vary_words_are_distinct_and_cycle_with_a_suffix() {
        assert_eq!(vary_word(1), "alpha");
        assert_eq!(vary_word(4), "delta");
        assert_eq!(vary_word(26), "zulu");
        assert_eq!(vary_word(27), "alpha2");
        assert_eq!(vary_word(53), "alpha3");
        let words: std::collections::HashSet<String> = (1..=100).map(vary_word).collect();
        assert_eq!(words.len(), 100);
    }

    #[test]
    fn vary_content_names_its_word_in_the_failing_line() {
        let cases = [
            ("src/lib.rs", "compile_error!(\"sim-agent vary: charlie\");"),
            ("main.go", "package charlie"),
            (
                "price.py",
                "raise RuntimeError(\"sim-agent vary: charlie\")",
            ),
            ("price.ts", "throw new Error(\"sim-agent vary: charlie\");"),
            ("price.sh", "echo charlie"),
            ("price", "echo charlie"),
        ];
        for (path, line) in cases {
            let content = vary_content(Path::new(path), 3);
            assert!(content.lines().any(|l| l == line), "{path}: {content}");
            assert_ne!(content, vary_content(Path::new(path), 4), "{path}");
        }
        assert!(vary_content(Path::new("price.sh"), 1).starts_with("#!/bin/sh\n"));
    }

    #[test]
    fn fix_edits_with_a_comment_before_k_and_the_fix_from_k() {
        let s = scenario(ScenarioName::Fix);
        for (n, fixes) in [(1, false), (2, true), (3, true)] {
            let script = script(&s, &Context::code(Path::new("/w"), n)).expect("script");
            let edits = edits(&script);
            assert_eq!(edits.len(), 1);
            assert_eq!(edits[0].0, Path::new("src/price.sh"));
            assert_eq!(
                matches!(edits[0].1, Change::Replace(c) if c == "fixed\n"),
                fixes,
                "iteration {n}"
            );
        }
    }

    #[test]
    fn scenarios_without_effects_edit_nothing() {
        for (name, exit_code) in [
            (ScenarioName::Hang, 0),
            (ScenarioName::Crash, 101),
            (ScenarioName::Noop, 0),
        ] {
            let script =
                script(&scenario(name), &Context::code(Path::new("/w"), 1)).expect("script");
            assert!(edits(&script).is_empty(), "{name:?}");
            assert_eq!(script.exit_code, exit_code, "{name:?}");
        }
        let hang = script(
            &scenario(ScenarioName::Hang),
            &Context::code(Path::new("/w"), 1),
        );
        assert_eq!(hang.expect("script").steps.last(), Some(&Step::Hang));
    }

    #[test]
    fn flood_size_is_in_mebibytes() {
        let script = script(
            &scenario(ScenarioName::Flood),
            &Context::code(Path::new("/w"), 1),
        );
        let steps = script.expect("script").steps;
        assert!(steps.contains(&Step::Flood {
            bytes: 3 * 1024 * 1024
        }));
    }

    #[test]
    fn fix_plan_goes_to_andon_fix_plan_else_next_to_the_prompt() {
        let mut ctx = Context::code(Path::new("/w"), 4);
        assert_eq!(ctx.fix_plan_path(), None);
        ctx.prompt_file = Some("/repo/.andon/loops/a/iter-4/prompt.md".into());
        assert_eq!(
            ctx.fix_plan_path(),
            Some(PathBuf::from("/repo/.andon/loops/a/iter-4/fix-plan.md"))
        );
        ctx.fix_plan = Some("/tmp/plan.md".into());
        assert_eq!(ctx.fix_plan_path(), Some(PathBuf::from("/tmp/plan.md")));
    }
}

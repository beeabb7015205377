//! `andon sim-agent`: the built-in `sim` agent profile, a scripted coding agent for demos and
//! tests. Each run is one iteration in a loop's worktree: it reads `ANDON_ITERATION`,
//! `ANDON_MODE`, `ANDON_PROMPT_FILE` and `ANDON_FIX_PLAN`, resolves the scenario from flags over
//! an optional scenario file, and plays it. This file owns the CLI and the resolution; what a
//! scenario does is in `scenario`, carrying it out in `play`, the looks in `output`.

#![cfg_attr(test, allow(clippy::too_many_lines, reason = "table tests run long"))]
#![allow(
    clippy::disallowed_methods,
    reason = "the scripted agent paces itself on the real clock"
)]

mod error;
mod fix_plan;
mod output;
mod play;
mod scenario;
mod tui;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::SimError;
use crate::output::{Pace, Printer};
use crate::play::play;
use crate::scenario::{Context, Mode, Scenario, ScenarioName};

const DEFAULT_FIX_ON: u32 = 2;
const DEFAULT_STRAY: &str = "NOTES.md";
const DEFAULT_FLOOD_MB: u64 = 50;
const DEFAULT_EXIT_CODE: u8 = 101;
const MAX_SPEED: f64 = 100.0;

/// Arguments of `andon sim-agent`. Paths are relative to the worktree (the current directory).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SimArgs {
    /// Scenario to play
    #[arg(long, value_enum, value_name = "NAME")]
    pub scenario: Option<ScenarioName>,
    /// TOML file with the same fields as these flags (`scenario = "fix"`, `fix_on = 2`,
    /// `fix_from = "..."`, ...); flags override its values
    #[arg(long, value_name = "PATH")]
    pub scenario_file: Option<PathBuf>,
    /// The file the agent works on
    #[arg(long, value_name = "PATH")]
    pub target: Option<PathBuf>,
    /// A file whose content is the correct fix for the target
    #[arg(long, value_name = "PATH", conflicts_with = "fix_content")]
    pub fix_from: Option<PathBuf>,
    /// The correct fix for the target, inline
    #[arg(long, value_name = "TEXT")]
    pub fix_content: Option<String>,
    /// Iteration from which `fix` writes the fix [default: 2]
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub fix_on: Option<u32>,
    /// File that `out-of-scope` writes outside the plan's scope [default: NOTES.md]
    #[arg(long, value_name = "PATH")]
    pub stray: Option<PathBuf>,
    /// Test file that `edit-protected` weakens [default: the first file under tests/]
    #[arg(long, value_name = "PATH")]
    pub protected: Option<PathBuf>,
    /// MiB of log lines that `flood` prints [default: 50]
    #[arg(long, value_name = "N")]
    pub flood_mb: Option<u64>,
    /// Exit code of `crash` [default: 101]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub exit_code: Option<u8>,
    /// Multiplies every pause: 1 is about 3 s per iteration, 0 no pauses, 2 twice as slow
    /// [default: 1]
    #[arg(long, env = "ANDON_SIM_SPEED", value_name = "FACTOR")]
    pub speed: Option<f64>,
    /// Run as a long-lived TUI: one iteration per pasted message (interactive profiles)
    #[arg(long)]
    pub interactive: bool,
    /// With --interactive: end each turn with `andon signal done`, as a hook would
    #[arg(long, requires = "interactive", conflicts_with = "claude_hooks")]
    pub signal: bool,
    /// With --interactive: end each turn by running the Stop hooks of
    /// `.claude/settings.local.json`, as Claude Code does
    #[arg(long, requires = "interactive")]
    pub claude_hooks: bool,
    /// With --interactive: ask "Allow this action? [y/n]" before each turn and wait for `y`,
    /// like an agent's permission prompt
    #[arg(long, requires = "interactive")]
    pub ask: bool,
}

/// Runs one iteration of the scripted agent and returns the process exit code: the scenario's
/// own (0, or `--exit-code` for `crash`), 2 for bad input, 1 when a file or stdout failed.
pub fn run(args: &SimArgs) -> i32 {
    match try_run(args) {
        Ok(code) => code,
        Err(err) => {
            // Nothing sensible is left to do if stderr itself is gone.
            let _ = writeln!(io::stderr(), "{err}");
            err.exit_code()
        }
    }
}

fn try_run(args: &SimArgs) -> Result<i32, SimError> {
    let cwd = std::env::current_dir().map_err(|source| SimError::File {
        path: PathBuf::from("."),
        source,
    })?;
    let ctx = context_from(&cwd, |key| std::env::var(key).ok())?;
    let (scenario, speed) = resolve(args, &cwd)?;
    if args.interactive {
        use crate::tui::TurnEnd;
        let end = match (args.signal, args.claude_hooks) {
            (true, _) => TurnEnd::Signal,
            (_, true) => TurnEnd::ClaudeHooks,
            _ => TurnEnd::Quiet,
        };
        return crate::tui::run(&scenario, speed, &ctx, end, args.ask);
    }
    let mut printer = Printer::new(io::stdout().lock(), io::stderr().lock(), Pace::new(speed));
    play(&scenario, &ctx, &mut printer)
}

/// The iteration's context from andon's environment, read through `lookup`. Unset values
/// default to iteration 1 in code mode, so the agent also runs by hand.
pub(crate) fn context_from(
    cwd: &Path,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Context, SimError> {
    let set = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
    let iteration = match set("ANDON_ITERATION") {
        None => 1,
        Some(value) => match value.trim().parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(SimError::BadIteration { value }),
        },
    };
    let mode = match set("ANDON_MODE").as_deref().map(str::trim) {
        None | Some("code") => Mode::Code,
        Some("plan") => Mode::Plan,
        Some(other) => {
            return Err(SimError::BadMode {
                value: other.to_string(),
            })
        }
    };
    Ok(Context {
        cwd: cwd.to_path_buf(),
        iteration,
        mode,
        prompt_file: set("ANDON_PROMPT_FILE").map(PathBuf::from),
        fix_plan: set("ANDON_FIX_PLAN").map(PathBuf::from),
    })
}

/// Where the fix content comes from.
#[derive(Debug, Clone, PartialEq)]
enum FixSource {
    File(PathBuf),
    Content(String),
}

/// The scenario file's values, each already checked against its line.
#[derive(Debug, Default, PartialEq)]
struct FileValues {
    scenario: Option<ScenarioName>,
    target: Option<PathBuf>,
    fix: Option<FixSource>,
    fix_on: Option<u32>,
    stray: Option<PathBuf>,
    protected: Option<PathBuf>,
    flood_mb: Option<u64>,
    exit_code: Option<u8>,
    speed: Option<f64>,
}

/// The scenario file as written; integers are read wide so a bad value gets a message with
/// its line rather than a bare overflow.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: Option<Spanned<String>>,
    target: Option<PathBuf>,
    fix_from: Option<PathBuf>,
    fix_content: Option<Spanned<String>>,
    fix_on: Option<Spanned<i64>>,
    stray: Option<PathBuf>,
    protected: Option<PathBuf>,
    flood_mb: Option<Spanned<i64>>,
    exit_code: Option<Spanned<i64>>,
    speed: Option<Spanned<f64>>,
}

fn load_scenario_file(path: &Path, text: &str) -> Result<FileValues, SimError> {
    let line_of = |offset: usize| {
        text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let at = |offset: usize, message: String| SimError::ScenarioFile {
        path: path.to_path_buf(),
        line: line_of(offset),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        // toml's message names the type, not the field: quoting the line shows which one.
        let quoted = text
            .lines()
            .nth(line_of(offset) - 1)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map_or_else(String::new, |l| format!(" in `{l}`"));
        at(
            offset,
            format!(
                "{}{quoted} (fix: see `andon sim-agent --help`; the fields are the flags' \
                 names with _)",
                e.message().trim()
            ),
        )
    })?;
    let ranged = |value: Option<Spanned<i64>>, field: &str, min: i64, max: i64, example: i64| {
        value
            .map(|v| {
                if (min..=max).contains(v.get_ref()) {
                    Ok(*v.get_ref())
                } else {
                    Err(at(
                        v.span().start,
                        format!(
                            "{field} = {} is not from {min} to {max} (fix: {field} = {example})",
                            v.get_ref()
                        ),
                    ))
                }
            })
            .transpose()
    };
    let scenario = raw
        .scenario
        .map(|s| {
            ScenarioName::parse(s.get_ref()).ok_or_else(|| {
                at(
                    s.span().start,
                    format!(
                        "unknown scenario `{}` (fix: use one of {})",
                        s.get_ref(),
                        ScenarioName::list()
                    ),
                )
            })
        })
        .transpose()?;
    let fix = match (raw.fix_from, raw.fix_content) {
        (Some(_), Some(content)) => {
            return Err(at(
                content.span().start,
                "fix_from and fix_content are both set (fix: keep one of them)".to_string(),
            ))
        }
        (Some(from), None) => Some(FixSource::File(from)),
        (None, Some(content)) => Some(FixSource::Content(content.into_inner())),
        (None, None) => None,
    };
    let speed = raw
        .speed
        .map(|v| {
            let speed = *v.get_ref();
            if valid_speed(speed) {
                Ok(speed)
            } else {
                Err(at(
                    v.span().start,
                    format!(
                        "speed = {speed} is not a factor from 0 to {MAX_SPEED} (fix: speed = 1)"
                    ),
                ))
            }
        })
        .transpose()?;
    // The ranges below fit the target types, so the narrowing casts cannot truncate.
    Ok(FileValues {
        scenario,
        target: raw.target,
        fix,
        fix_on: ranged(raw.fix_on, "fix_on", 1, i64::from(u32::MAX), 2)?.map(|v| v as u32),
        stray: raw.stray,
        protected: raw.protected,
        flood_mb: ranged(raw.flood_mb, "flood_mb", 0, i64::MAX, 50)?.map(|v| v as u64),
        exit_code: ranged(raw.exit_code, "exit_code", 1, 255, 101)?.map(|v| v as u8),
        speed,
    })
}

fn valid_speed(speed: f64) -> bool {
    (0.0..=MAX_SPEED).contains(&speed)
}

/// Merges flags over the scenario file over defaults and checks the result against the
/// worktree: the target exists, the fix is readable, the protected test is found.
/// Returns the scenario and the speed factor.
pub(crate) fn resolve(args: &SimArgs, cwd: &Path) -> Result<(Scenario, f64), SimError> {
    let file = match &args.scenario_file {
        None => FileValues::default(),
        Some(path) => {
            let text = fs::read_to_string(cwd.join(path)).map_err(|source| {
                SimError::ScenarioFileUnreadable {
                    path: path.clone(),
                    source,
                }
            })?;
            load_scenario_file(path, &text)?
        }
    };
    let name = args
        .scenario
        .or(file.scenario)
        .ok_or(SimError::NoScenario)?;
    let speed = args.speed.or(file.speed).unwrap_or(1.0);
    if !valid_speed(speed) {
        return Err(SimError::BadSpeed { value: speed });
    }

    let target = args.target.clone().or(file.target);
    match &target {
        None if name.needs_target() => {
            return Err(SimError::NoTarget {
                scenario: name.as_str(),
            })
        }
        Some(path) if !cwd.join(path).is_file() => return Err(missing("target", path, cwd)),
        _ => {}
    }

    let source = match (&args.fix_content, &args.fix_from) {
        (Some(content), _) => Some(FixSource::Content(content.clone())),
        (None, Some(path)) => Some(FixSource::File(path.clone())),
        (None, None) => file.fix,
    };
    // Read even when this iteration does not need it, so a bad path fails on iteration 1.
    let fix = match source {
        None if name.needs_fix() => {
            return Err(SimError::NoFix {
                scenario: name.as_str(),
            })
        }
        None => None,
        Some(FixSource::Content(content)) => Some(content),
        Some(FixSource::File(path)) => Some(
            fs::read_to_string(cwd.join(&path))
                .map_err(|source| SimError::FixUnreadable { path, source })?,
        ),
    };

    let protected = match (name, args.protected.clone().or(file.protected)) {
        (ScenarioName::EditProtected, Some(path)) if !cwd.join(&path).is_file() => {
            return Err(missing("protected", &path, cwd))
        }
        (ScenarioName::EditProtected, None) => {
            let tests = cwd.join("tests");
            let first = first_file_under(&tests).ok_or(SimError::NoProtected { dir: tests })?;
            Some(
                first
                    .strip_prefix(cwd)
                    .map_or(first.clone(), Path::to_path_buf),
            )
        }
        (_, path) => path,
    };

    let scenario = Scenario {
        name,
        target,
        fix,
        fix_on: args.fix_on.or(file.fix_on).unwrap_or(DEFAULT_FIX_ON),
        stray: args
            .stray
            .clone()
            .or(file.stray)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STRAY)),
        protected,
        flood_mb: args.flood_mb.or(file.flood_mb).unwrap_or(DEFAULT_FLOOD_MB),
        exit_code: args
            .exit_code
            .or(file.exit_code)
            .unwrap_or(DEFAULT_EXIT_CODE),
    };
    Ok((scenario, speed))
}

fn missing(what: &'static str, path: &Path, cwd: &Path) -> SimError {
    SimError::Missing {
        what,
        path: path.to_path_buf(),
        cwd: cwd.to_path_buf(),
    }
}

/// The first file in sorted, depth-first order: deterministic, whatever the directory order.
fn first_file_under(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    entries.into_iter().find_map(|path| {
        if path.is_dir() {
            first_file_under(&path)
        } else {
            path.is_file().then_some(path)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::collections::HashMap;
    use std::time::Duration;
    use tempfile::TempDir;

    const FIXED: &str = "#!/bin/sh\necho 0\n";

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }

    fn worktree() -> TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in [
            ("src/price.sh", "#!/bin/sh\necho -5\n"),
            (".sim/price.fixed", FIXED),
            ("tests/b_test.sh", "#!/bin/sh\n"),
            ("tests/a/price_test.sh", "#!/bin/sh\n"),
        ] {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            fs::write(full, text).expect("write");
        }
        dir
    }

    fn args(scenario: ScenarioName) -> SimArgs {
        SimArgs {
            scenario: Some(scenario),
            target: Some("src/price.sh".into()),
            fix_from: Some(".sim/price.fixed".into()),
            ..SimArgs::default()
        }
    }

    fn with_file(dir: &TempDir, toml: &str) -> SimArgs {
        fs::write(dir.path().join("sim.toml"), toml).expect("write");
        SimArgs {
            scenario_file: Some("sim.toml".into()),
            ..SimArgs::default()
        }
    }

    #[test]
    fn context_comes_from_andon_environment() {
        let env = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            context_from(Path::new("/w"), move |key| map.get(key).cloned())
        };
        let ctx = env(&[
            ("ANDON_ITERATION", "3"),
            ("ANDON_MODE", "plan"),
            ("ANDON_PROMPT_FILE", "/r/iter-3/prompt.md"),
        ])
        .expect("context");
        assert_eq!((ctx.iteration, ctx.mode), (3, Mode::Plan));
        assert_eq!(ctx.prompt_file, Some(PathBuf::from("/r/iter-3/prompt.md")));
        assert_eq!(ctx.fix_plan, None);

        let by_hand = env(&[]).expect("context");
        assert_eq!((by_hand.iteration, by_hand.mode), (1, Mode::Code));

        for (key, value, message) in [
            (
                "ANDON_ITERATION",
                "0",
                "ANDON_ITERATION=\"0\" is not a positive integer",
            ),
            ("ANDON_ITERATION", "two", "ANDON_ITERATION=\"two\""),
            (
                "ANDON_MODE",
                "review",
                "ANDON_MODE=\"review\" is neither `code` nor `plan`",
            ),
        ] {
            let err = env(&[(key, value)]).expect_err(value);
            assert!(err.to_string().contains(message), "{err}");
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn scenario_file_sets_every_field() {
        let dir = worktree();
        let args = with_file(
            &dir,
            "scenario = \"fix\"\nfix_on = 3\ntarget = \"src/price.sh\"\n\
             fix_from = \".sim/price.fixed\"\nstray = \"TODO.md\"\nflood_mb = 2\n\
             exit_code = 7\nspeed = 0.5\nprotected = \"tests/b_test.sh\"\n",
        );
        let (s, speed) = resolve(&args, dir.path()).expect("resolve");
        assert_eq!(s.name, ScenarioName::Fix);
        assert_eq!(s.fix_on, 3);
        assert_eq!(s.target, Some(PathBuf::from("src/price.sh")));
        assert_eq!(s.fix.as_deref(), Some(FIXED));
        assert_eq!(s.stray, PathBuf::from("TODO.md"));
        assert_eq!((s.flood_mb, s.exit_code, speed), (2, 7, 0.5));
        assert_eq!(s.protected, Some(PathBuf::from("tests/b_test.sh")));
    }

    #[test]
    fn flags_override_the_scenario_file() {
        let dir = worktree();
        let file = with_file(
            &dir,
            "scenario = \"fix\"\nfix_on = 3\ntarget = \"missing.sh\"\nfix_from = \"nope\"\n",
        );
        let args = SimArgs {
            scenario: Some(ScenarioName::OutOfScope),
            fix_on: Some(5),
            target: Some("src/price.sh".into()),
            fix_content: Some("inline\n".into()),
            speed: Some(0.0),
            ..file
        };
        let (s, speed) = resolve(&args, dir.path()).expect("resolve");
        assert_eq!(s.name, ScenarioName::OutOfScope);
        assert_eq!(s.fix_on, 5);
        assert_eq!(s.target, Some(PathBuf::from("src/price.sh")));
        assert_eq!(s.fix.as_deref(), Some("inline\n"));
        assert_eq!(speed, 0.0);
    }

    #[test]
    fn defaults_fill_what_nobody_set() {
        let dir = worktree();
        let (s, speed) = resolve(&args(ScenarioName::EditProtected), dir.path()).expect("resolve");
        assert_eq!(s.fix_on, DEFAULT_FIX_ON);
        assert_eq!(s.stray, PathBuf::from(DEFAULT_STRAY));
        assert_eq!(
            (s.flood_mb, s.exit_code),
            (DEFAULT_FLOOD_MB, DEFAULT_EXIT_CODE)
        );
        assert_eq!(s.protected, Some(PathBuf::from("tests/a/price_test.sh")));
        // ANDON_SIM_SPEED reaches SimArgs through clap, not here.
        assert_eq!(speed, 1.0);
    }

    #[test]
    fn bad_scenario_files_name_their_line() {
        let cases = [
            ("scenario = \"fix\"\nfix_on = \"two\"\n", 2, "fix_on"),
            (
                "\nscenario = \"explode\"\n",
                2,
                "unknown scenario `explode` (fix: use one of fix, repeat,",
            ),
            (
                "scenario = \"fix\"\n\n\ncolour = 1\n",
                4,
                "unknown field `colour`",
            ),
            (
                "scenario = \"fix\"\nfix_on = 0\n",
                2,
                "fix_on = 0 is not from 1 to 4294967295 (fix: fix_on = 2)",
            ),
            (
                "exit_code = 300\n",
                1,
                "exit_code = 300 is not from 1 to 255",
            ),
            (
                "speed = -1.0\n",
                1,
                "speed = -1 is not a factor from 0 to 100",
            ),
            (
                "fix_from = \"a\"\nfix_content = \"b\"\n",
                2,
                "both set (fix: keep one of them)",
            ),
            ("scenario = \"fix\n", 1, "sim-agent: sim.toml:1: "),
        ];
        for (toml, line, message) in cases {
            let dir = worktree();
            let err = resolve(&with_file(&dir, toml), dir.path()).expect_err(toml);
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("sim-agent: sim.toml:{line}: ")),
                "{toml:?}: {text}"
            );
            assert!(text.contains(message), "{toml:?}: {text}");
            assert!(!text.contains('\n'), "not one line: {text}");
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn bad_input_gets_a_one_line_message_with_the_fix() {
        let cases = [
            (SimArgs::default(), "no scenario given (fix: pass --scenario NAME"),
            (
                SimArgs { target: None, ..args(ScenarioName::Fix) },
                "scenario `fix` needs a target (fix: pass --target PATH",
            ),
            (
                SimArgs { target: Some("src/nope.sh".into()), ..args(ScenarioName::Vary) },
                "target src/nope.sh does not exist in",
            ),
            (
                SimArgs { fix_from: Some("fixes/none".into()), ..args(ScenarioName::Fix) },
                "cannot read fix file fixes/none: ",
            ),
            (
                SimArgs { fix_from: None, ..args(ScenarioName::Flood) },
                "scenario `flood` needs the fix content (fix: pass --fix-from PATH or --fix-content",
            ),
            (
                SimArgs { protected: Some("tests/gone.sh".into()), ..args(ScenarioName::EditProtected) },
                "protected tests/gone.sh does not exist in",
            ),
            (
                SimArgs { scenario_file: Some("none.toml".into()), ..args(ScenarioName::Fix) },
                "cannot read scenario file none.toml: ",
            ),
            (
                SimArgs { speed: Some(f64::NAN), ..args(ScenarioName::Fix) },
                "--speed NaN is not a factor from 0 to 100",
            ),
        ];
        for (args, message) in cases {
            let dir = worktree();
            let err = resolve(&args, dir.path()).expect_err(message);
            let text = err.to_string();
            assert!(text.starts_with("sim-agent: "), "{text}");
            assert!(text.contains(message), "{text}");
            assert!(text.contains("(fix: "), "{text}");
            assert!(!text.contains('\n'), "{text}");
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn edit_protected_without_tests_asks_for_protected() {
        let dir = worktree();
        fs::remove_dir_all(dir.path().join("tests")).expect("rm tests");
        let err = resolve(&args(ScenarioName::EditProtected), dir.path()).expect_err("no tests");
        assert!(
            err.to_string().contains("(fix: pass --protected PATH)"),
            "{err}"
        );
    }

    #[test]
    fn scenarios_that_need_nothing_resolve_bare() {
        let dir = worktree();
        for name in [ScenarioName::Hang, ScenarioName::Crash, ScenarioName::Noop] {
            let bare = SimArgs {
                scenario: Some(name),
                ..SimArgs::default()
            };
            assert!(resolve(&bare, dir.path()).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn the_cli_parses_flags_and_refuses_bad_values() {
        let cli = Cli::try_parse_from([
            "sim-agent",
            "--scenario",
            "edit-protected",
            "--fix-on",
            "3",
            "--exit-code",
            "9",
            "--speed",
            "0.25",
        ])
        .expect("parse");
        assert_eq!(cli.sim.scenario, Some(ScenarioName::EditProtected));
        assert_eq!((cli.sim.fix_on, cli.sim.exit_code), (Some(3), Some(9)));
        assert_eq!(cli.sim.speed, Some(0.25));
        for bad in [
            &["sim-agent", "--scenario", "explode"][..],
            &["sim-agent", "--fix-on", "0"],
            &["sim-agent", "--exit-code", "0"],
            &["sim-agent", "--fix-from", "a", "--fix-content", "b"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_run_at_speed_zero_shows_colors_and_edit_lines() {
        let dir = worktree();
        let (scenario, _) = resolve(&args(ScenarioName::OutOfScope), dir.path()).expect("resolve");
        let ctx = Context::code(dir.path(), 1);
        let mut printer = Printer::new(Vec::new(), Vec::new(), Pace::new(0.0));
        let started = std::time::Instant::now();
        assert_eq!(play(&scenario, &ctx, &mut printer).expect("play"), 0);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "speed 0 paused"
        );
        let out = String::from_utf8(printer.into_parts().0).expect("utf-8");
        assert!(out.contains("\x1b[1;35m▌ sim-agent"), "{out}");
        assert!(out.contains("scenario \x1b[1mout-of-scope"), "{out}");
        assert!(out.contains("\x1b[33m● Edit\x1b[0m src/price.sh"), "{out}");
        assert!(out.contains("\x1b[33m● Write\x1b[0m NOTES.md"), "{out}");
        assert!(out.contains("\x1b[32m+ echo 0"), "{out}");
        assert!(out.contains("\x1b[31m- echo -5"), "{out}");
    }

    #[test]
    fn a_normal_run_takes_two_to_four_seconds_at_speed_one() {
        for name in [
            ScenarioName::Fix,
            ScenarioName::Repeat,
            ScenarioName::Vary,
            ScenarioName::OutOfScope,
            ScenarioName::EditProtected,
        ] {
            let dir = worktree();
            let (scenario, _) = resolve(&args(name), dir.path()).expect("resolve");
            let mut ctx = Context::code(dir.path(), 1);
            ctx.prompt_file = Some(dir.path().join("prompt.md"));
            // Speed 0 sleeps nothing but still counts the pauses speed 1 would take.
            let mut printer = Printer::new(io::sink(), io::sink(), Pace::new(0.0));
            play(&scenario, &ctx, &mut printer).expect("play");
            let nominal = printer.pace().nominal();
            assert!(
                (Duration::from_secs(2)..=Duration::from_secs(4)).contains(&nominal),
                "{name:?}: {nominal:?}"
            );
        }
    }
}

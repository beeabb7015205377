//! Carries out one iteration's script: applies its file changes in the worktree and shows each
//! step through the printer, pauses included. The only part of the `sim` agent that touches
//! files once the scenario is resolved.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::SimError;
use crate::output::Printer;
use crate::scenario::{script, Change, Context, Scenario, Step};

/// Plays `scenario` for the iteration in `ctx` and returns the agent's exit code. Never
/// returns for a `hang` step: the process sleeps until andon kills it.
pub(crate) fn play<O: Write, E: Write>(
    scenario: &Scenario,
    ctx: &Context,
    printer: &mut Printer<O, E>,
) -> Result<i32, SimError> {
    let script = script(scenario, ctx)?;
    printer
        .header(scenario.name.as_str(), ctx.iteration, ctx.mode.as_str())
        .map_err(SimError::Output)?;
    for step in &script.steps {
        match step {
            Step::Think(thought) => printer.thinking(thought),
            Step::Read(path) => {
                // A prompt file andon failed to write is not worth aborting a demo over.
                let lines = fs::read_to_string(ctx.cwd.join(path)).map_or(0, |t| t.lines().count());
                printer.read(&shown(ctx, path), lines)
            }
            Step::Edit { path, change } => {
                let (old, new) = apply(ctx, path, change)?;
                printer.edit(&shown(ctx, path), old.as_deref(), &new)
            }
            Step::Note(text) => printer.note(text),
            Step::Flood { bytes } => printer.flood(*bytes).map(drop),
            Step::CrashTrace => printer.crash_trace(),
            Step::Hang => hang(),
            Step::Summary(text) => printer.summary(text),
        }
        .map_err(SimError::Output)?;
    }
    Ok(script.exit_code)
}

/// Applies `change` to the file and returns its old content (`None` if it did not exist) and
/// the new one.
fn apply(
    ctx: &Context,
    path: &Path,
    change: &Change,
) -> Result<(Option<String>, String), SimError> {
    let full = ctx.cwd.join(path);
    let failed = |source| SimError::File {
        path: full.clone(),
        source,
    };
    let old = match fs::read_to_string(&full) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(failed(e)),
    };
    let new = change.apply(old.as_deref().unwrap_or(""));
    if let Some(parent) = full.parent() {
        fs::create_dir_all(parent).map_err(failed)?;
    }
    fs::write(&full, &new).map_err(failed)?;
    Ok((old, new))
}

/// Paths inside the worktree are shown relative to it, as an agent would name them.
fn shown(ctx: &Context, path: &Path) -> String {
    path.strip_prefix(&ctx.cwd)
        .map(PathBuf::from)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn hang() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Pace;
    use crate::scenario::{vary_word, Mode, ScenarioName};
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use tempfile::TempDir;

    const BROKEN: &str = "#!/bin/sh\necho $(( $1 - $2 ))\n";
    const FIXED: &str = "#!/bin/sh\nr=$(( $1 - $2 ))\n[ $r -lt 0 ] && r=0\necho $r\n";
    const TEST: &str = "#!/bin/sh\n[ \"$(sh src/price.sh 5 10)\" = 0 ] || exit 1\n";

    fn worktree() -> TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in [
            ("src/price.sh", BROKEN),
            (".sim/price.fixed", FIXED),
            ("tests/price_test.sh", TEST),
        ] {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            fs::write(full, text).expect("write");
        }
        dir
    }

    fn scenario(name: ScenarioName) -> Scenario {
        Scenario {
            name,
            target: Some("src/price.sh".into()),
            fix: Some(FIXED.into()),
            fix_on: 2,
            stray: "NOTES.md".into(),
            protected: Some("tests/price_test.sh".into()),
            flood_mb: 1,
            exit_code: 101,
        }
    }

    struct Played {
        code: i32,
        out: String,
        err: String,
    }

    fn play_in(s: &Scenario, ctx: &Context) -> Played {
        let mut printer = Printer::new(Vec::new(), Vec::new(), Pace::new(0.0));
        let code = play(s, ctx, &mut printer).expect("play");
        let (out, err) = printer.into_parts();
        Played {
            code,
            out: String::from_utf8(out).expect("utf-8"),
            err: String::from_utf8(err).expect("utf-8"),
        }
    }

    fn play_code(s: &Scenario, dir: &TempDir, iteration: u32) -> Played {
        play_in(s, &Context::code(dir.path(), iteration))
    }

    fn read(dir: &TempDir, path: &str) -> String {
        fs::read_to_string(dir.path().join(path)).expect("read")
    }

    /// Every file of the worktree with its content.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
        let mut files = BTreeMap::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(at) = pending.pop() {
            for entry in fs::read_dir(&at).expect("read dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    files.insert(path.clone(), fs::read_to_string(&path).expect("read"));
                }
            }
        }
        files
    }

    #[test]
    fn fix_attempts_with_comments_then_fixes_on_k() {
        for fix_on in [1, 2, 3] {
            let dir = worktree();
            let s = Scenario {
                fix_on,
                ..scenario(ScenarioName::Fix)
            };
            let mut expected = BROKEN.to_string();
            for n in 1..=4 {
                let played = play_code(&s, &dir, n);
                assert_eq!(played.code, 0);
                if n < fix_on {
                    expected.push_str(&format!(
                        "# sim-agent attempt {n}: adjusted the edge case (no behavior change)\n"
                    ));
                } else {
                    expected = FIXED.to_string();
                }
                assert_eq!(read(&dir, "src/price.sh"), expected, "K={fix_on} n={n}");
                assert!(!dir.path().join("NOTES.md").exists());
            }
        }
    }

    #[test]
    fn repeat_appends_the_same_kind_of_comment_every_iteration() {
        let dir = worktree();
        let s = scenario(ScenarioName::Repeat);
        let mut expected = BROKEN.to_string();
        for n in 1..=4 {
            assert_eq!(play_code(&s, &dir, n).code, 0);
            expected.push_str(&format!(
                "# sim-agent attempt {n}: same approach as before\n"
            ));
            assert_eq!(read(&dir, "src/price.sh"), expected);
        }
        assert_eq!(read(&dir, "tests/price_test.sh"), TEST);
    }

    #[test]
    fn vary_writes_a_different_failing_script_each_iteration() {
        let dir = worktree();
        let s = scenario(ScenarioName::Vary);
        let mut seen = Vec::new();
        for n in 1..=4 {
            assert_eq!(play_code(&s, &dir, n).code, 0);
            let content = read(&dir, "src/price.sh");
            assert!(!seen.contains(&content), "iteration {n} repeated a content");
            seen.push(content);
            // The check sees the word on stdout and stderr, and a failing exit code.
            let run = std::process::Command::new("sh")
                .arg("src/price.sh")
                .current_dir(dir.path())
                .output()
                .expect("run sh");
            let word = vary_word(n);
            assert_eq!(run.status.code(), Some(1));
            assert_eq!(String::from_utf8_lossy(&run.stdout), format!("{word}\n"));
            assert!(String::from_utf8_lossy(&run.stderr).contains(&word));
        }
    }

    #[test]
    fn out_of_scope_fixes_and_writes_the_stray_file() {
        let dir = worktree();
        let s = scenario(ScenarioName::OutOfScope);
        for n in 1..=4 {
            assert_eq!(play_code(&s, &dir, n).code, 0);
            assert_eq!(read(&dir, "src/price.sh"), FIXED);
            let notes = read(&dir, "NOTES.md");
            assert_eq!(notes.lines().count(), n as usize);
            assert!(notes.ends_with(&format!(
                "iteration {n}: noted a follow-up outside the plan's scope\n"
            )));
        }
    }

    #[test]
    fn edit_protected_weakens_the_test_and_touches_the_target() {
        let dir = worktree();
        let s = scenario(ScenarioName::EditProtected);
        for n in 1..=4 {
            assert_eq!(play_code(&s, &dir, n).code, 0);
            let test = read(&dir, "tests/price_test.sh");
            let lines: Vec<&str> = test.lines().collect();
            assert_eq!(lines[0], "#!/bin/sh");
            assert_eq!(lines[1], "exit 0 # sim-agent: skip the failing assertions");
            assert_eq!(lines.len(), 2 + n as usize);
            assert!(read(&dir, "src/price.sh").ends_with(&format!(
                "# sim-agent attempt {n}: same approach as before\n"
            )));
        }
        // The weakened test really passes now, whatever the target says.
        let run = std::process::Command::new("sh")
            .arg("tests/price_test.sh")
            .current_dir(dir.path())
            .status()
            .expect("run sh");
        assert!(run.success());
    }

    #[test]
    fn edit_protected_comments_a_test_that_is_not_a_shell_script() {
        let dir = worktree();
        fs::write(
            dir.path().join("tests/test_price.py"),
            "def test_x():\n    assert False\n",
        )
        .expect("write");
        let s = Scenario {
            protected: Some("tests/test_price.py".into()),
            ..scenario(ScenarioName::EditProtected)
        };
        play_code(&s, &dir, 1);
        assert_eq!(
            read(&dir, "tests/test_price.py"),
            "def test_x():\n    assert False\n# sim-agent: relaxed this test\n"
        );
    }

    #[test]
    fn flood_writes_the_megabytes_then_fixes() {
        let dir = worktree();
        let s = scenario(ScenarioName::Flood);
        for n in 1..=2 {
            let played = play_code(&s, &dir, n);
            assert_eq!(played.code, 0);
            assert!(played.out.len() > 1024 * 1024, "{} bytes", played.out.len());
            assert_eq!(read(&dir, "src/price.sh"), FIXED);
        }
    }

    #[test]
    fn crash_and_noop_change_nothing() {
        let cases = [
            (
                ScenarioName::Crash,
                101,
                "Error: API request failed: 529 overloaded",
            ),
            (ScenarioName::Noop, 0, ""),
        ];
        for (name, code, stderr) in cases {
            let dir = worktree();
            let before = snapshot(dir.path());
            for n in 1..=4 {
                let played = play_code(&scenario(name), &dir, n);
                assert_eq!(played.code, code, "{name:?}");
                assert!(played.err.contains(stderr), "{name:?}: {}", played.err);
                assert_eq!(snapshot(dir.path()), before, "{name:?} changed a file");
            }
        }
        let dir = worktree();
        let crash = Scenario {
            exit_code: 7,
            ..scenario(ScenarioName::Crash)
        };
        assert_eq!(play_code(&crash, &dir, 1).code, 7);
        assert!(play_code(&scenario(ScenarioName::Noop), &dir, 1)
            .out
            .contains("Nothing to do"));
    }

    /// A `Write` that the test can read while another thread still holds the printer.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
        }
    }

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn hang_prints_a_few_lines_then_stays_silent_without_changes() {
        let dir = worktree();
        let before = snapshot(dir.path());
        let out = Shared::default();
        let (s, ctx, writer) = (
            scenario(ScenarioName::Hang),
            Context::code(dir.path(), 1),
            out.clone(),
        );
        // The thread never ends; the test process exits around it.
        let player = std::thread::spawn(move || {
            let mut printer = Printer::new(writer, io::sink(), Pace::new(0.0));
            play(&s, &ctx, &mut printer)
        });
        for _ in 0..100 {
            if out.text().contains("running the checks") {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let printed = out.text();
        assert!(printed.contains("running the checks"), "{printed}");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(out.text(), printed, "output after going silent");
        assert!(!player.is_finished(), "hang returned");
        assert_eq!(snapshot(dir.path()), before);
    }

    #[test]
    fn plan_mode_writes_a_fix_plan_and_no_code() {
        for name in ScenarioName::ALL {
            let dir = worktree();
            let iter_dir = tempfile::tempdir().expect("temp dir");
            let prompt = iter_dir.path().join("prompt.md");
            fs::write(&prompt, "# Iteration 4\nfailing: tests\n").expect("write");
            let before = snapshot(dir.path());
            let ctx = Context {
                mode: Mode::Plan,
                prompt_file: Some(prompt),
                ..Context::code(dir.path(), 4)
            };
            let s = scenario(name);
            // Checked on the script first so a wrong plan mode fails instead of hanging.
            let steps = script(&s, &ctx).expect("script").steps;
            assert!(!steps.contains(&Step::Hang), "{name:?}");
            let played = play_in(&s, &ctx);
            assert_eq!(played.code, 0, "{name:?}");
            assert_eq!(snapshot(dir.path()), before, "{name:?} changed code");
            let plan = fs::read_to_string(iter_dir.path().join("fix-plan.md")).expect("plan");
            for heading in [
                "## Pattern seen",
                "## Root cause guess",
                "## Proposed approach",
            ] {
                assert!(plan.contains(heading), "{name:?}: {plan}");
            }
            assert!(plan.contains(&format!("scenario `{}`", name.as_str())));
        }
    }

    #[test]
    fn plan_mode_prefers_andon_fix_plan_and_needs_a_place() {
        let dir = worktree();
        let elsewhere = tempfile::tempdir().expect("temp dir");
        let plan = elsewhere.path().join("plans/meta.md");
        let ctx = Context {
            mode: Mode::Plan,
            prompt_file: Some(elsewhere.path().join("prompt.md")),
            fix_plan: Some(plan.clone()),
            ..Context::code(dir.path(), 3)
        };
        play_in(&scenario(ScenarioName::Repeat), &ctx);
        assert!(fs::read_to_string(plan)
            .expect("plan")
            .starts_with("# Fix plan (iteration 3)"));
        assert!(!elsewhere.path().join("fix-plan.md").exists());

        let nowhere = Context {
            mode: Mode::Plan,
            ..Context::code(dir.path(), 3)
        };
        let mut printer = Printer::new(Vec::new(), Vec::new(), Pace::new(0.0));
        let err =
            play(&scenario(ScenarioName::Fix), &nowhere, &mut printer).expect_err("no plan path");
        assert!(matches!(err, SimError::NoFixPlanPath));
        assert_eq!(err.exit_code(), 2);
    }
}

//! Claude Code's and Codex's idle screens in andon's pane emulator (`andon::term::Pane` fed
//! from a real PTY, answering the TUI's queries as a session does) against the same TUI in a
//! bare tmux pane of the same size: every cell's text, foreground, background and reverse
//! video must agree. Both sides answer the TUI's color queries alike (tmux from a window style
//! equal to the pane's default palette), and nothing is masked: the idle screens hold no clock.
//! `SCREENS_DEBUG=/tmp/x` keeps both raw output streams (`/tmp/x.tmux.log`, `/tmp/x.pane.log`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use andon::pty::spawn::{PtyChild, PtySpec};
use andon::term::{CellColor, Pane, TermPalette};

use super::capture::{hex, parse_capture, Captured, Screen, COLS, ROWS};

use super::mock_llm::{shell_quote, MockLlm, Script};
use super::rig::{codex_config, seed_claude_config, ANTHROPIC_KEY, OPENAI_KEY};
use crate::common::git;

/// A screen counts as settled once it did not change for this long.
const STABLE: Duration = Duration::from_millis(1500);
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug)]
pub enum Agent {
    Claude,
    Codex,
}

/// Runs `agent`'s TUI in tmux, then in a pane, and compares the settled idle screens.
pub fn compare(clis: &Path, agent: Agent) {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    git(&project, &["init", "-q", "-b", "main"]);
    std::fs::write(project.join("README.md"), "# shop\n").unwrap();
    let mock = MockLlm::start(Script::default());
    let setup = Setup {
        clis,
        agent,
        tmp: tmp.path(),
        project: &project,
        mock: &mock,
    };

    let (argv, env) = setup.fresh();
    let in_tmux = tmux_screen(&project, &argv, &env, agent);
    let (argv, env) = setup.fresh();
    let in_pane = pane_screen(&project, &argv, &env, agent);

    let mut diffs = Vec::new();
    for (row, (a, b)) in in_tmux.cells.iter().zip(&in_pane.cells).enumerate() {
        let reported = in_tmux.reported[row];
        for (col, (x, y)) in a.iter().zip(b).enumerate() {
            // Past what capture-pane reports, tmux holds cells a TUI erased with a background
            // color (EL with BCE) but does not print them: there the pane must be blank, with
            // the background of the line's last reported cell (default for an empty line).
            let tail_bg = reported
                .checked_sub(1)
                .map_or(CellColor::Default, |last| a[last].2);
            let same = if col < reported {
                x == y
            } else {
                y.0 == ' ' && y.2 == tail_bg
            };
            if !same {
                diffs.push(format!("row {row} col {col}: tmux {x:?} pane {y:?}"));
            }
        }
    }
    let text = |s: &Screen| -> String {
        s.iter()
            .map(|r| {
                r.iter()
                    .map(|c| c.0)
                    .collect::<String>()
                    .trim_end()
                    .to_string()
                    + "\n"
            })
            .collect()
    };
    assert!(
        diffs.is_empty(),
        "{agent:?}: {} cells differ:\n{}\n--- tmux:\n{}--- pane:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        text(&in_tmux.cells),
        text(&in_pane.cells)
    );
}

struct Setup<'a> {
    clis: &'a Path,
    agent: Agent,
    tmp: &'a Path,
    project: &'a Path,
    mock: &'a MockLlm,
}

impl Setup<'_> {
    /// Fresh config folders (the agents rewrite theirs) and the argv and environment.
    fn fresh(&self) -> (Vec<String>, Vec<(String, String)>) {
        let home = self.tmp.join("home");
        let config = self.tmp.join("config");
        for dir in [&home, &config] {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir).unwrap();
        }
        let path = format!("{}:/usr/local/bin:/usr/bin:/bin", self.clis.display());
        let mut env: Vec<(String, String)> = [
            ("PATH", path),
            ("HOME", home.display().to_string()),
            ("TERM", "xterm-256color".to_string()),
            ("COLORTERM", "truecolor".to_string()),
            ("LANG", "C.UTF-8".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut set = |k: &str, v: String| env.push((k.to_string(), v));
        let program: PathBuf;
        let args: &[&str];
        match self.agent {
            Agent::Claude => {
                seed_claude_config(&config, self.project);
                set("ANTHROPIC_BASE_URL", self.mock.base_url());
                set("ANTHROPIC_API_KEY", ANTHROPIC_KEY.into());
                set("IS_SANDBOX", "1".into());
                set("CLAUDE_CONFIG_DIR", config.display().to_string());
                set("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into());
                set("DISABLE_AUTOUPDATER", "1".into());
                program = self.clis.join("claude");
                args = &["--dangerously-skip-permissions"];
            }
            Agent::Codex => {
                let toml = codex_config(&self.mock.base_url(), &[self.project]);
                std::fs::write(config.join("config.toml"), toml).unwrap();
                set("CODEX_HOME", config.display().to_string());
                set("OPENAI_API_KEY", OPENAI_KEY.into());
                program = self.clis.join("codex");
                args = &["--dangerously-bypass-approvals-and-sandbox", "--no-daemon"];
            }
        }
        let mut argv = vec![program.display().to_string()];
        argv.extend(args.iter().map(|a| a.to_string()));
        (argv, env)
    }
}

/// The TUI shows its prompt and is not working.
fn idle(agent: Agent, text: &str) -> bool {
    let ready = match agent {
        Agent::Claude => text.contains("bypass permissions on"),
        Agent::Codex => text.contains("? for shortcuts"),
    };
    ready && !text.contains("esc to interrupt")
}

/// Polls `look` until the TUI is idle and its screen stayed the same for [`STABLE`].
fn settle(agent: Agent, what: &str, mut look: impl FnMut() -> Screen) -> Screen {
    let start = Instant::now();
    let mut last: Option<(Screen, Instant)> = None;
    loop {
        let screen = look();
        let text: String = screen.iter().flatten().map(|c| c.0).collect();
        match &last {
            Some((prev, since)) if *prev == screen => {
                if idle(agent, &text) && since.elapsed() >= STABLE {
                    return screen;
                }
            }
            _ => last = Some((screen.clone(), Instant::now())),
        }
        if start.elapsed() > TIMEOUT {
            panic!("{agent:?} in {what} never settled; screen:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// The settled screen of `argv` in a bare tmux pane of ROWS x COLS.
fn tmux_screen(cwd: &Path, argv: &[String], env: &[(String, String)], agent: Agent) -> Captured {
    let socket = format!("andon-screens-{}-{agent:?}", std::process::id());
    let mut words = vec!["env".to_string(), "-i".to_string()];
    words.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
    words.extend(argv.iter().cloned());
    let shell = words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ");
    // tmux answers a TUI's `OSC 10/11 ?` from the window style; with no client attached it
    // would not answer at all, while a pane answers from andon's palette. Same answers, same
    // theme: Codex tints its composer from the background it is told.
    let conf = cwd.parent().unwrap().join("tmux.conf");
    let palette = TermPalette::default();
    std::fs::write(
        &conf,
        format!(
            "set -g window-style \"fg={},bg={}\"\n",
            hex(palette.foreground),
            hex(palette.background)
        ),
    )
    .unwrap();
    let conf = conf.to_string_lossy().into_owned();
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", &conf])
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let (x, y) = (COLS.to_string(), ROWS.to_string());
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "cmp",
        "-x",
        &x,
        "-y",
        &y,
        "-c",
        &cwd.to_string_lossy(),
        &shell,
    ]);
    assert!(
        started.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    struct Kill<'a>(&'a dyn Fn(&[&str]) -> std::process::Output);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            (self.0)(&["kill-server"]);
        }
    }
    let _kill = Kill(&tmux);
    if let Ok(dbg) = std::env::var("SCREENS_DEBUG") {
        tmux(&[
            "pipe-pane",
            "-o",
            "-t",
            "cmp",
            &format!("cat > {dbg}.tmux.log"),
        ]);
    }
    let capture = || {
        let out = tmux(&["capture-pane", "-p", "-e", "-N", "-t", "cmp"]);
        parse_capture(&String::from_utf8_lossy(&out.stdout))
    };
    settle(agent, "tmux", || capture().cells);
    capture()
}

/// The settled screen of `argv` in andon's pane emulator, its replies written back to the PTY.
fn pane_screen(cwd: &Path, argv: &[String], env: &[(String, String)], agent: Agent) -> Captured {
    let child_slot: Arc<Mutex<Option<Arc<PtyChild>>>> = Arc::new(Mutex::new(None));
    let replies = Arc::clone(&child_slot);
    let pane = Arc::new(Mutex::new(Pane::new(
        ROWS,
        COLS,
        0,
        Box::new(move |reply: Vec<u8>| {
            if let Some(child) = replies.lock().unwrap().as_ref() {
                let _ = child.write(reply);
            }
        }),
    )));
    let feed = Arc::clone(&pane);
    let log = tempfile::NamedTempFile::new().unwrap();
    let log_path = std::env::var("SCREENS_DEBUG")
        .map(|d| PathBuf::from(format!("{d}.pane.log")))
        .unwrap_or(log.path().to_path_buf());
    let child = PtyChild::spawn(
        PtySpec {
            argv: argv.to_vec(),
            cwd: cwd.to_path_buf(),
            env: env.to_vec(),
            rows: ROWS,
            cols: COLS,
            log_path,
            stdin_data: None,
        },
        Box::new(move |bytes: &[u8]| feed.lock().unwrap().feed(bytes)),
    )
    .expect("the TUI starts in a PTY");
    *child_slot.lock().unwrap() = Some(Arc::new(child));
    let screen = settle(agent, "the pane", || {
        let mut pane = pane.lock().unwrap();
        pane.tick();
        pane.cells()
            .iter()
            .map(|row| row.iter().map(|c| (c.c, c.fg, c.bg, c.inverse)).collect())
            .collect()
    });
    // Dropping the child ends its process group.
    child_slot.lock().unwrap().take();
    Captured {
        reported: vec![usize::from(COLS); screen.len()],
        cells: screen,
    }
}

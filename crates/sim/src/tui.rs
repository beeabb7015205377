//! `andon sim-agent --interactive`: the scripted agent as a long-lived TUI, the stand-in for
//! Claude Code's or Codex's own screen in demos and tests. It turns off line editing and
//! echo, asks for bracketed paste, shows a `sim> ` prompt, and plays one scripted iteration
//! per submitted message (the n-th submission is iteration n, a message with "PLAN MODE" is
//! a plan-mode iteration). The prompt is on screen only while it waits for input, which is
//! the profile's idle marker. With `--signal` it ends each turn by running `andon signal
//! done`; with `--claude-hooks` by running the Stop hooks andon installed for Claude Code;
//! with neither, andon has to see the turn end on the screen.

use std::io::{self, Read, Write};

use rustix::termios::{
    tcgetattr, tcsetattr, InputModes, LocalModes, OptionalActions, SpecialCodeIndex, Termios,
};

use crate::error::SimError;
use crate::output::{Pace, Printer};
use crate::play::play;
use crate::scenario::{Context, Mode, Scenario};

const PROMPT: &str = "sim> ";
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// Ctrl-D on an empty line quits, as in a shell.
const EOT: u8 = 0x04;

/// Plays turns until the terminal closes, Ctrl-D or `/exit`. Returns the exit code.
pub(crate) fn run(
    scenario: &Scenario,
    speed: f64,
    base: &Context,
    end: TurnEnd,
    ask: bool,
) -> Result<i32, SimError> {
    let _raw = RawInput::enable();
    let mut out = io::stdout().lock();
    write!(
        out,
        "\x1b[?2004hsim-agent (interactive) — scenario {}\r\n{PROMPT}",
        scenario.name.as_str()
    )
    .and_then(|_| out.flush())
    .map_err(SimError::Output)?;
    drop(out);
    let mut input = Vec::new();
    let mut in_paste = false;
    let mut turn = 0;
    // A submitted message waiting for the human's `y` (with --ask).
    let mut asking: Option<String> = None;
    let mut stdin = io::stdin().lock();
    let mut buf = [0u8; 4096];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(0),
            Ok(n) => n,
        };
        let mut bytes = &buf[..n];
        while !bytes.is_empty() {
            if let Some(rest) = bytes.strip_prefix(PASTE_START) {
                in_paste = true;
                bytes = rest;
                continue;
            }
            if let Some(rest) = bytes.strip_prefix(PASTE_END) {
                in_paste = false;
                bytes = rest;
                continue;
            }
            let b = bytes[0];
            bytes = &bytes[1..];
            // The question takes one typed key: `y` plays the turn, `n` declines it; a paste
            // answers nothing.
            if let Some(message) = asking.take() {
                match b {
                    b'y' | b'Y' if !in_paste => {
                        turn += 1;
                        play_turn(scenario, speed, base, turn, &message)?;
                        finish_turn(end)?;
                    }
                    b'n' | b'N' if !in_paste => {
                        echo(b"\r\n(declined)")?;
                        finish_turn(end)?;
                    }
                    _ => asking = Some(message),
                }
                continue;
            }
            match b {
                b'\r' | b'\n' if !in_paste => {
                    let message = String::from_utf8_lossy(&input).to_string();
                    input.clear();
                    if message.trim() == "/exit" {
                        return Ok(0);
                    }
                    if message.trim().is_empty() {
                        print_prompt()?;
                        continue;
                    }
                    if ask {
                        echo(b"\r\x1b[2KAllow this action? [y/n]")?;
                        asking = Some(message);
                        continue;
                    }
                    turn += 1;
                    play_turn(scenario, speed, base, turn, &message)?;
                    finish_turn(end)?;
                }
                EOT if !in_paste && input.is_empty() => return Ok(0),
                // Typed (not pasted) text shows in the input line, as in a real agent's TUI.
                0x20..=0x7e if !in_paste => {
                    input.push(b);
                    echo(&[b])?;
                }
                0x7f if !in_paste => {
                    if input.pop().is_some() {
                        echo(b"\x08 \x08")?;
                    }
                }
                _ => input.push(b),
            }
        }
    }
}

/// The turn is over: say so the configured way, and show the prompt again.
fn finish_turn(end: TurnEnd) -> Result<(), SimError> {
    match end {
        TurnEnd::Quiet => {}
        TurnEnd::Signal => signal_done(),
        TurnEnd::ClaudeHooks => run_claude_stop_hooks(),
    }
    print_prompt()
}

fn echo(bytes: &[u8]) -> Result<(), SimError> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(SimError::Output)
}

fn print_prompt() -> Result<(), SimError> {
    let mut out = io::stdout().lock();
    write!(out, "\r\n{PROMPT}")
        .and_then(|_| out.flush())
        .map_err(SimError::Output)
}

fn play_turn(
    scenario: &Scenario,
    speed: f64,
    base: &Context,
    turn: u32,
    message: &str,
) -> Result<(), SimError> {
    let lines = message.lines().count().max(1);
    {
        let mut out = io::stdout().lock();
        // The prompt line goes away while the agent works, as a real TUI's input box does:
        // `sim> ` on screen means idle.
        write!(out, "\r\x1b[2K> [pasted {lines} lines]\r\nworking…\r\n")
            .and_then(|_| out.flush())
            .map_err(SimError::Output)?;
    }
    let ctx = Context {
        iteration: turn,
        mode: if message.contains("PLAN MODE") {
            Mode::Plan
        } else {
            Mode::Code
        },
        ..base.clone()
    };
    let mut printer = Printer::new(io::stdout().lock(), io::stderr().lock(), Pace::new(speed));
    let code = play(scenario, &ctx, &mut printer)?;
    let mut out = io::stdout().lock();
    write!(out, "(turn {turn} done, exit {code})")
        .and_then(|_| out.flush())
        .map_err(SimError::Output)
}

/// How the scripted TUI ends a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TurnEnd {
    /// It just shows its prompt again; andon must see the turn end on the screen.
    Quiet,
    /// `andon signal done`, as a hook would.
    Signal,
    /// Runs the Stop hooks of `.claude/settings.local.json`, as Claude Code does.
    ClaudeHooks,
}

/// Claude Code runs each Stop hook's command with `sh -c` when a turn ends.
fn run_claude_stop_hooks() {
    let Ok(text) = std::fs::read_to_string(".claude/settings.local.json") else {
        return;
    };
    let Ok(settings) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    let entries = settings["hooks"]["Stop"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for entry in entries {
        for hook in entry["hooks"].as_array().cloned().unwrap_or_default() {
            if let Some(command) = hook["command"].as_str() {
                let _ = std::process::Command::new("sh")
                    .args(["-c", command])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .status();
            }
        }
    }
}

/// What a Claude Code Stop hook does: tell andon the turn is over.
fn signal_done() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let _ = std::process::Command::new(exe)
        .args(["signal", "done"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status();
}

/// The terminal without line editing, echo or signal keys while the TUI runs; output
/// processing stays on so `\n` still starts a new line. Restored on drop.
struct RawInput {
    saved: Option<Termios>,
}

impl RawInput {
    fn enable() -> RawInput {
        let stdin = std::io::stdin();
        // A non-terminal stdin fails cleanly and leaves the input as it is.
        let Ok(saved) = tcgetattr(&stdin) else {
            return RawInput { saved: None };
        };
        let mut t = saved.clone();
        t.local_modes &=
            !(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN);
        t.input_modes &= !(InputModes::ICRNL | InputModes::IXON);
        t.special_codes[SpecialCodeIndex::VMIN] = 1;
        t.special_codes[SpecialCodeIndex::VTIME] = 0;
        if let Err(e) = tcsetattr(&stdin, OptionalActions::Now, &t) {
            eprintln!("sim: cannot switch the terminal to raw input: {e}");
        }
        RawInput { saved: Some(saved) }
    }
}

impl Drop for RawInput {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            // Restoring on the way out: a terminal gone by now has nothing left to restore.
            let _restored = tcsetattr(std::io::stdin(), OptionalActions::Now, saved);
        }
    }
}

//! `andon doctor`'s findings: which agent CLIs are installed and their versions, git and
//! libgit2, the repository and its config, and the terminal — one line per finding, and for
//! each problem the fix.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Serialize;

use crate::config::{builtin_command, install_hint, AgentProfile, Config, EnvPolicy};
use crate::engine::iteration::env::find_program;
use crate::or_log::OrLog;

/// How a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    /// Worth knowing; nothing is broken (an agent you may not use is missing).
    Note,
    /// Something andon needs is missing or wrong.
    Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// What was checked, e.g. "agent claude".
    pub subject: String,
    pub detail: String,
    /// What to do about it, for a note or a problem.
    pub fix: Option<String>,
}

fn finding(level: Level, subject: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding {
        level,
        subject: subject.into(),
        detail: detail.into(),
        fix: None,
    }
}

impl Finding {
    fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// The first line a program prints for `--version`, within a few seconds (a CLI that wants a
/// login or a network must not hang the doctor), run with the environment agents get.
pub fn version_of(program: &Path, policy: &EnvPolicy) -> Option<String> {
    let env = std::env::vars().filter(|(k, v)| policy.passes_var(k, v, &[]));
    let mut child = Command::new(program)
        .arg("--version")
        // Not in the repository: a CLI must not pick up the repository's config as it starts.
        .current_dir("/")
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let start = crate::clock::instant_now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                child.kill().or_log(
                    "a version probe that outlived its time is killed; it may have just exited",
                );
                child.wait().or_log(
                    "a version probe that outlived its time is reaped; it may have just exited",
                );
                return None;
            }
        }
    }
    let out = child.wait_with_output().ok()?;
    let text = String::from_utf8_lossy(if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    })
    .into_owned();
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| andon_core::sanitize::one_line(l, 80))
}

/// Every configured agent profile: its program found (with its version) or how to install it.
/// The default agent missing is a problem; any other, a note.
pub fn agents(config: &Config, repo_root: &Path) -> Vec<Finding> {
    config
        .agents
        .values()
        .filter(|p| p.name != "sim")
        .map(|profile| {
            let subject = format!("agent {}", profile.name);
            let program = profile.command.first().map(String::as_str).unwrap_or("");
            let default = profile.name == config.default_agent;
            match find_program(program, repo_root) {
                Some(path) if installed_cli(profile, &path, repo_root) => {
                    let version =
                        version_of(&path, &config.env).unwrap_or_else(|| "version unknown".into());
                    finding(
                        Level::Ok,
                        subject,
                        format!("{version} ({})", path.display()),
                    )
                }
                // The repository's own program: found, and not run — doctor runs no code a
                // repository names.
                Some(path) => finding(
                    Level::Ok,
                    subject,
                    format!(
                        "{} (found; doctor runs only the built-in agent CLIs)",
                        path.display()
                    ),
                ),
                None => {
                    let level = if default { Level::Problem } else { Level::Note };
                    let why = if default {
                        format!("`{program}` not found on PATH, and it is the default agent")
                    } else {
                        format!("`{program}` not found on PATH")
                    };
                    let fix = match install_hint(&profile.name) {
                        Some(hint)
                            if profile.command.first().map(String::as_str)
                                == Some(profile.name.as_str()) =>
                        {
                            format!("install it: {hint}")
                        }
                        _ => format!(
                            "install `{program}`, or fix [agents.{}] command in andon.toml",
                            profile.name
                        ),
                    };
                    finding(level, subject, why).fix(fix)
                }
            }
        })
        .collect()
}

/// Whether `path` is the installed CLI of a built-in profile: the program andon's defaults
/// name, found outside the repository. Only such programs are asked for their version.
fn installed_cli(profile: &AgentProfile, path: &Path, repo_root: &Path) -> bool {
    let builtin = builtin_command(&profile.name, profile.mode)
        .and_then(|argv| argv.into_iter().next())
        .is_some_and(|program| profile.command.first() == Some(&program));
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    builtin && !canonical(path).starts_with(canonical(repo_root))
}

/// git on PATH (checks and humans use it) and the libgit2 andon is built with.
pub fn git() -> Vec<Finding> {
    let (major, minor, rev) = git2::Version::get().libgit2_version();
    let mut out = vec![finding(
        Level::Ok,
        "libgit2",
        format!("{major}.{minor}.{rev} (built in)"),
    )];
    out.push(match find_program("git", Path::new(".")) {
        Some(path) => finding(
            Level::Ok,
            "git",
            version_of(&path, &EnvPolicy::default()).unwrap_or_else(|| "version unknown".into()),
        ),
        None => finding(Level::Problem, "git", "not found on PATH")
            .fix("install git (e.g. `apt-get install git`)"),
    });
    out
}

/// Whether agents can be confined: loops are sandboxed by default where they can be. A
/// problem only when a setting asks for Landlock (`required`); `chosen_off` when the user
/// config turned the sandbox off.
pub fn landlock(required: bool, chosen_off: bool) -> Finding {
    match crate::sandbox::landlock_status() {
        crate::sandbox::LandlockStatus::Available { abi } if chosen_off => finding(
            Level::Note,
            "landlock",
            format!(
                "available (ABI {abi}), but your config sets sandbox = \"off\": loops run with \
                 your user's full power"
            ),
        ),
        crate::sandbox::LandlockStatus::Available { abi } => finding(
            Level::Ok,
            "landlock",
            format!(
                "available (ABI {abi}): loops are sandboxed by default; agents and checks write \
                 only their loop's places{}",
                if abi < SCOPED_ABI {
                    "; this kernel cannot keep them from signalling outside or reaching \
                     abstract sockets (Landlock ABI 6, Linux 6.12)"
                } else {
                    ""
                }
            ),
        ),
        crate::sandbox::LandlockStatus::Unavailable { why } => {
            let level = if required {
                Level::Problem
            } else {
                Level::Note
            };
            finding(
                level,
                "landlock",
                format!(
                    "not available: {why}; loops run unconfined (approval is a guard, not a \
                     boundary)"
                ),
            )
            .fix("use a Linux kernel 5.13+ with Landlock enabled (lsm=landlock)")
        }
    }
}

/// The Landlock ABI that scopes signals and abstract Unix sockets to the sandbox.
const SCOPED_ABI: u32 = 6;

/// Whether sandboxed loops run in their own namespaces here (bubblewrap), or on Landlock alone.
pub fn namespaces() -> Finding {
    match crate::sandbox::namespaces::status() {
        Ok(bwrap) => finding(
            Level::Ok,
            "namespaces",
            format!(
                "{}: sandboxed loops see no andon process, no .andon/ but their own, no \
                 credential store; what they start dies with them",
                bwrap.display()
            ),
        ),
        Err(why) => finding(
            Level::Note,
            "namespaces",
            format!(
                "not available: {why}; sandboxed loops run on Landlock alone (they read your \
                 files, see andon's processes and have the network)"
            ),
        )
        .fix("install bubblewrap (apt install bubblewrap) where user namespaces are allowed"),
    }
}

/// What the terminal can show: colors, its size, and whether andon runs inside tmux.
pub fn terminal(
    env: &dyn Fn(&str) -> Option<String>,
    tty: bool,
    size: Option<(u16, u16)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let term = env("TERM").unwrap_or_default();
    if !tty {
        out.push(
            finding(Level::Note, "terminal", "stdout is not a terminal").fix(
                "run `andon` (the board) from a terminal; `andon run --headless` works anywhere",
            ),
        );
    } else if term.is_empty() || term == "dumb" {
        out.push(
            finding(
                Level::Problem,
                "terminal",
                format!("TERM is {:?}: no full-screen board", term),
            )
            .fix("set TERM, e.g. `export TERM=xterm-256color`"),
        );
    } else {
        let colors = match env("COLORTERM").as_deref() {
            Some("truecolor" | "24bit") => "true color",
            _ if term.contains("256color") => "256 colors",
            _ => "16 colors",
        };
        out.push(finding(
            Level::Ok,
            "terminal",
            format!("TERM={term}, {colors}"),
        ));
    }
    if env("NO_COLOR").is_some() {
        out.push(finding(
            Level::Note,
            "colors",
            "NO_COLOR is set: the board draws without color",
        ));
    }
    if let Some((cols, rows)) = size {
        if cols < 80 || rows < 24 {
            out.push(
                finding(
                    Level::Note,
                    "size",
                    format!("{cols}x{rows}: the board wants at least 80x24"),
                )
                .fix("enlarge the window, or zoom one pane with Enter"),
            );
        } else {
            out.push(finding(Level::Ok, "size", format!("{cols}x{rows}")));
        }
    }
    if env("TMUX").is_some() {
        out.push(finding(
            Level::Ok,
            "tmux",
            "inside tmux: the escape key is Ctrl-g (not tmux's prefix)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn terminal_findings_name_the_fix() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let dumb = terminal(&env(&[("TERM", "dumb")]), true, Some((120, 40)));
        assert_eq!(dumb[0].level, Level::Problem);
        assert!(dumb[0]
            .fix
            .as_deref()
            .unwrap_or("")
            .contains("TERM=xterm-256color"));
        let good = terminal(
            &env(&[
                ("TERM", "tmux-256color"),
                ("COLORTERM", "truecolor"),
                ("TMUX", "/tmp/t,1,0"),
            ]),
            true,
            Some((60, 20)),
        );
        assert_eq!(good[0].detail, "TERM=tmux-256color, true color");
        assert!(good
            .iter()
            .any(|f| f.subject == "size" && f.level == Level::Note));
        assert!(good.iter().any(|f| f.subject == "tmux"));
        let piped = terminal(&env(&[]), false, None);
        assert_eq!(piped[0].level, Level::Note);
    }

    #[test]
    fn versions_come_from_the_program_and_a_hang_is_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let script = |name: &str, body: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            p
        };
        let good = script("good", "echo; echo '2.1.0 (Claude Code)'");
        let policy = EnvPolicy::default();
        assert_eq!(
            version_of(&good, &policy).as_deref(),
            Some("2.1.0 (Claude Code)")
        );
        let hang = script("hang", "exec sleep 30");
        let start = Instant::now();
        assert_eq!(version_of(&hang, &policy), None);
        assert!(start.elapsed() < Duration::from_secs(15));
    }
}

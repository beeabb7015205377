//! The guardian that makes sure no agent or check outlives andon, even when andon is killed
//! with SIGKILL and can run no cleanup of its own.
//!
//! andon starts `andon __reaper <token>` with a pipe on its stdin and tells it every process
//! group it starts or ends. The write end lives only in andon (close-on-exec), so when andon
//! dies for any reason the reaper reads end of file, kills every group still registered, then
//! hunts processes that left their group (setsid) by the `ANDON_SUPERVISOR_TOKEN=<token>`
//! entry every agent and check carries in its environment.

use crate::or_log::OrLog;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use rustix::process::{self as rproc, Pid, Signal};

use super::signal::{continue_group, kill_group};
use super::{procfs, PtyError};

/// The environment variable that marks a process as started by this supervisor.
pub const TOKEN_VAR: &str = "ANDON_SUPERVISOR_TOKEN";

/// The reaper's first line on stdout, once it is immune to terminal signals.
const READY: &str = "ready";
/// How long the reaper keeps hunting marked processes that keep appearing (forks racing
/// with the kills).
const HUNT_LIMIT: Duration = Duration::from_secs(2);
const HUNT_PAUSE: Duration = Duration::from_millis(20);

/// andon's handle on its reaper process. Dropping it (andon exits normally) closes the pipe,
/// and the reaper ends whatever is still registered.
#[derive(Debug)]
pub struct Reaper {
    token: String,
    stdin: Mutex<ChildStdin>,
    process: Child,
}

impl Reaper {
    /// Starts `<andon_exe> __reaper <token>` and waits until it is detached from andon's
    /// terminal and session.
    pub fn start(andon_exe: &Path, token: &str) -> Result<Reaper, PtyError> {
        if token.is_empty() || token.contains(['\0', '\n']) {
            return Err(PtyError::ReaperStart(format!("unusable token {token:?}")));
        }
        let mut process = Command::new(andon_exe)
            .arg("__reaper")
            .arg(token)
            // The reaper itself must never match its own hunt.
            .env_remove(TOKEN_VAR)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| {
                PtyError::ReaperStart(format!("cannot run {}: {err}", andon_exe.display()))
            })?;
        // std creates the pipe close-on-exec, so no child of andon inherits the write end
        // and keeps the reaper waiting after andon is gone.
        let (Some(stdin), Some(stdout)) = (process.stdin.take(), process.stdout.take()) else {
            process
                .kill()
                .or_log("a reaper that cannot be spoken to is killed; it may have exited");
            return Err(PtyError::ReaperStart("no pipe to the reaper".into()));
        };
        let mut line = String::new();
        let ready = BufReader::new(stdout).read_line(&mut line);
        if ready.is_err() || line.trim_end() != READY {
            process
                .kill()
                .or_log("a reaper that did not say it was ready is killed; it may have exited");
            process
                .wait()
                .or_log("a reaper that did not say it was ready is reaped; it may have exited");
            return Err(PtyError::ReaperStart(format!(
                "{} __reaper did not report ready (got {line:?})",
                andon_exe.display()
            )));
        }
        Ok(Reaper {
            token: token.to_owned(),
            stdin: Mutex::new(stdin),
            process,
        })
    }

    /// Puts a process group under the reaper's watch.
    pub fn register(&self, pgid: i32) -> Result<(), PtyError> {
        self.send(&format!("+{pgid}\n"))
    }

    /// Takes a group off the watch once it has ended, so a recycled group id is never hit.
    pub fn unregister(&self, pgid: i32) -> Result<(), PtyError> {
        self.send(&format!("-{pgid}\n"))
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The reaper's own process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Closes the pipe as andon's death would and waits for the reaper to finish its
    /// sweep; for an orderly exit.
    pub fn shutdown(self) -> Result<(), PtyError> {
        let Reaper {
            stdin, mut process, ..
        } = self;
        drop(stdin);
        process
            .wait()
            .map(drop)
            .map_err(|source| PtyError::Reaper { source })
    }

    fn send(&self, line: &str) -> Result<(), PtyError> {
        // One short write is atomic on a pipe, so lines never interleave.
        let mut stdin = self.stdin.lock().unwrap_or_else(PoisonError::into_inner);
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|source| PtyError::Reaper { source })
    }
}

/// A fresh random token for [`Reaper::start`] and the agents' environment.
pub fn fresh_token() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map(|uuid| uuid.trim().replace('-', ""))
        .unwrap_or_else(|_| {
            let nanos = crate::clock::wall_nanos();
            format!("{:x}{nanos:x}", std::process::id())
        })
}

/// The body of the hidden `andon __reaper <token>` subcommand; returns the exit code.
pub fn reaper_main(token: &str) -> i32 {
    detach();
    let mut stdout = std::io::stdout().lock();
    // If andon is already gone nobody reads this; the sweep below still runs.
    let _ = writeln!(stdout, "{READY}").and_then(|()| stdout.flush());
    drop(stdout);

    let mut groups = BTreeSet::new();
    for line in std::io::stdin().lock().split(b'\n') {
        // A read error means the pipe is broken: andon is gone, just like end of file.
        let Ok(line) = line else { break };
        match parse_line(&String::from_utf8_lossy(&line)) {
            Some(Registration::Add(pgid)) => {
                groups.insert(pgid);
            }
            Some(Registration::Remove(pgid)) => {
                groups.remove(&pgid);
            }
            None => {}
        }
    }
    sweep(&groups, token);
    0
}

/// Leaves andon's session, so SIGINT/SIGHUP/SIGTSTP from andon's terminal and signals to
/// andon's process group miss the reaper, and ignores them for the instant before that.
fn detach() {
    crate::sys::ignore_signals(&[libc::SIGINT, libc::SIGHUP, libc::SIGTERM, libc::SIGTSTP]);
    // Fails only if the reaper already leads a group, and then it is not in andon's.
    rproc::setsid().or_log("the reaper already leads a group, and then it is not in andon's");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Registration {
    Add(i32),
    Remove(i32),
}

fn parse_line(line: &str) -> Option<Registration> {
    let line = line.trim();
    let (sign, number) = line.split_at_checked(1)?;
    let pgid: i32 = number.parse().ok().filter(|&pgid| pgid > 1)?;
    match sign {
        "+" => Some(Registration::Add(pgid)),
        "-" => Some(Registration::Remove(pgid)),
        _ => None,
    }
}

/// Kills every registered group, then every process carrying the token, until none is left
/// or [`HUNT_LIMIT`] passes. Returns how many marked processes were hunted down.
fn sweep(groups: &BTreeSet<i32>, token: &str) -> usize {
    for &pgid in groups {
        // SIGKILL ends stopped processes too; SIGCONT is for systems where it would not.
        kill_group(pgid).or_log("a group already gone is what the sweep wants");
        continue_group(pgid).or_log("a group already gone is what the sweep wants");
    }
    let entry = format!("{TOKEN_VAR}={token}");
    let me = rproc::getpid();
    let deadline = crate::clock::instant_now() + HUNT_LIMIT;
    let mut hunted = 0;
    loop {
        let marked: Vec<Pid> = procfs::pids_with_env_entry(&entry)
            .into_iter()
            .filter_map(Pid::from_raw)
            .filter(|&pid| pid != me)
            .collect();
        if marked.is_empty() || crate::clock::instant_now() >= deadline {
            return hunted;
        }
        for pid in marked {
            if rproc::kill_process(pid, Signal::KILL).is_ok() {
                hunted += 1;
            }
        }
        thread::sleep(HUNT_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::signal::{group_alive, process_state};
    use std::os::unix::process::CommandExt;
    use std::time::Instant;

    #[test]
    fn parses_registrations() {
        let cases = [
            ("+123", Some(Registration::Add(123))),
            ("-123\n", Some(Registration::Remove(123))),
            (" +7 ", Some(Registration::Add(7))),
            ("+1", None),
            ("+0", None),
            ("+-5", None),
            ("*5", None),
            ("+", None),
            ("", None),
            ("+12x", None),
            ("é1", None),
        ];
        for (line, want) in cases {
            assert_eq!(parse_line(line), want, "{line:?}");
        }
    }

    #[test]
    fn tokens_are_fresh() {
        let (a, b) = (fresh_token(), fresh_token());
        assert_ne!(a, b);
        assert!(
            a.len() >= 16 && a.chars().all(|c| c.is_ascii_alphanumeric()),
            "{a}"
        );
    }

    fn gone(pid: i32) -> bool {
        process_state(pid).is_none_or(|s| s == 'Z')
    }

    /// A group whose members carry `token`, one of which escaped into its own session,
    /// and one which scrubbed the token from its environment. Returns (group, all pids).
    fn marked_group(token: &str) -> (Child, i32, Vec<i32>) {
        let script = "sleep 300 & a=$!; setsid sleep 301 & b=$!; \
                      env -u ANDON_SUPERVISOR_TOKEN sleep 302 & c=$!; echo $a $b $c; wait";
        let mut child = Command::new("sh")
            .args(["-c", script])
            .env(TOKEN_VAR, token)
            .process_group(0)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pgid = i32::try_from(child.id()).unwrap();
        let mut pids: Vec<i32> = line
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect();
        // The escape is done only once `setsid` has made its session: until then the group
        // kill reaches it, and no hunt is needed (or shown).
        let escaped = pids[1];
        let deadline = Instant::now() + Duration::from_secs(10);
        while session(escaped) != Some(escaped) {
            assert!(Instant::now() < deadline, "setsid never made its session");
            thread::sleep(Duration::from_millis(5));
        }
        pids.push(pgid);
        (child, pgid, pids)
    }

    /// The session id of `pid` (field 6 of /proc/PID/stat, after the parenthesised name).
    fn session(pid: i32) -> Option<i32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after_name = &stat[stat.rfind(')')? + 1..];
        after_name.split_whitespace().nth(3)?.parse().ok()
    }

    #[test]
    fn sweep_kills_registered_groups_and_escaped_marked_processes() {
        let token = fresh_token();
        let (mut child, pgid, pids) = marked_group(&token);
        let bystander_token = format!("{token}0");
        let mut bystander = Command::new("sleep")
            .arg("300")
            .env(TOKEN_VAR, &bystander_token)
            .spawn()
            .unwrap();

        let hunted = sweep(&BTreeSet::from([pgid]), &token);
        child.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        while !pids.iter().all(|&pid| gone(pid)) {
            assert!(Instant::now() < deadline, "survivors among {pids:?}");
            thread::sleep(Duration::from_millis(10));
        }
        assert!(!group_alive(pgid));
        // The escaped `setsid sleep 301` needed the hunt (the group kill got the rest, unless
        // they were still dying when the first hunt ran).
        assert!(hunted >= 1, "{hunted}");

        // A similar but different token is not ours.
        let bystander_pid = i32::try_from(bystander.id()).unwrap();
        assert!(!gone(bystander_pid));
        bystander.kill().unwrap();
        bystander.wait().unwrap();
    }
}

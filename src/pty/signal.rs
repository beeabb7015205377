//! Signals for whole process groups: an agent or check and everything it started share one
//! group, so stopping, resuming or ending it never leaves a grandchild running.

use std::time::Duration;

use rustix::io::Errno;
use rustix::process::{self, Pid, Signal};

use super::{procfs, PtyError};

/// How often [`terminate_group`] looks whether the group is gone.
const POLL: Duration = Duration::from_millis(20);
/// SIGKILL is delivered asynchronously; how long to wait for it to take effect.
const KILL_SETTLE: Duration = Duration::from_secs(1);

/// Freezes every process of the group (SIGSTOP cannot be caught or ignored).
pub fn stop_group(pgid: i32) -> Result<(), PtyError> {
    send(pgid, Signal::STOP, "SIGSTOP")
}

/// Resumes a group frozen by [`stop_group`].
pub fn continue_group(pgid: i32) -> Result<(), PtyError> {
    send(pgid, Signal::CONT, "SIGCONT")
}

pub fn term_group(pgid: i32) -> Result<(), PtyError> {
    send(pgid, Signal::TERM, "SIGTERM")
}

pub fn kill_group(pgid: i32) -> Result<(), PtyError> {
    send(pgid, Signal::KILL, "SIGKILL")
}

/// Whether some process of the group is still running. A group whose only members are
/// zombies (exited, not yet reaped) counts as gone: nothing in it can act any more.
pub fn group_alive(pgid: i32) -> bool {
    let Ok(pid) = group_pid(pgid) else {
        return false;
    };
    match process::test_kill_process_group(pid) {
        Err(Errno::SRCH) => false,
        // `kill(-pgid, 0)` also succeeds for zombies; /proc tells them apart.
        _ => procfs::group_has_running_member(pgid).unwrap_or(true),
    }
}

/// Ends a group politely, then firmly: SIGTERM (and SIGCONT, so a stopped group can act on
/// it), wait up to `grace` for the group to exit, then SIGKILL. Returns once the group is
/// gone or SIGKILL had a moment to take effect.
pub async fn terminate_group(pgid: i32, grace: Duration) -> Result<(), PtyError> {
    group_pid(pgid)?;
    if !group_alive(pgid) {
        return Ok(());
    }
    // TERM before CONT: a stopped process resumes straight into its SIGTERM handler instead
    // of running on for a moment first.
    term_group(pgid)?;
    continue_group(pgid)?;
    if wait_until_gone(pgid, grace).await {
        return Ok(());
    }
    kill_group(pgid)?;
    wait_until_gone(pgid, KILL_SETTLE).await;
    Ok(())
}

/// The scheduler state letter of a process from `/proc/<pid>/stat` (`R`, `S`, `T` for
/// stopped, `Z` for zombie, ...); `None` when the process does not exist.
pub fn process_state(pid: i32) -> Option<char> {
    procfs::stat(pid).map(|s| s.state)
}

async fn wait_until_gone(pgid: i32, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if !group_alive(pgid) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}

fn send(pgid: i32, signal: Signal, name: &'static str) -> Result<(), PtyError> {
    match process::kill_process_group(group_pid(pgid)?, signal) {
        // The group already ended: the signal's purpose is fulfilled.
        Ok(()) | Err(Errno::SRCH) => Ok(()),
        Err(errno) => Err(PtyError::Signal {
            pgid,
            signal: name,
            source: errno.into(),
        }),
    }
}

/// Guards against the two values that would turn `kill(-pgid)` into a disaster: 1 means
/// "every process we may signal", and our own group would take andon down with the child.
fn group_pid(pgid: i32) -> Result<Pid, PtyError> {
    if pgid <= 1 || pgid == process::getpgrp().as_raw_pid() {
        return Err(PtyError::InvalidGroup { pgid });
    }
    Pid::from_raw(pgid).ok_or(PtyError::InvalidGroup { pgid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use andon_test_support::wait_for;
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};

    /// `sh` in a new group that starts a grandchild and prints its pid.
    fn group_with_grandchild(script: &str) -> (Child, i32, i32) {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("{script} & echo $!; wait"))
            .process_group(0)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let grandchild = line.trim().parse().unwrap();
        let pgid = i32::try_from(child.id()).unwrap();
        (child, pgid, grandchild)
    }

    #[test]
    fn refuses_groups_that_are_not_ours_to_signal() {
        let own = process::getpgrp().as_raw_pid();
        for pgid in [-5, 0, 1, own] {
            assert!(
                matches!(stop_group(pgid), Err(PtyError::InvalidGroup { .. })),
                "{pgid}"
            );
            assert!(!group_alive(pgid), "{pgid}");
        }
    }

    #[test]
    fn signalling_a_finished_group_is_not_an_error() {
        let mut child = Command::new("true").process_group(0).spawn().unwrap();
        let pgid = i32::try_from(child.id()).unwrap();
        child.wait().unwrap();
        assert!(!group_alive(pgid));
        for send in [stop_group, continue_group, term_group, kill_group] {
            send(pgid).unwrap();
        }
    }

    #[test]
    fn stop_and_continue_reach_the_grandchild() {
        let (mut child, pgid, grandchild) = group_with_grandchild("sleep 30");
        stop_group(pgid).unwrap();
        for pid in [pgid, grandchild] {
            wait_for("stopped", || process_state(pid) == Some('T'));
        }
        assert!(group_alive(pgid), "a stopped group is still alive");
        continue_group(pgid).unwrap();
        for pid in [pgid, grandchild] {
            wait_for("resumed", || process_state(pid).is_some_and(|s| s != 'T'));
        }
        kill_group(pgid).unwrap();
        child.wait().unwrap();
    }

    #[tokio::test]
    async fn terminate_group_ends_children_that_ignore_sigterm() {
        let grace = Duration::from_millis(300);
        let cases = [
            ("polite", "sleep 30", false),
            ("deaf", "trap '' TERM; sleep 30", true),
        ];
        for (name, script, needs_kill) in cases {
            let (mut child, pgid, grandchild) = group_with_grandchild(script);
            // A stopped group must end too.
            stop_group(pgid).unwrap();
            let started = std::time::Instant::now();
            let reaper = std::thread::spawn(move || child.wait().unwrap());
            terminate_group(pgid, grace).await.unwrap();
            assert!(!group_alive(pgid), "{name}: group survived");
            let gone = process_state(grandchild).is_none_or(|s| s == 'Z');
            assert!(gone, "{name}: grandchild survived");
            // Which signal ended it tells whether the grace ran out, however busy the machine;
            // a SIGKILL comes no earlier than the grace.
            if needs_kill {
                assert!(started.elapsed() >= grace, "{name}");
            }
            let status = reaper.join().unwrap();
            let want = if needs_kill { 9 } else { 15 };
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(want), "{name}");
        }
    }
}

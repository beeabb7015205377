//! A child process given a time to answer: its output read while it runs (a large answer
//! cannot fill a pipe and stall it), and, past its time, ended with everything it started
//! (its own process group). The forge's commands — `gh`, `git push` — go through it, so a
//! network that does not answer cannot hold a loop, a human's approval or a shutdown.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::or_log::OrLog;

/// What became of a bounded run.
#[derive(Debug)]
pub enum Ran {
    Done(Output),
    /// Past its time: ended, with its group.
    TimedOut,
}

/// Runs `cmd` (stdin closed, stdout and stderr captured) for at most `timeout`.
pub fn run(mut cmd: Command, timeout: Duration) -> std::io::Result<Ran> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut pipe) = pipe {
                pipe.read_to_end(&mut out)
                    .or_log("a child's output ended early");
            }
            out
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = crate::clock::instant_now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if crate::clock::instant_now() >= deadline {
            if let Ok(pgid) = i32::try_from(child.id()) {
                crate::pty::signal::kill_group(pgid).or_log("a child ended as its time ran out");
            }
            child.kill().or_log("a child ended as its time ran out");
            child.wait().or_log("a child is reaped after its timeout");
            return Ok(Ran::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Ran::Done(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_read_whole_and_a_silence_is_ended_with_its_group() {
        // More than a pipe holds: read while the child runs, not after.
        let mut big = Command::new("sh");
        big.args(["-c", "head -c 300000 /dev/zero | tr '\\0' x; echo done >&2"]);
        let Ran::Done(out) = run(big, Duration::from_secs(30)).unwrap() else {
            panic!("it answered");
        };
        assert_eq!(out.stdout.len(), 300_000);
        assert_eq!(out.stderr, b"done\n");

        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("sleeper");
        let mut silent = Command::new("sh");
        silent.args([
            "-c",
            &format!("sleep 600 & echo $! > {}; wait", pidfile.display()),
        ]);
        assert!(matches!(
            run(silent, Duration::from_millis(300)).unwrap(),
            Ran::TimedOut
        ));
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let proc = std::path::PathBuf::from(format!("/proc/{}", pid.trim()));
        // The group was sent SIGKILL: the sleeper is gone once the kernel reaps it.
        for _ in 0..500 {
            let zombie_or_gone = std::fs::read_to_string(proc.join("stat"))
                .map_or(true, |stat| stat.contains(") Z "));
            if zombie_or_gone {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the sleeper the command started is still running");
    }
}

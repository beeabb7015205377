//! Reads what the process layer needs from Linux's `/proc`: a process's state and group, and
//! whether its environment carries a given entry. Where `/proc` is missing every lookup
//! reports "unknown" and callers fall back to plain signals.

use std::fs;

/// The fields of `/proc/<pid>/stat` the process layer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    /// `R`, `S`, `D`, `T` (stopped), `t`, `Z` (zombie), `X`, ...
    pub state: char,
    pub pgrp: i32,
}

impl Stat {
    /// A zombie or dead entry has finished running; it only waits to be reaped.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

pub(crate) fn stat(pid: i32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// `comm` (field 2) may contain spaces and parentheses, so fields are counted from the LAST
/// closing parenthesis: `pid (comm) state ppid pgrp ...`.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(Stat { state, pgrp })
}

/// Every process id currently listed in `/proc` (empty when `/proc` is unavailable).
pub(crate) fn pids() -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// Whether some process of group `pgid` is still running (not a zombie). `None` when `/proc`
/// cannot be read, so the caller must decide without it.
pub(crate) fn group_has_running_member(pgid: i32) -> Option<bool> {
    fs::metadata("/proc/self/stat").ok()?;
    Some(
        pids()
            .into_iter()
            .filter_map(stat)
            .any(|s| s.pgrp == pgid && !s.is_finished()),
    )
}

/// Processes whose initial environment holds exactly `entry` (`KEY=value`). Processes of
/// other users and zombies have an unreadable or empty environment and never match.
pub(crate) fn pids_with_env_entry(entry: &str) -> Vec<i32> {
    pids()
        .into_iter()
        .filter(|&pid| environ_contains(pid, entry.as_bytes()))
        .collect()
}

fn environ_contains(pid: i32, entry: &[u8]) -> bool {
    fs::read(format!("/proc/{pid}/environ"))
        .map(|environ| environ.split(|&b| b == 0).any(|e| e == entry))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_lines_with_awkward_command_names() {
        let cases = [
            ("42 (sleep) S 1 42 42 0 -1", Some(('S', 42))),
            ("7 (a b) c) T 1 99 7 0", Some(('T', 99))),
            ("8 ((x)) Z 1 3 3", Some(('Z', 3))),
            ("9 (trunc", None),
            ("", None),
        ];
        for (line, want) in cases {
            let got = parse_stat(line).map(|s| (s.state, s.pgrp));
            assert_eq!(got, want, "{line:?}");
        }
    }

    #[test]
    fn reads_own_process() {
        let me = i32::try_from(std::process::id()).unwrap();
        let s = stat(me).unwrap();
        assert_eq!(s.pgrp, rustix::process::getpgrp().as_raw_pid());
        assert!(!s.is_finished());
        assert!(pids().contains(&me));
    }

    #[test]
    fn finds_processes_by_exact_environment_entry() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .env("ANDON_PROCFS_TEST", "abc")
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        let found = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            pids_with_env_entry("ANDON_PROCFS_TEST=abc").contains(&pid)
        });
        let prefix_only = pids_with_env_entry("ANDON_PROCFS_TEST=ab").contains(&pid);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found);
        assert!(!prefix_only);
    }
}

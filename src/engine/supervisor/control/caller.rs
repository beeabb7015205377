//! Who is on the other end of the control socket: a person, or one of this supervisor's
//! agents (and which loop's), told from the process itself — its ancestry, namespaces,
//! session, environment and `no_new_privs` — never from what it says about itself.

use crate::engine::supervisor::Supervisor;

/// The loop whose agent `pid` is or descends from: the nearest ancestor that is a loop's
/// agent process (in namespaces, what an agent starts stays under it even when orphaned).
pub(super) fn loop_of(sup: &Supervisor, pid: i32) -> Option<String> {
    let ptys = &sup.shared().ptys();
    let mut at = pid;
    for _ in 0..MAX_ANCESTORS {
        if let Some(name) = ptys.loop_with_pid(at) {
            return Some(name);
        }
        at = parent_of(at).filter(|p| *p > 1)?;
    }
    None
}

/// How far up a process tree andon looks for the agent.
const MAX_ANCESTORS: usize = 64;

/// The parent of `pid`.
fn parent_of(pid: i32) -> Option<i32> {
    stat_field(pid, 1)
}

/// Whether `pid` is an agent's process: its own environment holds this supervisor's token,
/// or its session leader's does (a child that dropped the variable is still in the agent's
/// session). A guard against accidents, not a boundary: agents run as the same user.
pub(super) fn in_agent_session(pid: i32, token: &str) -> bool {
    carries_token(pid, token) || session_of(pid).is_some_and(|sid| carries_token(sid, token))
}

/// Whether `pid` runs in other PID or mount namespaces than this supervisor: a sandboxed
/// agent (of this andon or of another, which reached this socket by its path), never a person
/// at a shell. A process that cannot be looked at counts as one too.
pub(super) fn in_other_namespace(pid: i32) -> bool {
    ["pid", "mnt"].iter().any(|ns| {
        let mine = std::fs::read_link(format!("/proc/self/ns/{ns}")).ok();
        let theirs = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok();
        mine.is_none() || theirs.is_none() || mine != theirs
    })
}

/// Whether `pid` runs confined (`no_new_privs`, which Landlock requires, every child inherits
/// and nothing clears) while this supervisor does not: a sandboxed agent, or what it left
/// behind, wherever it went. Where andon itself runs with the flag (a container that sets it
/// for everything) it tells nothing.
pub(super) fn confined_apart(pid: i32) -> bool {
    let no_new_privs = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("NoNewPrivs:"))
                    .map(|v| v.trim() == "1")
            })
    };
    no_new_privs("self") == Some(false) && no_new_privs(&pid.to_string()) != Some(false)
}

/// The session id of `pid`.
fn session_of(pid: i32) -> Option<i32> {
    stat_field(pid, 3)
}

/// Field `n` after the parenthesised name of /proc/PID/stat (1: the parent, 3: the session),
/// as a number.
fn stat_field(pid: i32, n: usize) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(n)?.parse().ok()
}

/// Whether process `pid`'s environment holds this supervisor's token (every agent and check
/// gets it, and their children inherit it).
fn carries_token(pid: i32, token: &str) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let entry = format!("{}={token}", crate::pty::reaper::TOKEN_VAR);
    environ
        .split(|b| *b == 0)
        .any(|var| var == entry.as_bytes())
}

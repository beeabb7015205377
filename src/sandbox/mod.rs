//! Limited power for agents: a sandboxed agent or check reads anywhere but writes only in its
//! loop's places (its worktree, its `.andon/loops/<loop>` folder, the temp dir, the configured
//! cache dirs).
//!
//! Linux Landlock does the confining. It restricts only the calling thread and the processes
//! it starts, so it is never applied to andon itself: the agent's or check's argv is wrapped in
//! the hidden `andon __sandbox --write DIR ... -- PROGRAM ARGS...`, which confines itself and
//! then `exec`s the program — the same way for an agent in a PTY and for a check in a pipe.

pub mod namespaces;
mod ruleset;
mod wrapper;

use std::path::{Path, PathBuf};

pub use ruleset::restrict_writes;
pub use wrapper::{sandbox_main, SandboxArgs};

/// The hidden subcommand that confines itself and runs a program.
pub const SUBCOMMAND: &str = "__sandbox";

/// Files every confined process may write besides its directories: the usual device sinks
/// and its controlling terminal (the wrapper adds the PTY on its own standard streams).
pub const DEVICE_FILES: &[&str] = &["/dev/null", "/dev/zero", "/dev/full", "/dev/tty"];

/// Whether this kernel can confine a process with Landlock (for start-up and `andon doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LandlockStatus {
    Available { abi: u32 },
    Unavailable { why: String },
}

/// Everything that stops a process from being confined.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("Landlock is not available: {why}")]
    Unavailable { why: String },
    #[error("the kernel accepted the Landlock ruleset but enforces none of it")]
    NotEnforced,
    #[error("Landlock: {0}")]
    Ruleset(#[from] landlock::RulesetError),
}

/// Asks the kernel which Landlock ABI it offers. `/sys/kernel/security` may be absent (it is
/// in containers), so the system call is the only reliable probe.
#[cfg(target_os = "linux")]
pub fn landlock_status() -> LandlockStatus {
    let err = match crate::sys::landlock_abi() {
        Ok(abi) => return LandlockStatus::Available { abi },
        Err(err) => err,
    };
    let why = match err.raw_os_error() {
        Some(libc::ENOSYS) => "this kernel has no Landlock (Linux 5.13 or later built with \
                               CONFIG_SECURITY_LANDLOCK is needed)"
            .to_string(),
        Some(libc::EOPNOTSUPP) => "Landlock is built into this kernel but not enabled at boot \
                                   (add landlock to the lsm= kernel parameter)"
            .to_string(),
        _ => format!("the kernel refused the Landlock probe ({err})"),
    };
    LandlockStatus::Unavailable { why }
}

#[cfg(not(target_os = "linux"))]
pub fn landlock_status() -> LandlockStatus {
    LandlockStatus::Unavailable {
        why: "Landlock is a Linux feature".into(),
    }
}

/// The argv that runs `argv` confined to writing under `writable`.
pub fn wrap(andon_exe: &Path, writable: &[PathBuf], argv: &[String]) -> Vec<String> {
    let mut out = vec![
        andon_exe.to_string_lossy().into_owned(),
        SUBCOMMAND.to_string(),
    ];
    for dir in writable {
        out.push("--write".into());
        out.push(dir.to_string_lossy().into_owned());
    }
    out.push("--".into());
    out.extend(argv.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_argv_names_every_writable_place_then_the_program() {
        let argv = wrap(
            Path::new("/usr/bin/andon"),
            &[PathBuf::from("/w/fix"), PathBuf::from("/tmp")],
            &["sh".to_string(), "-c".to_string(), "--write x".to_string()],
        );
        assert_eq!(
            argv,
            [
                "/usr/bin/andon",
                "__sandbox",
                "--write",
                "/w/fix",
                "--write",
                "/tmp",
                "--",
                "sh",
                "-c",
                "--write x"
            ]
        );
    }
}

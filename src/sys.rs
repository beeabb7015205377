//! The only place andon writes `unsafe`: four calls into the C library that no safe crate
//! offers (rustix has no signal dispositions, no Landlock probe, and `pre_exec` is unsafe by
//! its nature). Each is small and carries its safety argument; the workspace lints deny
//! `unsafe` everywhere else.

#![allow(unsafe_code)]

/// The kernel's Landlock ABI number, or the error of the probe (`ENOSYS`: no Landlock,
/// `EOPNOTSUPP`: built in but not enabled).
#[cfg(target_os = "linux")]
pub fn landlock_abi() -> std::io::Result<u32> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute, a zero size and the VERSION flag the kernel only returns
    // its ABI number: no memory is read or written and no file descriptor is created.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    match u32::try_from(abi) {
        Ok(abi) if abi > 0 => Ok(abi),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Ignores `signals` in this process (and, as dispositions are inherited, what it execs).
pub fn ignore_signals(signals: &[libc::c_int]) {
    for &signal in signals {
        // SAFETY: SIG_IGN installs no handler code; it only changes the disposition.
        unsafe {
            libc::signal(signal, libc::SIG_IGN);
        }
    }
}

/// Restores the default SIGPIPE disposition (Rust ignores it), so a command whose output is
/// piped into `head` ends quietly. Call it before any thread is started.
pub fn default_sigpipe() {
    // SAFETY: restoring the default disposition installs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Makes the child of `cmd` start a session of its own (and so a process group) before it
/// execs: it has no controlling terminal.
pub fn new_session_on_exec(cmd: &mut tokio::process::Command) {
    // SAFETY: setsid is async-signal-safe and touches nothing of the parent's.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
}

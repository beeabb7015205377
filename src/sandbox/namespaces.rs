//! Namespaces around a confined process, made by bubblewrap (`bwrap`, what Claude Code's Linux
//! sandbox uses): its own PID namespace (andon's processes, their environment and signals out
//! of view; everything it starts dies when it ends, `setsid` or not) and its own mount
//! namespace, where the system is read-only and andon's folder, the other loops' worktrees,
//! the user's credential stores and session sockets are hidden behind empty folders.
//! Landlock, applied inside, still decides what may be written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What the confined process sees of the file system. Everything is read-only but
/// `writable` and `shown`; Landlock, inside, narrows the writes further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// Places outside the hidden folders it may write (the temp dir, the cache dirs).
    pub writable: Vec<PathBuf>,
    /// Folders replaced by an empty one (andon's folder, the worktrees root, `~/.ssh`, …).
    pub hidden_dirs: Vec<PathBuf>,
    /// Files replaced by an empty one (`~/.netrc`, …).
    pub hidden_files: Vec<PathBuf>,
    /// Places under a hidden folder shown again, in order (the loop's own folder, then its
    /// agent folder inside it; its worktree; the agents' socket). Landlock, inside, decides
    /// what may be written there, so a refused write reads as the sandbox's refusal.
    pub shown: Vec<PathBuf>,
}

/// How the confined process hangs on to andon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attach {
    /// In andon's PTY for it (an agent, a reviewer): one process group with bwrap, so andon's
    /// SIGTERM reaches it and its grace period holds; the namespace ends with it.
    Terminal,
    /// On pipes (a check, a setup command): a session of its own, so it cannot reach the
    /// terminal andon runs in, and killed when bwrap dies.
    Detached,
}

/// The argv that runs `argv` in namespaces with `view` (through `bwrap` at `bwrap`).
pub fn wrap(bwrap: &Path, view: &View, attach: Attach, argv: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![bwrap.to_string_lossy().into_owned()];
    let mut add = |words: &[&str]| out.extend(words.iter().map(|w| w.to_string()));
    add(&["--unshare-pid", "--unshare-ipc", "--unshare-uts"]);
    add(&["--unshare-cgroup-try"]);
    if attach == Attach::Detached {
        add(&["--new-session", "--die-with-parent"]);
    }
    // The whole system read-only, a fresh /proc for the new PID namespace and the host's
    // devices (the agent's terminal is one of them).
    add(&["--ro-bind", "/", "/", "--proc", "/proc"]);
    add(&["--dev-bind", "/dev", "/dev"]);
    let text = |p: &Path| p.to_string_lossy().into_owned();
    for place in &view.writable {
        out.extend(["--bind".to_string(), text(place), text(place)]);
    }
    for dir in &view.hidden_dirs {
        out.extend(["--tmpfs".to_string(), text(dir)]);
    }
    for file in &view.hidden_files {
        out.extend(["--ro-bind".to_string(), "/dev/null".into(), text(file)]);
    }
    for place in &view.shown {
        out.extend(["--bind".to_string(), text(place), text(place)]);
    }
    out.push("--".into());
    out.extend(argv.iter().cloned());
    out
}

/// Whether namespaces can be made here, and how: the `bwrap` that made a test sandbox, or why
/// none could be made. Probed once per process.
pub fn status() -> &'static Result<PathBuf, String> {
    static STATUS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    STATUS.get_or_init(probe)
}

fn probe() -> Result<PathBuf, String> {
    let Some(bwrap) = on_path("bwrap") else {
        return Err("bubblewrap (bwrap) is not installed".into());
    };
    let argv = wrap(&bwrap, &View::default(), Attach::Detached, &["true".into()]);
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bwrap.display()))?;
    if out.status.success() {
        Ok(bwrap)
    } else {
        let said = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "bwrap cannot make namespaces here ({}); user namespaces may be disabled",
            crate::core::sanitize::one_line(&said, 120)
        ))
    }
}

/// `program` in an absolute folder of `PATH`.
fn on_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_becomes_bwrap_mounts_in_order() {
        let view = View {
            writable: vec!["/tmp".into()],
            hidden_dirs: vec!["/r/.andon".into()],
            hidden_files: vec!["/h/.netrc".into()],
            shown: vec!["/r/.andon/loops/x".into(), "/r/.andon/loops/x/agent".into()],
        };
        let bwrap = Path::new("/usr/bin/bwrap");
        let argv = wrap(bwrap, &view, Attach::Terminal, &["sh".into()]).join(" ");
        assert!(argv.starts_with("/usr/bin/bwrap --unshare-pid"), "{argv}");
        assert!(
            !argv.contains("--new-session"),
            "a PTY child keeps its terminal: {argv}"
        );
        let detached = wrap(bwrap, &view, Attach::Detached, &["sh".into()]).join(" ");
        assert!(
            detached.contains("--new-session --die-with-parent"),
            "{detached}"
        );
        let order = [
            "--ro-bind / /",
            "--bind /tmp /tmp",
            "--tmpfs /r/.andon",
            "--ro-bind /dev/null /h/.netrc",
            "--bind /r/.andon/loops/x /r/.andon/loops/x",
            "--bind /r/.andon/loops/x/agent /r/.andon/loops/x/agent",
            "-- sh",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|w| argv.find(w).unwrap_or_else(|| panic!("{w} in {argv}")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{argv}");
    }
}

//! Namespaces around a confined process, made by bubblewrap (`bwrap`, what Claude Code's Linux
//! sandbox uses): its own PID namespace (andon's processes, their environment and signals out
//! of view; everything it starts dies when it ends, `setsid` or not) and its own mount
//! namespace, where the system is read-only (the repository too, even in the temp dir),
//! `/dev` holds the usual devices and no other terminal, `/tmp` is the loop's own and `/run`
//! and `/dev/shm` are empty, andon's folder, the other loops' worktrees, the user's credential
//! stores and session sockets are hidden behind empty folders, and a check is offline unless it
//! needs the network.
//! Landlock, applied inside, still decides what may be written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What the confined process sees of the file system. Everything is read-only but
/// `writable` and `shown`; Landlock, inside, narrows the writes further.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// The loop's temp folder, seen as `/tmp`: no socket or file another program keeps in the
    /// host's `/tmp` is in reach.
    pub tmp: Option<PathBuf>,
    /// Folders given an empty file system of their own (`/run`, a temp dir outside `/tmp`).
    pub private: Vec<PathBuf>,
    /// Folders under a private one shown again read-only (the repository, the home folder,
    /// andon, the programs on `PATH`, when they lie in the temp dir).
    pub kept: Vec<PathBuf>,
    /// Places outside the hidden folders it may write (the cache dirs).
    pub writable: Vec<PathBuf>,
    /// Folders replaced by an empty one (andon's folder, the worktrees root, `~/.ssh`, …).
    pub hidden_dirs: Vec<PathBuf>,
    /// Files replaced by an empty one (`~/.netrc`, …).
    pub hidden_files: Vec<PathBuf>,
    /// Places under a hidden folder shown again, in order (the loop's own folder, read-only,
    /// then its agent folder inside it; its worktree; the agents' socket). Landlock, inside,
    /// decides what may be written in a writable one, so a refused write reads as the
    /// sandbox's refusal.
    pub shown: Vec<Place>,
    /// Whether the process keeps the network (a check does not, unless its plan says so).
    pub network: bool,
}

/// A place shown in the view, read-only or writable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub path: PathBuf,
    pub writable: bool,
}

impl Place {
    pub fn read_only(path: impl Into<PathBuf>) -> Place {
        Place {
            path: path.into(),
            writable: false,
        }
    }

    pub fn writable(path: impl Into<PathBuf>) -> Place {
        Place {
            path: path.into(),
            writable: true,
        }
    }
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
    if !view.network {
        // A network namespace of its own: loopback only.
        add(&["--unshare-net"]);
    }
    if attach == Attach::Detached {
        add(&["--new-session", "--die-with-parent"]);
    }
    // The whole system read-only, a fresh /proc for the new PID namespace, and a /dev of the
    // usual devices with a /dev/pts and /dev/shm of its own: no other terminal of the user's
    // is there to read (the agent's own reaches it as its standard streams and /dev/tty).
    add(&["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]);
    let text = |p: &Path| p.to_string_lossy().into_owned();
    if let Some(tmp) = &view.tmp {
        out.extend(["--bind".to_string(), text(tmp), "/tmp".into()]);
    }
    for dir in &view.private {
        out.extend(["--tmpfs".to_string(), text(dir)]);
    }
    for dir in &view.kept {
        out.extend(["--ro-bind".to_string(), text(dir), text(dir)]);
    }
    // After what is kept read-only: a cache dir in the home folder stays writable.
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
        let bind = if place.writable {
            "--bind"
        } else {
            "--ro-bind"
        };
        out.extend([bind.to_string(), text(&place.path), text(&place.path)]);
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
    let view = View {
        network: true,
        ..View::default()
    };
    let argv = wrap(&bwrap, &view, Attach::Detached, &["true".into()]);
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
            andon_core::sanitize::one_line(&said, 120)
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
            tmp: Some("/l/tmp".into()),
            private: vec!["/run".into()],
            kept: vec!["/tmp/r".into(), "/h".into()],
            writable: vec!["/h/.cargo/registry".into()],
            hidden_dirs: vec!["/tmp/r/.andon".into()],
            hidden_files: vec!["/h/.netrc".into()],
            shown: vec![
                Place::read_only("/tmp/r/.andon/loops/x"),
                Place::writable("/tmp/r/.andon/loops/x/agent"),
            ],
            network: false,
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
        assert!(argv.contains("--unshare-net"), "{argv}");
        let order = [
            "--ro-bind / /",
            "--dev /dev",
            "--bind /l/tmp /tmp",
            "--tmpfs /run",
            "--ro-bind /tmp/r /tmp/r",
            "--ro-bind /h /h",
            "--bind /h/.cargo/registry /h/.cargo/registry",
            "--tmpfs /tmp/r/.andon",
            "--ro-bind /dev/null /h/.netrc",
            "--ro-bind /tmp/r/.andon/loops/x /tmp/r/.andon/loops/x",
            "--bind /tmp/r/.andon/loops/x/agent /tmp/r/.andon/loops/x/agent",
            "-- sh",
        ];
        let at: Vec<usize> = order
            .iter()
            .map(|w| argv.find(w).unwrap_or_else(|| panic!("{w} in {argv}")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{argv}");
    }
}

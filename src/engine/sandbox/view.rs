//! What a loop's processes see in their namespaces: which folders are private, kept
//! read-only, hidden and shown again, built from the loop's places and the user's
//! `allow_read`.

use std::path::{Path, PathBuf};

use super::{cache_dirs, home_paths};
use crate::config::Config;
use crate::engine::paths::AndonDir;
use crate::engine::spec::LoopSpec;
use crate::sandbox::namespaces::{Place, View};

/// Credential stores under `$HOME` a sandboxed process does not see: folders, then files.
const CREDENTIAL_DIRS: &[&str] = &[
    ".ssh",
    ".aws",
    ".config/gh",
    ".gnupg",
    ".password-store",
    ".local/share/keyrings",
    ".kube",
    ".azure",
    ".config/gcloud",
];
const CREDENTIAL_FILES: &[&str] = &[
    ".netrc",
    ".git-credentials",
    ".config/git/credentials",
    ".docker/config.json",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".npmrc",
    ".pypirc",
    ".gem/credentials",
    ".vault-token",
    ".config/hub",
];

/// The user's session sockets a sandboxed process does not reach: its runtime folder (the
/// session bus, gpg-agent, systemd --user), X11's and tmux's (the ssh-agent's socket is
/// hidden by itself). Any of them would run a command outside the sandbox. In namespaces
/// those under `/tmp` and `/run` are out of sight already.
fn session_sockets() -> Vec<PathBuf> {
    let uid = rustix::process::getuid().as_raw();
    let mut places = vec![
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(format!("/run/user/{uid}"))),
        PathBuf::from("/tmp/.X11-unix"),
        PathBuf::from("/tmp/.ICE-unix"),
        PathBuf::from(format!("/tmp/tmux-{uid}")),
    ];
    if let Some(dir) = std::env::var_os("TMUX_TMPDIR") {
        places.push(PathBuf::from(dir).join(format!("tmux-{uid}")));
    }
    places
}

/// What a loop's processes see, in their namespaces: `/tmp` and the temp dir empty and their
/// own, with the folders a loop needs there shown again read-only; andon's folder hidden but
/// for the loop's own folder (read-only), its agent and temp folders and the agents' socket;
/// the worktrees root hidden but for the loop's worktree; the user's credential stores
/// (but what `allow_read` lists) and session sockets hidden.
pub(super) fn loop_view(
    dirs: &AndonDir,
    repo_root: &Path,
    spec: &LoopSpec,
    places: LoopPlaces<'_>,
    config: &Config,
) -> View {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let out_of_sight = places.out_of_sight();
    let mut view = View {
        tmp: Some(places.temp.clone()),
        private: places.private.to_vec(),
        kept: kept_under(&out_of_sight, repo_root, home.as_deref()),
        writable: cache_dirs(config),
        hidden_dirs: vec![dirs.root().to_path_buf()],
        ..View::default()
    };
    let unseen = |p: &PathBuf| !out_of_sight.iter().any(|o| p.starts_with(o));
    view.hidden_dirs.extend(
        session_sockets()
            .into_iter()
            .filter_map(|p| p.canonicalize().ok())
            .filter(|p| p.is_dir() && unseen(p)),
    );
    view.hidden_files.extend(
        std::env::var_os("SSH_AUTH_SOCK")
            .and_then(|p| PathBuf::from(p).canonicalize().ok())
            .filter(unseen),
    );
    let loop_dir = dirs.loop_dir(&spec.name);
    if crate::own_file::dir(&loop_dir).is_ok() {
        view.shown.push(Place::read_only(loop_dir));
    }
    view.shown.extend(places.agent.map(Place::writable));
    view.shown.push(Place::writable(places.temp));
    let socket = dirs.agent_socket();
    if socket.exists() {
        view.shown.push(Place::read_only(socket));
    }
    if let Some(root) = spec.worktree.parent() {
        if !repo_root.starts_with(root) {
            view.hidden_dirs.push(root.to_path_buf());
        }
    }
    view.shown.push(Place::writable(spec.worktree.clone()));
    if let Some(home) = home {
        hide_credentials(&mut view, &home, &home_paths(&config.sandbox.allow_read));
    }
    view
}

/// A loop's own places, for its view.
pub(super) struct LoopPlaces<'a> {
    /// Empty file systems of its own (`/run`, a temp dir outside `/tmp`).
    pub private: &'a [PathBuf],
    pub agent: Option<PathBuf>,
    /// Its temp folder, seen as `/tmp` too.
    pub temp: PathBuf,
}

impl LoopPlaces<'_> {
    /// Where the host's own files are out of sight: `/tmp` and the private folders.
    fn out_of_sight(&self) -> Vec<PathBuf> {
        let mut dirs = vec![PathBuf::from("/tmp")];
        dirs.extend(self.private.iter().cloned());
        dirs
    }
}

/// What a loop needs of what lies out of sight (under `/tmp` or a private folder), to show
/// again read-only: the repository, the home folder, andon's folder, and the programs on
/// `PATH` with what they load — a `bin` folder's prefix (a virtualenv, an npm prefix), and
/// where the programs' links lead, up to their `node_modules` (a package's dependencies lie
/// beside it) — and the resolver's folder under `/run`. Just those, so little beside them is
/// in reach.
fn kept_under(out_of_sight: &[PathBuf], repo_root: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let hidden = |p: &Path| out_of_sight.iter().any(|o| p.starts_with(o) && p != o);
    let mut needed: Vec<PathBuf> = vec![repo_root.to_path_buf(), PathBuf::from(RESOLVER)];
    needed.extend(home.map(Path::to_path_buf));
    needed.extend(
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf)),
    );
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for dir in path_dirs.iter().filter(|d| hidden(d)) {
        needed.push(program_prefix(dir));
        let programs = std::fs::read_dir(dir).into_iter().flatten().flatten();
        needed.extend(
            programs
                .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
                .filter_map(|e| e.path().canonicalize().ok())
                .filter_map(|target| target.parent().map(program_prefix)),
        );
    }
    let mut kept: Vec<PathBuf> = Vec::new();
    for path in needed {
        for path in [path.canonicalize().ok(), Some(path)].into_iter().flatten() {
            if hidden(&path) && path.exists() && !kept.iter().any(|k| path.starts_with(k)) {
                kept.retain(|k| !k.starts_with(&path));
                kept.push(path);
            }
        }
    }
    kept
}

/// The folder a program in `dir` loads from: up to the first `node_modules` on the way (npm
/// resolves a package's dependencies beside it), else the prefix of a `bin` folder (a
/// virtualenv's `lib` lies beside its `bin`), else `dir` itself.
pub(super) fn program_prefix(dir: &Path) -> PathBuf {
    let mut prefix = PathBuf::new();
    for part in dir.components() {
        prefix.push(part);
        if part.as_os_str() == "node_modules" {
            return prefix;
        }
    }
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("bin" | ".bin") => dir
            .parent()
            .map_or_else(|| dir.to_path_buf(), Path::to_path_buf),
        _ => dir.to_path_buf(),
    }
}

/// Where the system's resolver keeps `resolv.conf` (`/etc/resolv.conf` links there).
const RESOLVER: &str = "/run/systemd/resolve";

/// Hides the user's credential stores under `home`, where they really are (a store reached
/// through a link is hidden at its target, which hides it under both names), but for what
/// `allow_read` covers; an allowed path inside a hidden store is shown again, read-only.
fn hide_credentials(view: &mut View, home: &Path, allow_read: &[PathBuf]) {
    let real = |p: PathBuf| p.canonicalize().ok();
    let allowed: Vec<PathBuf> = allow_read.iter().filter_map(|p| real(p.clone())).collect();
    let hidden = |p: &PathBuf| !allowed.iter().any(|a| p.starts_with(a));
    let dirs: Vec<PathBuf> = CREDENTIAL_DIRS
        .iter()
        .filter_map(|d| real(home.join(d)))
        .filter(|d| d.is_dir() && hidden(d))
        .collect();
    view.hidden_files.extend(
        CREDENTIAL_FILES
            .iter()
            .filter_map(|f| real(home.join(f)))
            .filter(|f| f.is_file() && hidden(f)),
    );
    view.shown.extend(
        allowed
            .iter()
            .filter(|a| dirs.iter().any(|d| a.starts_with(d)))
            .map(|a| Place::read_only(a.clone())),
    );
    // Hidden before anything is shown again.
    view.hidden_dirs.extend(dirs);
}

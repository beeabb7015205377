//! A loop's sandbox, as the engine runs it: on by default wherever the machine can confine,
//! whether a plan may start (Landlock must exist when a setting asks for it), the places its
//! agent and checks may write, their argv wrapped in `andon __sandbox` inside bubblewrap's
//! namespaces, and the refused writes their output reports.
//!
//! Writable: the loop's worktree, its agent folder `.andon/loops/<loop>/agent`, the temp dir
//! (and `/dev/shm`, private in namespaces), and `[sandbox] cache_dirs`. Not the main repository's
//! `.git`: an agent may run read-only git in its worktree (status, diff, log), but a commit
//! would write the shared object store and refs, where a confined process could also delete
//! objects or move the main branch — andon commits every iteration itself, so an agent's
//! `git commit` is refused and reported like any other write outside its places.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::core::sandbox::{SandboxMode, SandboxSetting};
use crate::core::sandbox_denial::paths_outside;
use crate::engine::input_error::InputError;
use crate::engine::paths::AndonDir;
use crate::engine::shared::Shared;
use crate::engine::spec::LoopSpec;
use crate::sandbox::namespaces::{self, Attach, Place, View};
use crate::sandbox::{wrap, LandlockStatus, DEVICE_FILES};

/// The mode a loop runs with. Loops are confined by default wherever this machine can confine
/// them (`namespaces`: whether bubblewrap works here); only a setting that says `off` runs
/// one unconfined. A setting that asks for Landlock on a kernel without it, or a repository
/// the sandbox could not protect, refuses the plan at the line that asked.
pub fn require(
    setting: Option<&SandboxSetting>,
    status: &LandlockStatus,
    namespaces: bool,
    repo_root: &Path,
    config: &Config,
) -> Result<SandboxMode, InputError> {
    let unprotected = unprotected_by(repo_root, config, namespaces);
    let Some(setting) = setting else {
        // The default falls back (the board and `andon doctor` say so) rather than refuse.
        let confinable =
            matches!(status, LandlockStatus::Available { .. }) && unprotected.is_none();
        return Ok(if confinable {
            SandboxMode::Landlock
        } else {
            SandboxMode::Off
        });
    };
    if setting.mode == SandboxMode::Off {
        return Ok(SandboxMode::Off);
    }
    let at = Some((setting.file.clone(), Some(setting.line)));
    if let LandlockStatus::Unavailable { why } = status {
        return Err(InputError::new(
            at,
            format!("sandbox = \"landlock\" is set here, but {why}"),
            "run andon on a kernel with Landlock (`andon doctor` tells), or set sandbox = \"off\" \
             in your user config to run the agent with all of your user's write access",
        ));
    }
    if let Some(root) = unprotected {
        return Err(InputError::new(
            at,
            format!(
                "the sandbox cannot protect this repository: it lies inside {}, which every \
                 sandboxed agent may write",
                root.display()
            ),
            "move the repository elsewhere, start andon with TMPDIR set outside it, install \
             bubblewrap (each loop then gets a temp dir of its own), or take that directory out \
             of [sandbox] cache_dirs",
        ));
    }
    Ok(SandboxMode::Landlock)
}

/// The place every sandboxed loop may write that holds the repository, if one does: the
/// sandbox could not keep an agent out of it.
fn unprotected_by(repo_root: &Path, config: &Config, namespaces: bool) -> Option<PathBuf> {
    if namespaces {
        // Kept read-only in every loop's namespaces, wherever it lies.
        return None;
    }
    let repo = repo_root
        .canonicalize()
        .unwrap_or_else(|_| repo_root.to_path_buf());
    shared_places(config).into_iter().find(|root| {
        let canonical = root.canonicalize().unwrap_or_else(|_| root.clone());
        repo.starts_with(&canonical) || repo.starts_with(root)
    })
}

/// What start-up says when loops cannot be confined as they should: the kernel has no
/// Landlock (confined loops are then refused, default ones run unconfined), or no namespaces
/// can be made (`namespaces`: bubblewrap's, or why not) and loops run on Landlock alone.
/// Nothing when the user config turned the sandbox off everywhere: that was their choice.
pub fn startup_warning(
    config: &Config,
    status: &LandlockStatus,
    namespaces: &Result<PathBuf, String>,
) -> Option<String> {
    let chosen_off = config
        .sandbox
        .mode
        .as_ref()
        .is_some_and(|s| s.mode == SandboxMode::Off);
    let asked = config
        .sandbox
        .mode
        .iter()
        .chain(config.agents.values().filter_map(|a| a.sandbox.as_ref()))
        .find(|s| s.mode == SandboxMode::Landlock);
    if chosen_off && asked.is_none() {
        return None;
    }
    let by = asked.map_or("andon's default".to_string(), |s| s.place());
    match (status, namespaces) {
        (LandlockStatus::Unavailable { why }, _) => Some(match asked {
            Some(_) => format!(
                "sandbox = \"landlock\" ({by}) cannot be honoured: {why}; plans that need it \
                 will be refused"
            ),
            None => format!(
                "loops run unconfined: {why}, so andon cannot sandbox agents on this machine \
                 and approval is a guard, not a boundary"
            ),
        }),
        (_, Err(why)) => Some(format!(
            "sandbox ({by}): {why}, so sandboxed loops run on Landlock alone — they may write \
             only their places but can read your files, see andon's processes and reach its \
             control socket"
        )),
        _ => None,
    }
}

/// The places every sandboxed loop may write: the temp dir, `/dev/shm` (a private one in
/// namespaces) and the cache dirs.
fn shared_places(config: &Config) -> Vec<PathBuf> {
    let mut places = vec![std::env::temp_dir(), PathBuf::from(SHM)];
    places.extend(cache_dirs(config));
    places
}

/// POSIX shared memory.
const SHM: &str = "/dev/shm";

/// `[sandbox] cache_dirs` with `~/` taken from `$HOME` (without one, `~/...` names nothing).
fn cache_dirs(config: &Config) -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    config
        .sandbox
        .cache_dirs
        .iter()
        .filter_map(|dir| crate::core::lexical_path::expand_home(dir, home.as_deref()))
        .collect()
}

/// One loop's confinement.
pub struct LoopSandbox {
    andon_exe: PathBuf,
    worktree: PathBuf,
    writable: Vec<PathBuf>,
    /// The namespaces around it (bubblewrap and what it hides), where they can be made.
    namespaces: Option<(PathBuf, View)>,
    /// The agent's own folder, where the copies of its CLI's state live (not for setup).
    agent_dir: Option<PathBuf>,
}

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
/// session bus, gpg-agent, systemd --user), X11's and tmux's, and the ssh-agent's folder. Any
/// of them would run a command outside the sandbox.
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
    if let Some(agent) = std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from) {
        places.extend(
            agent
                .parent()
                .filter(|d| *d != Path::new("/tmp"))
                .map(Path::to_path_buf),
        );
    }
    places
}

/// What a loop's processes see, in their namespaces: andon's folder hidden but for the loop's
/// own folder (read-only), its agent folder and the agents' socket; the worktrees root hidden
/// but for the loop's worktree; the repository and the home folder read-only even where they
/// lie in a writable place; the user's credential stores and session sockets hidden.
fn loop_view(
    dirs: &AndonDir,
    repo_root: &Path,
    spec: &LoopSpec,
    agent_dir: Option<&Path>,
    writable: Vec<PathBuf>,
) -> View {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let kept = [Some(repo_root.to_path_buf()), home.clone()]
        .into_iter()
        .flatten()
        .filter_map(|p| p.canonicalize().ok())
        .filter(|p| writable.iter().any(|w| p.starts_with(w)))
        .collect();
    let mut view = View {
        writable,
        kept,
        hidden_dirs: vec![dirs.root().to_path_buf()],
        ..View::default()
    };
    view.hidden_dirs.extend(
        session_sockets()
            .into_iter()
            .filter_map(|p| p.canonicalize().ok())
            .filter(|p| p.is_dir()),
    );
    let loop_dir = dirs.loop_dir(&spec.name);
    if crate::own_file::dir(&loop_dir).is_ok() {
        view.shown.push(Place::read_only(loop_dir));
    }
    view.shown.extend(agent_dir.map(Place::writable));
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
        // Hidden where they really are: a store reached through a link is hidden at its
        // target, which hides it under both names.
        let real = |p: PathBuf| p.canonicalize().ok();
        view.hidden_dirs.extend(
            CREDENTIAL_DIRS
                .iter()
                .filter_map(|d| real(home.join(d)))
                .filter(|d| d.is_dir()),
        );
        view.hidden_files.extend(
            CREDENTIAL_FILES
                .iter()
                .filter_map(|f| real(home.join(f)))
                .filter(|f| f.is_file()),
        );
    }
    view
}

impl LoopSandbox {
    /// The loop's sandbox, or `None` when it runs unconfined.
    pub fn for_loop(shared: &Shared, spec: &LoopSpec) -> Option<LoopSandbox> {
        // Of `.andon/`, the agent's own folder only: every file andon writes and reads back
        // lies outside what the agent can touch.
        let agent_dir = shared.dirs.agent_dir(&spec.name);
        Self::confine(
            &shared.config,
            &shared.dirs,
            &shared.repo_root,
            spec,
            Some(agent_dir),
            shared.andon_exe.clone(),
        )
    }

    /// The confinement of a loop's `[worktrees] setup` commands: its worktree and the shared
    /// places (not the agent's folder, which does not exist yet).
    pub fn for_setup(config: &Config, repo_root: &Path, spec: &LoopSpec) -> Option<LoopSandbox> {
        let andon_exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("andon"));
        let dirs = AndonDir::new(repo_root);
        Self::confine(config, &dirs, repo_root, spec, None, andon_exe)
    }

    fn confine(
        config: &Config,
        dirs: &AndonDir,
        repo_root: &Path,
        spec: &LoopSpec,
        agent_dir: Option<PathBuf>,
        andon_exe: PathBuf,
    ) -> Option<LoopSandbox> {
        if spec.sandbox != SandboxMode::Landlock {
            return None;
        }
        for dir in cache_dirs(config) {
            // A cache that does not exist yet could never be created from inside.
            let _ = std::fs::create_dir_all(dir);
        }
        if let Some(dir) = &agent_dir {
            let _ = crate::own_file::dir(dir);
        }
        let places = shared_places(config);
        let namespaces = namespaces::status().as_ref().ok().map(|bwrap| {
            // `/dev/shm` is a fresh one there.
            let binds = places
                .iter()
                .filter(|p| *p != Path::new(SHM))
                .cloned()
                .collect();
            let view = loop_view(dirs, repo_root, spec, agent_dir.as_deref(), binds);
            (bwrap.clone(), view)
        });
        let mut writable = vec![spec.worktree.clone()];
        writable.extend(agent_dir.clone());
        writable.extend(places);
        Some(LoopSandbox {
            andon_exe,
            worktree: spec.worktree.clone(),
            writable,
            namespaces,
            agent_dir,
        })
    }

    /// `argv` run through `andon __sandbox`, in namespaces where they can be made, in the
    /// PTY andon gives it (an agent, a reviewer), with the network.
    pub fn wrap(&self, argv: &[String]) -> Vec<String> {
        self.wrap_as(argv, Attach::Terminal, true)
    }

    /// A `[worktrees] setup` command confined like [`LoopSandbox::wrap`], run on pipes in a
    /// session of its own, away from andon's terminal, with the network (it installs).
    pub fn wrap_setup(&self, argv: &[String]) -> Vec<String> {
        self.wrap_as(argv, Attach::Detached, true)
    }

    /// A check confined like [`LoopSandbox::wrap_setup`], offline unless `network`.
    pub fn wrap_check(&self, argv: &[String], network: bool) -> Vec<String> {
        self.wrap_as(argv, Attach::Detached, network)
    }

    /// Whether a check without the network is really offline here (namespaces made).
    pub fn offline_checks(&self) -> bool {
        self.namespaces.is_some()
    }

    /// The agent's environment additions: where its CLI keeps its state, a copy made for this
    /// loop (see [`agent_state`]).
    pub fn agent_env(&self, family: Option<crate::config::Family>) -> Vec<(String, String)> {
        match (&self.agent_dir, family) {
            (Some(dir), Some(family)) => agent_state::prepare(family, dir),
            _ => Vec::new(),
        }
    }

    fn wrap_as(&self, argv: &[String], attach: Attach, network: bool) -> Vec<String> {
        let confined = wrap(&self.andon_exe, &self.writable, argv);
        match &self.namespaces {
            Some((bwrap, view)) => {
                let mut view = view.clone();
                view.network = network;
                if attach == Attach::Terminal {
                    if let (Some(dir), true) = (&self.agent_dir, network) {
                        view.through = agent_state::logins(dir);
                    }
                }
                namespaces::wrap(bwrap, &view, attach, &confined)
            }
            None => confined,
        }
    }

    /// The paths that denial lines of a run name outside its places and that andon itself
    /// could write: the writes the sandbox refused.
    pub fn refused_writes(&self, lines: &[String]) -> Vec<String> {
        // What the namespaces keep read-only inside a writable place is refused too.
        let kept: &[PathBuf] = self
            .namespaces
            .as_ref()
            .map_or(&[], |(_, view)| view.kept.as_slice());
        let mut roots: Vec<PathBuf> = self
            .writable
            .iter()
            .filter(|w| !kept.iter().any(|k| k.starts_with(w)))
            .cloned()
            .collect();
        roots.push(self.worktree.clone());
        roots.extend(self.agent_dir.clone());
        roots.extend(roots.clone().iter().filter_map(|p| p.canonicalize().ok()));
        roots.extend(DEVICE_FILES.iter().map(PathBuf::from));
        roots.push(PathBuf::from("/dev/pts"));
        paths_outside(lines, &self.worktree, &roots)
            .into_iter()
            .filter(|p| writable_unconfined(p))
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }
}

/// Whether andon, unconfined, may write `path` or create it in its nearest existing
/// directory. When not, the refusal was the file system's own, not the sandbox's.
fn writable_unconfined(path: &Path) -> bool {
    let may_write = |p: &Path| rustix::fs::access(p, rustix::fs::Access::WRITE_OK).is_ok();
    if path.symlink_metadata().is_ok() && may_write(path) {
        return true;
    }
    path.ancestors()
        .skip(1)
        .find(|dir| dir.is_dir())
        .is_some_and(may_write)
}

pub mod agent_state;
#[cfg(test)]
mod tests;

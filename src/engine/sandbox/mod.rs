//! A loop's sandbox, as the engine runs it: the places its agent, checks, reviewer and setup
//! commands may write, their environment (the loop's temp folder, a launch's copy of the
//! agent CLI's state), their argv wrapped in `andon __sandbox` inside bubblewrap's namespaces,
//! and the refused writes their output reports. Which mode a loop runs with is `mode.rs`'s;
//! what the namespaces show is `view.rs`'s.
//!
//! Writable: the loop's worktree, its agent folder `.andon/loops/<loop>/agent`, its temp folder
//! `.andon/loops/<loop>/tmp` (its `TMPDIR`; in namespaces it is `/tmp`, and `/dev/shm` is
//! private), a launch's copy of the agent CLI's state, and `[sandbox] cache_dirs`. Not the
//! main repository's `.git`: an agent may run read-only git in its worktree (status, diff,
//! log), but a commit would write the shared object store and refs, where a confined process
//! could also delete objects or move the main branch — andon commits every iteration itself,
//! so an agent's `git commit` is refused and reported like any other write outside its places.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::engine::paths::AndonDir;
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;
use crate::or_log::OrLog;
use crate::sandbox::namespaces::{self, Attach, Place, View};
use crate::sandbox::{wrap, DEVICE_FILES};
use andon_core::failure::sandbox_denial::paths_outside;
use andon_core::sandbox::SandboxMode;

pub use mode::{require, startup_warning};
use view::{loop_view, LoopPlaces};

/// The places every sandboxed loop may write: the cache dirs, and `/dev/shm` where there are
/// no namespaces to give each loop its own. (Each loop has a temp folder of its own: see
/// [`LoopSandbox`].)
fn shared_places(config: &Config, namespaces: bool) -> Vec<PathBuf> {
    let mut places = Vec::new();
    if !namespaces {
        places.push(PathBuf::from(SHM));
    }
    places.extend(cache_dirs(config));
    places
}

/// The variables that keep a loop's tools from writing their caches in the user's home
/// (read-only in the sandbox): in the loop's temp folder, unless the user shares the whole
/// cache folder (`~/.cache`, `~/.npm`) with the loops through `cache_dirs`.
fn cache_vars(temp: &Path, config: &Config) -> Vec<(String, String)> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let shared = cache_dirs(config);
    // Only a cache dir holding the whole cache folder shares it: with part of it shared,
    // the rest would be read-only.
    let shares = |p: Option<PathBuf>| p.is_some_and(|p| shared.iter().any(|c| p.starts_with(c)));
    let cache_home = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".cache")));
    let cache = temp.join("cache");
    let mut vars = Vec::new();
    if !shares(cache_home) {
        vars.push((
            "XDG_CACHE_HOME".to_string(),
            cache.to_string_lossy().into_owned(),
        ));
    }
    if !shares(home.map(|h| h.join(".npm"))) {
        let npm = cache.join("npm").to_string_lossy().into_owned();
        vars.push(("npm_config_cache".to_string(), npm));
    }
    vars
}

/// Removes what a loop's sandbox kept for it — its temp folder (caches too) and the copies of
/// its agent CLI's state, logins included — once its worktree is gone. (Removing does not
/// follow the links an agent left inside.)
pub fn forget(dirs: &AndonDir, loop_name: &str) {
    let loop_dir = dirs.loop_dir(loop_name);
    for dir in ["tmp", "state"] {
        std::fs::remove_dir_all(loop_dir.join(dir))
            .or_log("a loop's tmp or state folder that is not there is already forgotten");
    }
}

/// POSIX shared memory.
const SHM: &str = "/dev/shm";

/// `[sandbox] cache_dirs` with `~/` taken from `$HOME`.
fn cache_dirs(config: &Config) -> Vec<PathBuf> {
    home_paths(&config.sandbox.cache_dirs)
}

/// `paths` with `~/` taken from `$HOME` (without one, `~/...` names nothing).
fn home_paths(paths: &[String]) -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    paths
        .iter()
        .filter_map(|dir| andon_core::lexical_path::expand_home(dir, home.as_deref()))
        .collect()
}

/// One loop's confinement.
///
/// Every process of the loop gets the loop's own temp folder, `.andon/loops/<loop>/tmp`, as
/// `TMPDIR` (and its caches under it, unless the user shares theirs through `cache_dirs`). In
/// namespaces `/tmp` and the system's temp dir are moreover an empty file system of their own,
/// so no socket or file another program keeps there is in reach; the folders under them a
/// loop needs (the repository, the home folder, andon and the programs on `PATH`) are shown
/// again, read-only.
pub struct LoopSandbox {
    andon_exe: PathBuf,
    worktree: PathBuf,
    /// Where Landlock lets the loop's processes write.
    writable: Vec<PathBuf>,
    /// Where the namespaces give an empty file system of its own (not written through).
    private: Vec<PathBuf>,
    /// The loop's folder, and its temp folder inside.
    loop_dir: PathBuf,
    temp: PathBuf,
    /// The namespaces around it (bubblewrap and what it hides), where they can be made.
    namespaces: Option<(PathBuf, View)>,
    /// Whether the agent's folder is among its places (not for setup commands).
    with_agent: bool,
    /// The variables that point caches into the temp folder.
    caches: Vec<(String, String)>,
}

/// A fresh copy of an agent CLI's state for one launch (see [`agent_state`]): its folder, in
/// the loop's folder where the agent cannot plant anything before andon makes it, and the
/// variables that point the CLI at it.
pub struct StateCopy {
    dir: PathBuf,
    env: Vec<(String, String)>,
    login: Option<agent_state::Login>,
}

/// Which launch a copy of an agent CLI's state is for: each replaces the last of its kind
/// (whose processes are gone), never the other's (an interactive agent lives on while the
/// reviewer runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launch {
    Agent,
    Reviewer,
}

impl Launch {
    fn prefix(self) -> &'static str {
        match self {
            Launch::Agent => "agent-",
            Launch::Reviewer => "reviewer-",
        }
    }
}

impl StateCopy {
    /// The variables that point the CLI at its copy.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// Once the CLI has exited: the login it refreshed goes back to the user's file.
    pub fn finish(&self) {
        if self
            .login
            .as_ref()
            .is_some_and(agent_state::Login::write_back)
        {
            tracing::info!("the agent CLI's refreshed login was written back to the user's");
        }
    }
}

impl LoopSandbox {
    /// The loop's sandbox, or `None` when it runs unconfined.
    pub fn for_loop(shared: &Shared, spec: &LoopSpec) -> Option<LoopSandbox> {
        Self::confine(
            shared.config(),
            shared.dirs(),
            shared.repo_root(),
            spec,
            true,
            shared.andon_exe().to_path_buf(),
        )
    }

    /// The confinement of a loop's `[worktrees] setup` commands: its worktree and the shared
    /// places (not the agent's folder, which does not exist yet).
    pub fn for_setup(config: &Config, repo_root: &Path, spec: &LoopSpec) -> Option<LoopSandbox> {
        let andon_exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("andon"));
        let dirs = AndonDir::new(repo_root);
        Self::confine(config, &dirs, repo_root, spec, false, andon_exe)
    }

    fn confine(
        config: &Config,
        dirs: &AndonDir,
        repo_root: &Path,
        spec: &LoopSpec,
        with_agent: bool,
        andon_exe: PathBuf,
    ) -> Option<LoopSandbox> {
        if spec.sandbox != SandboxMode::Landlock {
            return None;
        }
        for dir in cache_dirs(config) {
            // A cache that does not exist yet could never be created from inside.
            std::fs::create_dir_all(dir)
                .or_log("a cache that cannot be made is one the sandbox cannot show");
        }
        // Of `.andon/`, the agent's own folder and the loop's temp folder only: every file
        // andon writes and reads back lies outside what the agent can touch.
        let loop_dir = dirs.loop_dir(&spec.name);
        let temp = loop_dir.join("tmp");
        let agent_dir = with_agent.then(|| dirs.agent_dir(&spec.name));
        for dir in [Some(&loop_dir), Some(&temp), agent_dir.as_ref()]
            .into_iter()
            .flatten()
        {
            crate::own_file::dir(dir)
                .or_log("a folder that cannot be made is one the sandbox cannot show");
        }
        let bwrap = namespaces::status().as_ref().ok();
        // In namespaces `/tmp` is the loop's temp folder, `/run` and a temp dir elsewhere
        // are empty: only what the loop needs there is shown again.
        let mut private: Vec<PathBuf> = Vec::new();
        if bwrap.is_some() {
            for dir in [PathBuf::from("/run"), std::env::temp_dir()] {
                let dir = dir.canonicalize().unwrap_or(dir);
                let seen = [Path::new("/tmp")]
                    .into_iter()
                    .chain(private.iter().map(PathBuf::as_path))
                    .any(|p| dir.starts_with(p));
                if dir.is_dir() && !seen {
                    private.push(dir);
                }
            }
        }
        let namespaces = bwrap.map(|bwrap| {
            let places = LoopPlaces {
                private: &private,
                agent: agent_dir.clone(),
                temp: temp.clone(),
            };
            let view = loop_view(dirs, repo_root, spec, places, config);
            (bwrap.clone(), view)
        });
        let mut writable = vec![spec.worktree.clone(), temp.clone(), PathBuf::from(SHM)];
        writable.extend(agent_dir);
        if namespaces.is_some() {
            writable.push(PathBuf::from("/tmp"));
            private.insert(0, PathBuf::from("/tmp"));
        }
        writable.extend(cache_dirs(config));
        Some(LoopSandbox {
            andon_exe,
            worktree: spec.worktree.clone(),
            writable,
            private,
            caches: cache_vars(&temp, config),
            loop_dir,
            temp,
            namespaces,
            with_agent,
        })
    }

    /// What every process of the loop gets in its environment: the loop's temp folder (as
    /// `/tmp` in namespaces: short enough for a socket's path), and the caches in it.
    pub fn env(&self) -> Vec<(String, String)> {
        let temp = match self.namespaces {
            Some(_) => "/tmp".to_string(),
            None => self.temp.to_string_lossy().into_owned(),
        };
        let mut env = vec![("TMPDIR".to_string(), temp)];
        env.extend(self.caches.iter().cloned());
        env
    }

    /// A fresh copy of `family`'s state for a `launch` of it, with the variables that point
    /// the CLI at it; `None` for a CLI without a known state folder.
    pub fn agent_state(
        &self,
        family: Option<crate::config::Family>,
        launch: Launch,
    ) -> Option<StateCopy> {
        let family = family?;
        if !self.with_agent {
            return None;
        }
        let states = self.loop_dir.join("state");
        crate::own_file::dir(&states).ok()?;
        // The last launch of this kind is over: its copy goes (removing does not follow the
        // links the agent may have left inside).
        for entry in std::fs::read_dir(&states).ok()?.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(launch.prefix())
            {
                std::fs::remove_dir_all(entry.path()).or_log("an old copy of the CLI's state that cannot be removed is hidden from the next launch anyway");
            }
        }
        let stamp = crate::clock::wall_nanos();
        let dir = states.join(format!("{}{stamp}", launch.prefix()));
        std::fs::create_dir(&dir).ok()?;
        crate::own_file::dir(&dir).ok()?;
        let agent_state::Prepared { env, login } = agent_state::prepare(family, &dir)?;
        Some(StateCopy { dir, env, login })
    }

    /// `argv` run through `andon __sandbox`, in namespaces where they can be made, in the
    /// PTY andon gives it (an agent, a reviewer), with its CLI's state copy, and the network
    /// unless its profile says `network = false`.
    pub fn wrap(&self, argv: &[String], state: Option<&StateCopy>, network: bool) -> Vec<String> {
        self.wrap_as(argv, Attach::Terminal, network, state)
    }

    /// A `[worktrees] setup` command confined like [`LoopSandbox::wrap`], run on pipes in a
    /// session of its own, away from andon's terminal, with the network (it installs).
    pub fn wrap_setup(&self, argv: &[String]) -> Vec<String> {
        self.wrap_as(argv, Attach::Detached, true, None)
    }

    /// A check confined like [`LoopSandbox::wrap_setup`], offline unless `network`.
    pub fn wrap_check(&self, argv: &[String], network: bool) -> Vec<String> {
        self.wrap_as(argv, Attach::Detached, network, None)
    }

    /// Whether a check without the network is really offline here (namespaces made).
    pub fn offline_checks(&self) -> bool {
        self.namespaces.is_some()
    }

    fn wrap_as(
        &self,
        argv: &[String],
        attach: Attach,
        network: bool,
        state: Option<&StateCopy>,
    ) -> Vec<String> {
        let mut writable = self.writable.clone();
        writable.extend(state.map(|s| s.dir.clone()));
        let confined = wrap(&self.andon_exe, &writable, argv);
        match &self.namespaces {
            Some((bwrap, view)) => {
                let mut view = view.clone();
                view.network = network;
                view.shown
                    .extend(state.map(|s| Place::writable(s.dir.clone())));
                namespaces::wrap(bwrap, &view, attach, &confined)
            }
            None => confined,
        }
    }

    /// The paths that denial lines of a run name outside its places and that andon itself
    /// could write: the writes the sandbox refused.
    pub fn refused_writes(&self, lines: &[String]) -> Vec<String> {
        // What the namespaces make private is written nowhere; under it, only what is shown
        // again read-only could refuse a write.
        let mut roots: Vec<PathBuf> = self
            .writable
            .iter()
            .filter(|w| !self.private.contains(w))
            .cloned()
            .collect();
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
mod mode;
#[cfg(test)]
mod tests;
mod view;

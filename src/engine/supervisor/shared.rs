//! What every loop task of one supervisor shares: the repo's git owner, the store, the config,
//! the reaper, and the board (the latest view of every loop) with its update broadcast.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Notify};

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::diffs::DiffService;
use crate::engine::paths::AndonDir;
use crate::engine::spec::Mark;
use crate::engine::supervisor::ptys::PtyRegistry;
use crate::git::GitOwner;
use crate::pty::reaper::Reaper;
use crate::store::Store;
use andon_core::condition::Condition;
use andon_core::state::{LoopState, StopCause};

/// Receives every byte an agent or check writes, per loop (the UI feeds its panes with it).
pub type OutputHook = Arc<dyn Fn(&str, &[u8]) + Send + Sync>;

/// The latest picture of one loop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoopView {
    pub name: String,
    pub plan: String,
    pub title: String,
    pub branch: String,
    pub worktree: String,
    pub base: String,
    pub started_at: i64,
    pub updated_at: i64,
    /// The loop's clock: time worked in spells that have ended, in ms.
    pub worked_ms: u64,
    /// When the current working spell began; `None` while the loop does not work.
    pub active_since: Option<i64>,
    pub state: LoopState,
    pub marks: Vec<Mark>,
    /// What the running agent's screen says about it now (a permission prompt, a limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// How its agent and checks are confined; `None` where it is not known (a board that
    /// reads another supervisor's store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<andon_core::sandbox::SandboxMode>,
}

/// A change on the board, broadcast to the headless printer and the UI.
#[derive(Debug, Clone)]
pub struct Update {
    pub view: LoopView,
    pub message: Option<String>,
    pub alert: Option<(StopCause, String)>,
}

pub struct Shared {
    repo_root: PathBuf,
    git: GitOwner,
    store: Store,
    dirs: AndonDir,
    config: Config,
    andon_exe: PathBuf,
    actor: String,
    output: Option<OutputHook>,
    updates: broadcast::Sender<Update>,
    board: Mutex<BTreeMap<String, LoopView>>,
    line_stopped: AtomicBool,
    /// The running agents' PTYs, for the UI's keystrokes, replies and resizes.
    ptys: PtyRegistry,
    /// Each loop's live diffs (for the diff and review screens and the panes' diffstat).
    diffs: Mutex<HashMap<String, DiffService>>,
    /// Woken whenever any loop publishes a new diff.
    diff_wake: Notify,
    /// Whether loops get live diffs (a diff service and a worktree watcher); off for a
    /// one-shot CLI action that hosts a loop only to act on it.
    live_diffs: bool,
    /// The secrets of andon's environment, kept out of what it shows and stores.
    redactor: andon_core::redact::Redactor,
    reaper: Option<Reaper>,
    token: String,
    pane_sizes: Mutex<HashMap<String, (u16, u16)>>,
    /// The one clock the engine stamps its records with.
    clock: Clock,
}

/// Who the audit trail names for this user's actions: `actor` in the config, else `$USER`.
pub fn actor(config: &Config) -> String {
    config
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "human".into())
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        repo_root: PathBuf,
        git: GitOwner,
        store: Store,
        config: Config,
        andon_exe: PathBuf,
        reaper: Option<Reaper>,
        token: String,
        output: Option<OutputHook>,
        ptys: PtyRegistry,
    ) -> Shared {
        let (updates, _) = broadcast::channel(1024);
        let actor = actor(&config);
        let redactor = crate::engine::iteration::env::redactor(
            &config.env,
            config.agents.values(),
            std::env::vars(),
        );
        Shared {
            redactor,
            dirs: AndonDir::new(&repo_root),
            repo_root,
            git,
            store,
            config,
            andon_exe,
            actor,
            output,
            updates,
            board: Mutex::new(BTreeMap::new()),
            line_stopped: AtomicBool::new(false),
            ptys,
            reaper,
            token,
            pane_sizes: Mutex::new(HashMap::new()),
            diffs: Mutex::new(HashMap::new()),
            diff_wake: Notify::new(),
            live_diffs: true,
            clock: Clock::system(),
        }
    }

    /// Records are stamped by `clock` instead of the machine's (a test's fixed clock).
    pub fn with_clock(mut self, clock: Clock) -> Shared {
        self.clock = clock;
        self
    }

    /// The clock the engine stamps its records with.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Loops built this way compute no live diffs (an offline action, a read-only board).
    pub fn without_live_diffs(mut self) -> Shared {
        self.live_diffs = false;
        self
    }

    pub fn repo_root(&self) -> &Path {
        &self.repo_root
    }

    pub fn git(&self) -> &GitOwner {
        &self.git
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn dirs(&self) -> &AndonDir {
        &self.dirs
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The andon binary agents and hooks call back (`andon signal done`).
    pub fn andon_exe(&self) -> &Path {
        &self.andon_exe
    }

    /// Who human actions are audited as.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Where PTY output goes besides the logs (the board's panes, the headless printer).
    pub fn output(&self) -> &Option<OutputHook> {
        &self.output
    }

    /// Every change of the board, for the headless printer and the UI.
    pub fn updates(&self) -> &broadcast::Sender<Update> {
        &self.updates
    }

    /// The loops' PTYs.
    pub fn ptys(&self) -> &PtyRegistry {
        &self.ptys
    }

    /// Woken when a diff was computed.
    pub fn diff_wake(&self) -> &Notify {
        &self.diff_wake
    }

    pub fn live_diffs(&self) -> bool {
        self.live_diffs
    }

    /// The secrets kept out of what andon shows and stores.
    pub fn redactor(&self) -> &andon_core::redact::Redactor {
        &self.redactor
    }

    /// Stop (or release) the whole line.
    pub fn set_line_stopped(&self, stopped: bool) {
        self.line_stopped.store(stopped, Ordering::SeqCst);
    }

    /// A loop's diff service, once its worktree exists.
    pub fn add_diff_service(&self, loop_name: &str, service: DiffService) {
        if let Ok(mut diffs) = self.diffs.lock() {
            diffs.insert(loop_name.to_string(), service);
        }
    }

    /// A loop's diff service.
    pub fn diff_service(&self, loop_name: &str) -> Option<DiffService> {
        self.diffs.lock().ok()?.get(loop_name).cloned()
    }

    /// Whether sandboxed loops run in namespaces here (bubblewrap's path), or why not.
    pub fn namespaces(&self) -> &'static Result<PathBuf, String> {
        crate::sandbox::namespaces::status()
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn reaper_register(&self, pgid: i32) {
        if let Some(r) = &self.reaper {
            if let Err(e) = r.register(pgid) {
                tracing::warn!("reaper: cannot register group {pgid}: {e}");
            }
        }
    }

    pub fn reaper_unregister(&self, pgid: i32) {
        if let Some(r) = &self.reaper {
            if let Err(e) = r.unregister(pgid) {
                tracing::warn!("reaper: cannot unregister group {pgid}: {e}");
            }
        }
    }

    /// The PTY size for a loop's next agent run (the UI sets it from its layout).
    pub fn pane_size(&self, loop_name: &str) -> (u16, u16) {
        self.pane_sizes
            .lock()
            .ok()
            .and_then(|m| m.get(loop_name).copied())
            .unwrap_or((40, 120))
    }

    /// The UI's pane for a loop changed size: the next agent starts at it, the running one
    /// is resized now.
    pub fn set_pane_size(&self, loop_name: &str, rows: u16, cols: u16) {
        if let Ok(mut m) = self.pane_sizes.lock() {
            if m.get(loop_name) == Some(&(rows, cols)) {
                return;
            }
            m.insert(loop_name.to_string(), (rows, cols));
        }
        self.ptys.resize(loop_name, rows, cols);
    }

    pub fn is_line_stopped(&self) -> bool {
        self.line_stopped.load(Ordering::SeqCst)
    }

    /// Publish a loop's new picture.
    pub fn publish(
        &self,
        view: LoopView,
        message: Option<String>,
        alert: Option<(StopCause, String)>,
    ) {
        if let Ok(mut board) = self.board.lock() {
            board.insert(view.name.clone(), view.clone());
        }
        // Nobody listening is fine (a receiver may subscribe later and read the board).
        let _no_listener = self.updates.send(Update {
            view,
            message,
            alert,
        });
    }

    /// The running agent's screen shows (or no longer shows) a condition: the board's view
    /// of the loop changes without a transition.
    pub fn set_condition(&self, loop_name: &str, condition: Option<Condition>) {
        let view = match self.board.lock() {
            Ok(mut board) => match board.get_mut(loop_name) {
                Some(view) if view.condition != condition => {
                    view.condition = condition.clone();
                    view.clone()
                }
                _ => return,
            },
            Err(_) => return,
        };
        let message = condition.map(|c| format!("{}: {}", c.condition.label(), c.line));
        // Nobody listening is fine (a receiver may subscribe later and read the board).
        let _no_listener = self.updates.send(Update {
            view,
            message,
            alert: None,
        });
    }

    pub fn board(&self) -> Vec<LoopView> {
        self.board
            .lock()
            .map(|b| b.values().cloned().collect())
            .unwrap_or_default()
    }
}

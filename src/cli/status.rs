//! `andon status [--json]`: every loop of the repo from the store, whether or not a
//! supervisor runs. With none running, loops cut short are first marked interrupted.

use clap::Args;
use serde::Serialize;

use andon::engine::loop_task::restore::recover_interrupted;
use andon::engine::spec::Persisted;
use andon::engine::supervisor::lock::RepoLock;
use andon::error_chain::chain;
use andon::store::{LoopRow, Store, StoreError};
use andon_core::failure::classify::Category;
use andon_core::sanitize::{one_line, printable};
use andon_core::state::{Lamp, LoopState, State};

use super::output::{elapsed, lamp, use_color};
use super::repo::{self, bad_input, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Print one JSON array (one object per loop).
    #[arg(long)]
    pub json: bool,
}

/// One loop as `andon status --json` prints it (DESIGN §5 fields, and a few more).
#[derive(Debug, Serialize)]
pub struct StatusEntry {
    #[serde(rename = "loop")]
    pub loop_name: String,
    pub plan: String,
    pub lamp: String,
    pub state: String,
    pub iteration: u32,
    pub max_iterations: u32,
    pub consecutive_failures: u32,
    pub last_fingerprint: Option<String>,
    pub last_category: Option<String>,
    pub last_checks: Option<String>,
    pub badge: Option<String>,
    pub reason: Option<String>,
    pub notes: Vec<String>,
    /// What the agent reported using so far (tokens, and cost when it reports one); absent
    /// when it reported nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spent: Option<andon_core::usage::Usage>,
    pub branch: String,
    pub worktree: String,
    pub base: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn entry(row: &LoopRow) -> StatusEntry {
    let state: Option<LoopState> = serde_json::from_str::<Persisted>(&row.state_json)
        .ok()
        .map(|p| p.state);
    StatusEntry {
        loop_name: row.name.clone(),
        plan: row.plan_path.clone(),
        lamp: row.lamp.clone(),
        state: row.state.clone(),
        iteration: row.iteration,
        max_iterations: state.as_ref().map(|s| s.limits.max_iterations).unwrap_or(0),
        consecutive_failures: row.consecutive_failures,
        last_fingerprint: row.last_fingerprint.clone(),
        last_category: row.last_category.clone(),
        last_checks: state
            .as_ref()
            .and_then(|s| s.last_checks)
            .map(|(p, t)| format!("{p}/{t}")),
        badge: state
            .as_ref()
            .and_then(|s| s.badge())
            .map(|b| b.label().to_string()),
        reason: row.reason.as_deref().map(|r| printable(r, false)),
        spent: state
            .as_ref()
            .map(|s| s.spent)
            .filter(|u| u.tokens() > 0 || u.cost_micros.is_some()),
        notes: state
            .map(|s| s.notes.iter().map(|n| printable(n, true)).collect())
            .unwrap_or_default(),
        branch: row.branch.clone(),
        worktree: row.worktree.clone(),
        base: row.base.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Open the store for reading; when no supervisor holds the repo, first record loops that a
/// dead supervisor left mid-iteration as interrupted.
pub fn open_store(dirs: &andon::engine::paths::AndonDir) -> Result<Store, StoreError> {
    if !dirs.db().exists() {
        return Store::open_read_only(&dirs.db());
    }
    if let Ok(_lock) = RepoLock::acquire(&dirs.lock()) {
        let store = Store::open(&dirs.db())?;
        recover_interrupted(
            &store,
            "the supervisor stopped before the iteration ended",
            &andon::clock::Clock::system(),
        )?;
        return Ok(store);
    }
    Store::open_read_only(&dirs.db())
}

/// The agent's own loop, as the supervisor answers on `$ANDON_SOCKET`.
fn from_agent_socket(json: bool) -> i32 {
    use andon::engine::supervisor::control::{request, Reply, Request};
    let socket = std::env::var_os("ANDON_SOCKET").unwrap_or_default();
    let loops = match request(std::path::Path::new(&socket), &Request::Status) {
        Ok(Reply::Loops { loops }) => loops,
        Ok(other) => {
            super::output::error(other.into_result().unwrap_or_else(|refused| refused));
            return EXIT_ERROR;
        }
        Err(e) => {
            super::output::error(&e);
            return EXIT_ERROR;
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&loops).unwrap_or_default()
        );
        return EXIT_OK;
    }
    for view in &loops {
        println!(
            "loop {}: {}, iteration {}",
            view.name,
            view.state.state.label(),
            view.state.iteration
        );
    }
    EXIT_OK
}

pub fn run(args: StatusArgs) -> i32 {
    super::output::quiet_on_broken_pipe();
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let rows = match open_store(&repo.dirs).and_then(|s| s.loops()) {
        Ok(rows) => rows,
        // Inside a sandboxed agent the store is out of sight: its own loop's status comes
        // through the agents' socket.
        Err(StoreError::Missing { .. }) if std::env::var_os("ANDON_SOCKET").is_some() => {
            return from_agent_socket(args.json);
        }
        Err(StoreError::Missing { .. }) => Vec::new(),
        Err(e) => {
            super::output::error(chain(&e));
            return EXIT_ERROR;
        }
    };
    let entries: Vec<StatusEntry> = rows.iter().map(entry).collect();
    if args.json {
        match serde_json::to_string_pretty(&entries) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                super::output::error(&e);
                return EXIT_ERROR;
            }
        }
        return EXIT_OK;
    }
    if entries.is_empty() {
        println!("No loops yet. Start one with: andon run --headless plans/<slug>.md");
        return EXIT_OK;
    }
    let supervised = RepoLock::is_held(&repo.dirs.lock());
    println!(
        "{} loop(s); supervisor {}",
        entries.len(),
        if supervised { "running" } else { "not running" }
    );
    let color = use_color();
    println!(
        "{:<9} {:<20} {:<17} {:>6} {:>5} {:<7} {:<16} {:>7}  note",
        "lamp", "loop", "state", "iter", "fails", "checks", "category", "age"
    );
    let now = andon::clock::Clock::system().now_ms();
    for e in &entries {
        let l = Lamp::parse(&e.lamp).unwrap_or(Lamp::Gray);
        let note = e
            .badge
            .clone()
            .into_iter()
            .chain(e.reason.clone())
            .collect::<Vec<_>>()
            .join(": ");
        println!(
            "{} {:<20} {:<17} {:>6} {:>5} {:<7} {:<16} {:>7}  {}",
            lamp(l, color),
            one_line(&e.loop_name, 20),
            State::label_of(&e.state),
            format!("{}/{}", e.iteration, e.max_iterations),
            e.consecutive_failures,
            e.last_checks.clone().unwrap_or_else(|| "-".into()),
            e.last_category.as_deref().map_or("-", Category::label_of),
            elapsed(now - e.updated_at),
            one_line(&note, 160)
        );
    }
    EXIT_OK
}

//! `andon queue [--json]`, `andon queue add PLAN... [--priority N] [--after PLAN]`,
//! `andon queue rm ID|PLAN...`: the plans waiting for the line to admit them. A running
//! supervisor takes what is added (and starts it when the line has room); with none running
//! the plans wait in the store for `andon run --serve` or the board.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use andon::engine::supervisor::admission::{self, Ground, Submission};
use andon::engine::supervisor::control::{request, ControlError, Request};
use andon::engine::supervisor::launch::NotAdmitted;
use andon::engine::supervisor::lock::RepoLock;
use andon::store::queue::QueueRow;
use andon::store::Store;
use andon_core::queue::Wait;
use andon_core::sanitize::one_line;

use super::output::{clock, quiet_on_broken_pipe};
use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct QueueArgs {
    #[command(subcommand)]
    pub action: Option<QueueAction>,
    /// Print the queue as a JSON array.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum QueueAction {
    /// Queue plans: they start in priority order as the line has room ([line] max_running,
    /// max_awaiting_review) and their dependency has merged.
    Add {
        /// Plan files (plans/<slug>.md).
        #[arg(value_name = "PLAN", required = true)]
        plans: Vec<PathBuf>,
        /// Higher starts first (default 0; equal priorities start in queue order).
        #[arg(
            long,
            value_name = "N",
            default_value_t = 0,
            allow_negative_numbers = true
        )]
        priority: i64,
        /// Start only once this plan's loop has merged (its work is then in their base).
        #[arg(long, value_name = "PLAN")]
        after: Option<PathBuf>,
    },
    /// Turn the repository's open GitHub issues into plan drafts under plans/ (the issue's
    /// text, a link back, the template's defaults; no check: you add it). Imported issues are
    /// skipped.
    Import {
        /// From GitHub, through the `gh` CLI (logged in).
        #[arg(long, required = true)]
        gh: bool,
        /// Only issues with this label.
        #[arg(long, value_name = "LABEL")]
        label: Option<String>,
        /// Show the drafts; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove waiting (or failed) entries, by number or plan path.
    Rm {
        #[arg(value_name = "ID|PLAN", required = true)]
        entries: Vec<String>,
    },
}

pub fn run(args: QueueArgs) -> i32 {
    quiet_on_broken_pipe();
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    match args.action {
        None => list(&repo, args.json),
        Some(QueueAction::Add {
            plans,
            priority,
            after,
        }) => add(&repo, plans, priority, after),
        Some(QueueAction::Rm { entries }) => remove(&repo, &entries),
        Some(QueueAction::Import {
            gh: _,
            label,
            dry_run,
        }) => super::import::run(&repo, label.as_deref(), dry_run),
    }
}

fn add(repo: &repo::Repo, plans: Vec<PathBuf>, priority: i64, after: Option<PathBuf>) -> i32 {
    let cwd = std::env::current_dir().unwrap_or_default();
    let s = Submission {
        paths: plans.iter().map(|p| cwd.join(p)).collect(),
        priority,
        after: after.map(|a| cwd.join(a)),
        ..Submission::default()
    };
    let req = Request::Start {
        plans: s.paths.clone(),
        replace: false,
        agent: None,
        priority,
        after: s.after.clone(),
    };
    match request(&repo.dirs.socket(), &req) {
        Ok(reply) => match reply.into_result() {
            Ok(said) => {
                println!("{said}");
                EXIT_OK
            }
            Err(refused) => {
                eprintln!("andon: {refused}");
                EXIT_BAD_INPUT
            }
        },
        Err(ControlError::NotRunning(_)) => add_offline(repo, &s),
        Err(e) => {
            super::output::error(&e);
            EXIT_ERROR
        }
    }
}

/// No supervisor runs: the plans are checked and wait in the store (under the repo lock).
fn add_offline(repo: &repo::Repo, s: &Submission) -> i32 {
    let config = match repo::config(repo) {
        Ok(c) => c,
        Err(e) => return bad_input(&e),
    };
    let lock = andon::own_file::dir(repo.dirs.root())
        .map_err(|e| e.to_string())
        .and_then(|()| RepoLock::acquire(&repo.dirs.lock()).map_err(|e| e.to_string()));
    let _lock = match lock {
        Ok(l) => l,
        Err(e) => {
            super::output::error(&e);
            return EXIT_ERROR;
        }
    };
    let store = match Store::open(&repo.dirs.db()) {
        Ok(s) => s,
        Err(e) => {
            super::output::error(andon::error_chain::chain(&e));
            return EXIT_ERROR;
        }
    };
    let clock = andon::clock::Clock::system();
    let ground = offline(repo, &config, &store, &clock);
    match admission::submit(&ground, s) {
        Ok(ids) => {
            for (row, _) in admission::waits(&ground).unwrap_or_default() {
                if ids.contains(&row.id) {
                    println!("queued #{}: {}", row.id, row.plan_path);
                }
            }
            println!("no andon supervises this repo now: `andon run --serve` or the board starts what waits");
            EXIT_OK
        }
        Err(NotAdmitted::BadInput(e)) => bad_input(&e),
        Err(e) => {
            super::output::error(&e);
            EXIT_ERROR
        }
    }
}

fn remove(repo: &repo::Repo, entries: &[String]) -> i32 {
    let store = match open_store(repo) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rows = store.queue().unwrap_or_default();
    let root = repo.git.repo_root();
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut ids = Vec::new();
    for given in entries {
        let by_id = given.trim_start_matches('#').parse::<i64>().ok();
        let plan = admission::repo_path(&cwd.join(given), root);
        let found: Vec<i64> = rows
            .iter()
            .filter(|r| r.status != "started")
            .filter(|r| Some(r.id) == by_id || (by_id.is_none() && r.plan_path == plan))
            .map(|r| r.id)
            .collect();
        if found.is_empty() {
            eprintln!("andon: `{given}` is not waiting in the queue\n  fix: `andon queue` lists the entries and their numbers");
            return EXIT_BAD_INPUT;
        }
        ids.extend(found);
    }
    match store.dequeue(&ids) {
        Ok(n) => {
            println!("removed {n} queue entr{}", if n == 1 { "y" } else { "ies" });
            EXIT_OK
        }
        Err(e) => {
            super::output::error(andon::error_chain::chain(&e));
            EXIT_ERROR
        }
    }
}

fn open_store(repo: &repo::Repo) -> Result<Store, i32> {
    if !repo.dirs.db().exists() {
        eprintln!(
            "andon: nothing is queued in this repo\n  fix: `andon queue add plans/<slug>.md`"
        );
        return Err(EXIT_BAD_INPUT);
    }
    Store::open(&repo.dirs.db()).map_err(|e| {
        super::output::error(andon::error_chain::chain(&e));
        EXIT_ERROR
    })
}

/// One entry as `andon queue --json` prints it.
#[derive(Serialize)]
struct Listed<'a> {
    id: i64,
    kind: &'a str,
    plan: &'a str,
    priority: i64,
    after: Option<&'a str>,
    status: &'a str,
    /// Why it waits (a waiting entry), or why it failed.
    why: Option<String>,
    #[serde(rename = "loop")]
    loop_name: Option<&'a str>,
    added_at: i64,
}

fn list(repo: &repo::Repo, json: bool) -> i32 {
    let rows = if repo.dirs.db().exists() {
        match waits(repo) {
            Ok(rows) => rows,
            Err(code) => return code,
        }
    } else {
        Vec::new()
    };
    let listed: Vec<Listed<'_>> = rows
        .iter()
        .map(|(r, wait)| Listed {
            id: r.id,
            kind: &r.kind,
            plan: &r.plan_path,
            priority: r.priority,
            after: r.after.as_deref(),
            status: &r.status,
            why: match r.status.as_str() {
                "waiting" => Some(
                    wait.as_ref()
                        .map_or_else(|| "starts next".into(), Wait::describe),
                ),
                "failed" => r.reason.clone(),
                _ => None,
            },
            loop_name: r.loop_name.as_deref(),
            added_at: r.added_at,
        })
        .collect();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&listed).unwrap_or_else(|_| "[]".into())
        );
        return EXIT_OK;
    }
    if listed.is_empty() {
        println!("the queue is empty (`andon queue add plans/<slug>.md`)");
        return EXIT_OK;
    }
    println!(
        "{:<5} {:<8} {:<4} {:<32} {:<8} why / loop",
        "#", "queued", "prio", "plan", "status"
    );
    for l in &listed {
        let plan = match (l.kind, l.loop_name) {
            (admission::RESUME, Some(name)) => format!("resume {name}"),
            _ => l.plan.to_string(),
        };
        let tail = match l.status {
            "started" => l.loop_name.map(|n| format!("loop {n}")).unwrap_or_default(),
            _ => l.why.clone().unwrap_or_default(),
        };
        println!(
            "{:<5} {:<8} {:<4} {:<32} {:<8} {}",
            format!("#{}", l.id),
            clock(l.added_at),
            l.priority,
            one_line(&plan, 32),
            l.status,
            one_line(&tail, 120)
        );
    }
    EXIT_OK
}

/// The queue's ground with no supervisor running (so no line is stopped).
fn offline<'a>(
    repo: &'a repo::Repo,
    config: &'a andon::config::Config,
    store: &'a Store,
    clock: &'a andon::clock::Clock,
) -> Ground<'a> {
    Ground {
        git: &repo.git,
        config,
        store,
        clock,
        line_stopped: false,
        unhosted: Vec::new(),
    }
}

fn waits(repo: &repo::Repo) -> Result<Vec<(QueueRow, Option<Wait>)>, i32> {
    let config = repo::config(repo).map_err(|e| bad_input(&e))?;
    let store = Store::open_read_only(&repo.dirs.db()).map_err(|e| {
        super::output::error(andon::error_chain::chain(&e));
        EXIT_ERROR
    })?;
    let clock = andon::clock::Clock::system();
    let ground = offline(repo, &config, &store, &clock);
    admission::waits(&ground).map_err(|e| {
        super::output::error(&e);
        EXIT_ERROR
    })
}

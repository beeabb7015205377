//! `andon run [--headless] [--agent NAME] PLAN...`: validate the plans, create their loops,
//! resume interrupted ones, and supervise them — printing one line per event — until every loop
//! has ended or needs a human. Exit 0: all awaiting approval or approved; 3: some loop stopped
//! or needs a human; 2: bad input; 1: error.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use tokio::signal::unix::{signal, SignalKind};

use andon::core::event::Event;
use andon::core::state::{LoopState, State, StopCause};
use andon::engine::control;
use andon::engine::input_error::{chain, InputError};
use andon::engine::launch;
use andon::engine::lock::RepoLock;
use andon::engine::record::loop_row;
use andon::engine::restore::{load, recover_interrupted};
use andon::engine::shared::{Shared, Update};
use andon::engine::supervisor::Supervisor;
use andon::pty::reaper::Reaper;
use andon::store::{Step, Store};

use super::output::{clock, lamp, use_color};
use super::repo::{self, bad_input, EXIT_ERROR, EXIT_NEEDS_HUMAN, EXIT_OK};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Print one line per event instead of the board (the board comes with the full-screen UI).
    #[arg(long)]
    pub headless: bool,
    /// Use this agent profile for every plan, whatever the plans name.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// Plan files (plans/<slug>.md). With none, interrupted loops are resumed.
    #[arg(value_name = "PLAN")]
    pub plans: Vec<PathBuf>,
}

pub fn run(args: RunArgs) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("andon: cannot start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    rt.block_on(supervise(args))
}

async fn supervise(args: RunArgs) -> i32 {
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let mut config = match repo::config(&repo) {
        Ok(c) => c,
        Err(e) => return bad_input(&e),
    };
    if let Some(agent) = &args.agent {
        if !config.agents.contains_key(agent) {
            let known: Vec<&str> = config.agents.keys().map(String::as_str).collect();
            return bad_input(&InputError::new(
                None,
                format!("--agent {agent}: no such agent profile"),
                format!(
                    "use one of: {}, or add [agents.{agent}] to andon.toml",
                    known.join(", ")
                ),
            ));
        }
        config.default_agent = agent.clone();
    }
    let root = repo.git.repo_root().to_path_buf();
    let _log_guard = init_logging(&repo.dirs.log_file());
    if let Err(e) = std::fs::create_dir_all(repo.dirs.root()) {
        eprintln!("andon: cannot create {}: {e}", repo.dirs.root().display());
        return EXIT_ERROR;
    }
    let _ = repo.git.add_info_exclude(".andon/");
    let lock = match RepoLock::acquire(&repo.dirs.lock()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("andon: {e}");
            return EXIT_ERROR;
        }
    };
    let store = match Store::open(&repo.dirs.db()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("andon: {}", chain(&e));
            return EXIT_ERROR;
        }
    };
    if let Err(e) = recover_interrupted(&store, "the supervisor stopped before the iteration ended")
    {
        eprintln!("andon: {}", chain(&e));
        return EXIT_ERROR;
    }

    // Plans naming an interrupted loop resume it; with no plans, every interrupted loop resumes.
    let rows = store.loops().unwrap_or_default();
    let interrupted: Vec<_> = rows
        .iter()
        .filter(|r| {
            serde_json::from_str::<andon::engine::spec::Persisted>(&r.state_json)
                .is_ok_and(|p| is_interrupted(&p.state))
        })
        .collect();
    let mut resume = Vec::new();
    let mut fresh = Vec::new();
    for path in &args.plans {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        match interrupted.iter().find(|r| r.name == stem) {
            Some(row) => resume.push((*row).clone()),
            None => fresh.push(path.clone()),
        }
    }
    if args.plans.is_empty() {
        resume = interrupted.iter().map(|r| (*r).clone()).collect();
        if resume.is_empty() {
            return bad_input(&InputError::new(
                None,
                "nothing to run: no plan given and no interrupted loop to resume",
                "name a plan: andon run --headless plans/<slug>.md",
            ));
        }
    }
    let mut resumed = Vec::new();
    for row in &resume {
        match load(row, &config, &root) {
            Ok(loaded) => resumed.push(loaded),
            Err(e) => {
                return bad_input(&InputError::new(
                    None,
                    e,
                    "restore the plan file, or abort the loop",
                ))
            }
        }
    }
    let planned = match launch::validate(&repo.git, &config, &store, &fresh) {
        Ok(p) => p,
        Err(e) => return bad_input(&e),
    };
    let made = match launch::create(&repo.git, &config, planned) {
        Ok(m) => m,
        Err(e) => return bad_input(&e),
    };
    // Record the new loops before any agent starts, so a crash right now still finds them.
    for (spec, p) in &made {
        if let Err(e) = store.commit(&Step {
            upsert_loop: Some(loop_row(spec, p)),
            ..Step::default()
        }) {
            launch::undo(&repo.git, &store, &made);
            eprintln!("andon: {}", chain(&e));
            return EXIT_ERROR;
        }
    }

    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("andon"));
    let token = format!("{}-{}", std::process::id(), andon::engine::spec::now_ms());
    let reaper = match Reaper::start(&exe, &token) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("andon: warning: no reaper ({e}); agents may outlive a killed supervisor");
            None
        }
    };
    let shared = Arc::new(Shared::new(
        root.clone(),
        repo.git.clone(),
        store,
        config,
        exe,
        reaper,
        token,
        None,
    ));
    let sup = Supervisor::new(Arc::clone(&shared), lock);
    let mut updates = shared.updates.subscribe();
    let _server = match control::serve(&repo.dirs.socket(), Arc::clone(&sup)).await {
        Ok(h) => Some(h),
        Err(e) => {
            eprintln!(
                "andon: warning: no control socket at {} ({e})",
                repo.dirs.socket().display()
            );
            None
        }
    };

    let mut ours = BTreeSet::new();
    for (spec, p) in made {
        ours.insert(spec.name.clone());
        sup.add_loop(spec, p, Some(Event::Start));
    }
    for (spec, p) in resumed {
        ours.insert(spec.name.clone());
        sup.add_loop(spec, p, Some(Event::Restarted));
    }

    let color = use_color();
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        eprintln!("andon: cannot install signal handlers");
        return EXIT_ERROR;
    };
    let code = loop {
        tokio::select! {
            update = updates.recv() => match update {
                Ok(u) => {
                    print_update(&u, color);
                    if let Some(code) = settled(&shared, &ours) {
                        break code;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break EXIT_ERROR,
            },
            _ = term.recv() => break stop_on_signal(&sup, "SIGTERM").await,
            _ = int.recv() => break stop_on_signal(&sup, "SIGINT").await,
            _ = hup.recv() => break stop_on_signal(&sup, "SIGHUP").await,
        }
    };
    let _ = std::fs::remove_file(repo.dirs.socket());
    print_outcome(&shared, &ours, color);
    code
}

async fn stop_on_signal(sup: &Supervisor, name: &str) -> i32 {
    eprintln!("andon: {name}: ending every agent; interrupted iterations resume with `andon run`");
    sup.shutdown(&format!("supervisor received {name}")).await;
    EXIT_ERROR
}

fn is_interrupted(s: &LoopState) -> bool {
    s.state == State::Stopped
        && s.stop
            .as_ref()
            .is_some_and(|st| st.cause == StopCause::Interrupted)
}

/// Every loop of this run has ended or waits for a human: the exit code, else None.
fn settled(shared: &Shared, ours: &BTreeSet<String>) -> Option<i32> {
    let board = shared.board();
    let views: Vec<_> = board.iter().filter(|v| ours.contains(&v.name)).collect();
    if views.len() < ours.len() {
        return None;
    }
    if !views
        .iter()
        .all(|v| v.state.state.is_terminal() || v.state.needs_human())
    {
        return None;
    }
    let all_good = views.iter().all(|v| {
        matches!(
            v.state.state,
            State::AwaitingApproval | State::Approved | State::Merged
        )
    });
    Some(if all_good { EXIT_OK } else { EXIT_NEEDS_HUMAN })
}

fn print_update(u: &Update, color: bool) {
    let Some(message) = &u.message else { return };
    let s = &u.view.state;
    println!(
        "{}  {:<20} #{:<3} {} {:<17} {}",
        clock(u.view.updated_at),
        u.view.name,
        s.iteration,
        lamp(s.lamp, color),
        s.state.as_str(),
        message
    );
}

fn print_outcome(shared: &Shared, ours: &BTreeSet<String>, color: bool) {
    println!(
        "\n{:<20} {:<9} {:<17} {:>4}  reason",
        "loop", "lamp", "state", "iter"
    );
    for v in shared.board().iter().filter(|v| ours.contains(&v.name)) {
        let s = &v.state;
        println!(
            "{:<20} {} {:<17} {:>4}  {}",
            v.name,
            lamp(s.lamp, color),
            s.state.as_str(),
            s.iteration,
            s.stop_reason().unwrap_or("")
        );
    }
}

fn init_logging(path: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = tracing_appender::rolling::never(dir, path.file_name()?);
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("ANDON_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

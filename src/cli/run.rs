//! `andon run [--headless] [--serve] [--agent NAME] PLAN...`: validate the plans, create their
//! loops, host every unfinished loop of the repo (interrupted ones re-run their cut iteration),
//! and supervise them headless. Exit 0: all awaiting approval or approved; 3: some loop stopped
//! or needs a human; 2: bad input; 1: error.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::sync::broadcast;

use andon::config::Config;
use andon::engine::input_error::InputError;
use andon::engine::loop_task::restore::{load, recover_interrupted};
use andon::engine::spec::{LoopSpec, Persisted};
use andon::engine::supervisor::admission::Submission;
use andon::engine::supervisor::control;
use andon::engine::supervisor::launch;
use andon::engine::supervisor::lock::{LockError, RepoLock};
use andon::engine::supervisor::ptys::PtyRegistry;
use andon::engine::supervisor::shared::{OutputHook, Shared, Update};
use andon::engine::supervisor::Supervisor;
use andon::error_chain::chain;
use andon::or_log::OrLog;
use andon::pty::reaper::{fresh_token, Reaper};
use andon::store::Store;
use andon_core::event::Event;
use andon_core::state::{State, StopCause};

use super::headless;
use super::repo::{self, bad_input, EXIT_ERROR};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Print one line per event instead of showing the full-screen board.
    #[arg(long)]
    pub headless: bool,
    /// Keep supervising after every loop has ended or needs a human, so `andon resume`,
    /// `redirect`, `meta-andon` and `abort` can act on stopped loops; Ctrl-C ends it.
    #[arg(long)]
    pub serve: bool,
    /// Use this agent profile for every plan, whatever the plans name.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// For each plan whose loop already exists (a plan corrected after its loop started): abort
    /// that loop and start a new one from the plan as it is now, named `<slug>-2` (or the next
    /// free name).
    #[arg(long, requires = "plans")]
    pub replace: bool,
    /// The board's theme: default, light, high-contrast, solarized-dark, or themes/<NAME>.toml.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Plan files (plans/<slug>.md). Unfinished loops of the repo are hosted too.
    #[arg(value_name = "PLAN")]
    pub plans: Vec<PathBuf>,
}

pub fn run(args: RunArgs) -> i32 {
    if !args.headless {
        return super::board::run(args);
    }
    let Some(rt) = runtime() else {
        return EXIT_ERROR;
    };
    rt.block_on(async {
        let mut session = match start(&args, Hooks::default()).await {
            Ok(s) => s,
            Err(code) => return code,
        };
        // The receiver subscribed before the loops started holds their first events.
        let fresh = session.updates.resubscribe();
        let updates = std::mem::replace(&mut session.updates, fresh);
        let code = headless::watch(&session.sup, updates, &session.ours, args.serve).await;
        session.finish_calls().await;
        session.close();
        code
    })
}

/// The supervisor's async runtime (a message and None when it cannot start).
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("andon: cannot start the async runtime: {e}");
            None
        }
    }
}

/// How a front end (the headless printer or the board) plugs into the supervisor.
#[derive(Default)]
pub struct Hooks {
    pub output: Option<OutputHook>,
    pub ptys: PtyRegistry,
    /// The board's terminal sink: each call, for the board to write to its terminal.
    pub calls: Option<andon::engine::notify::TerminalCalls>,
}

/// What a run set going: the exit code speaks of it.
#[derive(Debug, Clone, Default)]
pub struct Ours {
    /// Loops started (or restarted) by this run.
    pub loops: BTreeSet<String>,
    /// Its plans' queue entries: those that wait start later, as loops of this run.
    pub entries: Vec<i64>,
}

/// A running supervisor with its loops, ready for a front end.
pub struct Session {
    pub sup: Arc<Supervisor>,
    /// What this run set going; the exit code speaks of it.
    pub ours: Ours,
    pub updates: broadcast::Receiver<Update>,
    servers: Vec<tokio::task::JoinHandle<()>>,
    sockets: Vec<PathBuf>,
    /// The `[notify] command` sink, when one is set.
    notifier: Option<andon::engine::notify::Notifier>,
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl Session {
    /// Delivers the calls still pending (waiting up to the sink's timeout).
    pub async fn finish_calls(&mut self) {
        if let Some(n) = self.notifier.take() {
            n.finish().await;
        }
    }

    /// Stop serving the control sockets and remove them.
    pub fn close(self) {
        for server in self.servers {
            server.abort();
        }
        for socket in &self.sockets {
            std::fs::remove_file(socket).or_log("a socket already removed");
        }
    }
}

/// Take the repo lock, waiting briefly: `andon status` holds it for a moment when it records
/// interrupted loops.
async fn lock(path: &std::path::Path) -> Result<RepoLock, LockError> {
    let mut tries = 0;
    loop {
        match RepoLock::acquire(path) {
            Err(LockError::Held { .. }) if tries < 40 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => return other,
        }
    }
}

/// Hands `plans` to the andon (`pid`) that supervises the repo, through its control socket;
/// returns the exit code after saying what it did.
pub fn hand_over(repo: &repo::Repo, args: &RunArgs, pid: &str) -> i32 {
    let cwd = std::env::current_dir().unwrap_or_default();
    let plans: Vec<PathBuf> = args.plans.iter().map(|p| cwd.join(p)).collect();
    let req = control::Request::Start {
        plans,
        replace: args.replace,
        agent: args.agent.clone(),
        priority: 0,
        after: None,
    };
    match control::request(&repo.dirs.socket(), &req).map(control::Reply::into_result) {
        Ok(Ok(message)) => {
            println!(
                "{message}\n(handed to the andon that supervises this repo, pid {pid}: its board or `andon` shows the loop)"
            );
            repo::EXIT_OK
        }
        Ok(Err(refused)) => {
            eprintln!("andon: {refused}");
            repo::EXIT_BAD_INPUT
        }
        Err(e) => {
            super::output::error(&e);
            EXIT_ERROR
        }
    }
}

/// Validate, create and host the loops; Err is the exit code after the message was printed.
pub async fn start(args: &RunArgs, mut hooks: Hooks) -> Result<Session, i32> {
    let (repo, config, for_plans) = open(args)?;
    let root = repo.git.repo_root().to_path_buf();
    prepare_andon_dir(&repo)?;
    let log_guard = headless::init_logging(&repo.dirs.log_file());
    if let Err(e) = repo.git.add_info_exclude(".andon/") {
        tracing::warn!("`.andon/` is not in .git/info/exclude: {e}");
    }
    let lock = match lock(&repo.dirs.lock()).await {
        Ok(l) => l,
        // Another andon supervises this repo: one place to work, so it takes the plans.
        Err(LockError::Held { pid }) if !args.plans.is_empty() => {
            return Err(hand_over(&repo, args, &pid))
        }
        Err(e) => {
            super::output::error(&e);
            return Err(EXIT_ERROR);
        }
    };
    let store = open_store(&repo)?;
    // Replacing: the loops the corrected plans replace end first (audited), so they are not
    // hosted below.
    if args.replace {
        retire_replaced(&repo, &config, &for_plans, &store, &args.plans)?;
    }
    let Unfinished { hosted, unhosted } = unfinished(&store, &config, &root, &args.plans)?;
    // A plan whose loop is hosted already goes on as that loop.
    let hosted_plans: BTreeSet<PathBuf> = hosted
        .iter()
        .map(|((spec, _), _)| spec.plan.path.clone())
        .collect();
    let fresh: Vec<PathBuf> = args
        .plans
        .iter()
        .filter(|p| !hosted_plans.contains(&launch::display_path(p, &root)))
        .cloned()
        .collect();
    // Bad input exits 2 before anything starts; the queue checks again as it admits them.
    launch::validate(&repo.git, &for_plans, &store, &fresh, args.replace)
        .map_err(|e| bad_input(&e))?;
    let waiting: Vec<i64> = store
        .queue()
        .map(|q| {
            q.iter()
                .filter(|r| r.status == "waiting")
                .map(|r| r.id)
                .collect()
        })
        .unwrap_or_default();
    if fresh.is_empty()
        && !hosted.iter().any(|(_, interrupted)| *interrupted)
        && !args.serve
        && waiting.is_empty()
    {
        return Err(bad_input(&InputError::new(
            None,
            "nothing to run: no plan given and no interrupted loop",
            "name a plan (andon run --headless plans/<slug>.md), or `andon run --serve` to act on stopped loops",
        )));
    }
    let terminal_calls = hooks.calls.take();
    let shared = Arc::new(shared(root, &repo, store, config, hooks));
    replay_last_output(&shared, &hosted);
    let sup = Supervisor::new(Arc::clone(&shared), lock);
    // Subscribed before any loop starts, so the first call is heard.
    let notifier = andon::engine::notify::Notifier::start(&shared, terminal_calls);
    for (name, plan, why) in &unhosted {
        sup.mark_unhosted(name, plan, why);
    }
    let updates = shared.updates().subscribe();
    // The agents' socket first: a sandbox shows it to its agent only when it exists.
    let mut servers: Vec<_> = serve(&repo.dirs.agent_socket(), &sup, control::Channel::Agent)
        .await
        .into_iter()
        .collect();
    let ours = set_going(&sup, args, fresh, hosted, waiting).await?;
    // Whatever waits in the queue starts as the line makes room.
    sup.start_admission();
    // The people's socket once every loop is hosted: a command that finds the socket finds
    // its loop too.
    servers.extend(serve(&repo.dirs.socket(), &sup, control::Channel::Human).await);
    Ok(Session {
        sup,
        ours,
        updates,
        servers,
        sockets: vec![repo.dirs.socket(), repo.dirs.agent_socket()],
        notifier,
        _log: log_guard,
    })
}

/// "Ours": the loops this run sets going, now or once the queue admits them; the exit code
/// speaks of them. The fresh plans go through the queue; the hosted loops are added once the
/// submission is accepted, so a refused one leaves no agent restarted.
async fn set_going(
    sup: &Arc<Supervisor>,
    args: &RunArgs,
    fresh: Vec<PathBuf>,
    hosted: Vec<Hosted>,
    waiting: Vec<i64>,
) -> Result<Ours, i32> {
    let mut ours = Ours::default();
    if !fresh.is_empty() {
        let submission = Submission {
            paths: fresh,
            agent: args.agent.clone(),
            replace: args.replace,
            ..Submission::default()
        };
        match sup.submit(submission).await {
            Ok(submitted) => {
                ours.loops.extend(submitted.started);
                ours.entries = submitted.ids;
            }
            Err(launch::NotAdmitted::BadInput(e)) => return Err(bad_input(&e)),
            Err(e @ launch::NotAdmitted::Store(_)) => {
                super::output::error(&e);
                return Err(EXIT_ERROR);
            }
        }
    }
    for ((spec, p), interrupted) in hosted {
        if interrupted {
            ours.loops.insert(spec.name.clone());
        }
        sup.add_loop(spec, p, interrupted.then_some(Event::Restarted));
    }
    // With no plan given, the plans already queued are this run's: it waits for them.
    if ours.entries.is_empty() {
        ours.entries = waiting;
    }
    Ok(ours)
}

/// The repo, its config, and the config the plans given here run with (`--agent`: for these
/// plans only; plans handed to this andon later name their own). Says the sandbox's fallback.
fn open(args: &RunArgs) -> Result<(repo::Repo, Config, Config), i32> {
    let repo = repo::open().map_err(|e| bad_input(&e))?;
    let config = repo::config(&repo).map_err(|e| bad_input(&e))?;
    let for_plans =
        launch::with_agent(&config, args.agent.as_deref()).map_err(|e| bad_input(&e))?;
    andon::engine::notify::check(&config.notify, repo.git.repo_root())
        .map_err(|e| bad_input(&e))?;
    if let Some(warning) = andon::engine::sandbox::startup_warning(
        &config,
        &andon::sandbox::landlock_status(),
        andon::sandbox::namespaces::status(),
    ) {
        eprintln!("andon: warning: {warning}");
    }
    Ok((repo, config, for_plans))
}

/// `.andon/` is the user's alone (0700), as an older andon may have left it open.
fn prepare_andon_dir(repo: &repo::Repo) -> Result<(), i32> {
    andon::own_file::dir(repo.dirs.root())
        .and_then(|()| andon::own_file::make_private(repo.dirs.root()))
        .map_err(|e| {
            eprintln!("andon: cannot create {}: {e}", repo.dirs.root().display());
            EXIT_ERROR
        })
}

/// The store, with the iterations a dead supervisor cut marked interrupted.
fn open_store(repo: &repo::Repo) -> Result<Store, i32> {
    let store = Store::open(&repo.dirs.db()).map_err(|e| {
        super::output::error(chain(&e));
        EXIT_ERROR
    })?;
    recover_interrupted(
        &store,
        "the supervisor stopped before the iteration ended",
        &andon::clock::Clock::system(),
    )
    .map_err(|e| {
        super::output::error(chain(&e));
        EXIT_ERROR
    })?;
    Ok(store)
}

/// Ends (audited) the loops that `plans` replace. A plan that cannot start replaces nothing:
/// every plan is validated before any loop ends.
fn retire_replaced(
    repo: &repo::Repo,
    config: &Config,
    for_plans: &Config,
    store: &Store,
    plans: &[PathBuf],
) -> Result<(), i32> {
    let root = repo.git.repo_root();
    launch::validate(&repo.git, for_plans, store, plans, true).map_err(|e| bad_input(&e))?;
    let actor = andon::engine::supervisor::shared::actor(config);
    for plan in plans {
        let reason = format!("replaced by a new loop from {}", plan.display());
        let retired = launch::replaced_by(store, root, plan).and_then(|names| {
            names
                .into_iter()
                .filter_map(|name| {
                    andon::engine::supervisor::offline::retire(
                        store,
                        &actor,
                        &name,
                        &reason,
                        &andon::clock::Clock::system(),
                    )
                    .map(|done| done.then_some(name))
                    .transpose()
                })
                .collect::<Result<Vec<_>, _>>()
        });
        match retired {
            Ok(names) => {
                for name in names {
                    eprintln!("andon: loop {name} aborted: {reason}");
                }
            }
            Err(e) => {
                super::output::error(&e);
                return Err(EXIT_ERROR);
            }
        }
    }
    Ok(())
}

/// A loop an earlier run left unfinished, loaded, and whether its iteration was cut.
type Hosted = ((LoopSpec, Persisted), bool);

/// The unfinished loops of the store: those this run hosts, and those it cannot (their plan
/// changed), with why.
struct Unfinished {
    hosted: Vec<Hosted>,
    unhosted: Vec<(String, String, String)>,
}

/// Every unfinished loop is hosted; interrupted ones re-run their cut iteration. A loop whose
/// plan changed is refused when the human named its plan (or it was cut and no plan was
/// named), and otherwise left unhosted with a warning. Plans are known by their path in the
/// repository, not their file name.
fn unfinished(
    store: &Store,
    config: &Config,
    root: &std::path::Path,
    plans: &[PathBuf],
) -> Result<Unfinished, i32> {
    let named: BTreeSet<PathBuf> = plans
        .iter()
        .map(|p| launch::display_path(p, root))
        .collect();
    let rows = store.loops().map_err(|e| {
        super::output::error(chain(&e));
        EXIT_ERROR
    })?;
    let mut found = Unfinished {
        hosted: Vec::new(),
        unhosted: Vec::new(),
    };
    for row in rows {
        let p = match serde_json::from_str::<Persisted>(&row.state_json) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(loop_name = %row.name, "its stored state cannot be read: {e}");
                continue;
            }
        };
        if p.state.state.is_terminal() {
            continue;
        }
        let interrupted = p.state.state == State::Stopped
            && p.state
                .stop
                .as_ref()
                .is_some_and(|s| s.cause == StopCause::Interrupted);
        match load(&row, config, root) {
            Ok(loaded) => found.hosted.push((loaded, interrupted)),
            Err(e)
                if named.contains(std::path::Path::new(&row.plan_path))
                    || (interrupted && plans.is_empty()) =>
            {
                return Err(bad_input(&InputError::new(
                    None,
                    e,
                    format!(
                        "restore the plan as it was, or `andon run --replace {}` to abort loop {} and start a new loop from the plan as it is",
                        row.plan_path, row.name
                    ),
                )));
            }
            Err(e) => {
                super::output::error(format!("warning: loop {} is not hosted: {e}", row.name));
                found
                    .unhosted
                    .push((row.name.clone(), row.plan_path.clone(), e));
            }
        }
    }
    Ok(found)
}

/// The supervisor's shared state, with a reaper that ends the agents if it is killed.
fn shared(root: PathBuf, repo: &repo::Repo, store: Store, config: Config, hooks: Hooks) -> Shared {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("andon"));
    let token = fresh_token();
    let reaper = match Reaper::start(&exe, &token) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("andon: warning: no reaper ({e}); agents may outlive a killed supervisor");
            None
        }
    };
    Shared::new(
        root,
        repo.git.clone(),
        store,
        config,
        exe,
        reaper,
        token,
        hooks.output,
        hooks.ptys,
    )
}

/// A board opening on loops an earlier run left shows what their panes last showed.
fn replay_last_output(shared: &Shared, hosted: &[Hosted]) {
    let Some(out) = shared.output() else {
        return;
    };
    for ((spec, p), _) in hosted {
        let last = andon::engine::loop_task::replay::last_output(
            shared.store(),
            shared.dirs(),
            &spec.name,
            p.state.iteration,
        );
        if !last.is_empty() {
            out(&spec.name, &last);
        }
    }
}

/// A control socket served by `sup` (none, with a warning, when it cannot be bound).
async fn serve(
    socket: &std::path::Path,
    sup: &Arc<Supervisor>,
    channel: control::Channel,
) -> Option<tokio::task::JoinHandle<()>> {
    match control::serve(socket, Arc::clone(sup), channel).await {
        Ok(h) => Some(h),
        Err(e) => {
            eprintln!(
                "andon: warning: no control socket at {} ({e})",
                socket.display()
            );
            None
        }
    }
}

//! Turning plan files into loops (`andon run PLAN...`): validate everything first — plans,
//! agents, branches, worktree paths, the base — then create worktrees; if any step fails,
//! undo what this batch created so nothing is half-made (bad input exits 2).

use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::engine::input_error::InputError;
use crate::engine::memory::skills;
use crate::engine::sandbox;
use crate::engine::spec::{plan_hash, LoopSpec, Persisted};
use crate::git::{worktree_path, GitOwner};
use crate::or_log::OrLog;
use crate::store::Store;
use andon_core::plan::{parse_plan, Plan, PlanError};
use andon_core::state::{LoopState, State};

/// A plan that passed validation, ready for a worktree.
pub struct Planned {
    pub spec: LoopSpec,
    pub text_path: PathBuf,
}

/// `config` with `agent` (`andon run --agent`) used for every plan, whatever the plans name.
pub fn with_agent(config: &Config, agent: Option<&str>) -> Result<Config, InputError> {
    let Some(agent) = agent else {
        return Ok(config.clone());
    };
    if !config.agents.contains_key(agent) {
        let known: Vec<&str> = config.agents.keys().map(String::as_str).collect();
        return Err(InputError::new(
            None,
            format!("--agent {agent}: no such agent profile"),
            format!(
                "use one of: {}, or add [agents.{agent}] to andon.toml",
                known.join(", ")
            ),
        ));
    }
    let mut config = config.clone();
    config.agent_override = Some(agent.to_string());
    Ok(config)
}

/// Read and validate `paths` into loop specs (no side effects). With `replace`, a plan whose
/// loop already exists gets a new loop under the next free name (`slug-2`, ...).
pub fn validate(
    git: &GitOwner,
    config: &Config,
    store: &Store,
    paths: &[PathBuf],
    replace: bool,
) -> Result<Vec<Planned>, InputError> {
    // Nothing to start: the base does not matter (a `--serve` run hosts loops that exist).
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    refuse_dirty_base(git)?;
    let base = git.head_commit().map_err(InputError::from_display)?;
    let mut out: Vec<Planned> = Vec::new();
    for path in paths {
        let planned = validate_one(git, config, store, path, &base, replace, &out)?;
        out.push(planned);
    }
    Ok(out)
}

/// The tracked files of the main worktree with uncommitted changes, andon's own memory files
/// left out (it commits them; one rule everywhere).
pub fn dirty_base(git: &GitOwner) -> Result<Vec<String>, InputError> {
    Ok(git
        .dirty_tracked_paths()
        .map_err(InputError::from_display)?
        .into_iter()
        .filter(|p| !crate::wiki::OWNED.iter().any(|owned| p.starts_with(owned)))
        .collect())
}

/// Loops start from HEAD: uncommitted changes to tracked files would not be in them.
pub fn refuse_dirty_base(git: &GitOwner) -> Result<(), InputError> {
    let dirty = dirty_base(git)?;
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = dirty.iter().take(5).map(String::as_str).collect();
    Err(InputError::new(
        None,
        format!(
            "the base has uncommitted changes ({}{}); loops start from HEAD and would not see them",
            shown.join(", "),
            if dirty.len() > 5 { ", …" } else { "" }
        ),
        "commit or stash them, then run again",
    ))
}

/// One plan into a loop spec, checked against the config, the store, git and the plans
/// validated before it (`earlier`).
fn validate_one(
    git: &GitOwner,
    config: &Config,
    store: &Store,
    path: &Path,
    base: &str,
    replace: bool,
    earlier: &[Planned],
) -> Result<Planned, InputError> {
    let repo_root = git.repo_root().to_path_buf();
    let shown = display_path(path, &repo_root);
    let text = read_plan(path, &shown)?;
    let plan = parse_plan(&shown, &text).map_err(plan_error)?;
    let name = loop_name(git, config, store, &plan, &shown, replace, earlier)?;
    let profile = config.profile_for(&plan).map_err(config_error)?.clone();
    if let Some(skill) = &plan.skill {
        if skills::find(&repo_root, skill).is_none() {
            return Err(InputError::new(
                Some((shown.clone(), key_line(&text, "skill"))),
                format!("unknown skill `{skill}`"),
                format!(
                    "write skills/{skill}.md, or use one of: {}",
                    skills::known(&repo_root).join(", ")
                ),
            ));
        }
    }
    check_agent_binary(&plan, &text, &profile, &repo_root, &shown)?;
    let reviewers = plan
        .reviewers
        .iter()
        .map(|name| reviewer_for(config, name, &profile, &text, &repo_root, &shown))
        .collect::<Result<Vec<_>, _>>()?;
    check_budgets(&plan, &profile, &text, &shown)?;
    // A plan may confine its loop more than the user config does, never less.
    if let Some(setting) = &plan.sandbox {
        config
            .floor
            .refuse_sandbox(setting, &profile.name)
            .map_err(config_error)?;
    }
    let sandbox = sandbox::require(
        config.sandbox_for(&plan, &profile),
        &crate::sandbox::landlock_status(),
        crate::sandbox::namespaces::status().is_ok(),
        &repo_root,
        config,
    )?;
    let (branch, worktree) = free_place(git, config, &name, &shown)?;
    let breakers = config.breakers_for(&plan);
    let mut protected = plan
        .protected
        .clone()
        .unwrap_or_else(|| config.guards.protected.clone());
    // The repository's standards add to whatever the plan protects and checks.
    for glob in config.standards.globs() {
        if !protected.iter().any(|p| p == glob) {
            protected.push(glob.to_string());
        }
    }
    let mut plan = plan;
    let standards: Vec<_> = config
        .standards
        .checks
        .iter()
        .filter(|c| !plan.checks.iter().any(|p| p.name == c.name))
        .cloned()
        .collect();
    plan.checks
        .extend(standards.iter().map(andon_core::standards::check_spec));
    let iteration_timeout = plan.iteration_timeout.unwrap_or(breakers.iteration_timeout);
    Ok(Planned {
        spec: LoopSpec {
            name,
            plan_hash: plan_hash(&text),
            profile,
            reviewers,
            protected,
            no_progress: breakers.no_progress,
            iteration_timeout,
            worktree,
            branch,
            base: base.to_string(),
            sandbox,
            plan,
            standards,
        },
        text_path: shown,
    })
}

/// The plan's text, which must be readable UTF-8.
fn read_plan(path: &Path, shown: &Path) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::new(
            Some((shown.to_path_buf(), None)),
            format!("cannot read the plan: {e}"),
            "check the path (plans live in plans/<slug>.md)",
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        InputError::new(
            Some((shown.to_path_buf(), None)),
            format!(
                "the plan is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            "save the plan as UTF-8 Markdown",
        )
    })
}

/// The loop's name: the plan's slug, or with `replace` the next free one when a loop of
/// that name exists; refused when it exists (plans are immutable once run) or another plan
/// given with it has the same name.
fn loop_name(
    git: &GitOwner,
    config: &Config,
    store: &Store,
    plan: &Plan,
    shown: &Path,
    replace: bool,
    earlier: &[Planned],
) -> Result<String, InputError> {
    let name = match store.get_loop(&plan.slug) {
        Ok(Some(_)) if replace => free_name(git, config, store, &plan.slug, earlier),
        Ok(Some(row)) => {
            return Err(InputError::new(
                Some((shown.to_path_buf(), None)),
                format!(
                    "a loop named `{}` already exists (state {}); plans are immutable once run",
                    plan.slug,
                    andon_core::state::State::label_of(&row.state)
                ),
                format!(
                    "`andon run --replace {}` aborts loop `{}` and starts a new loop from this plan; or copy the plan to a new file name",
                    shown.display(),
                    plan.slug
                ),
            ));
        }
        _ => plan.slug.clone(),
    };
    if let Some(dup) = earlier.iter().find(|p| p.spec.name == name) {
        return Err(InputError::new(
            Some((shown.to_path_buf(), None)),
            format!(
                "two plans share the loop name `{}` ({} and {})",
                plan.slug,
                dup.text_path.display(),
                shown.display()
            ),
            "give each plan its own file name",
        ));
    }
    Ok(name)
}

/// The loop's branch and worktree path, neither of which may exist yet.
fn free_place(
    git: &GitOwner,
    config: &Config,
    name: &str,
    shown: &Path,
) -> Result<(String, PathBuf), InputError> {
    let branch = format!("loop/{name}");
    if git
        .branch_exists(&branch)
        .map_err(InputError::from_display)?
    {
        return Err(InputError::new(
            Some((shown.to_path_buf(), None)),
            format!("branch `{branch}` already exists"),
            format!("delete it (`git branch -D {branch}`) or rename the plan file"),
        ));
    }
    let worktree = worktree_path(
        &config.worktrees.root,
        git.repo_root(),
        &git.repo_name(),
        name,
    );
    if worktree.exists() {
        return Err(InputError::new(
            Some((shown.to_path_buf(), None)),
            format!("worktree path {} already exists", worktree.display()),
            "remove it, or choose another [worktrees] root in andon.toml",
        ));
    }
    Ok((branch, worktree))
}

/// Create every planned loop's worktree and run the setup commands; all or nothing.
pub fn create(
    git: &GitOwner,
    config: &Config,
    planned: Vec<Planned>,
    clock: &Clock,
) -> Result<Vec<(LoopSpec, Persisted)>, InputError> {
    let mut made: Vec<(LoopSpec, Persisted)> = Vec::new();
    for p in planned {
        let spec = p.spec;
        let result = git
            .create_worktree(&spec.name, &spec.worktree, &spec.branch, &spec.base)
            .map_err(InputError::from_display)
            .and_then(|_| {
                crate::engine::supervisor::worktree_setup::run(config, git.repo_root(), &spec)
            });
        if let Err(e) = result {
            let dirs = crate::engine::paths::AndonDir::new(git.repo_root());
            git.remove_worktree(&spec.worktree, Some(&spec.branch), true)
                .or_log("undoing a loop that could not start: a worktree never made is fine");
            crate::engine::sandbox::forget(&dirs, &spec.name);
            for (done, _) in &made {
                git.remove_worktree(&done.worktree, Some(&done.branch), true)
                    .or_log("undoing the loops made before: a worktree already gone is fine");
                crate::engine::sandbox::forget(&dirs, &done.name);
            }
            return Err(e);
        }
        let breakers = config.breakers_for(&spec.plan);
        let limits = andon_core::state::Limits {
            consecutive_failures: breakers.consecutive_failures,
            repeat_fingerprint: breakers.repeat_fingerprint,
            max_iterations: breakers.max_iterations,
            out_of_scope_stop: breakers.out_of_scope_stop,
            budget_ms: spec.plan.budget.map(|b| b.as_millis() as u64),
            rate_limit_wait_ms: breakers.rate_limit_wait.as_millis() as u64,
            review: !spec.reviewers.is_empty(),
            token_budget: spec.plan.token_budget,
            cost_budget_micros: spec.plan.cost_budget_micros,
        };
        let persisted = Persisted {
            state: LoopState::new(limits),
            last_snapshot: spec.base.clone(),
            agent: spec.profile.name.clone(),
            protected: spec.protected.clone(),
            no_progress_ms: spec.no_progress.as_millis() as u64,
            iteration_timeout_ms: spec.iteration_timeout.as_millis() as u64,
            started_at: clock.now_ms(),
            marks: Vec::new(),
            worked_ms: 0,
            changed_at: 0,
            standards: spec.standards.clone(),
        };
        made.push((spec, persisted));
    }
    Ok(made)
}

/// The next free loop name after `slug` (`slug-2`, `slug-3`, ...): no loop, branch or
/// worktree has it, and no plan of this batch takes it.
fn free_name(
    git: &GitOwner,
    config: &Config,
    store: &Store,
    slug: &str,
    batch: &[Planned],
) -> String {
    let root = git.repo_root();
    let taken = |name: &str| {
        store.get_loop(name).ok().flatten().is_some()
            || git.branch_exists(&format!("loop/{name}")).unwrap_or(true)
            || worktree_path(&config.worktrees.root, root, &git.repo_name(), name).exists()
            || batch.iter().any(|p| p.spec.name == name)
    };
    // Bounded: a git that keeps failing (every name "taken") must not spin forever.
    (2..1000)
        .map(|n| format!("{slug}-{n}"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| format!("{slug}-{}", crate::clock::wall_nanos()))
}

/// The unfinished loops started from the plan at `path` (as given on the command line or by
/// the board), whatever their names: the loops a corrected plan replaces. A plan corrected
/// twice has its second loop (`slug-2`) replaced, not the first, long aborted.
pub fn replaced_by(store: &Store, repo_root: &Path, path: &Path) -> Result<Vec<String>, String> {
    let plan = display_path(path, repo_root);
    let loops = store.loops().map_err(|e| crate::error_chain::chain(&e))?;
    Ok(loops
        .into_iter()
        .filter(|row| Path::new(&row.plan_path) == plan)
        .filter(|row| !State::parse(&row.state).is_some_and(State::is_terminal))
        .map(|row| row.name)
        .collect())
}

/// A plan file the board offers to start, and the loop already made from it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChoice {
    /// Repo-relative, e.g. `plans/fix-pricing.md`.
    pub path: String,
    /// The state of the newest loop started from the plan, when there is one (starting the
    /// plan again replaces it).
    pub loop_state: Option<State>,
}

/// The repo's plans (`plans/*.md` but the template), in name order, with their loops' states.
pub fn plan_choices(repo_root: &Path, store: &Store) -> Vec<PlanChoice> {
    let mut paths: Vec<String> = std::fs::read_dir(repo_root.join("plans"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".md") && n != "TEMPLATE.md")
                .map(|n| format!("plans/{n}"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    let loops = store
        .loops()
        .or_log("the plan picker shows the plans without their loops' states")
        .unwrap_or_default();
    paths
        .into_iter()
        .map(|path| {
            // The newest loop started from this plan (`x-2` once `x` was replaced).
            let loop_state = loops
                .iter()
                .filter(|row| row.plan_path == path)
                .max_by_key(|row| (row.created_at, row.name.len()))
                .and_then(|row| State::parse(&row.state));
            PlanChoice { path, loop_state }
        })
        .collect()
}

/// The one way plans become loops: validate them, create their worktrees and record them in
/// the store before any agent starts (so a crash right now still finds them). Any failure
/// undoes what this batch made. Used by `andon run` and by a running supervisor that is handed
/// plans (another terminal's `andon run`, the board's plan picker).
pub fn admit(
    git: &GitOwner,
    config: &Config,
    store: &Store,
    paths: &[PathBuf],
    replace: bool,
    clock: &Clock,
) -> Result<Vec<(LoopSpec, Persisted)>, NotAdmitted> {
    let planned = validate(git, config, store, paths, replace).map_err(NotAdmitted::BadInput)?;
    let made = create(git, config, planned, clock).map_err(NotAdmitted::BadInput)?;
    for (spec, p) in &made {
        let recorded = store.commit(&crate::store::Step {
            upsert_loop: Some(crate::engine::loop_task::record::loop_row(
                spec,
                p,
                clock.now_ms(),
            )),
            ..crate::store::Step::default()
        });
        if let Err(e) = recorded {
            undo(git, store, &made);
            return Err(NotAdmitted::Store(crate::error_chain::chain(&e)));
        }
    }
    Ok(made)
}

/// Why plans did not become loops; nothing of them is left behind.
#[derive(Debug)]
pub enum NotAdmitted {
    /// A plan, the config or the repository is not fit to start (exit 2).
    BadInput(InputError),
    /// The store could not record the new loops (exit 1).
    Store(String),
}

impl std::fmt::Display for NotAdmitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAdmitted::BadInput(e) => write!(f, "{e}"),
            NotAdmitted::Store(e) => write!(f, "cannot record the new loops: {e}"),
        }
    }
}

pub fn undo(git: &GitOwner, store: &Store, made: &[(LoopSpec, Persisted)]) {
    let dirs = crate::engine::paths::AndonDir::new(git.repo_root());
    for (spec, _) in made {
        store
            .delete_loop(&spec.name)
            .or_log("undoing a loop that could not start: a row never written is fine");
        git.remove_worktree(&spec.worktree, Some(&spec.branch), true)
            .or_log("undoing a loop that could not start: a worktree never made is fine");
        crate::engine::sandbox::forget(&dirs, &spec.name);
    }
}

/// The agent's program must exist before any worktree is made.
fn check_agent_binary(
    plan: &Plan,
    text: &str,
    profile: &crate::config::AgentProfile,
    repo_root: &Path,
    shown: &Path,
) -> Result<(), InputError> {
    let command = &profile.command;
    let Some(program) = command.first() else {
        return Err(InputError::new(
            Some((shown.to_path_buf(), None)),
            "the agent profile has an empty command",
            "set [agents.NAME] command in andon.toml",
        ));
    };
    let line = plan.agent_line.or_else(|| key_line(text, "agent"));
    let agent = profile.name.clone();
    if program.contains("{andon}") || program_exists(program, repo_root) {
        // `sh agents/fixer.sh`: an interpreter's script must be there too (in the worktree,
        // which is made from the committed repository).
        if let Some(script) = missing_script(command, repo_root) {
            return Err(InputError::new(
                Some((shown.to_path_buf(), line)),
                format!("agent `{agent}` runs `{program} {script}`, but {script} is not in the repository"),
                format!("commit {script}, or fix [agents.{agent}] command in andon.toml"),
            ));
        }
        return Ok(());
    }
    Err(InputError::new(
        Some((shown.to_path_buf(), line)),
        format!("agent `{agent}` runs `{program}`, which is not installed (not on PATH)"),
        format!("install `{program}`, pick another agent profile, or set [agents.{agent}] command in andon.toml"),
    ))
}

/// The script an interpreter in `command` is given (`sh agents/x.sh`), when it is a path
/// relative to the repository that is not there.
fn missing_script<'a>(command: &'a [String], repo_root: &Path) -> Option<&'a str> {
    const INTERPRETERS: &[&str] = &[
        "sh", "bash", "zsh", "dash", "python", "python3", "node", "ruby", "perl", "deno", "bun",
    ];
    let program = Path::new(command.first()?).file_name()?.to_str()?;
    if !INTERPRETERS.contains(&program) {
        return None;
    }
    let script = command.get(1)?;
    let relative_path = script.contains('/')
        && !script.starts_with('/')
        && !script.starts_with('-')
        && !script.contains('{');
    (relative_path && !repo_root.join(script).exists()).then_some(script.as_str())
}

/// The plan's `reviewer`: a configured one-shot profile, installed, and not the maker — the
/// maker never grades its own work.
fn reviewer_for(
    config: &Config,
    name: &str,
    maker: &crate::config::AgentProfile,
    text: &str,
    repo_root: &Path,
    shown: &Path,
) -> Result<crate::config::AgentProfile, InputError> {
    let line = key_line(text, "reviewers").or_else(|| key_line(text, "reviewer"));
    let at = Some((shown.to_path_buf(), line));
    let Some(reviewer) = config.agents.get(name) else {
        let known: Vec<&str> = config.agents.keys().map(String::as_str).collect();
        return Err(InputError::new(
            at,
            format!("unknown reviewer profile `{name}`"),
            format!("use one of: {}", known.join(", ")),
        ));
    };
    if reviewer.name == maker.name || reviewer.command == maker.command {
        return Err(InputError::new(
            at,
            format!("the reviewer `{name}` is the agent that writes the code"),
            "the maker never grades its own work: name a different agent or model as reviewer",
        ));
    }
    if reviewer.mode == crate::config::AgentMode::Interactive {
        return Err(InputError::new(
            at,
            format!("the reviewer `{name}` is interactive"),
            format!("a reviewer runs once per review: set mode = \"oneshot\" below [agents.{name}], or pick another profile"),
        ));
    }
    let program = reviewer.command.first().map(String::as_str).unwrap_or("");
    if !program.contains("{andon}") && !program_exists(program, repo_root) {
        return Err(InputError::new(
            at,
            format!("the reviewer `{name}` runs `{program}`, which is not installed (not on PATH)"),
            format!("install `{program}`, or pick another reviewer"),
        ));
    }
    Ok(reviewer.clone())
}

/// A token or cost budget only means something for an agent that reports what it used:
/// among the built-ins, Claude Code one-shot (tokens and cost, JSON output) and Codex
/// one-shot (tokens). A custom agent may print the same reports, so it is taken at its word.
fn check_budgets(
    plan: &Plan,
    profile: &crate::config::AgentProfile,
    text: &str,
    shown: &Path,
) -> Result<(), InputError> {
    use crate::config::{AgentMode, Family};
    let oneshot = profile.mode == AgentMode::Oneshot;
    let family = profile.family();
    let custom = family.is_none();
    let reports_tokens =
        custom || (oneshot && matches!(family, Some(Family::Claude | Family::Codex)));
    let reports_cost = custom || (oneshot && family == Some(Family::Claude));
    let refused = if plan.token_budget.is_some() && !reports_tokens {
        Some(("token_budget", "tokens"))
    } else if plan.cost_budget_micros.is_some() && !reports_cost {
        Some(("cost_budget", "its cost"))
    } else {
        None
    };
    match refused {
        None => Ok(()),
        Some((key, what)) => Err(InputError::new(
            Some((shown.to_path_buf(), key_line(text, key))),
            format!(
                "`{key}` can never be reached: agent `{}` does not report {what}",
                profile.name
            ),
            "remove it, or use an agent that reports its usage (claude reports tokens and cost, \
             codex tokens; both one-shot)",
        )),
    }
}

fn program_exists(program: &str, repo_root: &Path) -> bool {
    crate::engine::iteration::env::find_program(program, repo_root).is_some()
}

/// The 1-based line of `key = ...` in the front matter, if present.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// How the repository names the plan at `path` (as given on a command line, relative to the
/// working directory, or absolute): `plans/x.md`. The store keeps this path for each loop.
pub fn display_path(path: &Path, repo_root: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    // `..` and symlinked directories resolved: one plan has one path however it is named
    // (the file itself may be a link; its own name is kept).
    let real = match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(file)) => std::fs::canonicalize(dir)
            .map(|dir| dir.join(file))
            .unwrap_or_else(|_| abs.clone()),
        _ => abs.clone(),
    };
    let root = std::fs::canonicalize(repo_root).unwrap_or_else(|_| repo_root.to_path_buf());
    real.strip_prefix(&root)
        .map(Path::to_path_buf)
        .unwrap_or(abs)
}

fn plan_error(e: PlanError) -> InputError {
    InputError::new(
        Some((e.file.clone(), Some(e.line))),
        e.message.clone(),
        e.fix.clone(),
    )
}

fn config_error(e: ConfigError) -> InputError {
    InputError::new(
        Some((e.file.clone(), Some(e.line))),
        e.message.clone(),
        e.fix.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{loop_row, temp_store};
    use crate::store::Step;

    fn record(store: &Store, name: &str, plan: &str, state: &str, at: i64) {
        let mut row = loop_row(name, at);
        row.plan_path = plan.into();
        row.state = state.into();
        store
            .commit(&Step {
                upsert_loop: Some(row),
                ..Step::default()
            })
            .unwrap();
    }

    /// A plan corrected twice: its loops are `price` (aborted), then `price-2` (stopped); a
    /// plan elsewhere named the same started `price-3`.
    #[test]
    fn a_plans_loops_are_found_by_its_path_not_its_name() {
        let (dir, _, store) = temp_store();
        let root = dir.path();
        std::fs::create_dir_all(root.join("plans")).unwrap();
        std::fs::write(root.join("plans/price.md"), "").unwrap();
        record(&store, "price", "plans/price.md", "aborted", 1);
        record(&store, "price-2", "plans/price.md", "stopped", 2);
        record(&store, "price-3", "other/price.md", "awaiting_approval", 3);
        assert_eq!(
            replaced_by(&store, root, &root.join("plans/price.md")).unwrap(),
            vec!["price-2".to_string()]
        );
        assert_eq!(
            replaced_by(&store, root, &root.join("other/price.md")).unwrap(),
            vec!["price-3".to_string()]
        );
        // However the path is written: through `..`, or a link to the plans directory.
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::os::unix::fs::symlink(root.join("plans"), root.join("linked")).unwrap();
        for named in ["src/../plans/price.md", "linked/price.md"] {
            assert_eq!(
                replaced_by(&store, root, &root.join(named)).unwrap(),
                vec!["price-2".to_string()],
                "{named}"
            );
        }
        assert_eq!(
            plan_choices(root, &store),
            vec![PlanChoice {
                path: "plans/price.md".into(),
                loop_state: Some(State::Stopped),
            }]
        );
    }
}

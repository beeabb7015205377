//! The line's one admission point: every loop start — `andon run`, plans handed to a running
//! supervisor, `andon queue add`, a resumed loop — is a queue entry in the store, and
//! [`drain`] starts what `andon_core::queue::schedule` allows. Blocking work (git, the store);
//! the supervisor runs it off the async threads, one drain at a time.

use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::config::Config;
use crate::engine::input_error::InputError;
use crate::engine::spec::{LoopSpec, Persisted};
use crate::engine::supervisor::launch::{self, NotAdmitted};
use crate::git::GitOwner;
use crate::or_log::OrLog;
use crate::store::queue::{NewEntry, QueueRow};
use crate::store::Store;
use andon_core::event::HumanAction;
use andon_core::queue::{cycle, schedule, Entry, Limits, LoopFact, Schedule, Wait, Work};
use andon_core::state::State;

pub const PLAN: &str = "plan";
pub const RESUME: &str = "resume";

/// How plans are handed to the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Submission {
    pub paths: Vec<PathBuf>,
    /// Higher starts first.
    pub priority: i64,
    /// The plan whose loop must merge before these start.
    pub after: Option<PathBuf>,
    /// `andon run --agent`: this profile for these plans.
    pub agent: Option<String>,
    /// `andon run --replace`: the loops these plans replace were retired already.
    pub replace: bool,
}

/// What one drain did.
#[derive(Default)]
pub struct Drained {
    /// New loops, made and recorded, for the supervisor to host; each with its entry.
    pub started: Vec<(i64, LoopSpec, Persisted)>,
    /// Resumes the line has room for now: (entry, loop, the human's action).
    pub resumes: Vec<(i64, String, HumanAction)>,
    /// Entries that could not start, and why (they stay listed as failed).
    pub failed: Vec<(i64, String)>,
}

/// What the admission works with.
pub struct Ground<'a> {
    pub git: &'a GitOwner,
    pub config: &'a Config,
    pub store: &'a Store,
    pub clock: &'a Clock,
    pub line_stopped: bool,
    /// Loops no supervisor will rerun (their plan changed): they hold no place.
    pub unhosted: Vec<String>,
}

/// Validates `s` (the plans, their dependency) and queues it; returns the entries' ids.
/// Bad input queues nothing.
pub fn submit(g: &Ground<'_>, s: &Submission) -> Result<Vec<i64>, NotAdmitted> {
    let config = launch::with_agent(g.config, s.agent.as_deref()).map_err(NotAdmitted::BadInput)?;
    launch::validate(g.git, &config, g.store, &s.paths, s.replace)
        .map_err(NotAdmitted::BadInput)?;
    let root = g.git.repo_root();
    let plans: Vec<String> = s.paths.iter().map(|p| repo_path(p, root)).collect();
    let after = s.after.as_ref().map(|a| repo_path(a, root));
    let rows = g.store.queue().map_err(store_error)?;
    for plan in &plans {
        let queued = rows
            .iter()
            .find(|r| r.status == "waiting" && r.kind == PLAN && &r.plan_path == plan);
        if let Some(row) = queued {
            return Err(NotAdmitted::BadInput(InputError::new(
                Some((PathBuf::from(plan), None)),
                format!("{plan} is queued already (#{})", row.id),
                format!("`andon queue rm {}` first to queue it again", row.id),
            )));
        }
    }
    if let Some(after) = &after {
        check_after(g.store, &rows, &plans, after).map_err(NotAdmitted::BadInput)?;
    }
    let entries: Vec<NewEntry> = plans
        .iter()
        .map(|plan| NewEntry {
            kind: PLAN.into(),
            plan_path: plan.clone(),
            priority: s.priority,
            after: after.clone(),
            agent: s.agent.clone(),
            replaces: s.replace,
            ..NewEntry::default()
        })
        .collect();
    g.store
        .enqueue(&entries, g.clock.now_ms())
        .map_err(store_error)
}

/// Queues `resume` (a human's resume) of stopped loop `name`.
pub fn submit_resume(
    g: &Ground<'_>,
    name: &str,
    plan: &str,
    resume: &HumanAction,
) -> Result<i64, String> {
    let entry = NewEntry {
        kind: RESUME.into(),
        plan_path: plan.to_string(),
        loop_name: Some(name.to_string()),
        action: Some(serde_json::to_string(resume).map_err(|e| e.to_string())?),
        ..NewEntry::default()
    };
    g.store
        .enqueue(&[entry], g.clock.now_ms())
        .map_err(|e| crate::error_chain::chain(&e))?
        .first()
        .copied()
        .ok_or_else(|| "the resume was not queued".to_string())
}

/// A dependency names a plan the line knows — queued, given with it, or run before — and
/// closes no cycle.
fn check_after(
    store: &Store,
    rows: &[QueueRow],
    plans: &[String],
    after: &str,
) -> Result<(), InputError> {
    let known = plans.iter().any(|p| p == after)
        || rows
            .iter()
            .any(|r| r.status == "waiting" && r.kind == PLAN && r.plan_path == after)
        || store
            .loops()
            .map(|l| l.iter().any(|row| row.plan_path == after))
            .unwrap_or(false);
    if !known {
        return Err(InputError::new(
            None,
            format!("--after {after}: no such plan in the queue or among the repo's loops"),
            format!("queue it first (`andon queue add {after}`), or check the path"),
        ));
    }
    let mut edges: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.status == "waiting")
        .filter_map(|r| r.after.clone().map(|a| (r.plan_path.clone(), a)))
        .collect();
    edges.extend(plans.iter().map(|p| (p.clone(), after.to_string())));
    if let Some(found) = cycle(&edges) {
        return Err(InputError::new(
            None,
            format!("a dependency cycle: {}", found.join(" → ")),
            "each plan may come only after plans that do not wait for it; `andon queue rm` one entry of the cycle",
        ));
    }
    Ok(())
}

/// Starts what the schedule allows. Entries of `submitted` start together or not at all (the
/// `andon run` that queued them hears the error, and they leave the queue); any other entry
/// that cannot start is marked failed with why.
pub fn drain(g: &Ground<'_>, submitted: &[i64]) -> Result<Drained, NotAdmitted> {
    let rows: Vec<QueueRow> = g.store.queue().map_err(store_error)?;
    let loops = g.store.loops().map_err(store_error)?;
    let waiting: Vec<&QueueRow> = rows.iter().filter(|r| r.status == "waiting").collect();
    let plan = plan_of(g, &waiting, &loops);
    let mut out = Drained::default();
    let startable: Vec<&QueueRow> = plan
        .start
        .iter()
        .filter_map(|id| waiting.iter().find(|r| r.id == *id).copied())
        .collect();
    // The submission first: its plans start together, or it fails and leaves the queue
    // (bad input queues nothing: `andon run` exits 2 with nothing left behind).
    let batch: Vec<&QueueRow> = startable
        .iter()
        .filter(|r| r.kind == PLAN && submitted.contains(&r.id))
        .copied()
        .collect();
    if !batch.is_empty() {
        match admit(g, &batch) {
            Ok(mut made) => out.started.append(&mut made),
            Err(e) => {
                g.store
                    .dequeue(submitted)
                    .or_log("the refused plans stay queued as waiting");
                return Err(e);
            }
        }
    }
    for row in startable {
        if row.kind == RESUME {
            let name = row.loop_name.clone().unwrap_or_default();
            let action = row
                .action
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or(HumanAction::Resume {
                    fix_plan: None,
                    note: None,
                });
            out.resumes.push((row.id, name, action));
        } else if !submitted.contains(&row.id) {
            match admit(g, &[row]) {
                Ok(mut made) => out.started.append(&mut made),
                Err(e) => {
                    let why = e.to_string();
                    // Marked failed, it leaves the line; unmarked, it stays waiting (and
                    // is not drained again at once: it would only fail again).
                    if g.store
                        .mark_failed(row.id, &why)
                        .or_log("a queue entry that failed stays waiting")
                        .is_some()
                    {
                        out.failed.push((row.id, why));
                    } else {
                        tracing::warn!(entry = row.id, "a queued plan could not start: {why}");
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The schedule for the waiting entries, with started-but-unmarked entries (a supervisor
/// killed between recording a loop and marking its entry) marked now.
fn plan_of(g: &Ground<'_>, waiting: &[&QueueRow], loops: &[crate::store::LoopRow]) -> Schedule {
    let facts = facts(loops, &g.unhosted);
    let mut entries = Vec::new();
    for row in waiting {
        if row.kind == PLAN {
            let started = loops
                .iter()
                .find(|l| l.plan_path == row.plan_path && l.created_at >= row.added_at);
            if let Some(l) = started {
                g.store
                    .mark_started(row.id, &l.name, l.created_at)
                    .or_log("an entry already started is marked on the next drain");
                continue;
            }
        }
        entries.push(entry(row));
    }
    let mut plan = schedule(&entries, &facts, limits(g.config), g.line_stopped);
    hold_new_loops(g, &entries, &mut plan);
    plan
}

/// Makes the loops of `rows` (their worktrees, their records), all or none, and marks the
/// entries started.
fn admit(
    g: &Ground<'_>,
    rows: &[&QueueRow],
) -> Result<Vec<(i64, LoopSpec, Persisted)>, NotAdmitted> {
    let root = g.git.repo_root();
    let agent = rows.iter().find_map(|r| r.agent.clone());
    let mut config =
        launch::with_agent(g.config, agent.as_deref()).map_err(NotAdmitted::BadInput)?;
    // Standards adopted since the supervisor started reach the loops it starts now.
    config.standards = crate::engine::memory::standards::current(root, &config);
    let paths: Vec<PathBuf> = rows.iter().map(|r| root.join(&r.plan_path)).collect();
    let replace = rows.iter().any(|r| r.replaces);
    let made = launch::admit(g.git, &config, g.store, &paths, replace, g.clock)?;
    let now = g.clock.now_ms();
    Ok(rows
        .iter()
        .zip(made)
        .map(|(row, (spec, p))| {
            g.store
                .mark_started(row.id, &spec.name, now)
                .or_log("the entry is marked started on the next drain");
            (row.id, spec, p)
        })
        .collect())
}

/// Each queue entry with why it waits (`None`: not waiting, or it starts on the next drain).
pub fn waits(g: &Ground<'_>) -> Result<Waits, String> {
    Ok(look(g)?.0)
}

/// The queue at a glance (the board's status bar).
pub fn glance(g: &Ground<'_>) -> Result<andon_core::queue::Glance, String> {
    Ok(look(g)?.1)
}

/// Uncommitted changes in the main worktree hold new loops back (they start from HEAD) until
/// the human commits or stashes them: the entries wait, saying why, rather than fail. Git is
/// asked only when a new loop could start; a `git status` that fails holds them too, in its
/// words.
fn hold_new_loops(g: &Ground<'_>, entries: &[Entry], plan: &mut Schedule) {
    let starts_plan = plan
        .start
        .iter()
        .any(|id| entries.iter().any(|e| e.id == *id && e.work == Work::Plan));
    if !starts_plan {
        return;
    }
    let dirty = launch::dirty_base(g.git)
        .unwrap_or_else(|e| vec![format!("git status failed: {}", e.message)]);
    andon_core::queue::hold_for_dirty_base(entries, plan, &dirty);
}

/// Each entry with why it waits.
pub type Waits = Vec<(QueueRow, Option<Wait>)>;

fn look(g: &Ground<'_>) -> Result<(Waits, andon_core::queue::Glance), String> {
    let chain = |e| crate::error_chain::chain(&e);
    let rows = g.store.queue().map_err(chain)?;
    let loops = g.store.loops().map_err(chain)?;
    let waiting: Vec<&QueueRow> = rows.iter().filter(|r| r.status == "waiting").collect();
    let entries: Vec<Entry> = waiting.iter().map(|r| entry(r)).collect();
    let mut plan = schedule(
        &entries,
        &facts(&loops, &g.unhosted),
        limits(g.config),
        g.line_stopped,
    );
    hold_new_loops(g, &entries, &mut plan);
    let glance = andon_core::queue::glance(&entries, &plan);
    let rows = rows
        .iter()
        .map(|r| {
            let wait = plan
                .waiting
                .iter()
                .find(|(id, _)| *id == r.id)
                .map(|(_, w)| w.clone());
            (r.clone(), wait)
        })
        .collect();
    Ok((rows, glance))
}

fn entry(row: &QueueRow) -> Entry {
    Entry {
        id: row.id,
        work: match (&row.kind[..], &row.loop_name) {
            (RESUME, Some(name)) => Work::Resume {
                loop_name: name.clone(),
            },
            _ => Work::Plan,
        },
        plan: row.plan_path.clone(),
        priority: row.priority,
        after: row.after.clone(),
    }
}

fn facts(loops: &[crate::store::LoopRow], unhosted: &[String]) -> Vec<LoopFact> {
    loops
        .iter()
        .filter_map(|l| {
            let stop = serde_json::from_str::<Persisted>(&l.state_json)
                .ok()
                .and_then(|p| p.state.stop);
            Some(LoopFact {
                name: l.name.clone(),
                plan: l.plan_path.clone(),
                state: State::parse(&l.state)?,
                created_at: l.created_at,
                interrupted: !unhosted.contains(&l.name)
                    && stop.is_some_and(|s| {
                        s.cause == andon_core::state::StopCause::Interrupted && !s.human_hold
                    }),
            })
        })
        .collect()
}

pub fn limits(config: &Config) -> Limits {
    Limits {
        max_running: config.line.max_running,
        max_awaiting_review: config.line.max_awaiting_review,
    }
}

/// A plan's path as the queue keeps it: relative to the repository.
pub fn repo_path(path: &Path, root: &Path) -> String {
    launch::display_path(path, root)
        .to_string_lossy()
        .into_owned()
}

fn store_error(e: crate::store::StoreError) -> NotAdmitted {
    NotAdmitted::Store(crate::error_chain::chain(&e))
}

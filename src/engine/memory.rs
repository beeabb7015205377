//! The engine's side of the repo's memory: gathers what the store and git know and has
//! `wiki` write it — a Five Whys file at a Meta-Andon or a line stop, a 90_LOG page when a
//! loop ends. Blocking (git and files): called through `spawn_blocking`.

use std::path::{Path, PathBuf};

use crate::core::diff::DiffStat;
use crate::core::state::{LoopState, Mode};
use crate::engine::input_error::chain;
use crate::engine::shared::Shared;
use crate::engine::spec::{now_ms, LoopSpec};
use crate::git::DiffLimits;
use crate::wiki::date::ymd;
use crate::wiki::pages::{
    five_whys, five_whys_name, loop_page, loop_page_name, FiveWhysFacts, LoopLog,
};
use crate::wiki::Wiki;

/// A path as the repo sees it: relative to its root when inside it.
fn rel(root: &Path, path: &str) -> String {
    Path::new(path)
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

fn stat(shared: &Shared, old: &str, new: &str) -> Option<DiffStat> {
    if old == new {
        return None;
    }
    shared
        .git
        .diff_commits(old, new, DiffLimits::default())
        .ok()
        .map(|d| d.stat())
}

/// Writes the Five Whys file for the loop's latest incident (prefilled with its evidence and
/// classification) and returns its path. `iteration` names the file: the plan-mode iteration
/// at a Meta-Andon, the stopped iteration at a line stop.
pub fn write_five_whys(
    shared: &Shared,
    spec: &LoopSpec,
    state: &LoopState,
    snapshot: &str,
    iteration: u32,
    trigger: &str,
    fix_plan: Option<&Path>,
) -> Result<PathBuf, String> {
    let root = &shared.repo_root;
    // The state's feedback is the newest failure even before its incident is committed; the
    // store's latest incident covers stops without one (guards).
    let failed = if state.mode == Mode::Plan {
        iteration.saturating_sub(1)
    } else {
        iteration
    };
    let (category, confidence, fingerprint, summary, output_tail, checks) = match &state.feedback {
        Some(f) => (
            f.category.to_string(),
            f64::from(f.confidence),
            f.fingerprint.clone(),
            f.summary.clone(),
            f.output_tail.clone(),
            f.checks.clone(),
        ),
        None => {
            let incidents = shared
                .store
                .incidents(Some(&spec.name))
                .map_err(|e| chain(&e))?;
            match incidents.last() {
                Some(i) => (
                    i.category.clone(),
                    i.confidence,
                    i.fingerprint.clone(),
                    i.summary.clone(),
                    String::new(),
                    Vec::new(),
                ),
                None => (
                    "unknown".into(),
                    0.0,
                    String::new(),
                    state.stop_reason().unwrap_or("").to_string(),
                    String::new(),
                    Vec::new(),
                ),
            }
        }
    };
    let mut logs: Vec<String> = checks
        .iter()
        .flat_map(|check| {
            ["check", "goal"].map(|kind| shared.dirs.check_log(&spec.name, failed, kind, check))
        })
        .filter(|p| p.exists())
        .map(|p| rel(root, &p.to_string_lossy()))
        .collect();
    let agent_log = shared.dirs.agent_log(&spec.name, failed);
    if agent_log.exists() {
        logs.push(rel(root, &agent_log.to_string_lossy()));
    }
    let date = ymd(now_ms());
    let fix_plan = fix_plan.map(|p| rel(root, &p.to_string_lossy()));
    let text = five_whys(&FiveWhysFacts {
        date: &date,
        loop_name: &spec.name,
        plan_path: &spec.plan.path.to_string_lossy(),
        iteration,
        trigger,
        category: &category,
        confidence,
        fingerprint: &fingerprint,
        summary: &summary,
        logs: &logs,
        stat: stat(shared, &spec.base, snapshot),
        output_tail: &output_tail,
        fix_plan_path: fix_plan.as_deref(),
    });
    Wiki::new(root)
        .write_five_whys(&five_whys_name(&date, &spec.name, iteration), &text)
        .map_err(|e| format!("cannot write the Five Whys file: {e}"))
}

/// Writes the loop's 90_LOG page, its line in log.md and its entry in index.md. Call it
/// before a merged branch is deleted: the page's diffstat comes from the branch.
pub fn write_loop_log(
    shared: &Shared,
    spec: &LoopSpec,
    state: &LoopState,
    detail: Option<&str>,
) -> Result<PathBuf, String> {
    let store = &shared.store;
    let iterations = store.iterations(&spec.name).map_err(|e| chain(&e))?;
    let incidents = store.incidents(Some(&spec.name)).map_err(|e| chain(&e))?;
    let actions: Vec<_> = store
        .audit()
        .map_err(|e| chain(&e))?
        .into_iter()
        .filter(|a| a.loop_name.as_deref() == Some(spec.name.as_str()))
        .collect();
    let diff = shared.git.branch_tip(&spec.branch).ok().and_then(|tip| {
        shared
            .git
            .diff_commits(&spec.base, &tip, DiffLimits::default())
            .ok()
    });
    let date = ymd(now_ms());
    let outcome = state.state.to_string();
    let text = loop_page(&LoopLog {
        date: &date,
        loop_name: &spec.name,
        title: &spec.plan.title,
        goal: &spec.plan.goal,
        plan_path: &spec.plan.path.to_string_lossy(),
        branch: &spec.branch,
        outcome: &outcome,
        detail,
        iterations: &iterations,
        incidents: &incidents,
        actions: &actions,
        files: diff.as_ref().map(|d| d.files.as_slice()),
        stat: diff.as_ref().map(|d| d.stat()),
    });
    let title = crate::core::sanitize::one_line(&spec.plan.title, 80);
    Wiki::new(&shared.repo_root)
        .write_loop_page(
            &loop_page_name(&date, &spec.name),
            &text,
            &format!("{date} {}: {title}", spec.name),
            &format!("{date} — loop {} {outcome}: {title}", spec.name),
        )
        .map_err(|e| format!("cannot write the 90_LOG page: {e}"))
}

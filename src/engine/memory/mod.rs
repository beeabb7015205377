//! The engine's side of the repo's memory: gathers what the store and git know and has
//! `wiki` write it — a Five Whys file at a Meta-Andon or a line stop, a 90_LOG page when a
//! loop ends. Blocking (git and files): called through `spawn_blocking`.

pub mod seen_before;
pub mod skills;
pub mod standards;

use std::path::{Path, PathBuf};

use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;
use crate::error_chain::chain;
use crate::git::DiffLimits;
use crate::or_log::OrLog;
use crate::wiki::date::local_ymd as ymd;
use crate::wiki::pages::{
    five_whys, five_whys_name, loop_page, loop_page_name, FiveWhysFacts, LoopLog,
};
use crate::wiki::Wiki;
use andon_core::diff::DiffStat;
use andon_core::prompt::PastFailure;
use andon_core::state::LoopState;

/// The failed iterations since the loop last passed, oldest first (one per iteration: a
/// re-run keeps the latest), from the store and the incidents not yet committed.
pub fn failure_streak(
    store: &crate::store::Store,
    loop_name: &str,
    marks: &[crate::engine::spec::Mark],
    pending: &[crate::store::IncidentRow],
) -> Vec<PastFailure> {
    let last_pass = marks
        .iter()
        .filter(|m| m.status == "passed")
        .map(|m| m.iteration)
        .max()
        .unwrap_or(0);
    let mut by_iteration = std::collections::BTreeMap::new();
    let stored = store
        .incidents(Some(loop_name))
        .or_log("the Five Whys evidence lists only the incidents not yet stored")
        .unwrap_or_default();
    for inc in stored.iter().chain(pending) {
        if inc.iteration > last_pass {
            by_iteration.insert(
                inc.iteration,
                PastFailure {
                    iteration: inc.iteration,
                    category: inc.category.clone(),
                    fingerprint: inc.fingerprint.clone(),
                    summary: inc.summary.clone(),
                },
            );
        }
    }
    // The newest few tell the pattern; a prompt must not grow with a loop's whole history.
    let all: Vec<PastFailure> = by_iteration.into_values().collect();
    all[all.len().saturating_sub(STREAK_KEPT)..].to_vec()
}

/// Failures a plan-mode prompt and a Five Whys file list at most.
const STREAK_KEPT: usize = 12;

/// A loop's Five Whys files under `wiki/90_LOG/incidents/`, oldest first (by name: dated).
fn five_whys_files(root: &Path, loop_name: &str) -> Vec<String> {
    let Ok(pattern) = regex::Regex::new(&format!(
        r"^\d{{4}}-\d\d-\d\d-{}-\d+(-[a-z_]+)?\.md$",
        regex::escape(loop_name)
    )) else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(root.join("wiki/90_LOG/incidents"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| pattern.is_match(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A path as the repo sees it: relative to its root when inside it.
pub fn repo_relative(root: &Path, path: &str) -> String {
    Path::new(path)
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// What a human reads before accepting a Meta-Andon fix plan: the plan that plan-mode
/// iteration `n` wrote, and its Five Whys file (repo-relative, `<date>-<loop>-<n>.md` exactly:
/// `-bar-foo-4.md` is another loop's). Blocking.
pub fn fix_plan_review(
    dirs: &crate::engine::paths::AndonDir,
    root: &Path,
    loop_name: &str,
    n: u32,
) -> Result<(String, Option<String>), String> {
    let plan_path = dirs.fix_plan(loop_name, n);
    let text = crate::own_file::read_to_string(&plan_path).map_err(|e| {
        format!(
            "the plan-mode iteration wrote no fix plan ({}: {e}); redirect with a note instead",
            plan_path.display()
        )
    })?;
    let suffix = format!("-{n}.md");
    let whys = five_whys_files(root, loop_name)
        .into_iter()
        .filter(|f| f.ends_with(&suffix) && f.len() == 11 + loop_name.len() + suffix.len())
        .max()
        .map(|f| format!("wiki/90_LOG/incidents/{f}"));
    Ok((text, whys))
}

fn stat(shared: &Shared, old: &str, new: &str) -> Option<DiffStat> {
    if old == new {
        return None;
    }
    shared
        .git()
        .diff_commits(old, new, DiffLimits::default())
        .ok()
        .map(|d| d.stat())
}

/// Which Five Whys file: a Meta-Andon's (asking for a fix plan) or a line stop's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhysFor {
    /// `iteration` is the plan-mode iteration; the failure was the one before.
    MetaAndon,
    /// `iteration` is the stopped iteration.
    LineStop(andon_core::state::StopCause),
}

/// Writes the Five Whys file for the loop's latest failure (prefilled with its evidence, its
/// classification and the failures since the loop last passed).
#[allow(clippy::too_many_arguments)]
pub fn write_five_whys(
    shared: &Shared,
    spec: &LoopSpec,
    state: &LoopState,
    snapshot: &str,
    iteration: u32,
    kind: WhysFor,
    streak: &[PastFailure],
) -> Result<Written, String> {
    let root = &shared.repo_root();
    let failed = match kind {
        WhysFor::MetaAndon => iteration.saturating_sub(1),
        WhysFor::LineStop(_) => iteration,
    };
    let trigger = match kind {
        WhysFor::MetaAndon if state.consecutive_failures >= state.limits.consecutive_failures => {
            format!(
                "Meta-Andon after {} consecutive failed iterations",
                state.consecutive_failures
            )
        }
        WhysFor::MetaAndon => "Meta-Andon pulled by a human".to_string(),
        WhysFor::LineStop(cause) => format!(
            "line stop ({}): {}",
            cause.label(),
            state.stop_reason().unwrap_or("stopped")
        ),
    };
    // The state's feedback is the newest failure even before its incident is committed; the
    // streak's last entry covers stops without one.
    let latest = streak.last();
    let (category, confidence, fingerprint, summary, output_tail) = match (&state.feedback, latest)
    {
        (Some(f), _) => (
            f.category.to_string(),
            f64::from(f.confidence),
            f.fingerprint.clone(),
            f.summary.clone(),
            f.output_tail.clone(),
        ),
        (None, Some(p)) => (
            p.category.clone(),
            0.0,
            p.fingerprint.clone(),
            p.summary.clone(),
            String::new(),
        ),
        (None, None) => (
            "unknown".into(),
            0.0,
            String::new(),
            state.stop_reason().unwrap_or("").to_string(),
            String::new(),
        ),
    };
    let mut iterations: Vec<u32> = streak.iter().map(|p| p.iteration).collect();
    if !iterations.contains(&failed) {
        iterations.push(failed);
    }
    let mut logs = Vec::new();
    for n in iterations {
        logs.extend(iteration_logs(shared, &spec.name, n));
    }
    let date = ymd(shared.clock().now_ms());
    let fix_plan = (kind == WhysFor::MetaAndon).then(|| {
        repo_relative(
            root,
            &shared
                .dirs()
                .fix_plan(&spec.name, iteration)
                .to_string_lossy(),
        )
    });
    let text = five_whys(&FiveWhysFacts {
        date: &date,
        loop_name: &spec.name,
        plan_path: &spec.plan.path.to_string_lossy(),
        iteration,
        trigger: &trigger,
        category: &category,
        confidence,
        fingerprint: &fingerprint,
        summary: &summary,
        logs: &logs,
        stat: stat(shared, &spec.base, snapshot),
        output_tail: &output_tail,
        fix_plan_path: fix_plan.as_deref(),
        failed,
        streak,
    });
    let cause = match kind {
        WhysFor::MetaAndon => None,
        WhysFor::LineStop(cause) => Some(cause.as_str()),
    };
    let path = Wiki::new(root)
        .write_five_whys(
            &five_whys_name(&date, &spec.name, iteration, cause),
            &shared.redactor().redact(&text),
        )
        .map_err(|e| format!("cannot write the Five Whys file: {e}"))?;
    Ok(Written::new(root, path.clone(), vec![path]))
}

/// An iteration's check logs and agent log that exist, repo-relative.
fn iteration_logs(shared: &Shared, loop_name: &str, n: u32) -> Vec<String> {
    let root = &shared.repo_root();
    let dir = shared.dirs().iter_dir(loop_name, n);
    let mut logs: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|f| f.to_string_lossy().starts_with("check-"))
                })
                .map(|p| repo_relative(root, &p.to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    let agent_log = shared.dirs().agent_log(loop_name, n);
    if agent_log.exists() {
        logs.push(repo_relative(root, &agent_log.to_string_lossy()));
    }
    logs
}

/// Writes the loop's 90_LOG page, its line in log.md and its entry in index.md. Call it
/// before a merged branch is deleted: the page's diffstat comes from the branch.
pub fn write_loop_log(
    shared: &Shared,
    spec: &LoopSpec,
    state: &LoopState,
    detail: Option<&str>,
) -> Result<Written, String> {
    let store = &shared.store();
    let iterations = store.iterations(&spec.name).map_err(|e| chain(&e))?;
    let incidents = store.incidents(Some(&spec.name)).map_err(|e| chain(&e))?;
    let actions: Vec<_> = store
        .audit()
        .map_err(|e| chain(&e))?
        .into_iter()
        .filter(|a| a.loop_name.as_deref() == Some(spec.name.as_str()))
        .collect();
    let diff = shared.git().branch_tip(&spec.branch).ok().and_then(|tip| {
        shared
            .git()
            .diff_commits(&spec.base, &tip, DiffLimits::default())
            .ok()
    });
    let date = ymd(shared.clock().now_ms());
    let outcome = state.state.to_string();
    let five_whys = five_whys_files(shared.repo_root(), &spec.name);
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
        five_whys: &five_whys,
    });
    let title = andon_core::sanitize::one_line(&spec.plan.title, 80);
    let wiki = Wiki::new(shared.repo_root());
    let page = wiki
        .write_loop_page(
            &loop_page_name(&date, &spec.name),
            &shared.redactor().redact(&text),
            &format!("{date} {}: {title}", spec.name),
            &format!("{date} — loop {} {outcome}: {title}", spec.name),
        )
        .map_err(|e| format!("cannot write the 90_LOG page: {e}"))?;
    let mut files = vec![page.clone()];
    files.extend(wiki.bookkeeping());
    Ok(Written::new(shared.repo_root(), page, files))
}

/// Files andon wrote into the main worktree: the one a human is pointed to, and every one
/// of them (repo-relative) for the commit that records them.
#[derive(Debug, Clone)]
pub struct Written {
    pub main: PathBuf,
    pub files: Vec<String>,
}

impl Written {
    fn new(root: &Path, main: PathBuf, files: Vec<PathBuf>) -> Written {
        let files = files
            .iter()
            .map(|f| repo_relative(root, &f.to_string_lossy()))
            .collect();
        Written { main, files }
    }
}

/// Commits andon's own files in the main worktree (only those paths; never the user's other
/// changes) with an `andon:` subject, so its memory never blocks the next run. A refusal
/// (a hook, signing) is logged and left for the human: the dirty-base check tolerates
/// andon's own files either way.
pub fn commit(shared: &Shared, written: &Written, subject: &str) -> Result<Option<String>, String> {
    let message = format!(
        "andon: {subject}\n\nandon's record of its loops (wiki/90_LOG), committed by andon.\n"
    );
    shared
        .git()
        .commit_memory(&written.files, &message)
        .map_err(|e| chain(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::paths::AndonDir;

    #[test]
    fn the_fix_plan_review_finds_its_own_loops_five_whys_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let dirs = AndonDir::new(root);
        let incidents = root.join("wiki/90_LOG/incidents");
        std::fs::create_dir_all(&incidents).unwrap();
        for name in [
            "2026-11-22-bar-foo-4.md",      // another loop's
            "2026-11-22-foo-14.md",         // another iteration's
            "2026-11-22-foo-4-insanity.md", // a line stop's, not the Meta-Andon's
            "2026-11-22-foo-4.md",
        ] {
            std::fs::write(incidents.join(name), "x").unwrap();
        }
        assert!(
            fix_plan_review(&dirs, root, "foo", 4).is_err(),
            "no plan written yet"
        );
        let plan = dirs.fix_plan("foo", 4);
        std::fs::create_dir_all(plan.parent().unwrap()).unwrap();
        std::fs::write(&plan, "## Fix plan\n").unwrap();
        let (text, whys) = fix_plan_review(&dirs, root, "foo", 4).unwrap();
        assert_eq!(text, "## Fix plan\n");
        assert_eq!(
            whys.as_deref(),
            Some("wiki/90_LOG/incidents/2026-11-22-foo-4.md")
        );
        assert_eq!(
            repo_relative(root, &root.join("wiki/x.md").to_string_lossy()),
            "wiki/x.md"
        );
    }
}

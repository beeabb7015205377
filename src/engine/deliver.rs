//! Carrying out an approval's outcome: merge or squash the loop branch into the main
//! worktree's branch, keep the branch, or write the PR body — and the cleanup of a loop's
//! worktree afterwards. Blocking (git and files); the loop task and `andon approve` call it
//! off the async threads.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::core::diff::Diff;
use crate::core::event::Outcome;
use crate::core::pr_body::{pr_body, pr_title, PrCheck, PrFacts, PrIncident, PrIteration};
use crate::core::state::LoopState;
use crate::engine::env::find_program;
use crate::engine::input_error::chain;
use crate::engine::paths::AndonDir;
use crate::engine::spec::LoopSpec;
use crate::git::{CleanupCheck, DiffLimits, GitOwner, MergeStyle, Merged};
use crate::store::Store;

/// Where a loop lives and what it was for: what a delivery needs to know.
#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub branch: String,
    pub worktree: PathBuf,
    /// The base commit the loop started from.
    pub base: String,
    pub plan_path: String,
    pub title: String,
    pub goal: String,
}

impl Place {
    /// From the store's row (the plan's title and goal are not needed to merge or clean up).
    pub fn of_row(row: &crate::store::LoopRow) -> Place {
        Place {
            name: row.name.clone(),
            branch: row.branch.clone(),
            worktree: PathBuf::from(&row.worktree),
            base: row.base.clone(),
            plan_path: row.plan_path.clone(),
            title: String::new(),
            goal: String::new(),
        }
    }

    pub fn of(spec: &LoopSpec) -> Place {
        Place {
            name: spec.name.clone(),
            branch: spec.branch.clone(),
            worktree: spec.worktree.clone(),
            base: spec.base.clone(),
            plan_path: spec.plan.path.to_string_lossy().into_owned(),
            title: spec.plan.title.clone(),
            goal: spec.plan.goal.clone(),
        }
    }
}

/// What a delivery did, for the event log and the human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub message: String,
    /// Set after a merge or squash: the worktree can be cleaned up.
    pub merged: Option<Merged>,
}

fn style(outcome: Outcome) -> Option<MergeStyle> {
    match outcome {
        Outcome::Merge => Some(MergeStyle::Merge),
        Outcome::Squash => Some(MergeStyle::Squash),
        Outcome::Branch | Outcome::Pr => None,
    }
}

/// Checks, changing nothing, that the outcome can be carried out (a merge that would be
/// refused is refused before the approval is recorded).
pub fn check(git: &GitOwner, place: &Place, outcome: Outcome) -> Result<(), String> {
    match style(outcome) {
        Some(style) => git
            .check_merge(&place.branch, style, crate::wiki::OWNED)
            .map_err(|e| chain(&e)),
        None => Ok(()),
    }
}

/// Carries the outcome out. `state` is the loop's state before approval (its notes and
/// iteration count feed the commit message and PR body).
pub fn deliver(
    git: &GitOwner,
    store: &Store,
    dirs: &AndonDir,
    place: &Place,
    state: &LoopState,
    outcome: Outcome,
    anyway: Option<&str>,
) -> Result<Delivered, String> {
    match outcome {
        Outcome::Branch => Ok(Delivered {
            message: format!("branch {} kept for you to push", place.branch),
            merged: None,
        }),
        Outcome::Pr => {
            let path = write_pr(git, store, dirs, place, state, anyway)?;
            let mut message = format!("PR body written to {}", path.display());
            if let Some(cmd) = gh_command(&place.branch, &path) {
                message.push_str(&format!("; to open it: {}", shell_words(&cmd)));
            }
            Ok(Delivered {
                message,
                merged: None,
            })
        }
        Outcome::Merge | Outcome::Squash => {
            let style = style(outcome).unwrap_or(MergeStyle::Merge);
            let target = git
                .merge_target()
                .map_err(|e| chain(&e))?
                .unwrap_or_else(|| "HEAD".into());
            let message = commit_message(place, state, style);
            let merged = git
                .merge_into_base(&place.branch, style, &message, crate::wiki::OWNED)
                .map_err(|e| chain(&e))?;
            Ok(Delivered {
                message: merged.describe(&place.branch, &target),
                merged: Some(merged),
            })
        }
    }
}

fn commit_message(place: &Place, state: &LoopState, style: MergeStyle) -> String {
    let n = state.iteration;
    let s = if n == 1 { "" } else { "s" };
    match style {
        MergeStyle::Merge => format!(
            "Merge {}: {}\n\n{}\n\nandon loop {} ({n} iteration{s}).\n",
            place.branch,
            place.title,
            place.goal.trim(),
            place.name
        ),
        MergeStyle::Squash => format!(
            "{}\n\n{}\n\nSquashed from {} by andon ({n} iteration{s}).\n",
            place.title,
            place.goal.trim(),
            place.branch
        ),
    }
}

/// Writes `.andon/loops/<loop>/PR.md` from the store's record and the branch's diff.
pub fn write_pr(
    git: &GitOwner,
    store: &Store,
    dirs: &AndonDir,
    place: &Place,
    state: &LoopState,
    anyway: Option<&str>,
) -> Result<PathBuf, String> {
    let tip = git.branch_tip(&place.branch).map_err(|e| chain(&e))?;
    let diff: Diff = git
        .diff_commits(&place.base, &tip, DiffLimits::default())
        .map_err(|e| chain(&e))?;
    let iterations: Vec<PrIteration> = store
        .iterations(&place.name)
        .map_err(|e| chain(&e))?
        .into_iter()
        .map(|it| PrIteration {
            n: it.n,
            mode: it.mode,
            status: it.status,
            checks: it.checks_passed.zip(it.checks_total),
            category: it.category,
        })
        .collect();
    let last = iterations.iter().rev().find(|it| it.checks.is_some());
    let checks: Vec<PrCheck> = match last {
        Some(it) => store
            .check_runs(&place.name, Some(it.n))
            .map_err(|e| chain(&e))?
            .into_iter()
            .map(|run| PrCheck {
                name: run.name,
                command: run.command,
                passed: run.passed,
            })
            .collect(),
        None => Vec::new(),
    };
    let incidents: Vec<PrIncident> = store
        .incidents(Some(&place.name))
        .map_err(|e| chain(&e))?
        .into_iter()
        .map(|inc| PrIncident {
            iteration: inc.iteration,
            category: inc.category,
            summary: inc.summary,
        })
        .collect();
    let facts = PrFacts {
        loop_name: &place.name,
        title: &place.title,
        goal: &place.goal,
        branch: &place.branch,
        plan_path: &place.plan_path,
        files: &diff.files,
        stat: diff.stat(),
        iterations: &iterations,
        checks: &checks,
        incidents: &incidents,
        notes: &state.notes,
        anyway,
    };
    let path = dirs.loop_dir(&place.name).join("PR.md");
    let text = format!("# {}\n\n{}", pr_title(&facts), pr_body(&facts));
    write_atomic(&path, &text)?;
    Ok(path)
}

fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// `gh pr create …` for a loop branch and its PR body (whose first line is `# title`), when
/// `gh` is on PATH.
pub fn gh_command(branch: &str, pr_path: &Path) -> Option<Vec<String>> {
    find_program("gh", Path::new("."))?;
    let text = std::fs::read_to_string(pr_path).ok()?;
    let title = text.lines().next()?.trim_start_matches("# ").to_string();
    Some(vec![
        "gh".into(),
        "pr".into(),
        "create".into(),
        "--head".into(),
        branch.to_string(),
        "--title".into(),
        title,
        "--body-file".into(),
        pr_path.to_string_lossy().into_owned(),
    ])
}

/// Pushes the branch to the repository's remote (`origin` when there is one), then runs
/// `gh pr create`; its output (the PR's address) or the step that failed.
pub fn open_pr(
    git: &GitOwner,
    repo_root: &Path,
    branch: &str,
    cmd: &[String],
) -> Result<String, String> {
    let remote = git
        .push_remote()
        .map_err(|e| chain(&e))?
        .ok_or("the repository has no remote to open a pull request against\n  fix: `git remote add origin URL`")?;
    run(
        repo_root,
        &[
            "git".into(),
            "push".into(),
            "--set-upstream".into(),
            remote,
            branch.to_string(),
        ],
    )?;
    run(repo_root, cmd)
}

/// Runs a command in the repository with no input; its output, or its error output.
fn run(repo_root: &Path, cmd: &[String]) -> Result<String, String> {
    let (program, args) = cmd.split_first().ok_or("empty command")?;
    let out = Command::new(program)
        .args(args)
        .current_dir(repo_root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    if out.status.success() {
        Ok(text(&out.stdout))
    } else {
        Err(format!(
            "{} failed: {}",
            shell_words(cmd),
            text(&out.stderr)
        ))
    }
}

/// Whether `gh` is installed and the repository has a remote: the review screen offers
/// `gh pr create` only then.
pub fn gh_available(git: &GitOwner) -> bool {
    find_program("gh", Path::new(".")).is_some() && git.push_remote().ok().flatten().is_some()
}

fn shell_words(cmd: &[String]) -> String {
    cmd.iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a cleanup would do, and why it must not (without force).
pub struct CleanupPlan {
    pub check: CleanupCheck,
    pub delete_branch: bool,
}

impl CleanupPlan {
    pub fn of(git: &GitOwner, place: &Place, delete_branch: bool) -> Result<CleanupPlan, String> {
        let check = git
            .check_cleanup(&place.worktree, &place.branch)
            .map_err(|e| chain(&e))?;
        Ok(CleanupPlan {
            check,
            delete_branch,
        })
    }

    /// Nothing is left to remove.
    pub fn is_noop(&self) -> bool {
        let removes_branch = self.delete_branch && self.check.branch_exists;
        !self.check.worktree_exists && !removes_branch
    }

    /// Why removing would lose work, if it would.
    pub fn refusal(&self, place: &Place) -> Option<String> {
        let mut why = Vec::new();
        if !self.check.unsaved.is_empty() {
            let shown: Vec<&str> = self
                .check
                .unsaved
                .iter()
                .take(10)
                .map(String::as_str)
                .collect();
            let more = self.check.unsaved.len().saturating_sub(shown.len());
            why.push(format!(
                "worktree {} has unsaved work: {}{}",
                place.worktree.display(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        if self.delete_branch && self.check.branch_unmerged {
            why.push(format!(
                "branch {} has commits the main worktree's branch does not contain",
                place.branch
            ));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}

/// Removes a loop's worktree (and its branch when the plan says so). Refused when that would
/// lose work — changes no snapshot holds, commits the base lacks — unless `force`.
pub fn cleanup(
    git: &GitOwner,
    place: &Place,
    plan: &CleanupPlan,
    force: bool,
) -> Result<String, String> {
    if plan.is_noop() {
        return Ok(format!(
            "nothing to clean up: worktree {} is already gone{}",
            place.worktree.display(),
            if plan.check.branch_exists {
                format!("; branch {} kept", place.branch)
            } else {
                String::new()
            }
        ));
    }
    if let Some(why) = plan.refusal(place).filter(|_| !force) {
        return Err(why);
    }
    let branch = (plan.delete_branch && plan.check.branch_exists).then_some(place.branch.as_str());
    git.remove_worktree(&place.worktree, branch, force)
        .map_err(|e| chain(&e))?;
    let worktree = if plan.check.worktree_exists {
        format!("worktree {} removed", place.worktree.display())
    } else {
        format!("worktree {} was already gone", place.worktree.display())
    };
    Ok(match branch {
        Some(b) => format!("{worktree}; branch {b} deleted"),
        None if plan.check.branch_exists => format!("{worktree}; branch {} kept", place.branch),
        None => worktree,
    })
}

//! The pull request an approval can prepare: `.andon/loops/<loop>/PR.md` written from the
//! store's record and the branch's diff, and — when the human asks and `gh` and a remote
//! exist — the branch pushed and `gh pr create` run with it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::engine::delivery::deliver::Delivery;
use crate::engine::delivery::deliver::Place;
use crate::engine::forge::bounded::{self, Ran};
use crate::engine::iteration::env::find_program;
use crate::error_chain::chain;
use crate::git::{DiffLimits, GitOwner};
use andon_core::diff::Diff;
use andon_core::pr_body::{pr_body, pr_title, PrCheck, PrFacts, PrIncident, PrIteration};
use andon_core::state::LoopState;

/// Writes `.andon/loops/<loop>/PR.md` from the store's record and the branch's diff.
pub fn write_pr(
    git: &GitOwner,
    d: &Delivery<'_>,
    place: &Place,
    state: &LoopState,
    anyway: Option<&str>,
) -> Result<PathBuf, String> {
    let tip = git.branch_tip(&place.branch).map_err(|e| chain(&e))?;
    let diff: Diff = git
        .diff_commits(&place.base, &tip, DiffLimits::default())
        .map_err(|e| chain(&e))?;
    let store = d.store;
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
    let path = d.dirs.loop_dir(&place.name).join("PR.md");
    let text = format!("# {}\n\n{}", pr_title(&facts), pr_body(&facts));
    let text = d.redactor.redact(&text);
    crate::own_file::write_atomic(&path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
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

/// Pushes a followed PR's branch (a fast-forward: the fix is committed on top of it).
pub fn push_branch(git: &GitOwner, repo_root: &Path, branch: &str) -> Result<String, String> {
    let remote = git
        .push_remote()
        .map_err(|e| chain(&e))?
        .ok_or("the repository has no remote to push the PR's branch to")?;
    run(
        repo_root,
        &["git".into(), "push".into(), remote, branch.to_string()],
    )
}

/// The PR's address in `gh pr create`'s output (its last line).
pub fn pr_url(output: &str) -> Option<String> {
    output
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with("https://") || l.starts_with("http://"))
        .map(str::to_string)
}

/// How long a push or `gh pr create` may take before it is ended.
const FORGE_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs a command in the repository with no input, for at most [`FORGE_TIMEOUT`]; its
/// output, or its error output.
fn run(repo_root: &Path, cmd: &[String]) -> Result<String, String> {
    let (program, args) = cmd.split_first().ok_or("empty command")?;
    let mut command = Command::new(program);
    command.args(args).current_dir(repo_root);
    let out = match bounded::run(command, FORGE_TIMEOUT) {
        Ok(Ran::Done(out)) => out,
        Ok(Ran::TimedOut) => {
            return Err(format!(
                "{} had no answer in {}s and was ended",
                shell_words(cmd),
                FORGE_TIMEOUT.as_secs()
            ))
        }
        Err(e) => return Err(format!("cannot run {program}: {e}")),
    };
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

/// A command as a shell would read it, quoted where needed.
pub fn shell_words(cmd: &[String]) -> String {
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

//! Following a loop's pull request (`[pr] follow`): one look at the PR through `gh`, with
//! whose reviews are trusted (listed in `[pr] reviewers`, or with write access to the
//! repository), and the failing CI checks' logs judged like local checks. What it means for
//! the loop is `andon_core::pr_follow::heard`'s to decide.

use std::collections::HashMap;
use std::path::Path;

use andon_core::event::ChecksReport;
use andon_core::failure::verdict::judge_checks;
use andon_core::pr_follow::{ci_outcomes, CiCheck, PrStatus};

use crate::engine::forge::gh::{self, GhError};

/// The PR at `url` now; change requests from `reviewers` or from those who may write to the
/// repository are trusted (the forge is asked once per author, and not about reviews already
/// `seen`).
pub fn look(
    repo_root: &Path,
    url: &str,
    reviewers: &[String],
    seen: &[String],
) -> Result<PrStatus, GhError> {
    let mut status = gh::pr_status(repo_root, url)?;
    let mut writers: HashMap<String, bool> = HashMap::new();
    for review in &mut status.reviews {
        if review.state != "CHANGES_REQUESTED" || seen.contains(&review.id) {
            continue;
        }
        let author = review.author.clone();
        review.trusted = reviewers.contains(&author)
            || *writers
                .entry(author.clone())
                .or_insert_with(|| gh::can_write(repo_root, &author));
    }
    Ok(status)
}

/// The CI of `status` judged, the `failing` checks with their failed logs (a check outside
/// GitHub Actions has none: its link stands in). A log that cannot be read yet (its run still
/// going) is an error: the failure is judged at a later poll, never on gh's error text.
pub fn ci_report(
    repo_root: &Path,
    status: &PrStatus,
    failing: &[CiCheck],
) -> Result<ChecksReport, GhError> {
    let mut logs: Vec<(String, String)> = Vec::new();
    for check in failing {
        let log = match (check.job_id(), check.run_id()) {
            (Some(job), _) => gh::failed_job_log(repo_root, job)?,
            (None, Some(run)) => gh::failed_log(repo_root, run)?,
            (None, None) => format!("{} failed: {}", check.name, check.link),
        };
        logs.push((check.name.clone(), log));
    }
    Ok(judge_checks(&ci_outcomes(&status.checks, &logs)))
}

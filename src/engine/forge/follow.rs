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

/// The PR of `branch` now; change requests from `reviewers` or from those who may write to
/// the repository are trusted (the forge is asked once per author).
pub fn look(repo_root: &Path, branch: &str, reviewers: &[String]) -> Result<PrStatus, GhError> {
    let mut status = gh::pr_status(repo_root, branch)?;
    let mut writers: HashMap<String, bool> = HashMap::new();
    for review in &mut status.reviews {
        if review.state != "CHANGES_REQUESTED" {
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
/// GitHub Actions has none: its link stands in).
pub fn ci_report(repo_root: &Path, status: &PrStatus, failing: &[CiCheck]) -> ChecksReport {
    let logs: Vec<(String, String)> = failing
        .iter()
        .map(|check| {
            let log = match check.run_id() {
                Some(id) => gh::failed_log(repo_root, id).unwrap_or_else(|e| {
                    format!(
                        "(its log could not be read: {})",
                        e.to_input_error().message
                    )
                }),
                None => format!("{} failed: {}", check.name, check.link),
            };
            (check.name.clone(), log)
        })
        .collect();
    judge_checks(&ci_outcomes(&status.checks, &logs))
}

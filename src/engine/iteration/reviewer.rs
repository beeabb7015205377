//! The second opinion (issue: the Checker as a second opinion): each of the plan's reviewer
//! agents runs once, one-shot, in the loop's worktree and PTY, on a prompt with the goal and
//! the diff, one after another; their APPROVEs and REJECTs, joined by the core's `panel`, come
//! back as one `Event::ReviewFinished`, each recorded as a `review` check run with its log
//! (`review`, or `review-<name>` among several).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::config::AgentProfile;
use crate::engine::iteration::agent::KILL_GRACE;
use crate::engine::iteration::budget;
use crate::engine::iteration::child::{self, spawn_kept, ChildCommand, Prompt};
use crate::engine::iteration::env::AndonVars;
use crate::engine::loop_task::operations::{git_step, OpFuture, RunHandle};
use crate::engine::loop_task::step_error::StepError;
use crate::engine::sandbox::{Launch, LoopSandbox};
use crate::engine::spec::LoopSpec;
use crate::engine::supervisor::shared::Shared;
use crate::git::DiffLimits;
use crate::pty::signal::terminate_group;
use crate::pty::spawn::{ExitInfo, PtyChild};
use crate::store::CheckRunRow;
use andon_core::agent::states::recognise;
use andon_core::event::Event;
use andon_core::reviewer::{
    panel, parse_verdict, rejection, review_prompt, reviewer_failed, unified, Review, Verdict,
    DIFF_BUDGET,
};
use andon_core::usage::{usage_in, Usage};

/// The plan's reviewers on iteration `iteration`'s work, whose snapshot is `snapshot`.
pub fn review_op(
    shared: Arc<Shared>,
    spec: Arc<LoopSpec>,
    (iteration, snapshot): (u32, String),
    run: RunHandle,
) -> OpFuture {
    Box::pin(async move {
        // Each reviewer reviews on its own, one after another in the loop's pane.
        let several = spec.reviewers.len() > 1;
        let mut reviews = Vec::new();
        let mut rows = Vec::new();
        let mut usage: Option<Usage> = None;
        for (seq, reviewer) in spec.reviewers.iter().enumerate() {
            // Each reviews the maker's work alone: what one before it wrote is thrown away.
            if seq > 0 {
                let (git, worktree, to) = (
                    shared.git().clone(),
                    spec.worktree.clone(),
                    snapshot.clone(),
                );
                match git_step(move || git.reset_worktree(&worktree, &to)).await {
                    Ok(()) => {}
                    Err(StepError::Tampered(what)) => {
                        return (Event::Tampered { what }, Vec::new())
                    }
                    // It still reviews, on what is there.
                    Err(StepError::Failed(why)) => {
                        tracing::warn!(loop_name = %spec.name, "between reviewers: {why}");
                    }
                }
            }
            let one = Reviewer {
                profile: reviewer,
                seq: u32::try_from(seq).unwrap_or(u32::MAX),
                check_name: if several {
                    format!("review-{}", reviewer.name)
                } else {
                    "review".into()
                },
            };
            match review_one(&shared, &spec, iteration, &run, &one).await {
                Ok((review, row, used)) => {
                    if let Some(used) = used {
                        usage.get_or_insert_with(Usage::default).add(&used);
                    }
                    reviews.push(review);
                    rows.push(row);
                }
                // Something andon was to write or read for the review was not its own: refuse.
                Err(what) => return (Event::Tampered { what }, Vec::new()),
            }
        }
        let joined = panel(reviews);
        let event = Event::ReviewFinished {
            report: joined.report,
            usage,
            opinions: if several { joined.opinions } else { Vec::new() },
            split: joined.split,
        };
        (event, rows)
    })
}

/// One of the plan's reviewers, and the check run its review is recorded as.
struct Reviewer<'a> {
    profile: &'a AgentProfile,
    seq: u32,
    /// `review`, or `review-<name>` among several.
    check_name: String,
}

/// One reviewer's review: its answer, its check run, what it used. `Err` is tampering.
async fn review_one(
    shared: &Shared,
    spec: &LoopSpec,
    iteration: u32,
    run: &RunHandle,
    r: &Reviewer<'_>,
) -> Result<(Review, CheckRunRow, Option<Usage>), String> {
    let reviewer = r.profile.name.clone();
    let started = shared.clock().now_ms();
    let log_path = shared
        .dirs()
        .check_log(&spec.name, iteration, "review", &r.check_name);
    let family = r.profile.family();
    // A reviewer that gave no verdict because it could not work (it did not start, exited
    // non-zero, timed out, hit a limit) is not the maker's failure: the line stops for a
    // human instead. One that ran fine and still gave none counts as a REJECT.
    let mut usage = None;
    let (review, exit, timed_out) = match review(shared, spec, iteration, run, r).await {
        Ok((verdict, exit, timed_out, output)) => {
            usage = usage_in(&output);
            let said = recognise(family, &output, 12).map(|c| c.line);
            let failure = match &verdict {
                Verdict::Unclear if timed_out => Some(reviewer_failed(&reviewer, "it timed out")),
                // An API error or a limit, whatever the exit code, is not a verdict.
                Verdict::Unclear if said.is_some() || exit.code != Some(0) => {
                    let why = said.unwrap_or_else(|| match exit.code {
                        Some(code) => format!("it exited with {code}"),
                        None => "it was killed".into(),
                    });
                    Some(reviewer_failed(&reviewer, &why))
                }
                _ => rejection(&verdict, &reviewer, exit.code, &output),
            };
            (Review::new(&reviewer, failure, &verdict), exit, timed_out)
        }
        Err(StepError::Tampered(what)) => return Err(what),
        Err(StepError::Failed(e)) => {
            tracing::warn!(loop_name = %spec.name, "review: {e}");
            let why = format!("it could not start: {e}");
            let failure = reviewer_failed(&reviewer, &why);
            (
                Review::new(&reviewer, Some(failure), &Verdict::Unclear),
                ExitInfo::UNKNOWN,
                false,
            )
        }
    };
    let row = CheckRunRow {
        loop_name: spec.name.clone(),
        iteration,
        seq: r.seq,
        name: r.check_name.clone(),
        command: reviewer,
        kind: "review".into(),
        exit_code: exit.code,
        passed: review.failure.is_none(),
        timed_out,
        duration_ms: shared.clock().now_ms().saturating_sub(started).max(0),
        log_path: log_path.to_string_lossy().to_string(),
    };
    Ok((review, row, usage))
}

/// Runs the reviewer to its end (or the iteration timeout) and reads its verdict.
async fn review(
    s: &Shared,
    spec: &LoopSpec,
    iteration: u32,
    run: &RunHandle,
    r: &Reviewer<'_>,
) -> Result<(Verdict, ExitInfo, bool, String), StepError> {
    let reviewer = r.profile;
    let git = s.git().clone();
    let (worktree, base) = (spec.worktree.clone(), spec.base.clone());
    let diff = git_step(move || git.diff_worktree(&worktree, &base, DiffLimits::default())).await?;
    let prompt = review_prompt(&spec.plan, iteration, &unified(&diff, DIFF_BUDGET));
    let prompt_path = s
        .dirs()
        .iter_dir(&spec.name, iteration)
        .join("review-prompt.md");
    crate::own_file::write(&prompt_path, prompt.as_bytes()).map_err(|e| StepError::io(&e))?;
    let sandbox = LoopSandbox::for_loop(s, spec);
    let cmd = reviewer_command(
        s,
        spec,
        reviewer,
        (iteration, sandbox.as_ref()),
        &prompt,
        &prompt_path,
    )?;
    if let Some(out) = &spec.side_output(s.output()) {
        let banner = crate::engine::iteration::pane_text::review_banner(
            &spec.name,
            iteration,
            &reviewer.name,
        );
        out(&spec.name, banner.as_bytes());
    }
    let (rows, cols) = s.pane_size(&spec.name);
    let log_path = s
        .dirs()
        .check_log(&spec.name, iteration, "review", &r.check_name);
    let (pty, state) = cmd.in_pane(spec, (rows, cols), log_path);
    let output = spec.side_output(s.output());
    let (mut child, kept) =
        spawn_kept(&spec.name, pty, output, 32 * 1024, false).map_err(|e| StepError::pty(&e))?;
    let pgid = child.pid();
    run.adopt(s, pgid);
    let timed_out = within_timeout(&mut child, pgid, spec.iteration_timeout, run).await;
    run.pgid.store(0, Ordering::SeqCst);
    s.reaper_unregister(pgid);
    let exit = child.wait().await;
    if let Some(state) = &state {
        state.finish();
    }
    let output = kept.text();
    let verdict = if timed_out {
        Verdict::Unclear
    } else {
        parse_verdict(&output)
    };
    Ok((verdict, exit, timed_out, output))
}

/// The reviewer's command: its profile's, in code mode, with no agents' socket.
fn reviewer_command(
    s: &Shared,
    spec: &LoopSpec,
    reviewer: &AgentProfile,
    (iteration, sandbox): (u32, Option<&LoopSandbox>),
    prompt: &str,
    prompt_path: &std::path::Path,
) -> Result<ChildCommand, StepError> {
    let prompt_file = prompt_path.to_string_lossy().to_string();
    let worktree = spec.worktree.to_string_lossy().to_string();
    let fix_plan = s
        .dirs()
        .fix_plan(&spec.name, iteration)
        .to_string_lossy()
        .to_string();
    let vars = AndonVars {
        loop_name: &spec.name,
        iteration,
        prompt_file: &prompt_file,
        worktree: &worktree,
        mode: andon_core::state::Mode::Code,
        base: &spec.base,
        fix_plan: &fix_plan,
        supervisor_token: s.token(),
        socket: None,
    };
    let prompt = Prompt {
        text: prompt,
        file: prompt_path,
        passed: true,
    };
    child::command(s, spec, reviewer, Launch::Reviewer, sandbox, &prompt, &vars)
        .map_err(StepError::Failed)
}

/// Waits for the reviewer to end, or ends it when it outlives the iteration timeout; time a
/// human kept the line frozen does not count. True when it timed out.
async fn within_timeout(
    child: &mut PtyChild,
    pgid: i32,
    timeout: Duration,
    run: &RunHandle,
) -> bool {
    let end = async {
        if let Err(e) = terminate_group(pgid, KILL_GRACE).await {
            tracing::warn!("the reviewer could not be ended: {e}");
        }
    };
    let tick = Duration::from_secs(1);
    let ((), timed_out) = budget::within(child.finished(), timeout, &run.frozen, tick, end).await;
    timed_out
}

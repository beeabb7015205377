//! The headless supervisor's terminal side: one line per event, the outcome table, the exit
//! code, and the signals that end it (SIGINT, SIGTERM, SIGHUP end every agent first).

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::broadcast;

use andon::engine::supervisor::shared::{LoopView, Update};
use andon::engine::supervisor::Supervisor;
use andon::store::queue::QueueRow;
use andon_core::condition::AgentCondition;
use andon_core::queue::Wait;
use andon_core::sanitize::one_line;
use andon_core::state::State;

use super::output::{clock, lamp, use_color};
use super::repo::{EXIT_ERROR, EXIT_NEEDS_HUMAN, EXIT_OK, EXIT_WAITING_ON_OTHERS};
use super::run::Ours;

/// Print events until the loops settle (or, serving, until all have ended); return the exit code.
pub async fn watch(
    sup: &Arc<Supervisor>,
    mut updates: broadcast::Receiver<Update>,
    ours: &Ours,
    serve: bool,
) -> i32 {
    let color = use_color();
    for (row, wait) in our_queue(sup, ours).await {
        if let Some(wait) = wait {
            println!(
                "queued #{}  {}  ({})",
                row.id,
                row.plan_path,
                wait.describe()
            );
        }
    }
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        eprintln!("andon: cannot install signal handlers");
        return EXIT_ERROR;
    };
    let mut told = BTreeSet::new();
    let code = loop {
        let hosted: BTreeSet<String> = sup.loop_names().into_iter().collect();
        let queue = our_queue(sup, ours).await;
        let mut loops = ours.loops.clone();
        loops.extend(queue.iter().filter_map(|(row, _)| row.loop_name.clone()));
        report_failed(&queue, &mut told);
        let failed = queue.iter().any(|(row, _)| row.status == "failed");
        let waits: Vec<Option<Wait>> = queue
            .into_iter()
            .filter(|(row, _)| row.status == "waiting")
            .map(|(_, wait)| wait)
            .collect();
        let board = sup.shared().board();
        if let Some(code) = settled(&board, &hosted, &loops, &waits, serve).map(|code| {
            // A plan of this run that could not start is the human's to look at.
            if failed && code == EXIT_OK {
                EXIT_NEEDS_HUMAN
            } else {
                code
            }
        }) {
            if sup.requests_in_flight() == 0 {
                break code;
            }
        }
        tokio::select! {
            // The human whose request ended the last loop still gets the answer.
            _ = sup.requests_answered(), if sup.requests_in_flight() > 0 => {}
            update = updates.recv() => match update {
                Ok(u) => print_update(&u, color),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break EXIT_ERROR,
            },
            _ = term.recv() => break stop_on_signal(sup, "SIGTERM").await,
            _ = int.recv() => break stop_on_signal(sup, "SIGINT").await,
            _ = hup.recv() => break stop_on_signal(sup, "SIGHUP").await,
        }
    };
    print_outcome(&sup.shared().board(), color);
    code
}

async fn stop_on_signal(sup: &Supervisor, name: &str) -> i32 {
    eprintln!("andon: {name}: ending every agent; interrupted iterations resume with `andon run`");
    sup.shutdown(&format!("supervisor received {name}")).await;
    EXIT_ERROR
}

/// Says once why each of this run's queued plans could not start.
fn report_failed(queue: &[(QueueRow, Option<Wait>)], told: &mut BTreeSet<i64>) {
    for (row, _) in queue {
        if row.status == "failed" && told.insert(row.id) {
            eprintln!(
                "andon: queued #{} {} could not start: {}",
                row.id,
                row.plan_path,
                row.reason.as_deref().unwrap_or("no reason recorded")
            );
        }
    }
}

/// This run's queue entries, each with why it waits.
async fn our_queue(sup: &Arc<Supervisor>, ours: &Ours) -> Vec<(QueueRow, Option<Wait>)> {
    if ours.entries.is_empty() {
        return Vec::new();
    }
    let mut queue = sup.queue_waits().await;
    queue.retain(|(row, _)| ours.entries.contains(&row.id));
    queue
}

/// The exit code once nothing is left to supervise, else None. Every hosted loop must have
/// ended or wait for a human (a human-frozen loop keeps the supervisor alive), and every plan
/// of this run still queued must wait for a human too (a review, a merge). A serving
/// supervisor never settles: it waits for plans and actions until a signal ends it.
fn settled(
    board: &[LoopView],
    hosted: &BTreeSet<String>,
    ours: &BTreeSet<String>,
    queued: &[Option<Wait>],
    serve: bool,
) -> Option<i32> {
    if serve {
        return None;
    }
    // A queued plan that starts once a place frees (or on the next drain) is still to come.
    if queued
        .iter()
        .any(|w| !w.as_ref().is_some_and(Wait::needs_human))
    {
        return None;
    }
    // Every hosted loop has published its first picture.
    if hosted.iter().any(|n| !board.iter().any(|v| &v.name == n)) {
        return None;
    }
    // A dialog on an interactive agent's screen (a permission prompt, a first-run question)
    // waits for a human as surely as a stopped line does.
    let asks_human = |v: &LoopView| {
        v.condition
            .as_ref()
            .is_some_and(|c| c.condition == AgentCondition::NeedsPermission)
    };
    // A loop following its PR waits on others (CI, reviewers): a serving supervisor or the
    // board keeps following it, not this run.
    let quiet = |v: &&LoopView| {
        v.state.state.is_terminal()
            || v.state.waits_on_others()
            || (!serve && (v.state.needs_human() || asks_human(v)))
    };
    if !board.iter().all(|v| quiet(&v)) {
        return None;
    }
    let judged: Vec<&LoopView> = if ours.is_empty() {
        board.iter().collect()
    } else {
        board.iter().filter(|v| ours.contains(&v.name)).collect()
    };
    let all_good = judged.iter().all(|v| {
        !asks_human(v)
            && matches!(
                v.state.state,
                State::AwaitingApproval | State::Approved | State::Merged
            )
    });
    let waits_on_others = judged.iter().any(|v| v.state.waits_on_others());
    // What is left waits on others, and the rest was approved (an aborted loop was not).
    let others_only = judged.iter().all(|v| {
        v.state.waits_on_others() || matches!(v.state.state, State::Approved | State::Merged)
    });
    Some(if waits_on_others && others_only && queued.is_empty() {
        EXIT_WAITING_ON_OTHERS
    } else if all_good && queued.is_empty() {
        EXIT_OK
    } else {
        EXIT_NEEDS_HUMAN
    })
}

fn print_update(u: &Update, color: bool) {
    let Some(message) = &u.message else { return };
    let s = &u.view.state;
    println!(
        "{}  {:<20} #{:<3} {} {:<17} {}",
        clock(u.view.updated_at),
        one_line(&u.view.name, 20),
        s.iteration,
        lamp(s.lamp, color),
        s.state.label(),
        one_line(message, 400)
    );
}

fn print_outcome(board: &[LoopView], color: bool) {
    if board.is_empty() {
        return;
    }
    println!(
        "\n{:<20} {:<9} {:<17} {:>4}  reason",
        "loop", "lamp", "state", "iter"
    );
    for v in board {
        let s = &v.state;
        println!(
            "{:<20} {} {:<17} {:>4}  {}",
            v.name,
            lamp(s.lamp, color),
            s.state.label(),
            s.iteration,
            one_line(
                s.stop_reason()
                    .or(v.condition.as_ref().map(|c| c.line.as_str()))
                    .unwrap_or(""),
                200
            )
        );
    }
}

pub fn init_logging(path: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let file = andon::own_file::append(path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("ANDON_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

//! The read-only board's engine side, for when another process supervises the repo: human
//! actions forwarded through the control socket, and a picture of the loops kept from the
//! store — states, marks, and each running agent's output tailed from its `agent.log`.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::spec::Persisted;
use crate::engine::supervisor::control::{forward, Request, Target};
use crate::engine::supervisor::shared::{LoopView, Shared};
use crate::store::LoopRow;
use andon_core::event::HumanAction;

/// Sends a human action to the supervising process and returns its answer.
pub async fn act(socket: PathBuf, target: Target, action: HumanAction) -> Result<String, String> {
    forward(socket, Request::Act { target, action }).await
}

/// The most of an agent log read per loop and pass: a flood is shown, not replayed whole.
const TAIL_CHUNK: u64 = 256 * 1024;

/// Keeps `shared`'s board in step with its store every `every`, and feeds each loop's current
/// agent log to the output hook (the board's panes), until the runtime ends.
pub fn observe(shared: Arc<Shared>, every: Duration) {
    tokio::spawn(async move {
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut tails: HashMap<String, (u32, u64)> = HashMap::new();
        let mut titles: HashMap<String, String> = HashMap::new();
        loop {
            // The board's own store is the supervisor's database, opened read-only.
            let reader = Arc::clone(&shared);
            let rows = tokio::task::spawn_blocking(move || reader.store().loops())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            for row in rows {
                let Ok(p) = serde_json::from_str::<Persisted>(&row.state_json) else {
                    continue;
                };
                tail(&shared, &row.name, p.state.iteration, &mut tails);
                if seen.get(&row.name) == Some(&row.updated_at) {
                    continue;
                }
                seen.insert(row.name.clone(), row.updated_at);
                let title = titles
                    .entry(row.name.clone())
                    .or_insert_with(|| plan_title(&shared, &row))
                    .clone();
                let view = LoopView {
                    name: row.name.clone(),
                    plan: row.plan_path.clone(),
                    title,
                    branch: row.branch.clone(),
                    worktree: row.worktree.clone(),
                    base: row.base.clone(),
                    started_at: row.created_at,
                    updated_at: row.updated_at,
                    worked_ms: p.worked_ms,
                    active_since: p.active_since(),
                    state: p.state,
                    marks: p.marks,
                    condition: None,
                    sandbox: None,
                };
                shared.publish(view, None, None);
            }
            tokio::time::sleep(every).await;
        }
    });
}

fn plan_title(shared: &Shared, row: &LoopRow) -> String {
    std::fs::read_to_string(shared.repo_root().join(&row.plan_path))
        .ok()
        .and_then(|text| {
            andon_core::plan::parse_plan(std::path::Path::new(&row.plan_path), &text).ok()
        })
        .map(|plan| plan.title)
        .unwrap_or_else(|| row.name.clone())
}

/// New bytes of the loop's current agent log, to its pane.
fn tail(shared: &Shared, name: &str, iteration: u32, tails: &mut HashMap<String, (u32, u64)>) {
    let Some(hook) = &shared.output() else {
        return;
    };
    let path = shared.dirs().agent_log(name, iteration);
    let Ok(mut file) = crate::own_file::open(&path) else {
        return;
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let entry = tails.entry(name.to_string()).or_insert((iteration, 0));
    if entry.0 != iteration {
        *entry = (iteration, 0);
    }
    // Start (or fall behind) near the end: the screen shows the present, not the history.
    let from = entry.1.max(len.saturating_sub(TAIL_CHUNK));
    if from >= len || file.seek(SeekFrom::Start(from)).is_err() {
        entry.1 = len.max(entry.1);
        return;
    }
    let mut bytes = Vec::new();
    if file.take(len - from).read_to_end(&mut bytes).is_ok() {
        hook(name, &bytes);
        entry.1 = from + bytes.len() as u64;
    }
}

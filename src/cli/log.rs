//! `andon log LOOP`: one loop's history — iterations with their checks, fingerprints and
//! categories, then the event log — read from the store.

use clap::Args;

use andon::error_chain::chain;
use andon_core::sanitize::one_line;

use super::output::{clock, elapsed};
use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};
use andon::store::{CheckRunRow, IncidentRow, IterationRow};
use andon_core::failure::seen_before;

use super::status::open_store;

#[derive(Args, Debug)]
pub struct LogArgs {
    /// The loop's name (its plan's file name without .md).
    #[arg(value_name = "LOOP")]
    pub loop_name: String,
}

pub fn run(args: LogArgs) -> i32 {
    super::output::quiet_on_broken_pipe();
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    let store = match open_store(&repo.dirs) {
        Ok(s) => s,
        Err(e) => {
            super::output::error(chain(&e));
            return EXIT_ERROR;
        }
    };
    let name = &args.loop_name;
    let row = match store.get_loop(name) {
        Ok(Some(row)) => row,
        Ok(None) => {
            let unknown = andon::engine::supervisor::offline::find_loop(&store, name).err();
            super::output::error(unknown.unwrap_or_default());
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            super::output::error(chain(&e));
            return EXIT_ERROR;
        }
    };
    // Read it all before printing any of it: a store that fails says so, not an empty log.
    let read = store.iterations(name).and_then(|iterations| {
        let checks = store.check_runs(name, None)?;
        let events = store.events(Some(name), None)?;
        let incidents = store.incidents(Some(name))?;
        Ok((iterations, checks, events, incidents))
    });
    let (iterations, checks, events, incidents) = match read {
        Ok(read) => read,
        Err(e) => {
            super::output::error(chain(&e));
            return EXIT_ERROR;
        }
    };
    println!(
        "loop {}  ({})  state {}  lamp {}  branch {}",
        row.name,
        row.plan_path,
        andon_core::state::State::label_of(&row.state),
        row.lamp,
        row.branch
    );
    if let Some(reason) = &row.reason {
        println!("reason: {}", one_line(reason, 400));
    }
    println!("worktree: {}", row.worktree);
    // The checks on the untouched worktree, before iteration 1.
    if let Some(b) = serde_json::from_str::<andon::engine::spec::Persisted>(&row.state_json)
        .ok()
        .and_then(|p| p.state.baseline)
    {
        println!("baseline: {}", one_line(&b.describe(), 400));
    }
    println!();
    print_iterations(&iterations, &checks, &incidents);
    println!("\nevents:");
    for e in events {
        println!(
            "  {}  #{:<3} {:<8} {:<17} {}",
            clock(e.at),
            e.iteration,
            e.lamp,
            e.state,
            one_line(&e.detail, 400)
        );
    }
    EXIT_OK
}

/// Each iteration's row, with its checks under it and the other loops its failure was seen
/// before in.
fn print_iterations(
    iterations: &[IterationRow],
    checks: &[CheckRunRow],
    incidents: &[IncidentRow],
) {
    println!(
        "{:>4}  {:<5} {:<12} {:>7} {:>8}  {:<16} {:<16}  note",
        "iter", "mode", "status", "checks", "time", "category", "fingerprint"
    );
    for it in iterations {
        let time = it
            .ended_at
            .map(|e| elapsed(e - it.started_at))
            .unwrap_or_else(|| "-".into());
        let checks_s = match (it.checks_passed, it.checks_total) {
            (Some(p), Some(t)) => format!("{p}/{t}"),
            _ => "-".into(),
        };
        println!(
            "{:>4}  {:<5} {:<12} {:>7} {:>8}  {:<16} {:<16}  {}",
            it.n,
            it.mode,
            it.status,
            checks_s,
            time,
            it.category.clone().unwrap_or_else(|| "-".into()),
            it.fingerprint.clone().unwrap_or_else(|| "-".into()),
            one_line(it.note.as_deref().unwrap_or_default(), 200)
        );
        for c in checks.iter().filter(|c| c.iteration == it.n) {
            let verdict = if c.passed {
                "pass"
            } else if c.timed_out {
                "timeout"
            } else {
                "FAIL"
            };
            println!(
                "        {:<5} {:<12} {:<7} {}  {}",
                c.kind,
                c.name,
                verdict,
                elapsed(c.duration_ms),
                c.log_path
            );
        }
        for i in incidents.iter().filter(|i| i.iteration == it.n) {
            for e in seen_before::from_evidence(&i.evidence_json) {
                println!("        {}", one_line(&seen_before::line(&e), 400));
            }
        }
    }
}

//! `andon audit [--json]`: the append-only trail of every human action — who, when, which
//! loop, iteration and commit, and why — oldest first, whether or not a supervisor runs.

use clap::Args;
use serde::Serialize;

use andon::error_chain::chain;
use andon::store::AuditRow;
use andon_core::sanitize::{one_line, printable};

use super::output::{clock, quiet_on_broken_pipe};
use super::repo::{self, bad_input, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Print one JSON array (one object per action).
    #[arg(long)]
    pub json: bool,
    /// Only the actions on this loop.
    #[arg(long = "loop", value_name = "LOOP")]
    pub loop_name: Option<String>,
    /// Check the trail's chain instead of printing it: name the first row forged, edited or
    /// missing (exit 1), or say it is intact.
    #[arg(long)]
    pub verify: bool,
}

/// One action as `andon audit --json` prints it.
#[derive(Debug, Serialize)]
struct AuditEntry {
    id: Option<i64>,
    /// Unix milliseconds.
    at: i64,
    actor: String,
    #[serde(rename = "loop")]
    loop_name: Option<String>,
    iteration: Option<u32>,
    commit: Option<String>,
    action: String,
    reason: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor: printable(&r.actor, false),
            loop_name: r.loop_name,
            iteration: r.iteration,
            commit: r.commit_id,
            action: r.action,
            reason: r.reason.map(|t| printable(&t, true)),
        }
    }
}

pub fn run(args: AuditArgs) -> i32 {
    quiet_on_broken_pipe();
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    if args.verify {
        return verify(&repo.dirs);
    }
    let rows = if repo.dirs.db().exists() {
        // Through `open_store`: a store an older andon wrote is migrated when no supervisor
        // holds the repo.
        match super::status::open_store(&repo.dirs).and_then(|s| s.audit()) {
            Ok(rows) => rows,
            Err(e) => {
                super::output::error(chain(&e));
                return EXIT_ERROR;
            }
        }
    } else {
        Vec::new()
    };
    let rows: Vec<AuditEntry> = rows
        .into_iter()
        .filter(|r| args.loop_name.is_none() || r.loop_name.as_deref() == args.loop_name.as_deref())
        .map(AuditEntry::from)
        .collect();
    if args.json {
        match serde_json::to_string_pretty(&rows) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                super::output::error(&e);
                return EXIT_ERROR;
            }
        }
        return EXIT_OK;
    }
    if rows.is_empty() {
        println!("no human actions recorded yet");
        return EXIT_OK;
    }
    println!(
        "{:<8}  {:<20}  {:<14}  {:>4}  {:<8}  {:<16}  reason",
        "time", "actor", "loop", "iter", "commit", "action"
    );
    for r in rows {
        println!(
            "{:<8}  {:<20}  {:<14}  {:>4}  {:<8}  {:<16}  {}",
            clock(r.at),
            one_line(&r.actor, 20),
            one_line(r.loop_name.as_deref().unwrap_or("(line)"), 14),
            r.iteration.map(|n| n.to_string()).unwrap_or_default(),
            r.commit
                .as_deref()
                .map(|c| c.chars().take(8).collect::<String>())
                .unwrap_or_default(),
            r.action,
            one_line(r.reason.as_deref().unwrap_or(""), 200),
        );
    }
    EXIT_OK
}

/// `andon audit --verify`: walks the chain with the store's key.
fn verify(dirs: &andon::engine::paths::AndonDir) -> i32 {
    use andon::store::audit_chain::{self, Verdict};
    let db = &dirs.db();
    let key_path = audit_chain::key_path(db);
    if !db.exists() && !key_path.exists() {
        println!("no audit trail yet");
        return EXIT_OK;
    }
    let verdict = match audit_chain::read_key(db) {
        Err(e) => Verdict::Broken {
            id: 0,
            why: format!("its key {} cannot be read ({e})", key_path.display()),
        },
        // The head first: a supervisor appending now only makes it lag the rows.
        Ok(key) => {
            let head = audit_chain::read_head(db, &key);
            match andon::store::Store::open_read_only(db).and_then(|s| s.audit_chain()) {
                Ok(rows) => audit_chain::verify(&key, &rows, head),
                Err(e) => Verdict::Broken {
                    id: 0,
                    why: format!("its store cannot be read ({})", chain(&e)),
                },
            }
        }
    };
    match verdict {
        Verdict::Intact { chained, before } => {
            let older = if before > 0 {
                format!(" ({before} older rows, written before the chain began, are not chained)")
            } else {
                String::new()
            };
            println!("audit trail intact: {chained} rows chained{older}");
            EXIT_OK
        }
        Verdict::Broken { id: 0, why } => {
            println!("audit trail broken: {why}");
            EXIT_ERROR
        }
        Verdict::Broken { id, why } => {
            println!("audit trail broken at row {id}: {why}");
            EXIT_ERROR
        }
    }
}

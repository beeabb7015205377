//! The store's schema as `andon query --schema` explains it: every table and column in a
//! line, and which tables an agent may read. A test holds it to the real schema, so a new
//! column without a line here fails.

use std::fmt::Write as _;

use crate::store::query::AGENT_TABLES;

/// (table, what a row is, [(column, what it holds)]).
type Table = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Times are milliseconds since the epoch (UTC); booleans are 0 or 1.
pub const TABLES: &[Table] = &[
    (
        "loops",
        "one loop: a plan run in its own worktree",
        &[
            ("name", "the loop's name (its branch is loop/<name>)"),
            ("plan_path", "the plan file, from the repo root"),
            ("plan_hash", "the plan's content hash when the loop started"),
            ("state", "pending, running, checking, meta_andon, stopped, awaiting_approval, approved, merged, aborted, pr_open (following its PR), mergeable"),
            ("lamp", "green, yellow, red, magenta, blue, gray"),
            ("iteration", "the current iteration's number"),
            ("consecutive_failures", "failed iterations in a row (Meta-Andon at the limit)"),
            ("last_fingerprint", "the last failure's fingerprint"),
            ("last_category", "the last failure's category"),
            ("branch", "the loop's branch"),
            ("worktree", "the loop's worktree"),
            ("base", "the commit the loop started from"),
            ("reason", "why it stopped or waits for a human"),
            ("state_json", "the loop's whole state (JSON), notes included"),
            ("created_at", "when it started"),
            ("updated_at", "when it last changed"),
        ],
    ),
    (
        "iterations",
        "one iteration of a loop: the agent's run and the checks after it",
        &[
            ("loop_name", "its loop"),
            ("n", "its number, from 1"),
            ("mode", "code, or plan (a Meta-Andon's plan-mode iteration)"),
            ("status", "running, passed, failed, planned, interrupted, cancelled, stopped"),
            ("started_at", "when it began"),
            ("ended_at", "when it ended"),
            ("agent_exit", "the agent's exit code"),
            ("changed_files", "files the agent changed"),
            ("checks_passed", "checks that passed"),
            ("checks_total", "checks run"),
            ("fingerprint", "a failure's fingerprint (the same failure has the same one)"),
            ("category", "a failure's category: test_failure, build_error, lint_failure, environment, timeout, …"),
            ("confidence", "how sure the classification is, 0 to 1"),
            ("snapshot", "the commit andon made of the iteration's work"),
            ("prompt_path", "the prompt the agent was given"),
            ("note", "a failure's summary"),
            ("failure_lines", "a failure's normalized lines, the ones its fingerprint hashed"),
        ],
    ),
    (
        "check_runs",
        "one check (or goal check) run in an iteration",
        &[
            ("loop_name", "its loop"),
            ("iteration", "its iteration"),
            ("seq", "its order in the iteration"),
            ("name", "the check's name in the plan"),
            ("command", "the command run"),
            ("kind", "check or goal"),
            ("exit_code", "its exit code (none when killed)"),
            ("passed", "1 when it exited 0"),
            ("timed_out", "1 when andon ended it at its timeout"),
            ("duration_ms", "how long it ran"),
            ("log_path", "its output"),
        ],
    ),
    (
        "events",
        "a loop's transitions and what andon did, in order",
        &[
            ("id", "insertion order"),
            ("loop_name", "its loop"),
            ("iteration", "its iteration (0: before the first)"),
            ("at", "when"),
            ("kind", "what happened"),
            ("lamp", "the lamp after it"),
            ("state", "the state after it"),
            ("detail", "in words"),
        ],
    ),
    (
        "incidents",
        "one failure or guard incident, with its evidence",
        &[
            ("id", "insertion order"),
            ("loop_name", "its loop"),
            ("iteration", "its iteration"),
            ("at", "when"),
            ("category", "its category"),
            ("confidence", "how sure the classification is, 0 to 1"),
            ("fingerprint", "its fingerprint"),
            ("summary", "one line: which check failed and how"),
            ("evidence_json", "logs, diffstat, output tail and Seen before (JSON; NULL to agents)"),
            ("level", "its Kaizen level, L1 to L4, once chosen"),
            ("status", "open when recorded"),
        ],
    ),
    (
        "kaizen",
        "a human's decision about one (category, fingerprint) group of incidents",
        &[
            ("category", "the group's category"),
            ("fingerprint", "the group's fingerprint"),
            ("level", "L1 poka-yoke, L2 auto-detect, L3 document, L4 alert"),
            ("status", "open, doing, done, dropped"),
            ("updated_at", "when it was decided"),
        ],
    ),
    (
        "queue",
        "plans (and resumes) waiting for the line to admit them",
        &[
            ("id", "queue order"),
            ("kind", "plan, or resume (a stopped loop resumed while the line was full)"),
            ("plan_path", "the plan, repo-relative"),
            ("priority", "higher starts first"),
            ("after", "the plan whose loop must merge first"),
            ("agent", "the agent profile that overrides the plan's (andon run --agent)"),
            ("replaces", "1: the plan replaces its earlier loop (andon run --replace)"),
            ("loop_name", "the loop it started (a resume: the loop it resumes)"),
            ("action", "a resume as the human gave it (JSON: note, fix plan)"),
            ("status", "waiting, started, failed"),
            ("reason", "why it failed to start"),
            ("added_at", "when it was queued"),
            ("started_at", "when it started"),
        ],
    ),
    (
        "audit",
        "every human action, append-only and chained",
        &[
            ("id", "insertion order"),
            ("at", "when"),
            ("actor", "who"),
            ("loop_name", "on which loop (none for the whole line)"),
            ("iteration", "at which iteration"),
            ("commit_id", "the loop's commit then"),
            ("action", "stop, resume, redirect, meta_andon, abort, rollback, approve_*, kaizen, …"),
            ("reason", "the note, reason or fix plan the human gave"),
            ("mac", "the audit chain's HMAC of this row"),
        ],
    ),
];

/// The schema in words, each table marked when agents may read it.
pub fn describe() -> String {
    let mut out = String::from(
        "The store (.andon/andon.db). Times are ms since the epoch (UTC); booleans are 0 or 1.\n\
         Agents may read the tables marked [agents] (an incident's evidence reads as NULL).\n",
    );
    for (table, what, columns) in TABLES {
        let mark = if AGENT_TABLES.contains(table) {
            "  [agents]"
        } else {
            ""
        };
        let _ = writeln!(out, "\n{table}: {what}{mark}");
        let width = columns.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
        for (column, doc) in columns.iter() {
            let _ = writeln!(out, "  {column:<width$}  {doc}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table and column of a fully migrated store has its line, and no line names a
    /// column the store does not have.
    #[test]
    fn the_doc_names_every_column_of_the_real_schema() {
        let (_dir, path, _store) = crate::store::fixtures::temp_store();
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut real: Vec<(String, Vec<String>)> = Vec::new();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for name in names {
            let columns: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            real.push((name, columns));
        }
        let mut documented: Vec<(String, Vec<String>)> = TABLES
            .iter()
            .map(|(t, _, cols)| {
                (
                    t.to_string(),
                    cols.iter().map(|(c, _)| c.to_string()).collect(),
                )
            })
            .collect();
        documented.sort();
        assert_eq!(documented, real);
        assert!(describe().contains("iterations: one iteration of a loop"));
    }
}

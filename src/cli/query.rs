//! `andon query SQL [--json]`: one read-only statement over the store, printed as a table or
//! as JSON; `andon query --schema` explains the tables. Inside an agent andon started (which
//! cannot see the store) the supervisor runs it on `$ANDON_SOCKET`, and an agent reads the
//! incidents, check runs and iterations only.

use std::time::Duration;

use clap::Args;

use andon::engine::supervisor::control::{request, Reply, Request};
use andon::store::query::{self, Limits, Reader, Rows};
use andon_core::sanitize::{one_line, printable};

use super::output::quiet_on_broken_pipe;
use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// One SQL statement that reads (SELECT, WITH …).
    #[arg(value_name = "SQL", required_unless_present = "schema")]
    pub sql: Option<String>,
    /// Print {"columns": [...], "rows": [[...]], "truncated": bool}.
    #[arg(long)]
    pub json: bool,
    /// Explain the tables and columns (and which an agent may read).
    #[arg(long, conflicts_with = "sql")]
    pub schema: bool,
    /// How long the query may run (e.g. 30s).
    #[arg(long, value_name = "DURATION", value_parser = andon_core::duration::parse_duration, default_value = "5s")]
    pub time_limit: Duration,
    /// How many rows are printed at most.
    #[arg(long, value_name = "N", default_value_t = Limits::PERSON.rows)]
    pub max_rows: usize,
}

/// The widest a value is shown in the table (`--json` gives it whole).
const CELL: usize = 60;

pub fn run(args: QueryArgs) -> i32 {
    quiet_on_broken_pipe();
    if args.schema {
        print!("{}", andon::store::schema_doc::describe());
        return EXIT_OK;
    }
    let sql = args.sql.clone().unwrap_or_default();
    let answer = match std::env::var_os("ANDON_SOCKET") {
        // An agent: the supervisor reads for it, what agents may read.
        Some(socket) => match request(std::path::Path::new(&socket), &Request::Query { sql }) {
            Ok(Reply::Rows(rows)) => Ok(rows),
            Ok(other) => Err(other.into_result().unwrap_or_else(|refused| refused)),
            Err(e) => Err(e.to_string()),
        },
        None => {
            let repo = match repo::open() {
                Ok(r) => r,
                Err(e) => return bad_input(&e),
            };
            let limits = Limits {
                time: args.time_limit,
                rows: args.max_rows,
            };
            query::run(&repo.dirs.db(), &sql, Reader::Person, limits).map_err(|e| e.to_string())
        }
    };
    let rows = match answer {
        Ok(rows) => rows,
        Err(why) => {
            super::output::error(&why);
            return if why.contains("no andon store") {
                EXIT_ERROR
            } else {
                EXIT_BAD_INPUT
            };
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&rows).unwrap_or_default());
    } else {
        print!("{}", table(&rows));
    }
    if rows.truncated {
        eprintln!(
            "andon query: only the first {} rows are shown — fix: narrow the query, or --max-rows",
            rows.rows.len()
        );
    }
    EXIT_OK
}

/// The rows as an aligned text table, each value on one line.
fn table(rows: &Rows) -> String {
    let cells: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(cell).collect())
        .collect();
    let widths: Vec<usize> = rows
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(rows.columns.iter().map(String::as_str).collect());
    out.push_str(&line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    for r in &cells {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    let n = rows.rows.len();
    out.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    out
}

/// One value as the table shows it: NULL, a number, or text on one line.
fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::String(s) => one_line(&printable(s, false), CELL),
        other => other.to_string(),
    }
}

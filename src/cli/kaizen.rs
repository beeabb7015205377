//! `andon kaizen [--json]`: incidents grouped by category and fingerprint across loops, each
//! with its prevention level and status, and the line's metrics with a bar chart;
//! `andon kaizen set ID --level L2 --status doing` records a human's decision (audited).

use clap::{Args, Subcommand};

use andon::engine::queries::kaizen::{decide, report, Change, KaizenReport};
use andon::engine::supervisor::shared::actor;
use andon_core::failure::classify::Category;
use andon_core::kaizen::{one_decimal, percent, KaizenStatus, Level};
use andon_core::sanitize::one_line;

use super::output::{elapsed, quiet_on_broken_pipe};
use super::repo::{self, bad_input, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK};

#[derive(Args, Debug)]
pub struct KaizenArgs {
    #[command(subcommand)]
    pub action: Option<KaizenAction>,
    /// Print one JSON object: items, incidents per category, metrics.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum KaizenAction {
    /// Set an item's prevention level and/or status.
    Set {
        /// The item's id (the first characters of its fingerprint).
        id: String,
        /// L1 poka-yoke, L2 auto-detect, L3 document, L4 alert, or `none`.
        #[arg(long)]
        level: Option<String>,
        /// open, doing, done or dropped.
        #[arg(long)]
        status: Option<String>,
        /// Only items of this category (when an id is shared).
        #[arg(long)]
        category: Option<String>,
    },
}

pub fn run(args: KaizenArgs) -> i32 {
    quiet_on_broken_pipe();
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    if let Some(KaizenAction::Set {
        id,
        level,
        status,
        category,
    }) = args.action
    {
        let change = match parse_change(level.as_deref(), status.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                super::output::error(&e);
                return EXIT_BAD_INPUT;
            }
        };
        if !repo.dirs.db().exists() {
            eprintln!("andon: no incidents recorded yet in this repo, so there is no item `{id}`\n  fix: `andon kaizen` lists the items once loops have failed");
            return EXIT_BAD_INPUT;
        }
        let config = match repo::config(&repo) {
            Ok(c) => c,
            Err(e) => return bad_input(&e),
        };
        // The table shows categories in words; either form names one.
        let category = category.map(|c| {
            Category::ALL
                .into_iter()
                .find(|k| k.label() == c)
                .map_or(c, |k| k.as_str().to_string())
        });
        let result = super::status::open_store(&repo.dirs)
            .map_err(|e| e.to_string())
            .and_then(|store| {
                decide(
                    &store,
                    &actor(&config),
                    &id,
                    category.as_deref(),
                    change,
                    &andon::clock::Clock::system(),
                )
            });
        return match result {
            Ok(said) => {
                println!("{said}");
                EXIT_OK
            }
            // An unknown or ambiguous id is the human's input to fix.
            Err(e) if e.contains("fix:") => {
                super::output::error(&e);
                EXIT_BAD_INPUT
            }
            Err(e) => {
                super::output::error(&e);
                EXIT_ERROR
            }
        };
    }
    let rep = if repo.dirs.db().exists() {
        super::status::open_store(&repo.dirs)
            .map_err(|e| e.to_string())
            .and_then(|s| report(&s))
    } else {
        Ok(KaizenReport {
            items: Vec::new(),
            by_category: Vec::new(),
            metrics: andon_core::kaizen::metrics(&[], &[], &[], &[]),
        })
    };
    let rep = match rep {
        Ok(r) => r,
        Err(e) => {
            super::output::error(&e);
            return EXIT_ERROR;
        }
    };
    if args.json {
        return match serde_json::to_string_pretty(&rep) {
            Ok(text) => {
                println!("{text}");
                EXIT_OK
            }
            Err(e) => {
                super::output::error(&e);
                EXIT_ERROR
            }
        };
    }
    print!("{}", render(&rep));
    EXIT_OK
}

fn parse_change(level: Option<&str>, status: Option<&str>) -> Result<Change, String> {
    if level.is_none() && status.is_none() {
        return Err("nothing to set\n  fix: give --level L1|L2|L3|L4|none and/or --status open|doing|done|dropped".into());
    }
    let level = match level {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("none") => Some(None),
        Some(t) => Some(Some(Level::parse(t).ok_or_else(|| {
            format!("--level {t}: not a level\n  fix: one of L1 (poka-yoke), L2 (auto-detect), L3 (document), L4 (alert), none")
        })?)),
    };
    let status = match status {
        None => None,
        Some(t) => Some(KaizenStatus::parse(t).ok_or_else(|| {
            format!("--status {t}: not a status\n  fix: one of open, doing, done, dropped")
        })?),
    };
    Ok(Change { level, status })
}

/// The text form: metrics, a bar chart of incidents per category, then the items.
fn render(r: &KaizenReport) -> String {
    let m = &r.metrics;
    let mut out = String::new();
    out.push_str(&format!(
        "loops {} (ended {})  iterations to green {}  time to green {}  autonomous {}  interventions/loop {}\n",
        m.loops,
        m.loops_ended,
        one_decimal(m.mean_iterations_to_green),
        m.mean_time_to_green_ms
            .map_or("—".into(), |t| elapsed(t as i64)),
        percent(m.autonomous_completion_rate),
        one_decimal(m.interventions_per_loop),
    ));
    out.push_str(&format!(
        "repeat failures {}  seen before → green {}\n",
        percent(m.learning.repeat_failure_rate),
        percent(m.learning.seen_before_then_green_rate),
    ));
    if !m.learning.weekly.is_empty() {
        out.push_str("\nweek of   failures  repeats  seen before  then green\n");
        for w in &m.learning.weekly {
            out.push_str(&format!(
                "{}  {:>8}  {:>7}  {:>11}  {:>10}\n",
                andon::wiki::date::utc_ymd(w.week_start),
                w.failures,
                w.repeats,
                w.seen_before,
                w.then_green
            ));
        }
    }
    if r.items.is_empty() {
        out.push_str("\nno incidents recorded yet\n");
        return out;
    }
    out.push_str("\nincidents per category\n");
    let top = r.by_category.first().map_or(1, |(_, n)| (*n).max(1));
    for (category, n) in &r.by_category {
        let bar = "█".repeat((n * 30).div_ceil(top));
        let category = Category::label_of(category);
        out.push_str(&format!("  {category:<16} {bar} {n}\n"));
    }
    out.push_str(&format!(
        "\n{:<8}  {:<16}  {:>5}  {:<18}  {:<7}  {:<18}  summary\n",
        "id", "category", "count", "level", "status", "loops"
    ));
    for i in &r.items {
        let level = match i.level {
            Some(l) => format!("{} {}", l.as_str(), l.label()),
            None => format!("({} {}?)", i.suggested.as_str(), i.suggested.label()),
        };
        out.push_str(&format!(
            "{:<8}  {:<16}  {:>5}  {:<18}  {:<7}  {:<18}  {}\n",
            i.id(),
            Category::label_of(&i.category),
            i.count,
            level,
            i.status.as_str(),
            one_line(&i.loops.join(","), 18),
            one_line(&i.summary, 80),
        ));
    }
    out
}

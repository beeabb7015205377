//! `andon kaizen [--json]`: incidents grouped by category and fingerprint across loops, each
//! with its prevention level and status, and the line's metrics with a bar chart;
//! `andon kaizen set ID --level L2 --status doing` records a human's decision (audited).

use clap::{Args, Subcommand};

use andon::engine::queries::kaizen::{decide, report, Change, KaizenReport};
use andon::engine::supervisor::shared::actor;
use andon_core::failure::classify::Category;
use andon_core::kaizen::{one_decimal, percent, KaizenStatus, Level};
use andon_core::sanitize::one_line;
use andon_core::standards::Prevention;

use andon::engine::supervisor::control::{request, ControlError, Request};

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
    /// Adopt a prevention for an item: a check every later plan runs (L2), a protected path
    /// (L1), or a note in a skill (L3). Written to andon.toml [standards] or skills/, committed
    /// and audited; new loops get it.
    Adopt {
        /// The item's id (`andon kaizen` lists them; a unique prefix of its fingerprint works).
        id: String,
        /// L2: a command every later plan runs as a check.
        #[arg(long, value_name = "CMD", group = "prevention")]
        check: Option<String>,
        /// L1: a path (glob) every later loop protects.
        #[arg(long, value_name = "GLOB", group = "prevention")]
        protect: Option<String>,
        /// L3: the skill a note is added to (with --note).
        #[arg(long, value_name = "NAME", group = "prevention", requires = "note")]
        skill: Option<String>,
        /// The note added to the skill.
        #[arg(long, value_name = "TEXT", requires = "skill")]
        note: Option<String>,
    },
}

pub fn run(args: KaizenArgs) -> i32 {
    quiet_on_broken_pipe();
    let repo = match repo::open() {
        Ok(r) => r,
        Err(e) => return bad_input(&e),
    };
    if let Some(KaizenAction::Adopt {
        id,
        check,
        protect,
        skill,
        note,
    }) = args.action
    {
        let prevention = match (check, protect, skill) {
            (Some(run), _, _) => Prevention::Check { run },
            (_, Some(glob), _) => Prevention::Protect { glob },
            (_, _, Some(name)) => Prevention::Skill {
                name,
                note: note.unwrap_or_default(),
            },
            _ => {
                super::output::error(
                    "what is adopted?\n  fix: --check \"CMD\", --protect GLOB, or --skill NAME --note TEXT",
                );
                return EXIT_BAD_INPUT;
            }
        };
        return adopt(&repo, &id, prevention);
    }
    if let Some(KaizenAction::Set {
        id,
        level,
        status,
        category,
    }) = args.action
    {
        return set(&repo, &id, level.as_deref(), status.as_deref(), category);
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

/// `andon kaizen set`: a human's decision about one item, audited.
fn set(
    repo: &repo::Repo,
    id: &str,
    level: Option<&str>,
    status: Option<&str>,
    category: Option<String>,
) -> i32 {
    let change = match parse_change(level, status) {
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
    let config = match repo::config(repo) {
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
                id,
                category.as_deref(),
                change,
                &andon::clock::Clock::system(),
            )
        });
    said(result)
}

/// The answer printed, and its exit code: a refusal that names a fix is the human's input to
/// correct (2), anything else an error (1).
fn said(result: Result<String, String>) -> i32 {
    match result {
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
    }
}

/// `andon kaizen adopt`: through the running supervisor, or here under the repo lock. Bad
/// input (an unknown id, an empty check, a broken glob) is exit 2 and changes nothing.
fn adopt(repo: &repo::Repo, id: &str, prevention: Prevention) -> i32 {
    if let Err(e) = prevention.validate() {
        super::output::error(&e);
        return EXIT_BAD_INPUT;
    }
    if !repo.dirs.db().exists() {
        super::output::error(format!("no incidents recorded yet in this repo, so there is no item `{id}`\n  fix: `andon kaizen` lists the items once loops have failed"));
        return EXIT_BAD_INPUT;
    }
    let req = Request::Adopt {
        id: id.to_string(),
        prevention: prevention.clone(),
    };
    let result = match request(&repo.dirs.socket(), &req) {
        Ok(reply) => reply.into_result(),
        Err(ControlError::NotRunning(_)) => offline_adopt(repo, id, &prevention),
        Err(e) => Err(e.to_string()),
    };
    said(result)
}

/// Adopting with no supervisor running: under the repo lock.
fn offline_adopt(repo: &repo::Repo, id: &str, prevention: &Prevention) -> Result<String, String> {
    let config = repo::config(repo).map_err(|e| e.to_string())?;
    let _lock = andon::engine::supervisor::lock::RepoLock::acquire(&repo.dirs.lock())
        .map_err(|e| e.to_string())?;
    let store = andon::store::Store::open(&repo.dirs.db()).map_err(|e| e.to_string())?;
    andon::engine::memory::standards::adopt(
        &andon::engine::memory::standards::Adoption {
            git: &repo.git,
            store: &store,
            actor: &actor(&config),
            clock: &andon::clock::Clock::system(),
        },
        id,
        prevention,
    )
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
        for standard in &i.adopted {
            out.push_str(&format!("{:<8}  adopted: {standard}\n", ""));
        }
    }
    out
}

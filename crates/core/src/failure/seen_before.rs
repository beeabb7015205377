//! Seen before: the failures of this repo's other loops that match the one in hand — the same
//! fingerprint, or failing that the same category with similar normalized failure lines — and
//! how each ended (the iteration that went green, the human's notes, an accepted fix plan, a
//! prevention, a Five Whys page). The next prompt, the review's incidents and `andon log`
//! all show the same entries. Pure: the engine reads the store and git and hands the
//! candidates in.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::sanitize::{one_line, printable};

/// At most this many entries reach a prompt.
pub const SHOWN: usize = 3;

/// Failure lines at least this alike (shared lines over all lines) make a similar failure.
pub const SIMILAR: f64 = 0.5;

/// A failed iteration of another loop, and what happened after it in that loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Precedent {
    pub loop_name: String,
    pub iteration: u32,
    /// When it failed, in ms since the epoch, and that day as the engine writes it.
    pub at: i64,
    pub date: String,
    pub fingerprint: String,
    pub category: String,
    /// Its normalized failure lines: what its fingerprint hashed.
    #[serde(default)]
    pub lines: Vec<String>,
    pub outcome: Outcome,
}

/// How a failure ended in its loop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The loop's first green iteration after the failure.
    pub green: Option<Green>,
    /// The human's redirect notes after the failure (and before the green).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The first line of a fix plan a human accepted after the failure.
    pub fix_plan: Option<String>,
    /// The Kaizen board's prevention for its incident group, such as "L2, done".
    pub prevention: Option<String>,
    /// The loop's Five Whys pages.
    #[serde(default)]
    pub five_whys: Vec<String>,
    /// The loop's state now (said when nothing went green: "aborted", "stopped").
    pub loop_state: String,
}

/// The iteration that went green after a failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Green {
    pub iteration: u32,
    /// Its snapshot commit.
    pub commit: Option<String>,
    /// Files, lines added and lines removed from the failing snapshot to the green one.
    pub stat: Option<(usize, usize, usize)>,
}

/// How alike a precedent is to the failure in hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "likeness")]
pub enum Likeness {
    /// The same fingerprint.
    Same,
    /// The same category, and this share of their failure lines alike.
    Similar { percent: u8 },
}

/// One entry of "Seen before".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeenBefore {
    #[serde(flatten)]
    pub likeness: Likeness,
    pub precedent: Precedent,
}

/// The failure in hand, as the lookup compares it.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub loop_name: &'a str,
    pub fingerprint: &'a str,
    pub category: &'a str,
    pub lines: &'a [String],
}

/// The share of lines two failures have in common (their intersection over their union).
/// The `[check]` lines that head each check's part say which check failed, not how: left out.
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    let telling = |l: &&String| !(l.starts_with('[') && l.ends_with(']'));
    let a: BTreeSet<&str> = a.iter().filter(telling).map(String::as_str).collect();
    let b: BTreeSet<&str> = b.iter().filter(telling).map(String::as_str).collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// The entries a failure gets: precedents with its fingerprint; with none, those of its
/// category whose lines are at least [`SIMILAR`] alike. One per loop (its newest), never the
/// failure's own loop, newest first, at most [`SHOWN`].
pub fn pick(current: &Current, candidates: Vec<Precedent>) -> Vec<SeenBefore> {
    let others = candidates
        .into_iter()
        .filter(|p| p.loop_name != current.loop_name);
    let (same, rest): (Vec<Precedent>, Vec<Precedent>) =
        others.partition(|p| p.fingerprint == current.fingerprint);
    let mut chosen: Vec<SeenBefore> = if same.is_empty() {
        rest.into_iter()
            .filter(|p| p.category == current.category)
            .filter_map(|p| {
                let alike = similarity(current.lines, &p.lines);
                (alike >= SIMILAR).then(|| SeenBefore {
                    likeness: Likeness::Similar {
                        percent: (alike * 100.0).round() as u8,
                    },
                    precedent: p,
                })
            })
            .collect()
    } else {
        same.into_iter()
            .map(|p| SeenBefore {
                likeness: Likeness::Same,
                precedent: p,
            })
            .collect()
    };
    chosen.sort_by(|a, b| {
        (b.precedent.at, b.precedent.iteration).cmp(&(a.precedent.at, a.precedent.iteration))
    });
    let mut loops = BTreeSet::new();
    chosen.retain(|e| loops.insert(e.precedent.loop_name.clone()));
    chosen.truncate(SHOWN);
    chosen
}

/// What ended the failure in its loop, in one line: "iteration 3 went green (commit
/// `1a2b3c4`, 2 files +5 −1) after the human's note: …", or why nothing did.
pub fn what_fixed_it(o: &Outcome) -> String {
    let mut said = match &o.green {
        Some(g) => {
            let mut s = format!("iteration {} went green", g.iteration);
            let commit = g
                .commit
                .as_deref()
                .map(|c| format!("commit `{}`", short(c)));
            let stat = g.stat.map(|(files, added, removed)| {
                format!(
                    "{files} file{} +{added} −{removed}",
                    if files == 1 { "" } else { "s" }
                )
            });
            let detail: Vec<String> = commit.into_iter().chain(stat).collect();
            if !detail.is_empty() {
                let _ = write!(s, " ({})", detail.join(", "));
            }
            s
        }
        None if o.loop_state.is_empty() => "not fixed there".to_string(),
        None => format!("not fixed there (the loop is {})", o.loop_state),
    };
    if let Some(note) = o.notes.last() {
        let _ = write!(
            said,
            "; after the human's note: \"{}\"",
            one_line(&printable(note, false), 160)
        );
    }
    if let Some(plan) = &o.fix_plan {
        let _ = write!(
            said,
            "; after an accepted fix plan: \"{}\"",
            one_line(&printable(plan, false), 160)
        );
    }
    if let Some(prevention) = &o.prevention {
        let _ = write!(said, "; prevention: {prevention}");
    }
    if let Some(page) = o.five_whys.last() {
        let _ = write!(said, "; Five Whys: `{page}`");
    }
    said
}

/// How alike, in words.
pub fn likeness_text(l: Likeness) -> String {
    match l {
        Likeness::Same => "the same failure".into(),
        Likeness::Similar { percent } => {
            format!("a similar failure ({percent}% of its failure lines alike)")
        }
    }
}

/// One entry on one line, as the review's incidents and `andon log` show it.
pub fn line(e: &SeenBefore) -> String {
    let p = &e.precedent;
    format!(
        "seen before in loop {} ({}, iteration {}): {}; {}",
        p.loop_name,
        p.date,
        p.iteration,
        likeness_text(e.likeness),
        what_fixed_it(&p.outcome)
    )
}

/// The entries an incident's evidence recorded (none in an older incident, or unreadable).
pub fn from_evidence(evidence_json: &str) -> Vec<SeenBefore> {
    serde_json::from_str::<serde_json::Value>(evidence_json)
        .ok()
        .and_then(|mut v| serde_json::from_value(v.get_mut("seen_before")?.take()).ok())
        .unwrap_or_default()
}

/// The prompt's "Seen before" section; empty when there is nothing to say.
pub fn prompt_section(entries: &[SeenBefore]) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let mut p = String::from(
        "## Seen before\n\nThis failure happened before in other loops of this repository \
         (newest first). What ended it there may help here; check before you copy it.\n\n",
    );
    for e in entries {
        let pr = &e.precedent;
        let fingerprint = short_fingerprint(&pr.fingerprint);
        let likeness = match e.likeness {
            Likeness::Same => format!("the same failure (fingerprint `{fingerprint}`)"),
            Likeness::Similar { percent } => format!(
                "a similar failure (fingerprint `{fingerprint}`, {percent}% of its failure lines alike)"
            ),
        };
        let _ = writeln!(
            p,
            "- loop `{}`, {}, iteration {}: {likeness}. {}",
            pr.loop_name,
            pr.date,
            pr.iteration,
            capitalized(&what_fixed_it(&pr.outcome))
        );
    }
    p.push('\n');
    p
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

fn short_fingerprint(fp: &str) -> &str {
    fp.get(..16).unwrap_or(fp)
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[path = "seen_before_tests.rs"]
mod tests;

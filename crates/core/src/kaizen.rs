//! Kaizen (DESIGN §1): incidents grouped by category and fingerprint across loops, each
//! turned into a standard prevention with a level and a status a human sets; and the metrics
//! that say whether the line is getting better. Pure: the engine reads the store.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// How a countermeasure prevents a failure from coming back, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Poka-yoke: the mistake becomes impossible.
    L1,
    /// A check detects it automatically.
    L2,
    /// A skill or wiki page documents it.
    L3,
    /// A human is alerted.
    L4,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::L1, Level::L2, Level::L3, Level::L4];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::L1 => "L1",
            Level::L2 => "L2",
            Level::L3 => "L3",
            Level::L4 => "L4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::L1 => "poka-yoke",
            Level::L2 => "auto-detect",
            Level::L3 => "document",
            Level::L4 => "alert",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The next level round the cycle (the board's key steps through them).
    pub fn next(level: Option<Level>) -> Option<Level> {
        match level {
            None => Some(Level::L1),
            Some(Level::L1) => Some(Level::L2),
            Some(Level::L2) => Some(Level::L3),
            Some(Level::L3) => Some(Level::L4),
            Some(Level::L4) => None,
        }
    }
}

/// Where a prevention stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KaizenStatus {
    #[default]
    Open,
    /// A countermeasure is being put in place.
    Doing,
    /// The countermeasure is in place.
    Done,
    /// Judged not worth preventing.
    Dropped,
}

impl KaizenStatus {
    pub const ALL: [KaizenStatus; 4] = [
        KaizenStatus::Open,
        KaizenStatus::Doing,
        KaizenStatus::Done,
        KaizenStatus::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KaizenStatus::Open => "open",
            KaizenStatus::Doing => "doing",
            KaizenStatus::Done => "done",
            KaizenStatus::Dropped => "dropped",
        }
    }

    pub fn parse(text: &str) -> Option<KaizenStatus> {
        KaizenStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }

    pub fn next(self) -> KaizenStatus {
        match self {
            KaizenStatus::Open => KaizenStatus::Doing,
            KaizenStatus::Doing => KaizenStatus::Done,
            KaizenStatus::Done => KaizenStatus::Dropped,
            KaizenStatus::Dropped => KaizenStatus::Open,
        }
    }
}

/// One recorded incident, as Kaizen needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFact {
    pub loop_name: String,
    pub iteration: u32,
    pub at: i64,
    pub category: String,
    pub fingerprint: String,
    pub summary: String,
    /// Its prompt named other loops' failures like it (Seen before).
    pub seen_before: bool,
}

/// A human's decision about one (category, fingerprint) group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub category: String,
    pub fingerprint: String,
    pub level: Option<Level>,
    pub status: KaizenStatus,
}

/// One line of the Kaizen board: a failure that happened, how often, where, and what is done
/// about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaizenItem {
    /// The short id a human types: the fingerprint's first 8 characters.
    pub id: String,
    pub category: String,
    pub fingerprint: String,
    pub count: usize,
    pub loops: Vec<String>,
    pub first_at: i64,
    pub last_at: i64,
    /// The newest incident's summary.
    pub summary: String,
    pub level: Option<Level>,
    /// What the category usually calls for, until a human chooses.
    pub suggested: Level,
    pub status: KaizenStatus,
    /// The preventions adopted for it, in words ("L2 check `make lint`"), oldest first.
    pub adopted: Vec<String>,
}

impl KaizenItem {
    /// The short id a human types: the fingerprint's first 8 characters.
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// What an audited adoption for this group says after its id and category.
    pub fn adoption_prefix(&self) -> String {
        format!("{} {}: ", self.id, self.category)
    }
}

/// The level a category's failures usually call for.
pub fn suggested_level(category: &str) -> Level {
    match category {
        // Missing tools and paths, guard violations: make them impossible up front.
        "environment" | "guard_violation" => Level::L1,
        // Build, lint and test failures: a check can catch them earlier.
        "build_error" | "lint_failure" | "test_failure" => Level::L2,
        // Timeouts and agent errors: document how to avoid them.
        "timeout" | "agent_error" => Level::L3,
        _ => Level::L4,
    }
}

/// Groups incidents by (category, fingerprint), most frequent first (then newest), joined
/// with the human's decisions.
pub fn items(incidents: &[IncidentFact], decisions: &[Decision]) -> Vec<KaizenItem> {
    let mut groups: BTreeMap<(&str, &str), KaizenItem> = BTreeMap::new();
    for inc in incidents {
        let item = groups
            .entry((inc.category.as_str(), inc.fingerprint.as_str()))
            .or_insert_with(|| KaizenItem {
                id: inc.fingerprint.chars().take(8).collect(),
                category: inc.category.clone(),
                fingerprint: inc.fingerprint.clone(),
                count: 0,
                loops: Vec::new(),
                first_at: inc.at,
                last_at: inc.at,
                summary: inc.summary.clone(),
                level: None,
                suggested: suggested_level(&inc.category),
                status: KaizenStatus::Open,
                adopted: Vec::new(),
            });
        item.count += 1;
        if !item.loops.contains(&inc.loop_name) {
            item.loops.push(inc.loop_name.clone());
        }
        item.first_at = item.first_at.min(inc.at);
        if inc.at >= item.last_at {
            item.last_at = inc.at;
            item.summary = inc.summary.clone();
        }
    }
    for d in decisions {
        if let Some(item) = groups.get_mut(&(d.category.as_str(), d.fingerprint.as_str())) {
            item.level = d.level;
            item.status = d.status;
        }
    }
    let mut out: Vec<KaizenItem> = groups.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_at.cmp(&a.last_at)));
    out
}

/// How many incidents each category has, most first (the board's bar chart).
pub fn by_category(items: &[KaizenItem]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in items {
        *counts.entry(&item.category).or_default() += item.count;
    }
    let mut out: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// A loop, as the metrics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopFact {
    pub name: String,
    /// The loop state as the store spells it.
    pub state: String,
    pub created_at: i64,
}

/// An iteration, as the metrics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationFact {
    pub loop_name: String,
    pub n: u32,
    /// passed, failed, planned, …
    pub status: String,
    pub ended_at: Option<i64>,
}

/// A human action from the audit trail, as the metrics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionFact {
    pub loop_name: String,
    pub action: String,
}

/// One loop's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopMetric {
    pub name: String,
    pub state: String,
    /// The number of the first iteration that passed (its checks, and its goal check when the
    /// plan has one), counting every iteration before it, plan-mode ones included.
    pub iterations_to_green: Option<u32>,
    /// From the loop's start to the end of that iteration.
    pub time_to_green_ms: Option<i64>,
    pub interventions: usize,
}

/// The line's figures over the whole store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub loops: usize,
    pub loops_ended: usize,
    /// Mean over loops that went green.
    pub mean_iterations_to_green: Option<f64>,
    /// Loops approved or merged without a redirect, over loops ended.
    pub autonomous_completion_rate: Option<f64>,
    pub mean_time_to_green_ms: Option<f64>,
    pub interventions_per_loop: Option<f64>,
    /// Oldest loop first.
    pub per_loop: Vec<LoopMetric>,
    /// Whether the memory compounds.
    #[serde(flatten)]
    pub learning: Learning,
}

/// What shows the line learning: failures that repeat another loop's, and how often naming
/// the earlier one (Seen before) was followed by a green iteration.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Learning {
    /// Failures whose fingerprint another loop had failed with before, over all failures.
    pub repeat_failure_rate: Option<f64>,
    /// Failures whose next prompt said Seen before, and whose loop then went green, over
    /// those that said it.
    pub seen_before_then_green_rate: Option<f64>,
    /// The same, week by week (weeks start on Monday, UTC), oldest first.
    pub weekly: Vec<WeekOfLearning>,
}

/// One week's failures, and what Seen before did for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WeekOfLearning {
    /// Monday 00:00 UTC, in ms since the epoch.
    pub week_start: i64,
    pub failures: usize,
    /// Failures another loop had failed with before.
    pub repeats: usize,
    pub seen_before: usize,
    /// Of those, the ones whose loop went green later.
    pub then_green: usize,
}

impl WeekOfLearning {
    pub fn repeat_rate(&self) -> Option<f64> {
        rate(self.repeats, self.failures)
    }

    pub fn then_green_rate(&self) -> Option<f64> {
        rate(self.then_green, self.seen_before)
    }
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

const DAY_MS: i64 = 86_400_000;

/// The Monday 00:00 UTC that starts the week of `at` (1970-01-01 was a Thursday).
pub fn week_start(at: i64) -> i64 {
    let days = at.div_euclid(DAY_MS);
    (days - (days + 3).rem_euclid(7)) * DAY_MS
}

/// The learning figures from every incident and iteration.
pub fn learning(incidents: &[IncidentFact], iterations: &[IterationFact]) -> Learning {
    let mut sorted: Vec<&IncidentFact> = incidents.iter().collect();
    sorted.sort_by_key(|i| i.at);
    // Each loop's last green iteration, and the loops each fingerprint failed in so far.
    let mut last_green: BTreeMap<&str, u32> = BTreeMap::new();
    for i in iterations.iter().filter(|i| i.status == "passed") {
        let n = last_green.entry(i.loop_name.as_str()).or_insert(0);
        *n = (*n).max(i.n);
    }
    let mut failed_in: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut weeks: BTreeMap<i64, WeekOfLearning> = BTreeMap::new();
    for inc in sorted {
        let loops = failed_in.entry(inc.fingerprint.as_str()).or_default();
        let repeat = loops.iter().any(|l| *l != inc.loop_name);
        loops.insert(inc.loop_name.as_str());
        let green_later = last_green
            .get(inc.loop_name.as_str())
            .is_some_and(|n| *n > inc.iteration);
        let start = week_start(inc.at);
        let week = weeks.entry(start).or_insert_with(|| WeekOfLearning {
            week_start: start,
            ..WeekOfLearning::default()
        });
        week.failures += 1;
        week.repeats += usize::from(repeat);
        week.seen_before += usize::from(inc.seen_before);
        week.then_green += usize::from(inc.seen_before && green_later);
    }
    let weekly: Vec<WeekOfLearning> = weeks.into_values().collect();
    let sum = |f: fn(&WeekOfLearning) -> usize| weekly.iter().map(f).sum::<usize>();
    Learning {
        repeat_failure_rate: rate(sum(|w| w.repeats), sum(|w| w.failures)),
        seen_before_then_green_rate: rate(sum(|w| w.then_green), sum(|w| w.seen_before)),
        weekly,
    }
}

/// A rate as a whole percentage, or `—` when there is nothing to rate yet.
pub fn percent(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |v| format!("{:.0}%", v * 100.0))
}

/// A mean with one decimal, or `—` when there is nothing to average yet.
pub fn one_decimal(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |v| format!("{v:.1}"))
}

/// Actions that are a human stepping in to change a loop's course — stop, redirect, Meta-Andon,
/// abort, rollback, typing into the agent — as opposed to approving or tidying up.
fn is_intervention(action: &str) -> bool {
    matches!(
        action,
        "stop" | "redirect" | "meta_andon" | "abort" | "rollback" | "answer"
    )
}

/// A loop that saw any of these did not finish on its own: an intervention, or a resume (a
/// human accepted a fix plan or lifted a breaker's stop).
fn needed_a_human(action: &str) -> bool {
    is_intervention(action) || action == "resume"
}

pub fn metrics(
    loops: &[LoopFact],
    iterations: &[IterationFact],
    actions: &[ActionFact],
    incidents: &[IncidentFact],
) -> Metrics {
    let mut sorted: Vec<&LoopFact> = loops.iter().collect();
    sorted.sort_by_key(|l| (l.created_at, l.name.clone()));
    let per_loop: Vec<LoopMetric> = sorted
        .iter()
        .map(|l| {
            let green = iterations
                .iter()
                .filter(|i| i.loop_name == l.name && i.status == "passed")
                .min_by_key(|i| i.n);
            LoopMetric {
                name: l.name.clone(),
                state: l.state.clone(),
                iterations_to_green: green.map(|i| i.n),
                time_to_green_ms: green
                    .and_then(|i| i.ended_at)
                    .map(|end| (end - l.created_at).max(0)),
                interventions: actions
                    .iter()
                    .filter(|a| a.loop_name == l.name && is_intervention(&a.action))
                    .count(),
            }
        })
        .collect();
    let ended: Vec<&LoopFact> = loops
        .iter()
        .filter(|l| matches!(l.state.as_str(), "approved" | "merged" | "aborted"))
        .collect();
    let autonomous = ended
        .iter()
        .filter(|l| l.state != "aborted")
        .filter(|l| {
            !actions
                .iter()
                .any(|a| a.loop_name == l.name && needed_a_human(&a.action))
        })
        .count();
    let mean = |values: Vec<f64>| {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    Metrics {
        loops: loops.len(),
        loops_ended: ended.len(),
        mean_iterations_to_green: mean(
            per_loop
                .iter()
                .filter_map(|m| m.iterations_to_green.map(f64::from))
                .collect(),
        ),
        autonomous_completion_rate: (!ended.is_empty())
            .then(|| autonomous as f64 / ended.len() as f64),
        mean_time_to_green_ms: mean(
            per_loop
                .iter()
                .filter_map(|m| m.time_to_green_ms.map(|t| t as f64))
                .collect(),
        ),
        interventions_per_loop: (!loops.is_empty()).then(|| {
            per_loop.iter().map(|m| m.interventions).sum::<usize>() as f64 / loops.len() as f64
        }),
        per_loop,
        learning: learning(incidents, iterations),
    }
}

#[cfg(test)]
#[path = "kaizen_tests.rs"]
mod tests;

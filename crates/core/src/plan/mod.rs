//! Parsing a plan file (`plans/<slug>.md`) into a [`Plan`]: TOML front matter between
//! `+++` lines, then a Markdown body. Every error names the file's real line and a fix.

pub mod checks;
pub mod frame;
pub mod goal;

use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::breaker_overrides::BreakerOverrides;
use crate::file_error::{check_text, FileError};
use crate::plan::checks::{body_checks, ensure_unique, valid_check_name, DEFAULT_CHECK_TIMEOUT};
use crate::plan::frame::Frame;
use crate::plan::goal::RawGoal;
use crate::sandbox::{SandboxMode, SandboxSetting};
use crate::scope::PathMatcher;
use crate::toml_errors::TomlSource;

pub type PlanError = FileError;

/// A parsed plan. Immutable once a loop runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The file stem; names the loop and its branch `loop/<slug>`.
    pub slug: String,
    /// The path as given, for messages.
    pub path: PathBuf,
    /// The body's first `# ` heading, else the slug.
    pub title: String,
    pub goal: String,
    /// The agent profile's name; `None` means the configured default.
    pub agent: Option<String>,
    /// The file line of `agent =`, for errors about an unknown profile.
    pub agent_line: Option<usize>,
    /// A skill's name: `skills/<skill>.md`.
    pub skill: Option<String>,
    /// Globs of files the loop may change; empty means the whole repo.
    pub scope: Vec<String>,
    /// Globs of files the loop must not change; `None` means the configured default.
    pub protected: Option<Vec<String>>,
    pub max_iterations: Option<u32>,
    pub breakers: BreakerOverrides,
    pub iteration_timeout: Option<Duration>,
    /// The loop's wall-time budget: spent, the line stops with the figure.
    pub budget: Option<Duration>,
    /// Tokens the agent may use over the whole loop (as it reports them).
    pub token_budget: Option<u64>,
    /// Micro-dollars the agent may spend over the whole loop (`cost_budget` in US dollars,
    /// as the agent reports its cost).
    pub cost_budget_micros: Option<u64>,
    /// `[[checks]]` tables first, then body check lines, in file order.
    pub checks: Vec<CheckSpec>,
    /// The goal check's commands (`[goal] run = [...]`).
    pub goal_checks: Vec<String>,
    /// Whether the goal checks keep the network in the sandbox (`[goal] network = true`).
    pub goal_network: bool,
    /// Everything after the closing `+++` line.
    pub body: String,
    /// The reviewer profiles (`reviewer = "x"`, or `reviewers = ["x", "y"]`): each reviews
    /// on its own; none means no review.
    pub reviewers: Vec<String>,
    /// `sandbox = "landlock"` or `"off"`, with its line; `None` leaves it to the agent
    /// profile and the config.
    pub sandbox: Option<SandboxSetting>,
}

/// One check: a shell command that must exit 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    pub name: String,
    pub run: String,
    pub timeout: Duration,
    /// Whether it keeps the network in the sandbox (`network = true`); checks run offline
    /// by default, so a test cannot reach out.
    pub network: bool,
    /// The 1-based file line that declares it.
    pub line: usize,
}

/// The front matter's keys, for spotting one written inside a table by mistake. A test
/// keeps this in step with [`RawPlan`].
pub(crate) const PLAN_KEYS: &[&str] = &[
    "goal",
    "agent",
    "skill",
    "scope",
    "protected",
    "max_iterations",
    "iteration_timeout",
    "budget",
    "token_budget",
    "cost_budget",
    "reviewer",
    "reviewers",
    "sandbox",
    "breakers",
    "checks",
];

const EXAMPLES: &[(&str, &str)] = &[
    ("goal", "\"what done looks like\""),
    ("name", "\"tests\""),
    ("run", "\"cargo test\""),
    ("text", "\"what done looks like\""),
    ("max_iterations", "8"),
    ("scope", "[\"src/**\"]"),
    ("protected", "[\"tests/**\"]"),
    ("sandbox", "\"landlock\""),
    ("token_budget", "200000"),
    ("cost_budget", "2.50"),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "the plan's front matter")]
struct RawPlan {
    goal: Option<Spanned<RawGoal>>,
    agent: Option<Spanned<String>>,
    skill: Option<Spanned<String>>,
    #[serde(default)]
    scope: Vec<Spanned<String>>,
    protected: Option<Vec<Spanned<String>>>,
    max_iterations: Option<Spanned<NonZeroU32>>,
    #[serde(default, with = "crate::duration::serde_opt")]
    iteration_timeout: Option<Duration>,
    #[serde(default, with = "crate::duration::serde_opt")]
    budget: Option<Duration>,
    token_budget: Option<Spanned<NonZeroU64>>,
    cost_budget: Option<Spanned<f64>>,
    reviewer: Option<Spanned<String>>,
    reviewers: Option<Spanned<Vec<String>>>,
    sandbox: Option<Spanned<SandboxMode>>,
    breakers: Option<Spanned<BreakerOverrides>>,
    #[serde(default)]
    checks: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [[checks]] table with name and run"
)]
struct RawCheck {
    name: Spanned<String>,
    run: Spanned<String>,
    #[serde(default, with = "crate::duration::serde_opt")]
    timeout: Option<Duration>,
    #[serde(default)]
    network: bool,
}

/// Parses a plan. `path` names the file in errors and gives the slug; `text` is its content.
pub fn parse_plan(path: &Path, text: &str) -> Result<Plan, PlanError> {
    check_text(path, text, "the plan")?;
    let slug = frame::slug(path)?;
    let frame = frame::split(path, text)?;
    let source = TomlSource {
        file: path,
        text: frame.front,
        first_line: Frame::FRONT_FIRST_LINE,
        top_level_keys: PLAN_KEYS,
        examples: EXAMPLES,
    };
    let raw: RawPlan = source
        .parse()
        .map_err(|err| goal_table_hint(&source, err))?;

    let goal = raw.goal.ok_or_else(|| {
        FileError::new(
            path,
            Frame::FRONT_FIRST_LINE,
            "the plan has no goal",
            "add `goal = \"what done looks like\"` on line 2, above any [table] line",
        )
    })?;
    let goal_span = goal.span();
    let goal = goal.into_inner();
    let goal_text = goal_text(&source, &goal, goal_span)?;
    let goal_checks = goal.commands(&source)?;

    let checks = collect_checks(&source, &frame, raw.checks)?;
    let scope = globs(&source, "scope", raw.scope)?;
    let protected = raw
        .protected
        .map(|p| globs(&source, "protected", p))
        .transpose()?;
    let skill = raw.skill.map(|s| skill_name(&source, s)).transpose()?;
    let cost_budget = raw
        .cost_budget
        .map(|cost| cost_micros(&source, cost))
        .transpose()?;
    let reviewers = reviewers(&source, raw.reviewer, raw.reviewers)?;
    let breakers = raw.breakers.map(|b| (b.span(), b.into_inner()));
    if let Some((span, overrides)) = &breakers {
        let at_top = (
            raw.max_iterations.is_some(),
            raw.iteration_timeout.is_some(),
        );
        refuse_set_twice(&source, at_top, span, overrides)?;
    }

    Ok(Plan {
        title: frame::title(frame.body).unwrap_or_else(|| slug.clone()),
        slug,
        path: path.to_path_buf(),
        goal: goal_text,
        agent_line: raw.agent.as_ref().map(|a| source.line_of_span(&a.span())),
        agent: raw.agent.map(Spanned::into_inner),
        skill,
        scope,
        protected,
        max_iterations: raw.max_iterations.map(|m| m.into_inner().get()),
        breakers: breakers.map(|(_, b)| b).unwrap_or_default(),
        iteration_timeout: raw.iteration_timeout,
        budget: raw.budget,
        token_budget: raw.token_budget.map(|t| t.into_inner().get()),
        cost_budget_micros: cost_budget,
        checks,
        goal_checks,
        goal_network: goal.network,
        body: frame.body.to_string(),
        reviewers,
        sandbox: raw.sandbox.map(|s| SandboxSetting {
            line: source.line_of_span(&s.span()),
            mode: s.into_inner(),
            file: path.to_path_buf(),
        }),
    })
}

/// `reviewer = "x"` or `reviewers = ["x", "y"]` (not both), each named once.
fn reviewers(
    source: &TomlSource<'_>,
    one: Option<Spanned<String>>,
    many: Option<Spanned<Vec<String>>>,
) -> Result<Vec<String>, FileError> {
    match (one, many) {
        (Some(_), Some(many)) => Err(source.error_at(
            &many.span(),
            "the plan sets both `reviewer` and `reviewers`",
            "keep one: reviewers = [\"codex\", \"gemini\"] lists them all",
        )),
        (Some(one), None) => Ok(vec![one.into_inner()]),
        (None, Some(many)) => {
            let span = many.span();
            let names = many.into_inner();
            if names.is_empty() {
                return Err(source.error_at(
                    &span,
                    "`reviewers` is empty",
                    "name the reviewer profiles, e.g. reviewers = [\"codex\", \"gemini\"], or remove the line",
                ));
            }
            if let Some(twice) = names
                .iter()
                .enumerate()
                .find_map(|(i, n)| names[..i].contains(n).then_some(n))
            {
                return Err(source.error_at(
                    &span,
                    format!("`reviewers` names `{twice}` twice"),
                    "name each reviewer once",
                ));
            }
            Ok(names)
        }
        (None, None) => Ok(Vec::new()),
    }
}

/// The goal's text, which must be there and say something.
fn goal_text(
    source: &TomlSource<'_>,
    goal: &RawGoal,
    goal_span: std::ops::Range<usize>,
) -> Result<String, PlanError> {
    match &goal.text {
        None => Err(source.error_at(
            &goal_span,
            "the [goal] table has no `text`",
            format!(
                "add text = \"what done looks like\" below [goal] on line {}",
                source.line_of_span(&goal_span)
            ),
        )),
        Some(text) if text.get_ref().trim().is_empty() => Err(source.error_at(
            &goal.text_span().unwrap_or(goal_span),
            "the goal is empty",
            "say what done looks like, e.g. \"Discounts never produce a negative price\"",
        )),
        Some(text) => Ok(text.get_ref().trim().to_string()),
    }
}

/// `cost_budget` in millionths of a US dollar; it must be more than zero.
fn cost_micros(source: &TomlSource<'_>, cost: Spanned<f64>) -> Result<u64, PlanError> {
    if !(cost.get_ref().is_finite() && *cost.get_ref() > 0.0) {
        return Err(source.error_at(
            &cost.span(),
            format!(
                "`cost_budget` must be more than zero US dollars, not {}",
                cost.get_ref()
            ),
            "write the most the loop may spend, e.g. cost_budget = 2.50",
        ));
    }
    Ok(crate::usage::micros(cost.into_inner()))
}

/// A limit the front matter sets at its top (`at_top`: max_iterations, iteration_timeout)
/// and again in `[breakers]` is refused.
fn refuse_set_twice(
    source: &TomlSource<'_>,
    (max_iterations, iteration_timeout): (bool, bool),
    span: &std::ops::Range<usize>,
    overrides: &BreakerOverrides,
) -> Result<(), PlanError> {
    let both = [
        (
            "max_iterations",
            max_iterations && overrides.max_iterations.is_some(),
        ),
        (
            "iteration_timeout",
            iteration_timeout && overrides.iteration_timeout.is_some(),
        ),
    ];
    match both.iter().find(|(_, twice)| *twice) {
        Some((key, _)) => Err(source.error_at(
            span,
            format!("`{key}` is set twice: at the top of the front matter and in [breakers]"),
            format!(
                "keep one: delete `{key}` from [breakers] (from line {}) or from the top",
                source.line_of_span(span)
            ),
        )),
        None => Ok(()),
    }
}

/// DESIGN-style `goal = "..."` followed by a `[goal]` table is a TOML duplicate key; say how
/// to write it instead of just "duplicate key".
fn goal_table_hint(source: &TomlSource<'_>, err: FileError) -> FileError {
    let goal_line = source
        .text
        .lines()
        .position(|l| {
            l.split_once('=')
                .is_some_and(|(key, _)| key.trim() == "goal")
        })
        .map(|i| source.first_line + i);
    let at_goal_header = source
        .text
        .lines()
        .nth(err.line.saturating_sub(source.first_line))
        .is_some_and(|l| l.trim() == "[goal]");
    match goal_line {
        Some(text_line) if at_goal_header && err.message.contains("set more than once") => {
            FileError::new(
                err.file,
                err.line,
                format!(
                    "`goal` is both the text on line {text_line} and the [goal] table on line {}",
                    err.line
                ),
                format!(
                    "TOML allows one `goal`: delete line {text_line} and write its text in the \
                     table, as `text = \"...\"` below [goal] on line {}",
                    err.line
                ),
            )
        }
        _ => err,
    }
}

fn collect_checks(
    source: &TomlSource<'_>,
    frame: &Frame<'_>,
    raw: Vec<Spanned<RawCheck>>,
) -> Result<Vec<CheckSpec>, FileError> {
    let mut checks = Vec::with_capacity(raw.len());
    for table in raw {
        let line = source.line_of_span(&table.span());
        let table = table.into_inner();
        let name = table.name.get_ref().trim();
        if !valid_check_name(name) {
            return Err(source.error_at(
                &table.name.span(),
                format!(
                    "the check name {:?} cannot be used in a log file name",
                    table.name.get_ref()
                ),
                "use letters, digits, '-', '_' or '.', starting with a letter or digit, e.g. \
                 name = \"unit-tests\"",
            ));
        }
        let run = table.run.get_ref().trim();
        if run.is_empty() {
            return Err(source.error_at(
                &table.run.span(),
                format!("the check `{name}` has an empty `run`"),
                "put the command to run in `run`, e.g. run = \"cargo test --quiet\"",
            ));
        }
        checks.push(CheckSpec {
            name: name.to_string(),
            run: run.to_string(),
            timeout: table.timeout.unwrap_or(DEFAULT_CHECK_TIMEOUT),
            network: table.network,
            line,
        });
    }
    checks.extend(body_checks(
        source.file,
        frame.body,
        frame.body_first_line(),
    )?);
    if checks.is_empty() {
        return Err(FileError::new(
            source.file,
            frame.closing_line,
            "the plan has no checks, so andon could never tell whether an iteration worked",
            "add a [[checks]] table with name and run, or a body line - [Testing] Run \
             `cargo test` - must pass",
        ));
    }
    ensure_unique(source.file, &checks)?;
    Ok(checks)
}

/// Validate glob patterns, naming the key and the line of a bad one.
pub fn globs(
    source: &TomlSource<'_>,
    key: &str,
    patterns: Vec<Spanned<String>>,
) -> Result<Vec<String>, FileError> {
    for pattern in &patterns {
        if let Err(err) = PathMatcher::new(std::slice::from_ref(pattern.get_ref())) {
            return Err(source.error_at(
                &pattern.span(),
                format!(
                    "`{key}` has an invalid glob {:?}: {}",
                    err.pattern, err.message
                ),
                "write a path relative to the repository root with `*` (one directory level) or \
                 `**` (any depth), e.g. \"src/pricing/**\"; escape a literal [ or { as [[] or [{]",
            ));
        }
    }
    Ok(patterns.into_iter().map(Spanned::into_inner).collect())
}

fn skill_name(source: &TomlSource<'_>, skill: Spanned<String>) -> Result<String, FileError> {
    let name = skill.get_ref();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
    if valid {
        return Ok(skill.into_inner());
    }
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("tdd");
    Err(source.error_at(
        &skill.span(),
        format!("the skill {name:?} is not a skill name"),
        format!("name a file in skills/ without its .md, e.g. skill = \"{stem}\""),
    ))
}

#[cfg(test)]
mod tests;

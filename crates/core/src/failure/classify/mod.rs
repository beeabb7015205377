//! Failure classification: names the category of a failed check (DESIGN.md §3, "Failure
//! categories") with a confidence and the evidence that decided it, by applying the rule table
//! in `classify_rules` to the check's output, exit code, name and command.

use std::fmt;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use crate::failure::classify_rules::{Hint, Rule, Trigger, HINT_BONUS, HINT_PATTERNS, RULES};
use crate::failure::fingerprint::{looks_like_error, visible_text};

/// Why an iteration failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    BuildError,
    TestFailure,
    LintFailure,
    Timeout,
    Environment,
    AgentError,
    GuardViolation,
    /// The plan's reviewer (a second agent) rejected the change.
    ReviewRejected,
    Unknown,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::BuildError,
        Category::TestFailure,
        Category::LintFailure,
        Category::Timeout,
        Category::Environment,
        Category::AgentError,
        Category::GuardViolation,
        Category::ReviewRejected,
        Category::Unknown,
    ];

    /// The snake_case name used in the store, `status --json` and prompts.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::BuildError => "build_error",
            Category::TestFailure => "test_failure",
            Category::LintFailure => "lint_failure",
            Category::Timeout => "timeout",
            Category::Environment => "environment",
            Category::AgentError => "agent_error",
            Category::GuardViolation => "guard_violation",
            Category::ReviewRejected => "review_rejected",
            Category::Unknown => "unknown",
        }
    }

    /// The category in words, for the board, the PR body and the wiki.
    pub fn label(&self) -> &'static str {
        match self {
            Category::BuildError => "build error",
            Category::TestFailure => "test failure",
            Category::LintFailure => "lint failure",
            Category::Timeout => "timeout",
            Category::Environment => "environment",
            Category::AgentError => "agent error",
            Category::GuardViolation => "guard",
            Category::ReviewRejected => "review rejected",
            Category::Unknown => "unknown",
        }
    }

    /// [`Category::label`] of a category named as the store names it (else the name).
    pub fn label_of(name: &str) -> &str {
        match Category::parse(name) {
            Some(category) => category.label(),
            None => name,
        }
    }

    /// The category named by [`Category::as_str`], if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|category| category.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category with how sure the classifier is and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub category: Category,
    /// In `0.0..=1.0`.
    pub confidence: f32,
    /// The name of the rule that decided, for the incident's evidence.
    pub rule: &'static str,
    /// The output line that matched, trimmed to [`EVIDENCE_MAX_CHARS`] characters.
    pub evidence: Option<String>,
}

/// One failed check, as the reducer knows it.
#[derive(Debug, Clone, Copy)]
pub struct FailureInput<'a> {
    pub check_name: &'a str,
    pub command: &'a str,
    pub output: &'a str,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
}

/// Longest evidence kept, in characters: enough for a compiler's message, short enough for a
/// board row and an incident file.
pub const EVIDENCE_MAX_CHARS: usize = 200;

/// Confidence of a failure no rule recognised.
pub const UNKNOWN_CONFIDENCE: f32 = 0.2;

/// Confidence of an agent that exited non-zero without changing anything (DESIGN.md §3).
pub const AGENT_ERROR_CONFIDENCE: f32 = 0.9;

/// Classifies a failed check. The highest-confidence rule that matches wins; equal
/// confidences go to the rule listed first.
pub fn classify(input: &FailureInput) -> Classification {
    if input.timed_out {
        return Classification {
            category: Category::Timeout,
            confidence: 1.0,
            rule: "timed_out",
            evidence: None,
        };
    }
    let compiled = &*COMPILED;
    let hints = compiled.hints(input.check_name, input.command);
    let first_lines = compiled.first_matching_lines(input.output);

    let mut best: Option<Classification> = None;
    for (index, rule) in RULES.iter().enumerate() {
        let evidence = match rule.trigger {
            Trigger::Line(_) => match first_lines.get(index).and_then(Option::as_ref) {
                Some(line) => Some(trim_evidence(line)),
                None => continue,
            },
            Trigger::ExitCode(code) if input.exit_code == Some(code) => {
                Some(format!("exit code {code}"))
            }
            Trigger::ExitCode(_) => continue,
            Trigger::HintOnly => match rule.hint {
                Some(hint) if hints.contains(&hint) => None,
                _ => continue,
            },
        };
        let confidence = confidence_of(rule, &hints);
        if best.as_ref().is_none_or(|b| confidence > b.confidence) {
            best = Some(Classification {
                category: rule.category,
                confidence,
                rule: rule.name,
                evidence,
            });
        }
    }
    best.unwrap_or(Classification {
        category: Category::Unknown,
        confidence: UNKNOWN_CONFIDENCE,
        rule: "no_rule_matched",
        evidence: None,
    })
}

/// Classifies an agent that exited non-zero without changing anything: always
/// [`Category::AgentError`], with the agent's last error-looking line as evidence.
pub fn classify_agent_exit(output: &str, exit_code: Option<i32>) -> Classification {
    let evidence = visible_text(output)
        .lines()
        .rev()
        .find(|line| looks_like_error(line))
        .map(trim_evidence);
    Classification {
        category: Category::AgentError,
        confidence: AGENT_ERROR_CONFIDENCE,
        rule: match exit_code {
            Some(_) => "agent_exit_nonzero",
            None => "agent_killed_by_signal",
        },
        evidence,
    }
}

fn confidence_of(rule: &Rule, hints: &[Hint]) -> f32 {
    match (rule.trigger, rule.hint) {
        (Trigger::HintOnly, _) => rule.confidence,
        // Rounded so that 0.85 + 0.05 reads as 0.9 in the store and on the board.
        (_, Some(hint)) if hints.contains(&hint) => {
            ((rule.confidence + HINT_BONUS) * 100.0).round().min(100.0) / 100.0
        }
        _ => rule.confidence,
    }
}

/// The evidence as a person reads it: alignment padding collapsed, at most
/// [`EVIDENCE_MAX_CHARS`] characters.
fn trim_evidence(line: &str) -> String {
    let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(EVIDENCE_MAX_CHARS).collect()
}

/// The rule table compiled once per process.
struct Compiled {
    /// One pattern per `Trigger::Line` rule.
    lines: RegexSet,
    /// For each pattern of `lines`, the index of its rule in [`RULES`].
    rule_of_pattern: Vec<usize>,
    hints: Vec<(Hint, Regex)>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(Compiled::new);

impl Compiled {
    fn new() -> Self {
        let (rule_of_pattern, patterns): (Vec<usize>, Vec<&str>) = RULES
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| match rule.trigger {
                Trigger::Line(pattern) => Some((index, pattern)),
                _ => None,
            })
            .unzip();
        // A pattern that does not compile is a bug the tests catch; at run time the whole
        // table then matches nothing and failures classify as unknown.
        let lines = RegexSet::new(&patterns).unwrap_or_else(|_| RegexSet::empty());
        let hints = HINT_PATTERNS
            .iter()
            .filter_map(|(hint, pattern)| Regex::new(pattern).ok().map(|re| (*hint, re)))
            .collect();
        Compiled {
            lines,
            rule_of_pattern,
            hints,
        }
    }

    fn hints(&self, check_name: &str, command: &str) -> Vec<Hint> {
        let subject = format!("{check_name} {command}");
        self.hints
            .iter()
            .filter(|(_, re)| re.is_match(&subject))
            .map(|(hint, _)| *hint)
            .collect()
    }

    /// For each rule (indexed like [`RULES`]), the first visible output line its pattern
    /// matches. One pass over the output, whatever the size of the table.
    fn first_matching_lines(&self, output: &str) -> Vec<Option<String>> {
        let mut first: Vec<Option<String>> = vec![None; RULES.len()];
        let mut unmatched = self.rule_of_pattern.len();
        for line in visible_text(output).lines() {
            if unmatched == 0 {
                break;
            }
            for pattern in self.lines.matches(line).iter() {
                let Some(&rule) = self.rule_of_pattern.get(pattern) else {
                    continue;
                };
                if first[rule].is_none() {
                    first[rule] = Some(line.to_string());
                    unmatched -= 1;
                }
            }
        }
        first
    }
}

#[cfg(test)]
mod tests;

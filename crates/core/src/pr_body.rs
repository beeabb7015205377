//! The pull-request body andon writes on approval (`.andon/loops/<loop>/PR.md`): goal, what
//! changed, iterations, checks, incidents, human notes and the diffstat, as Markdown a
//! reviewer reads top to bottom. Pure: the engine gathers the facts, this only writes them.

use std::fmt::Write;

use crate::diff::{DiffFile, DiffStat};
use crate::markdown::{cell, prose};
use crate::sanitize::one_line;

/// Longest line kept from a note, summary or command.
const LINE: usize = 400;

/// One iteration's row in the PR's table.
#[derive(Debug, Clone, PartialEq)]
pub struct PrIteration {
    pub n: u32,
    /// `code` or `plan`.
    pub mode: String,
    pub status: String,
    pub checks: Option<(u32, u32)>,
    pub category: Option<String>,
}

/// One check of the last iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct PrCheck {
    pub name: String,
    pub command: String,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrIncident {
    pub iteration: u32,
    pub category: String,
    pub summary: String,
}

/// Everything the body says, gathered by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct PrFacts<'a> {
    pub loop_name: &'a str,
    /// The plan's title.
    pub title: &'a str,
    pub goal: &'a str,
    pub branch: &'a str,
    pub plan_path: &'a str,
    pub files: &'a [DiffFile],
    pub stat: DiffStat,
    pub iterations: &'a [PrIteration],
    pub checks: &'a [PrCheck],
    pub incidents: &'a [PrIncident],
    /// Redirect notes, oldest first.
    pub notes: &'a [String],
    /// Why it was approved with red checks, if it was.
    pub anyway: Option<&'a str>,
}

/// The PR title: the plan's title, else its goal, on one line.
pub fn pr_title(facts: &PrFacts) -> String {
    let title = if facts.title.trim().is_empty() {
        facts.goal
    } else {
        facts.title
    };
    one_line(title, 120)
}

/// The Markdown body.
pub fn pr_body(f: &PrFacts) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Goal\n\n{}\n", f.goal.trim());
    if let Some(reason) = f.anyway {
        let _ = writeln!(
            out,
            "> **Approved with failing checks.** Reason given: {}\n",
            prose(reason, LINE)
        );
    }
    let _ = writeln!(out, "## What changed\n\n{}\n", f.stat);
    if !f.files.is_empty() {
        let _ = writeln!(out, "| | file | + | − |\n|---|---|---:|---:|");
        for file in f.files {
            let path = match &file.old_path {
                Some(old) => format!("{} → {}", code(old), code(&file.path)),
                None => code(&file.path),
            };
            let path = cell(&path);
            let _ = writeln!(
                out,
                "| {} | {path} | {} | {} |",
                file.status.letter(),
                file.added,
                file.removed
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Checks (last iteration)\n");
    if f.checks.is_empty() {
        let _ = writeln!(out, "No checks ran.\n");
    } else {
        for check in f.checks {
            let mark = if check.passed { "x" } else { " " };
            let _ = writeln!(
                out,
                "- [{mark}] {} — {}",
                prose(&check.name, LINE),
                code(&check.command)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Iterations\n");
    let _ = writeln!(
        out,
        "| # | mode | result | checks | category |\n|---:|---|---|---|---|"
    );
    for it in f.iterations {
        let checks = it
            .checks
            .map(|(p, t)| format!("{p}/{t}"))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "| {} | {} | {} | {checks} | {} |",
            it.n,
            it.mode,
            it.status,
            it.category
                .as_deref()
                .map_or("", crate::failure::classify::Category::label_of)
        );
    }
    out.push('\n');
    if !f.incidents.is_empty() {
        let _ = writeln!(out, "## Incidents\n");
        for inc in f.incidents {
            let _ = writeln!(
                out,
                "- iteration {} — {}: {}",
                inc.iteration,
                crate::failure::classify::Category::label_of(&inc.category),
                prose(&inc.summary, LINE)
            );
        }
        out.push('\n');
    }
    if !f.notes.is_empty() {
        let _ = writeln!(out, "## Human notes\n");
        for note in f.notes {
            let _ = writeln!(out, "- {}", prose(note, LINE));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "---\nLoop {} on branch {}, plan {}; supervised by andon.",
        code(f.loop_name),
        code(f.branch),
        code(f.plan_path)
    );
    out
}

/// Inline code of one line that survives backticks in the text.
fn code(text: &str) -> String {
    crate::markdown::code(text, LINE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{FileBody, FileStatus};

    #[test]
    fn body_has_every_section_in_order() {
        let files = vec![DiffFile {
            path: "src/pricing.rs".into(),
            old_path: None,
            status: FileStatus::Modified,
            added: 12,
            removed: 3,
            body: FileBody::Text { hunks: Vec::new() },
        }];
        let iterations = vec![
            PrIteration {
                n: 1,
                mode: "code".into(),
                status: "failed".into(),
                checks: Some((1, 2)),
                category: Some("test_failure".into()),
            },
            PrIteration {
                n: 2,
                mode: "code".into(),
                status: "passed".into(),
                checks: Some((2, 2)),
                category: None,
            },
        ];
        let checks = vec![PrCheck {
            name: "tests".into(),
            command: "cargo test".into(),
            passed: true,
        }];
        let incidents = vec![PrIncident {
            iteration: 1,
            category: "test_failure".into(),
            summary: "discount_never_negative failed".into(),
        }];
        let notes = vec!["clamp at zero\ninstead".to_string()];
        let facts = PrFacts {
            loop_name: "pricing",
            title: "Discounts never negative",
            goal: "Discounts never produce a negative price",
            branch: "loop/pricing",
            plan_path: "plans/pricing.md",
            files: &files,
            stat: DiffStat {
                files: 1,
                added: 12,
                removed: 3,
            },
            iterations: &iterations,
            checks: &checks,
            incidents: &incidents,
            notes: &notes,
            anyway: None,
        };
        let body = pr_body(&facts);
        let order = [
            "## Goal",
            "## What changed",
            "1 file +12 -3",
            "| M | `src/pricing.rs` | 12 | 3 |",
            "- [x] tests — `cargo test`",
            "| 1 | code | failed | 1/2 | test failure |",
            "| 2 | code | passed | 2/2 |  |",
            "- iteration 1 — test failure: discount_never_negative failed",
            "- clamp at zero instead",
            "branch `loop/pricing`",
        ];
        let mut at = 0;
        for needle in order {
            let found = body[at..]
                .find(needle)
                .unwrap_or_else(|| panic!("{needle:?} after {at} in\n{body}"));
            at += found + needle.len();
        }
        assert!(!body.contains("Approved with failing checks"));
        assert_eq!(pr_title(&facts), "Discounts never negative");

        let anyway = PrFacts {
            anyway: Some("flaky network test"),
            title: "",
            ..facts
        };
        assert!(pr_body(&anyway).contains("Reason given: flaky network test"));
        assert_eq!(
            pr_title(&anyway),
            "Discounts never produce a negative price"
        );
    }
}

//! The text of andon's wiki pages: a 90_LOG page per ended loop and a Five Whys file per line
//! stop, prefilled with what the store knows. Pure: `wiki::Wiki` writes them.

use std::fmt::Write;

use crate::store::{AuditRow, IncidentRow, IterationRow};
use crate::wiki::date::local_hm;
use andon_core::diff::{DiffFile, DiffStat};
use andon_core::markdown::{code, fence, prose};
use andon_core::prompt::PastFailure;
use andon_core::sanitize::one_line;

/// Longest line kept from a note, summary or reason.
const LINE: usize = 300;

/// What a 90_LOG page says about one ended loop.
pub struct LoopLog<'a> {
    /// `YYYY-MM-DD`, the day the loop ended.
    pub date: &'a str,
    pub loop_name: &'a str,
    pub title: &'a str,
    pub goal: &'a str,
    pub plan_path: &'a str,
    pub branch: &'a str,
    /// approved, merged or aborted.
    pub outcome: &'a str,
    /// What the ending did, e.g. "main fast-forwarded to loop/x (1a2b3c4d)".
    pub detail: Option<&'a str>,
    pub iterations: &'a [IterationRow],
    pub incidents: &'a [IncidentRow],
    pub actions: &'a [AuditRow],
    /// The loop branch's cumulative diff, when the branch still exists.
    pub files: Option<&'a [DiffFile]>,
    pub stat: Option<DiffStat>,
    /// The loop's Five Whys files (names under `90_LOG/incidents/`).
    pub five_whys: &'a [String],
}

/// The page's file name under `wiki/90_LOG/`.
pub fn loop_page_name(date: &str, loop_name: &str) -> String {
    format!("{date}-{loop_name}.md")
}

/// A loop's `90_LOG` page: what it was for, how it ended, every iteration, its incidents
/// and Five Whys, what humans did, and the files it changed.
pub fn loop_page(l: &LoopLog) -> String {
    let mut out = String::new();
    summary(&mut out, l);
    iterations(&mut out, l);
    incidents(&mut out, l);
    human_actions(&mut out, l);
    files(&mut out, l);
    out
}

fn summary(out: &mut String, l: &LoopLog) {
    let _ = writeln!(
        out,
        "# {} — {}: {}\n",
        l.date,
        l.loop_name,
        one_line(l.title, LINE)
    );
    let _ = writeln!(out, "- **Goal:** {}", one_line(l.goal, LINE));
    let detail = l
        .detail
        .map(|d| format!(" — {}", prose(d, LINE)))
        .unwrap_or_default();
    let _ = writeln!(out, "- **Outcome:** {}{detail}", l.outcome);
    let _ = writeln!(
        out,
        "- **Plan:** `{}` · **Branch:** `{}` · **Iterations:** {}",
        l.plan_path,
        l.branch,
        l.iterations.len()
    );
    if let Some(stat) = l.stat {
        let _ = writeln!(out, "- **Diffstat:** {stat}");
    }
}

fn iterations(out: &mut String, l: &LoopLog) {
    out.push_str("\n## Iterations\n\n");
    if l.iterations.is_empty() {
        out.push_str("None ran.\n");
    } else {
        out.push_str("| # | mode | result | checks | category | fingerprint |\n");
        out.push_str("|---:|---|---|---|---|---|\n");
        for it in l.iterations {
            let checks = match (it.checks_passed, it.checks_total) {
                (Some(p), Some(t)) => format!("{p}/{t}"),
                _ => "—".into(),
            };
            let fp = it
                .fingerprint
                .as_deref()
                .map(|f| format!("`{}`", f.chars().take(12).collect::<String>()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {checks} | {} | {fp} |",
                it.n,
                it.mode,
                it.status,
                it.category.as_deref().unwrap_or("")
            );
        }
    }
}

fn incidents(out: &mut String, l: &LoopLog) {
    out.push_str("\n## Incidents\n\n");
    if l.incidents.is_empty() {
        out.push_str("None.\n");
    }
    for inc in l.incidents {
        let _ = writeln!(
            out,
            "- iteration {} — {} ({:.2}): {} · fingerprint `{}`",
            inc.iteration,
            andon_core::failure::classify::Category::label_of(&inc.category),
            inc.confidence,
            prose(&inc.summary, LINE),
            inc.fingerprint.chars().take(12).collect::<String>()
        );
    }
    if !l.five_whys.is_empty() {
        out.push_str("\n## Five Whys\n\n");
        for name in l.five_whys {
            let _ = writeln!(out, "- [{name}](incidents/{name})");
        }
    }
}

fn human_actions(out: &mut String, l: &LoopLog) {
    out.push_str("\n## Human actions\n\n");
    if l.actions.is_empty() {
        out.push_str("None: the loop ran on its own.\n");
    }
    for a in l.actions {
        let reason = a
            .reason
            .as_deref()
            .map(|r| format!(" — “{}”", prose(r, LINE)))
            .unwrap_or_default();
        let at = a
            .iteration
            .map(|n| format!(" at iteration {n}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {} {} {}{at}{reason}",
            local_hm(a.at),
            prose(&a.actor, 40),
            a.action
        );
    }
}

fn files(out: &mut String, l: &LoopLog) {
    if let Some(files) = l.files.filter(|f| !f.is_empty()) {
        out.push_str("\n## Files\n\n");
        for f in files {
            let _ = writeln!(
                out,
                "- {} {} +{} −{}",
                f.status.letter(),
                code(&f.path, LINE),
                f.added,
                f.removed
            );
        }
    }
}

/// What a Five Whys file starts from.
pub struct FiveWhysFacts<'a> {
    pub date: &'a str,
    pub loop_name: &'a str,
    pub plan_path: &'a str,
    pub iteration: u32,
    /// "Meta-Andon after 3 consecutive failures", "line stop: …".
    pub trigger: &'a str,
    pub category: &'a str,
    pub confidence: f64,
    pub fingerprint: &'a str,
    pub summary: &'a str,
    /// Check and agent log paths.
    pub logs: &'a [String],
    pub stat: Option<DiffStat>,
    /// The tail of the failing output.
    pub output_tail: &'a str,
    /// Where the plan-mode agent writes the fix plan, when one is asked for.
    pub fix_plan_path: Option<&'a str>,
    /// The iteration that failed (the one before a plan-mode iteration).
    pub failed: u32,
    /// Every failed iteration since the loop last passed, oldest first: the pattern.
    pub streak: &'a [PastFailure],
}

/// The file name under `wiki/90_LOG/incidents/`: a Meta-Andon's by its plan-mode iteration,
/// a line stop's by the stopped iteration and the stop's cause.
pub fn five_whys_name(date: &str, loop_name: &str, iteration: u32, cause: Option<&str>) -> String {
    match cause {
        Some(cause) => format!("{date}-{loop_name}-{iteration}-{cause}.md"),
        None => format!("{date}-{loop_name}-{iteration}.md"),
    }
}

pub fn five_whys(f: &FiveWhysFacts) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Five Whys — {}, iteration {}\n",
        f.loop_name, f.iteration
    );
    let _ = writeln!(
        out,
        "- **Loop:** {} (`{}`), iteration {}, {}",
        f.loop_name, f.plan_path, f.iteration, f.date
    );
    let _ = writeln!(out, "- **Trigger:** {}", prose(f.trigger, LINE));
    let _ = writeln!(
        out,
        "- **Classification:** {} (confidence {:.2})",
        f.category, f.confidence
    );
    let _ = writeln!(out, "- **Fingerprint:** `{}`", f.fingerprint);
    let _ = writeln!(out, "- **Summary:** {}", prose(f.summary, LINE));
    if let Some(stat) = f.stat {
        let _ = writeln!(out, "- **Diffstat:** {stat}");
    }
    if f.streak.len() > 1 {
        out.push_str("\n## The failures so far\n\n");
        for p in f.streak {
            let _ = writeln!(
                out,
                "- iteration {}: {} (`{}`): {}",
                p.iteration,
                p.category,
                p.fingerprint.chars().take(16).collect::<String>(),
                prose(&p.summary, LINE)
            );
        }
    }
    out.push_str("\n## Evidence\n\n");
    if f.logs.is_empty() {
        out.push_str("No check ran and the agent left no log.\n");
    }
    for log in f.logs {
        let _ = writeln!(out, "- {}", code(log, LINE));
    }
    if !f.output_tail.trim().is_empty() {
        let _ = writeln!(out, "\n{}", fence(f.output_tail, "text"));
    }
    let _ = writeln!(
        out,
        "\n## Five Whys\n\n\
         <!-- Ask \"why\" of each answer in turn until the cause is one the process can fix. -->\n\n\
         1. Why did iteration {} fail?\n   - ",
        f.failed
    );
    out.push_str(
        "2. Why?\n   - \n\
         3. Why?\n   - \n\
         4. Why?\n   - \n\
         5. Why?\n   - \n\n\
         ## Root cause\n\n- \n\n\
         ## Countermeasure\n\n\
         <!-- Kaizen level: L1 poka-yoke (make it impossible), L2 auto-detect (a check catches it),\n\
         L3 document (a skill or wiki page says it), L4 alert (a human is told). -->\n\n\
         - Level: \n- Change: \n\n",
    );
    if let Some(path) = f.fix_plan_path {
        let _ = writeln!(
            out,
            "## Fix plan\n\nWritten by the plan-mode agent to `{path}`."
        );
    }
    out
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;

//! Prompt composition (DESIGN §2 step 1): skill text, plan, goal, scope, the iteration, the
//! previous failure and where it was seen before, every redirect note and accepted fix plan,
//! and plan-mode instructions.
//! Pure: the engine reads files and passes their text in.

use std::fmt::Write as _;

use crate::failure::seen_before::{prompt_section, SeenBefore};
use crate::plan::Plan;
use crate::sanitize::printable;
use crate::state::{LoopState, Mode};

/// How many bytes of failing output go back to the agent: enough for the error, not a flood.
const FEEDBACK_TAIL: usize = 4000;

/// What a prompt is made of, gathered by the engine.
pub struct PromptInput<'a> {
    pub plan: &'a Plan,
    pub state: &'a LoopState,
    /// The plan's skill (code mode) or the Meta-Andon procedure (plan mode), already read.
    pub skills: &'a [(String, String)],
    /// Where a plan-mode agent writes its fix plan.
    pub fix_plan_path: &'a str,
    /// The prefilled Five Whys file a plan-mode agent completes, when andon wrote one.
    pub five_whys_path: Option<&'a str>,
    /// The failed iterations since the loop last passed, oldest first: the pattern a
    /// plan-mode iteration analyses.
    pub failures: &'a [PastFailure],
    /// Other loops' failures like the previous one, and how they ended.
    pub seen_before: &'a [SeenBefore],
    /// The `andon` an agent calls to query the store, when it can.
    pub andon: Option<&'a str>,
}

/// One failed iteration, as a plan-mode prompt and a Five Whys file list it.
#[derive(Debug, Clone, PartialEq)]
pub struct PastFailure {
    pub iteration: u32,
    pub category: String,
    pub fingerprint: String,
    pub summary: String,
}

pub fn compose(input: &PromptInput) -> String {
    let PromptInput {
        plan,
        state,
        skills,
        fix_plan_path,
        five_whys_path,
        failures,
        seen_before,
        andon,
    } = input;
    let mut p = String::new();
    let n = state.iteration;
    let max = state.limits.max_iterations;
    let _ = writeln!(p, "# {} — iteration {n} of at most {max}\n", plan.title);
    if state.mode == Mode::Plan {
        plan_mode_header(&mut p, state, fix_plan_path, *five_whys_path);
        if !failures.is_empty() {
            p.push_str("## The failures so far (oldest first)\n\n");
            for f in failures.iter() {
                let _ = writeln!(
                    p,
                    "- iteration {}: {} (fingerprint `{}`): {}",
                    f.iteration,
                    f.category,
                    f.fingerprint.chars().take(16).collect::<String>(),
                    printable(&f.summary, false)
                );
            }
            p.push('\n');
        }
    }
    let _ = writeln!(p, "## Goal\n\n{}\n", plan.goal.trim());
    p.push_str("## Scope\n\n");
    if plan.scope.is_empty() {
        p.push_str("Any file in the repository.\n\n");
    } else {
        p.push_str("Change only files matching:\n");
        for g in &plan.scope {
            let _ = writeln!(p, "- `{g}`");
        }
        p.push_str("Changes outside the scope are rolled back.\n\n");
    }
    if state.mode == Mode::Plan {
        p.push_str("## Checks\n\nThe loop's checks (none run after a plan-mode iteration); each must exit 0:\n");
    } else {
        p.push_str("## Checks\n\nAfter you finish, andon runs these commands; each must exit 0:\n");
    }
    for c in &plan.checks {
        let _ = writeln!(p, "- {}: `{}`", c.name, c.run);
    }
    for g in &plan.goal_checks {
        let _ = writeln!(p, "- goal: `{g}`");
    }
    p.push_str(
        "Existing tests are protected: do not edit or delete them; add new ones instead. \
         Leave your changes uncommitted: andon commits each iteration itself.\n\n",
    );
    if let Some(andon) = andon {
        let _ = writeln!(
            p,
            "## Past failures\n\nandon keeps every loop's failures in this repository and how \
             they ended. To look one up, run `{andon} query \"SELECT …\"` (read-only; `{andon} \
             query --schema` lists the incidents, check_runs and iterations you may read).\n"
        );
    }

    baseline_section(&mut p, state);
    feedback_sections(&mut p, state, seen_before);
    for (name, text) in skills.iter() {
        let _ = writeln!(p, "## Skill: {name}\n\n{}\n", text.trim());
    }
    let body = plan.body.trim();
    if !body.is_empty() {
        let _ = writeln!(p, "## Plan\n\n{body}\n");
    }
    p
}

/// The first iteration hears what was already failing before the loop changed anything.
fn baseline_section(p: &mut String, state: &LoopState) {
    let Some(b) = state.baseline.as_ref().filter(|_| state.iteration == 1) else {
        return;
    };
    let Some(f) = &b.failure else {
        return;
    };
    let _ = writeln!(
        p,
        "## Failing before you started\n\nBefore this loop changed anything, andon ran the \
         checks on the untouched code: {}/{} passed. {}\n",
        b.passed,
        b.total,
        printable(&f.summary, false)
    );
    let tail = tail(&f.output_tail, FEEDBACK_TAIL);
    if !tail.trim().is_empty() {
        let _ = writeln!(p, "{}\n", crate::markdown::fence(tail, ""));
    }
}

/// What happened since the last prompt: the previous failure and where it was seen before,
/// the guards' rollbacks, the human's notes and any accepted fix plan.
fn feedback_sections(p: &mut String, state: &LoopState, seen_before: &[SeenBefore]) {
    if let Some(f) = &state.feedback {
        let _ = writeln!(
            p,
            "## The previous iteration failed\n\nCategory: {} (confidence {:.2}); fingerprint `{}`.\n{}\n",
            f.category, f.confidence, f.fingerprint, f.summary
        );
        if state.repeat_count >= 2 {
            let _ = writeln!(
                p,
                "This same failure has now happened {} times in a row. Do not repeat the last approach.\n",
                state.repeat_count
            );
        }
        let tail = tail(&f.output_tail, FEEDBACK_TAIL);
        if !tail.trim().is_empty() {
            let _ = writeln!(p, "{}\n", crate::markdown::fence(tail, ""));
        }
        p.push_str(&prompt_section(seen_before));
    }
    if !state.restored.is_empty() {
        p.push_str(
            "## Rolled back by the guards\n\nThese changes were restored from the base commit:\n",
        );
        for r in &state.restored {
            let _ = writeln!(p, "- {r}");
        }
        p.push('\n');
    }
    if !state.notes.is_empty() {
        p.push_str("## Notes from the human supervising this loop (follow them)\n\n");
        for (i, note) in state.notes.iter().enumerate() {
            let _ = writeln!(p, "{}. {}", i + 1, note.trim());
        }
        p.push('\n');
    }
    if !state.fix_plans.is_empty() {
        p.push_str("## Accepted fix plan\n\n");
        for fp in &state.fix_plans {
            let _ = writeln!(p, "{}\n", fp.trim());
        }
    }
}

/// The message pasted into an interactive agent that keeps its session from the previous
/// iteration: it already has the brief, so only what is new — the iteration, plan mode, the
/// feedback — and where the full brief is.
pub fn follow_up(input: &PromptInput, prompt_file: &str) -> String {
    let state = input.state;
    let mut p = String::new();
    let _ = writeln!(
        p,
        "# andon — iteration {} of at most {}\n",
        state.iteration, state.limits.max_iterations
    );
    if state.mode == Mode::Plan {
        plan_mode_header(&mut p, state, input.fix_plan_path, input.five_whys_path);
    }
    feedback_sections(&mut p, state, input.seen_before);
    if state.feedback.is_none() && state.mode == Mode::Code {
        p.push_str("Continue with the goal.\n\n");
    }
    let _ = writeln!(
        p,
        "The full brief (goal, scope, checks, notes) is in `{prompt_file}`. Work on it, and end \
         your turn when the checks should pass."
    );
    p
}

fn plan_mode_header(
    p: &mut String,
    state: &LoopState,
    fix_plan_path: &str,
    five_whys_path: Option<&str>,
) {
    let why = if state.consecutive_failures >= state.limits.consecutive_failures {
        format!(
            "The line is stopped after {} consecutive failed iterations.",
            state.consecutive_failures
        )
    } else {
        "A human pulled the Meta-Andon cord.".to_string()
    };
    let _ = writeln!(
        p,
        "## PLAN MODE (Meta-Andon)\n\n\
         {why} Do NOT change any code in this iteration: every code change will be discarded. \
         Instead analyse the pattern of failures below, find the root cause (ask \"why\" five \
         times), and write a fix plan to `{fix_plan_path}`: what went wrong, why, and the \
         approach the next iterations should take. A human reads and approves it.\n"
    );
    if let Some(path) = five_whys_path {
        let _ = writeln!(
            p,
            "andon has prefilled a Five Whys file with the evidence at `{path}`. Complete it: \
             answer each why, name the root cause, and propose a countermeasure with its Kaizen \
             level (L1 poka-yoke, L2 auto-detect, L3 document, L4 alert). The human reads it \
             beside your fix plan.\n"
        );
    }
}

/// The last `max` bytes of `s`, cut on a char boundary.
fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

#[cfg(test)]
#[path = "prompt_tests.rs"]
mod tests;

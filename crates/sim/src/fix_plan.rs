//! The Markdown fix plan the `sim` agent writes in a Meta-Andon plan-mode iteration: the
//! pattern seen, a root cause guess and a proposed approach, worded for each scenario.

use crate::scenario::{Scenario, ScenarioName};

/// The Markdown fix plan of a plan-mode iteration: pattern seen, root cause guess, approach.
pub(crate) fn fix_plan_markdown(scenario: &Scenario, iteration: u32) -> String {
    let target = scenario.target.as_ref().map_or_else(
        || "the target".to_string(),
        |t| format!("`{}`", t.display()),
    );
    let stray = format!("`{}`", scenario.stray.display());
    let (pattern, cause, approach) = match scenario.name {
        ScenarioName::Fix | ScenarioName::Repeat => (
            format!("The same check failed the same way in a row; each attempt only added comments to {target}."),
            format!("The attempts never touched the logic in {target}: the approach is wrong, not its details."),
            format!("Rewrite the computation in {target} instead of adjusting around it."),
        ),
        ScenarioName::Vary => (
            format!("Every iteration failed with a different message; each rewrote {target} with placeholder output."),
            format!("The agent is guessing: it has no model of what {target} must compute."),
            format!("Start from the test's expected values and make {target} meet them one case at a time."),
        ),
        ScenarioName::OutOfScope => (
            format!("Changes to {stray}, outside the plan's scope, were rolled back."),
            "Notes and follow-ups were written into the repo as part of the work.".to_string(),
            format!("Change only {target}; put follow-ups in the loop's summary, not in {stray}."),
        ),
        ScenarioName::EditProtected => (
            "A protected test was edited (spec drift) and restored.".to_string(),
            format!("The test was weakened instead of making {target} meet it."),
            format!("Leave the tests alone and fix {target} until they pass as written."),
        ),
        ScenarioName::Hang => (
            "Iterations went silent, with no output and no file change, until the no-progress breaker fired.".to_string(),
            "The agent waits on something that never finishes: a prompt, a lock or a network call.".to_string(),
            "Run every command with a timeout and answer no interactive prompts.".to_string(),
        ),
        ScenarioName::Flood => (
            "Iterations printed megabytes of log output before changing anything.".to_string(),
            "Verbose logging buries the one failure that matters.".to_string(),
            "Quiet the logging and read only the failing check's tail.".to_string(),
        ),
        ScenarioName::Crash => (
            "The agent exited non-zero without changing a file (API 529 overloaded).".to_string(),
            "The model service is overloaded; the code is not the problem.".to_string(),
            "Retry later or switch the plan's agent profile; change no code for this.".to_string(),
        ),
        ScenarioName::Noop => (
            "Iterations ended without any change.".to_string(),
            "The agent sees nothing to do: the goal may already hold, or the prompt lacks the failing output.".to_string(),
            "Run the goal check by hand; approve if it passes, otherwise add its output to the plan.".to_string(),
        ),
    };
    format!(
        "# Fix plan (iteration {iteration})\n\n\
         ## Pattern seen\n\n{pattern}\n\n\
         ## Root cause guess\n\n{cause}\n\n\
         ## Proposed approach\n\n\
         1. Reproduce the failure with the plan's check command.\n\
         2. {approach}\n\
         3. Stay inside the plan's scope and leave protected files untouched.\n\
         4. Run every check before ending the iteration.\n\n\
         _Written by andon sim-agent (scenario `{}`) in plan mode; no code was changed._\n",
        scenario.name.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: ScenarioName) -> Scenario {
        Scenario {
            name,
            target: Some("src/price.sh".into()),
            fix: None,
            fix_on: 2,
            stray: "NOTES.md".into(),
            protected: None,
            flood_mb: 50,
            exit_code: 101,
        }
    }

    #[test]
    fn fix_plans_differ_by_scenario_and_name_the_target() {
        let plans: Vec<String> = ScenarioName::ALL
            .map(|name| fix_plan_markdown(&scenario(name), 4))
            .into_iter()
            .collect();
        for plan in &plans {
            assert!(plan.starts_with("# Fix plan (iteration 4)\n"));
        }
        assert!(plans[0].contains("`src/price.sh`"));
        let distinct: std::collections::HashSet<&String> = plans.iter().collect();
        assert_eq!(distinct.len(), plans.len());
    }
}

//! Agent states beyond exit codes, end to end with shell-script agents that print what real
//! CLIs print: a rate limit waits (yellow, WAITING) and retries the same iteration without
//! counting a failure; refused credentials stop the line until a human resumes; an API error
//! is a failed iteration whose summary is the agent's own message.

use crate::common;

use std::time::Duration;

use common::*;

const LIMIT: Duration = Duration::from_secs(90);

/// Fixes the price, unless `$marker` is missing: then prints `$message` and exits 1 after
/// creating the marker (the next run succeeds).
fn once_then_fix(message: &str) -> String {
    format!(
        "marker=\"$(dirname \"$ANDON_FIX_PLAN\")/said-once\"\nif [ ! -f \"$marker\" ]; then touch \"$marker\"; echo 'working…'; echo '{message}'; exit 1; fi\ncp fixes/price.sh src/price.sh\n"
    )
}

#[test]
fn a_rate_limit_waits_and_retries_the_same_iteration() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent(
        "limited",
        &once_then_fix(r#"API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#),
    );
    repo.plan(
        "limited",
        "limited",
        "[breakers]\nrate_limit_wait = \"1s\"\n",
    );
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/limited.md"], LIMIT);
    expect_exit(&out, 0);
    let printed = stdout(&out);
    assert!(
        printed.contains("waiting: the agent hit a limit") && printed.contains("rate_limit_error"),
        "{printed}"
    );
    let row = repo.store().get_loop("limited").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration, row.consecutive_failures),
        ("awaiting_approval", 1, 0)
    );
    let its = repo.store().iterations("limited").unwrap();
    assert_eq!(
        its.iter().map(|i| i.status.as_str()).collect::<Vec<_>>(),
        ["passed"]
    );
    assert!(repo.store().incidents(Some("limited")).unwrap().is_empty());
    assert!(repo
        .lamp_states("limited")
        .contains(&("yellow".to_string(), "running".to_string())));
}

#[test]
fn refused_credentials_stop_the_line_until_a_human_resumes() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent(
        "keyless",
        &once_then_fix("Invalid API key · Please run /login"),
    );
    repo.plan("keyless", "keyless", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/keyless.md"], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("keyless").unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.lamp.as_str()), ("stopped", "red"));
    let status = repo.andon(&["status", "--json"], LIMIT);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    let reason = json[0]["reason"].as_str().unwrap_or_default().to_string();
    assert!(
        reason.contains("credentials were refused") && reason.contains("Invalid API key"),
        "{json}"
    );
    // Not the code's failure: no incident, no failure counted.
    assert_eq!(row.consecutive_failures, 0);

    // The human fixes the key (the marker) and resumes: the same iteration runs again.
    let server = repo.serve();
    let resumed = repo.andon(&["resume", "keyless"], LIMIT);
    expect_exit(&resumed, 0);
    eventually(LIMIT, "the loop to await approval", || {
        let row = repo.store().get_loop("keyless").unwrap().unwrap();
        (row.state == "awaiting_approval").then_some(row.iteration)
    });
    repo.end(server);
    let row = repo.store().get_loop("keyless").unwrap().unwrap();
    assert_eq!(row.iteration, 1);
}

#[test]
fn an_api_error_fails_the_iteration_with_the_agents_message() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent(
        "flaky",
        &once_then_fix(r#"API Error: 500 {"type":"error","error":{"type":"api_error","message":"mock overloaded"}}"#),
    );
    repo.plan("flaky", "flaky", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/flaky.md"], LIMIT);
    expect_exit(&out, 0);
    let its = repo.store().iterations("flaky").unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.status.as_str(), i.category.as_deref()))
            .collect::<Vec<_>>(),
        [("failed", Some("agent_error")), ("passed", None)]
    );
    let incidents = repo.store().incidents(Some("flaky")).unwrap();
    assert!(
        incidents[0].summary.contains("api error: API Error: 500")
            && incidents[0].summary.contains("mock overloaded"),
        "{:?}",
        incidents[0].summary
    );
}

#[test]
fn reported_tokens_add_up_and_a_crossed_budget_stops_the_line_with_the_figure() {
    let repo = TestRepo::new();
    // Prints what `claude -p --output-format json` prints at the end of a run, and fixes
    // nothing: each run costs 800 tokens.
    repo.agent(
        "spender",
        r##"echo '{"type":"result","subtype":"success","is_error":false,"result":"Tried.","total_cost_usd":0.0121,"usage":{"input_tokens":700,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100}}'
echo "# try $ANDON_ITERATION" >> src/price.sh"##,
    );
    repo.plan("spender", "spender", "token_budget = 1500");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/spender.md"], LIMIT);
    expect_exit(&out, 3);
    let row = repo.store().get_loop("spender").unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.iteration), ("stopped", 2));
    let status = repo.andon(&["status", "--json"], LIMIT);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(
        json[0]["reason"],
        "token budget spent: 1,600 tokens used of 1,500 (1,400 in, 200 out)"
    );
    assert_eq!(json[0]["spent"]["input_tokens"], 1400);
    assert_eq!(json[0]["spent"]["cost_micros"], 24_200);
}

#[test]
fn a_successful_run_that_talks_about_limits_is_not_taken_for_one() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    repo.agent(
        "limiter",
        "cp fixes/price.sh src/price.sh\necho 'Done: the endpoint now answers 429 Too Many Requests past the rate limit.'\necho 'Unauthorized callers get 401.'",
    );
    repo.plan("limiter", "limiter", "");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/limiter.md"], LIMIT);
    expect_exit(&out, 0);
    let row = repo.store().get_loop("limiter").unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 1)
    );
    assert!(!stdout(&out).contains("waiting: "), "{}", stdout(&out));
}

#[test]
fn a_rerun_of_the_same_iteration_counts_only_its_own_usage() {
    let repo = TestRepo::new();
    repo.write("fixes/price.sh", FIXED_PRICE);
    // Both runs report 100 tokens; the first also hits a rate limit and exits 1.
    let usage = r#"{"type":"result","is_error":false,"result":"ok","usage":{"input_tokens":60,"output_tokens":40}}"#;
    repo.agent(
        "twice",
        &format!(
            "echo '{usage}'\nmarker=\"$(dirname \"$ANDON_FIX_PLAN\")/said-once\"\nif [ ! -f \"$marker\" ]; then touch \"$marker\"; echo 'API Error: Request rejected (429) · slow down'; exit 1; fi\ncp fixes/price.sh src/price.sh"
        ),
    );
    repo.plan("twice", "twice", "[breakers]\nrate_limit_wait = \"1s\"\n");
    repo.commit("plan");
    let out = repo.andon(&["run", "--headless", "plans/twice.md"], LIMIT);
    expect_exit(&out, 0);
    let status = repo.andon(&["status", "--json"], LIMIT);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    assert_eq!(json[0]["iteration"], 1);
    assert_eq!(
        (
            json[0]["spent"]["input_tokens"].as_u64(),
            json[0]["spent"]["output_tokens"].as_u64()
        ),
        (Some(120), Some(80)),
        "{json}"
    );
}

//! The real `claude` (Claude Code 2.1.330) and `codex` (0.169.0) CLIs through the real andon
//! binary, offline: each agent talks to a scripted mock of the Anthropic Messages API or the
//! OpenAI Responses API (`mock_llm`), which tells it which tools to call. One-shot fixes end
//! awaiting approval with the agents' own token reports in the loop's state; an API error is
//! an `agent_error` incident carrying the agent's message; an interactive Claude Code session
//! ends its turns through andon's Stop hook and takes the pasted follow-up.
//!
//! The CLIs come from `bash tests/agents/install.sh target/agent-clis` (or `$ANDON_AGENT_CLIS`,
//! a folder holding `claude` and `codex`). Without them every test here prints a note and
//! passes, unless `ANDON_REQUIRE_AGENT_CLIS=1` (CI), where a missing CLI fails the test.

#[path = "real_agents/capture.rs"]
mod capture;
use crate::common;
#[path = "common/mock_llm/mod.rs"]
mod mock_llm;
#[path = "real_agents/rig.rs"]
mod rig;
#[path = "real_agents/screens.rs"]
mod screens;

use std::time::Duration;

use common::*;
use mock_llm::{Kind, Script};
use rig::{spent, Rig};

const LIMIT: Duration = Duration::from_secs(60);
const CHECK: &str = "sh tests/test_price.sh";

/// Runs the plan headless with the agent's environment and returns andon's output.
fn run(rig: &Rig, slug: &str) -> std::process::Output {
    rig.andon(&["run", "--headless", &format!("plans/{slug}.md")], LIMIT)
}

#[test]
fn claude_one_shot_fixes_the_price_and_reports_its_usage() {
    let Some(clis) = rig::agent_clis() else {
        return;
    };
    let slug = "claude-fix";
    let rig = Rig::new(
        &clis,
        |wt| {
            Script::fixer(
                &wt.join("src/price.sh").to_string_lossy(),
                FIXED_PRICE,
                CHECK,
            )
        },
        slug,
    );
    rig.repo.plan(slug, "claude", "");
    rig.repo.commit("plan");
    let before = rig::files_under(&rig.claude_config);
    let out = run(&rig, slug);
    expect_exit(&out, 0);
    rig::ran_sandboxed(&rig.repo, slug, "claude", &rig.claude_config, &before);

    let row = rig.repo.store().get_loop(slug).unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 1)
    );
    let fixed = std::fs::read_to_string(rig.repo.worktree(slug).join("src/price.sh")).unwrap();
    assert_eq!(fixed, FIXED_PRICE);
    // Claude Code ran the check itself through its Bash tool and saw it pass.
    assert!(
        rig.mock
            .tool_results()
            .iter()
            .any(|r| r.trim_end().ends_with("ok")),
        "{:?}",
        rig.mock.tool_results()
    );
    // Two model calls (tool use, then "Fixed.") of 1234 in / 56 out each, and Claude's own
    // client-side cost, as `andon status --json` reports them.
    let main = rig.mock.requests_of(Kind::AnthropicMain);
    assert_eq!(main.len(), 2, "{main:?}");
    let used = spent(&rig.repo, slug);
    assert_eq!((used.input_tokens, used.output_tokens), (2468, 112));
    assert!(used.cost_micros.is_some_and(|c| c > 0), "{used:?}");
}

#[test]
fn codex_one_shot_fixes_the_price_and_reports_its_usage() {
    let Some(clis) = rig::agent_clis() else {
        return;
    };
    let slug = "codex-fix";
    let rig = Rig::new(
        &clis,
        |wt| {
            Script::fixer(
                &wt.join("src/price.sh").to_string_lossy(),
                FIXED_PRICE,
                CHECK,
            )
        },
        slug,
    );
    rig.repo.plan(slug, "codex", "");
    rig.repo.commit("plan");
    let before = rig::files_under(&rig.codex_home);
    let out = run(&rig, slug);
    expect_exit(&out, 0);
    rig::ran_sandboxed(&rig.repo, slug, "codex", &rig.codex_home, &before);

    let row = rig.repo.store().get_loop(slug).unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 1)
    );
    let fixed = std::fs::read_to_string(rig.repo.worktree(slug).join("src/price.sh")).unwrap();
    assert_eq!(fixed, FIXED_PRICE);
    assert!(rig
        .mock
        .tool_results()
        .iter()
        .any(|r| r.contains("Process exited with code 0")));
    // Codex's text mode prints one figure, `tokens used 2,580` (2 x (1234 + 56)), which andon
    // counts as input, and no cost.
    let used = spent(&rig.repo, slug);
    assert_eq!(
        (used.input_tokens, used.output_tokens),
        (2580, 0),
        "{used:?}"
    );
    assert_eq!(used.cost_micros, None);
}

/// Every model call answers HTTP 500 `api_error` (no retry): iteration 1 fails as an
/// `agent_error` whose incident carries the agent's own message; `max_iterations = 1` ends
/// the loop there (headless exit 3).
fn api_error_is_an_incident_with_the_agents_message(agent: &str, message: &str) {
    let Some(clis) = rig::agent_clis() else {
        return;
    };
    let slug = format!("{agent}-500");
    let rig = Rig::new(&clis, |_| Script::error(500, true), &slug);
    rig.repo.plan(&slug, agent, "max_iterations = 1");
    rig.repo.commit("plan");
    let out = run(&rig, &slug);
    expect_exit(&out, 3);

    let its = rig.repo.store().iterations(&slug).unwrap();
    assert_eq!(
        its.iter()
            .map(|i| (i.status.as_str(), i.category.as_deref()))
            .collect::<Vec<_>>(),
        [("failed", Some("agent_error"))]
    );
    let incidents = rig.repo.store().incidents(Some(&slug)).unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    let summary = &incidents[0].summary;
    assert_eq!(incidents[0].category, "agent_error");
    assert!(
        summary.contains("api error") && summary.contains(message),
        "{summary:?}"
    );
    assert!(rig
        .mock
        .requests()
        .iter()
        .all(|r| r.status == 500 || r.kind == Kind::Other));
}

#[test]
fn claude_api_error_is_an_agent_error_with_its_message() {
    api_error_is_an_incident_with_the_agents_message("claude", "API Error: 500 mock overloaded");
}

#[test]
fn codex_api_error_is_an_agent_error_with_its_message() {
    api_error_is_an_incident_with_the_agents_message(
        "codex",
        "We’re currently experiencing high demand",
    );
}

/// A wrong fix that still fails the check: `price 5 10` prints -4.
const WRONG_PRICE: &str = "price() { echo $(( $1 - $2 + 1 )); }\n";

#[test]
fn interactive_claude_turns_end_through_the_stop_hook() {
    let Some(clis) = rig::agent_clis() else {
        return;
    };
    let slug = "claude-tui";
    let rig = Rig::new(
        &clis,
        |wt| {
            let price = wt.join("src/price.sh");
            let mut script = Script::fixer_after(
                &price.to_string_lossy(),
                WRONG_PRICE,
                "The previous iteration failed",
                FIXED_PRICE,
                CHECK,
            );
            // The busy marker is on screen while the model "thinks".
            script.delay = Duration::from_millis(300);
            script
        },
        slug,
    );
    // Ten minutes of idleness would outlast the test: only the Stop hook can end a turn.
    rig.repo
        .config("[agents.claude]\nmode = \"interactive\"\nidle = \"10m\"\n");
    rig.seed_claude_tui(&rig.repo.worktree(slug));
    rig.repo.plan(slug, "claude", "");
    rig.repo.commit("plan");
    let before = rig::files_under(&rig.claude_config);
    let out = run(&rig, slug);
    expect_exit(&out, 0);
    rig::ran_sandboxed(&rig.repo, slug, "claude", &rig.claude_config, &before);

    let row = rig.repo.store().get_loop(slug).unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.iteration),
        ("awaiting_approval", 2)
    );
    let its = rig.repo.store().iterations(slug).unwrap();
    assert_eq!(
        its.iter().map(|i| i.status.as_str()).collect::<Vec<_>>(),
        ["failed", "passed"]
    );
    let worktree = rig.repo.worktree(slug);
    assert_eq!(
        std::fs::read_to_string(worktree.join("src/price.sh")).unwrap(),
        FIXED_PRICE
    );

    let loop_dir = rig.repo.root.join(format!(".andon/loops/{slug}"));
    let follow_up = std::fs::read_to_string(loop_dir.join("iter-2/follow-up.md")).unwrap();
    assert!(follow_up.contains("FAIL: price 5 10 = -4"), "{follow_up}");
    // One Claude Code session served both turns: its log ends with one goodbye, every model
    // call carried the same session id, and the last one held the brief and the follow-up.
    let session =
        String::from_utf8_lossy(&std::fs::read(loop_dir.join("session.log")).unwrap()).into_owned();
    assert_eq!(
        session.matches("Resume this session with").count(),
        1,
        "{session}"
    );
    let main = rig.mock.requests_of(Kind::AnthropicMain);
    let mut sessions: Vec<String> = main
        .iter()
        .map(|r| r.body["metadata"]["user_id"].to_string())
        .collect();
    sessions.dedup();
    assert_eq!((main.len(), sessions.len()), (4, 1), "{sessions:?}");
    let last = main.last().unwrap();
    let convo = last.body["messages"].to_string();
    assert!(convo.contains("Clamp the price at zero") && convo.contains("FAIL: price 5 10 = -4"));
    // The Stop hook is in place, and invisible to git.
    let hook = std::fs::read_to_string(worktree.join(".claude/settings.local.json")).unwrap();
    assert!(hook.contains("signal done"), "{hook}");
    assert_eq!(git(&worktree, &["status", "--porcelain"]), "");
}

/// The screen check: Claude Code's idle screen in an andon pane equals tmux's, cell
/// by cell (text, colors, reverse video).
#[test]
fn claude_screen_in_a_pane_equals_tmux() {
    let Some(clis) = rig::agent_clis() else {
        return;
    };
    screens::compare(&clis, screens::Agent::Claude);
}

/// The same for Codex.
#[test]
fn codex_screen_in_a_pane_equals_tmux() {
    let Some(clis) = rig::agent_clis() else {
        return;
    };
    screens::compare(&clis, screens::Agent::Codex);
}

//! Agent states beyond exit codes: an API error, an authentication failure, a rate or usage
//! limit, a permission prompt waiting for a human — recognised in what the agent printed (a
//! one-shot run's last output, an interactive agent's screen). Pure, data-driven: each row is
//! a pattern, the families it applies to, and what it means.

use std::sync::OnceLock;

use regex::Regex;

use super::Family;
pub use crate::condition::{AgentCondition, Condition};

struct Rule {
    condition: AgentCondition,
    /// `None`: every agent.
    families: Option<&'static [Family]>,
    pattern: &'static str,
}

/// Most specific first: a 429 page that also says "error" is a rate limit.
const RULES: &[Rule] = &[
    Rule {
        condition: AgentCondition::NeedsPermission,
        families: Some(&[Family::Claude]),
        pattern: r"(Do you want to (proceed|make this edit|create|allow|use this API key)|Yes, I trust this folder|Yes, I accept)",
    },
    Rule {
        condition: AgentCondition::NeedsPermission,
        families: Some(&[Family::Codex]),
        pattern: r"(Would you like to (run|make|apply)|Allow command\?|Trust this folder\?|Press enter to confirm)",
    },
    Rule {
        condition: AgentCondition::NeedsPermission,
        families: Some(&[Family::Sim]),
        pattern: r"Allow this action\? \[y/n\]",
    },
    Rule {
        condition: AgentCondition::RateLimited,
        families: None,
        pattern: r"(?i)(rate[ _-]?limit|\(429\)|\b429 too many|status:? 429|api error: 429|too many requests|usage limit|quota exceeded|limit reached)",
    },
    Rule {
        condition: AgentCondition::AuthFailed,
        families: None,
        pattern: r"(?i)(authentication[_ ]error|invalid (x-)?api[ -]key|\b401\b|unauthorized|please run /login|not logged in|missing (an )?api key|incorrect api key)",
    },
    Rule {
        condition: AgentCondition::ApiError,
        families: None,
        pattern: r"(?i)(api error|overloaded|internal server error|\b5\d\d (internal|service|bad gateway|server)|stream (error|disconnected)|unexpected status \d{3}|connection (error|refused)|experiencing high demand)",
    },
];

fn compiled() -> &'static [(usize, Regex)] {
    static COMPILED: OnceLock<Vec<(usize, Regex)>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        RULES
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| Regex::new(rule.pattern).ok().map(|re| (i, re)))
            .collect()
    })
}

/// The condition `text` shows for an agent of `family`, judged on its last `lines` non-blank
/// lines (what the agent said last, not a file it printed earlier). The first matching rule
/// wins, and within it the latest line.
pub fn recognise(family: Option<Family>, text: &str, lines: usize) -> Option<Condition> {
    let clean = crate::sanitize::printable(text, true);
    let last: Vec<String> = clean
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .rev()
        .take(lines)
        .map(said)
        .collect();
    for (i, re) in compiled() {
        let rule = &RULES[*i];
        let applies = rule
            .families
            .is_none_or(|fams| family.is_some_and(|f| fams.contains(&f)));
        if !applies {
            continue;
        }
        if let Some(line) = last.iter().find(|l| re.is_match(l)) {
            let shown: String = line.chars().filter(|c| !c.is_control()).take(200).collect();
            return Some(Condition {
                condition: rule.condition,
                line: shown,
            });
        }
    }
    None
}

/// What a line of output says: the message of a JSON report (Claude Code's
/// `--output-format json` result, whose `result` comes after twenty other fields; a Codex
/// JSON `error` event), else the line itself.
fn said(line: &str) -> String {
    if line.starts_with('{') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            let text = v["result"]
                .as_str()
                .or(v["message"].as_str())
                .or(v["error"]["message"].as_str());
            if let Some(text) = text {
                return text.to_string();
            }
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgentCondition::*;

    #[test]
    fn every_rule_compiles() {
        assert_eq!(compiled().len(), RULES.len());
    }

    #[test]
    fn recognise_table() {
        let claude = Some(Family::Claude);
        let codex = Some(Family::Codex);
        let cases: &[(&str, Option<Family>, &str, Option<AgentCondition>)] = &[
            ("claude api error", claude, "API Error: 500 {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"mock overloaded\"}}", Some(ApiError)),
            ("claude overloaded", claude, "API Error: Repeated 529 Overloaded errors", Some(ApiError)),
            ("claude auth", claude, "Invalid API key · Please run /login", Some(AuthFailed)),
            ("claude 401", claude, "API Error: 401 {\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"}}", Some(AuthFailed)),
            ("claude rate limit", claude, "API Error: 429 {\"error\":{\"type\":\"rate_limit_error\"}}", Some(RateLimited)),
            ("claude usage limit", claude, "Claude AI usage limit reached|1767225600", Some(RateLimited)),
            ("claude permission", claude, "Bash command\n  rm -rf build\nDo you want to proceed?\n❯ 1. Yes", Some(NeedsPermission)),
            ("codex stream error", codex, "ERROR: unexpected status 500 Internal Server Error: mock overloaded", Some(ApiError)),
            ("codex 401", codex, "ERROR: unexpected status 401 Unauthorized: Incorrect API key provided", Some(AuthFailed)),
            ("codex 429", codex, "ERROR: exceeded retry limit, last status: 429 Too Many Requests", Some(RateLimited)),
            ("codex approval", codex, "Would you like to run the following command?", Some(NeedsPermission)),
            // Texts the real CLIs print against a mock API (claude 2.1.330, codex 0.169.0).
            ("claude 500, real", claude, "API Error: 500 mock overloaded. This is a server-side issue, usually temporary — try again in a moment.", Some(ApiError)),
            ("claude 429, real", claude, "API Error: Request rejected (429) · mock rate limited", Some(RateLimited)),
            ("claude 401, real", claude, "Invalid API key · Fix external API key", Some(AuthFailed)),
            ("claude json error", claude, r#"{"type":"result","subtype":"success","is_error":true,"result":"API Error: Request rejected (429) · slow down","api_error_status":429}"#, Some(RateLimited)),
            ("claude trust dialog", claude, "Accessing workspace:
❯ 1. Yes, I trust this folder
  2. No, exit", Some(NeedsPermission)),
            ("codex 500, real", codex, "ERROR: We’re currently experiencing high demand, which may cause temporary errors.", Some(ApiError)),
            ("codex 401, real", codex, "ERROR: unexpected status 401 Unauthorized: mock invalid x-api-key, url: http://127.0.0.1:9/v1/responses", Some(AuthFailed)),
            ("codex trust", codex, "Folder access
Trust this folder?
› 1. Trust and continue", Some(NeedsPermission)),
            ("a claude prompt is not a codex prompt", codex, "Do you want to proceed?", None),
            ("ordinary test output", claude, "test result: FAILED. 3 passed; 1 failed", None),
            ("a number that is not a status", claude, "wrote 4290 bytes", None),
            ("429 as a count", claude, "checked 429 files", None),
            ("clean finish", codex, "tokens used: 1,234", None),
        ];
        for (name, family, text, expected) in cases {
            let got = recognise(*family, text, 8).map(|r| r.condition);
            assert_eq!(got, *expected, "{name}");
        }
    }

    #[test]
    fn only_the_last_lines_count_and_the_line_is_kept() {
        let text = "API Error: 500 early\nfine\nfine\nfine\n";
        assert_eq!(recognise(Some(Family::Claude), text, 3), None);
        let got = recognise(Some(Family::Claude), text, 4).expect("seen");
        assert_eq!(got.line, "API Error: 500 early");
    }

    #[test]
    fn a_json_report_is_read_for_its_message() {
        // Claude Code 2.1.330's `--output-format json` on a 500, trimmed: `result` comes late.
        let claude = r#"{"duration_api_ms":0,"stop_reason":"stop_sequence","session_id":"d212","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0},"terminal_reason":"api_error","is_error":true,"num_turns":1,"subtype":"success","api_error_status":500,"result":"API Error: 500 mock overloaded. This is a server-side issue, usually temporary — try again in a moment.","type":"result"}"#;
        let got = recognise(Some(Family::Claude), claude, 4).expect("seen");
        assert_eq!(got.condition, ApiError);
        assert!(
            got.line.starts_with("API Error: 500 mock overloaded."),
            "{}",
            got.line
        );
        let codex = r#"{"type":"error","message":"We’re currently experiencing high demand, which may cause temporary errors."}"#;
        let got = recognise(Some(Family::Codex), codex, 4).expect("seen");
        assert!(got.line.starts_with("We’re currently"), "{}", got.line);
    }
}

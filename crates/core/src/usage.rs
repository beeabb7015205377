//! What an agent run cost, read from what the agent printed: Claude Code's JSON result
//! (`--output-format json` or the last line of `stream-json`: `usage` and `total_cost_usd`),
//! Codex's JSON events (`turn.completed` with `usage`) and Codex's plain `tokens used` line.
//! Pure; the reducer adds each run's usage up and stops the line when a budget is spent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::sanitize::printable;

/// Tokens and, when the agent reports it, money.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Millionths of a US dollar; `None` when no run reported a cost.
    #[serde(default)]
    pub cost_micros: Option<u64>,
}

impl Usage {
    pub fn tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    pub fn add(&mut self, other: &Usage) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.cost_micros = match (self.cost_micros, other.cost_micros) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
        };
    }
}

/// Dollars as micro-dollars (a budget from a plan, a cost from an agent).
pub fn micros(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 {
        (usd * 1_000_000.0).round() as u64
    } else {
        0
    }
}

/// `$1.23` from micro-dollars.
pub fn dollars(micros: u64) -> String {
    format!("${:.2}", micros as f64 / 1_000_000.0)
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The usage an agent's output reports, summed over every report in it; `None` when it
/// reports none.
pub fn usage_in(output: &str) -> Option<Usage> {
    let text = printable(output, true);
    let mut total: Option<Usage> = None;
    let mut add = |u: Usage| total.get_or_insert_with(Usage::default).add(&u);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with('{') {
            if let Ok(v) = serde_json::from_str::<Value>(line) {
                if let Some(u) = json_usage(&v) {
                    add(u);
                }
            }
            continue;
        }
        // Codex's plain output: "tokens used: 12,345", or the label and the figure on two
        // lines.
        let lower = line.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("tokens used") {
            let figure = rest.trim_start_matches([':', ' ']);
            let figure = if figure.is_empty() {
                lines.get(i + 1).copied().unwrap_or("")
            } else {
                figure
            };
            if let Some(n) = number(figure) {
                add(Usage {
                    input_tokens: n,
                    output_tokens: 0,
                    cost_micros: None,
                });
            }
        }
    }
    total
}

/// One JSON event's usage: Claude's result object, or Codex's `turn.completed`.
fn json_usage(v: &Value) -> Option<Usage> {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    let usage = v.get("usage")?;
    let n = |key: &str| usage.get(key).and_then(Value::as_u64).unwrap_or(0);
    match kind {
        "result" => Some(Usage {
            // Cached input is still input the model read.
            input_tokens: n("input_tokens")
                + n("cache_creation_input_tokens")
                + n("cache_read_input_tokens"),
            output_tokens: n("output_tokens"),
            cost_micros: v.get("total_cost_usd").and_then(Value::as_f64).map(micros),
        }),
        "turn.completed" => Some(Usage {
            input_tokens: n("input_tokens"),
            output_tokens: n("output_tokens"),
            cost_micros: None,
        }),
        _ => None,
    }
}

fn number(s: &str) -> Option<u64> {
    let digits: String = s
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_table() {
        let claude = r#"{"type":"result","subtype":"success","is_error":false,"result":"Fixed.","total_cost_usd":0.0123,"usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":30,"output_tokens":50}}"#;
        let codex_json = "{\"type\":\"thread.started\"}\n{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1000,\"cached_input_tokens\":200,\"output_tokens\":300}}\n{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":10,\"output_tokens\":5}}";
        let cases: &[(&str, &str, Option<Usage>)] = &[
            (
                "claude json result",
                claude,
                Some(Usage {
                    input_tokens: 150,
                    output_tokens: 50,
                    cost_micros: Some(12_300),
                }),
            ),
            (
                "codex json events, summed",
                codex_json,
                Some(Usage {
                    input_tokens: 1010,
                    output_tokens: 305,
                    cost_micros: None,
                }),
            ),
            (
                "codex plain, one line",
                "done\ntokens used: 12,345\n",
                Some(Usage {
                    input_tokens: 12_345,
                    output_tokens: 0,
                    cost_micros: None,
                }),
            ),
            (
                "codex plain, two lines with color",
                "\x1b[35mtokens used\x1b[0m\r\n1,234\r\n",
                Some(Usage {
                    input_tokens: 1_234,
                    output_tokens: 0,
                    cost_micros: None,
                }),
            ),
            ("nothing reported", "all done\n{\"type\":\"item\"}", None),
        ];
        for (name, output, expected) in cases {
            assert_eq!(&usage_in(output), expected, "{name}");
        }
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(dollars(micros(2.5)), "$2.50");
        let mut a = Usage::default();
        a.add(&Usage {
            input_tokens: 1,
            output_tokens: 2,
            cost_micros: None,
        });
        assert_eq!((a.tokens(), a.cost_micros), (3, None));
        a.add(&Usage {
            cost_micros: Some(5),
            ..Usage::default()
        });
        assert_eq!(a.cost_micros, Some(5));
    }
}

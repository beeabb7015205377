//! Anthropic Messages API (`POST /v1/messages`) as Claude Code uses it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

use super::{content_text, http::Response, Action, Kind, Script, Turn};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

fn error_type(status: u16) -> &'static str {
    match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    }
}

fn is_tool_result_msg(m: &Value) -> bool {
    m["role"] == "user"
        && m["content"]
            .as_array()
            .is_some_and(|c| c.iter().any(|b| b["type"] == "tool_result"))
}

/// The last human (non-tool-result) user message's text, and the tool rounds since.
pub fn rounds(body: &Value) -> (String, usize) {
    let msgs = body["messages"].as_array().cloned().unwrap_or_default();
    let last = msgs
        .iter()
        .rposition(|m| m["role"] == "user" && !is_tool_result_msg(m));
    let prompt = last
        .map(|i| content_text(&msgs[i]["content"]))
        .unwrap_or_default();
    let after = last.map_or(0, |i| i + 1);
    (
        prompt,
        msgs[after..]
            .iter()
            .filter(|m| is_tool_result_msg(m))
            .count(),
    )
}

/// Texts of all `tool_result` blocks in the request.
pub fn tool_results(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for m in body["messages"].as_array().into_iter().flatten() {
        for b in m["content"].as_array().into_iter().flatten() {
            if b["type"] != "tool_result" {
                continue;
            }
            out.push(content_text(&b["content"]));
        }
    }
    out
}

/// Content blocks (in Anthropic shape) for one scripted turn.
fn blocks(turn: &Turn) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(t) = &turn.text {
        out.push(json!({ "type": "text", "text": t }));
    }
    for a in &turn.actions {
        let (name, input) = match a {
            Action::WriteFile { path, contents } => {
                ("Write", json!({ "file_path": path, "content": contents }))
            }
            Action::Run { command } => (
                "Bash",
                json!({ "command": command, "description": "Run scripted command" }),
            ),
        };
        let id = format!("toolu_mock_{:04}", next_id());
        out.push(json!({ "type": "tool_use", "id": id, "name": name, "input": input }));
    }
    out
}

fn message(model: &str, content: Vec<Value>, stop: &str, script: &Script) -> Value {
    json!({
        "id": format!("msg_mock_{:04}", next_id()),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": null,
        "usage": {
            "input_tokens": script.input_tokens,
            "output_tokens": script.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0
        }
    })
}

fn event(out: &mut String, v: Value) {
    out.push_str(&format!(
        "event: {}\ndata: {}\n\n",
        v["type"].as_str().unwrap_or(""),
        v
    ));
}

/// The SSE stream for a complete message.
pub fn sse(msg: &Value) -> String {
    let mut out = String::new();
    let mut start = msg.clone();
    start["content"] = json!([]);
    start["stop_reason"] = Value::Null;
    start["usage"]["output_tokens"] = json!(1);
    event(
        &mut out,
        json!({ "type": "message_start", "message": start }),
    );
    for (i, b) in msg["content"].as_array().into_iter().flatten().enumerate() {
        let (start_block, delta) = if b["type"] == "tool_use" {
            (
                json!({ "type": "tool_use", "id": b["id"], "name": b["name"], "input": {} }),
                json!({ "type": "input_json_delta", "partial_json": b["input"].to_string() }),
            )
        } else {
            (
                json!({ "type": "text", "text": "" }),
                json!({ "type": "text_delta", "text": b["text"] }),
            )
        };
        event(
            &mut out,
            json!({ "type": "content_block_start", "index": i, "content_block": start_block }),
        );
        event(
            &mut out,
            json!({ "type": "content_block_delta", "index": i, "delta": delta }),
        );
        event(
            &mut out,
            json!({ "type": "content_block_stop", "index": i }),
        );
    }
    event(
        &mut out,
        json!({
            "type": "message_delta",
            "delta": { "stop_reason": msg["stop_reason"], "stop_sequence": null },
            "usage": { "output_tokens": msg["usage"]["output_tokens"] }
        }),
    );
    event(&mut out, json!({ "type": "message_stop" }));
    out
}

/// Answers one `POST /v1/messages`.
pub fn respond(script: &Script, body: &Value) -> (Kind, Response) {
    let has_tools = body["tools"].as_array().is_some_and(|t| !t.is_empty());
    let kind = if has_tools {
        Kind::AnthropicMain
    } else {
        Kind::AnthropicSide
    };
    if let Some(err) = &script.error {
        let v = json!({
            "type": "error",
            "error": { "type": error_type(err.status), "message": err.message }
        });
        let mut r = Response::json(err.status, &v).with_header("request-id", "req_mock_error");
        if err.no_retry {
            r = r.with_header("x-should-retry", "false");
        }
        return (kind, r);
    }
    let model = body["model"].as_str().unwrap_or("claude-mock");
    let msg = if has_tools {
        let (prompt, n) = rounds(body);
        let turn = script.turn(&prompt, n);
        let content = blocks(&turn);
        let stop = if turn.actions.is_empty() {
            "end_turn"
        } else {
            "tool_use"
        };
        message(model, content, stop, script)
    } else {
        let content = vec![json!({ "type": "text", "text": script.side_text })];
        message(model, content, "end_turn", script)
    };
    let resp = if body["stream"] == true {
        Response::sse(sse(&msg))
    } else {
        Response::json(200, &msg)
    };
    (kind, resp.with_header("request-id", "req_mock"))
}

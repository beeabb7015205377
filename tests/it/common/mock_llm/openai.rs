//! OpenAI Responses API (`POST /v1/responses`) as codex uses it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

use super::{content_text, http::Response, shell_quote, Action, Script, Turn};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The last user message's text, and the tool rounds (groups of
/// `function_call_output` items) since.
pub fn rounds(body: &Value) -> (String, usize) {
    let items = body["input"].as_array().cloned().unwrap_or_default();
    let last = items
        .iter()
        .rposition(|i| i["type"] == "message" && i["role"] == "user");
    let prompt = last
        .map(|i| content_text(&items[i]["content"]))
        .unwrap_or_default();
    let last_user = last.map_or(0, |i| i + 1);
    let mut groups = 0;
    let mut in_group = false;
    for it in &items[last_user..] {
        let is_out =
            it["type"] == "function_call_output" || it["type"] == "custom_tool_call_output";
        if is_out && !in_group {
            groups += 1;
        }
        in_group = is_out;
    }
    (prompt, groups)
}

/// Texts of all function-call outputs in the request.
pub fn tool_results(body: &Value) -> Vec<String> {
    body["input"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| i["type"] == "function_call_output" || i["type"] == "custom_tool_call_output")
        .map(|i| match &i["output"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        })
        .collect()
}

/// One shell command performing all actions of a turn, in order.
pub fn turn_command(turn: &Turn) -> String {
    let parts: Vec<String> = turn
        .actions
        .iter()
        .map(|a| match a {
            Action::WriteFile { path, contents } => format!(
                "mkdir -p \"$(dirname {p})\" && printf '%s' {c} > {p}",
                p = shell_quote(path),
                c = shell_quote(contents)
            ),
            Action::Run { command } => command.clone(),
        })
        .collect();
    parts.join(" && ")
}

/// Function-call arguments for whichever shell tool the request offers.
fn shell_call(body: &Value, cmd: &str, escalate: bool) -> (String, String) {
    let names: Vec<&str> = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    if names.contains(&"exec_command") || names.is_empty() {
        let mut args = json!({ "cmd": cmd, "yield_time_ms": 10000 });
        if escalate {
            args["sandbox_permissions"] = json!("require_escalated");
            args["justification"] = json!("Write the scripted fix?");
        }
        ("exec_command".into(), args.to_string())
    } else if names.contains(&"shell_command") {
        (
            "shell_command".into(),
            json!({ "command": cmd }).to_string(),
        )
    } else {
        (
            "shell".into(),
            json!({ "command": ["bash", "-lc", cmd] }).to_string(),
        )
    }
}

fn output_items(script: &Script, body: &Value) -> Vec<Value> {
    let (prompt, n) = rounds(body);
    let turn = script.turn(&prompt, n);
    let mut items = Vec::new();
    if let Some(t) = &turn.text {
        items.push(json!({
            "type": "message",
            "id": format!("msg_mock_{:04}", next_id()),
            "role": "assistant",
            "status": "completed",
            "content": [{ "type": "output_text", "text": t, "annotations": [] }]
        }));
    }
    if !turn.actions.is_empty() {
        let (name, arguments) = shell_call(body, &turn_command(&turn), script.codex_escalate);
        let n = next_id();
        items.push(json!({
            "type": "function_call",
            "id": format!("fc_mock_{n:04}"),
            "call_id": format!("call_mock_{n:04}"),
            "name": name,
            "arguments": arguments,
            "status": "completed"
        }));
    }
    items
}

fn usage(script: &Script) -> Value {
    json!({
        "input_tokens": script.input_tokens,
        "input_tokens_details": { "cached_tokens": 0 },
        "output_tokens": script.output_tokens,
        "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": script.input_tokens + script.output_tokens
    })
}

fn event(out: &mut String, v: Value) {
    out.push_str(&format!(
        "event: {}\ndata: {}\n\n",
        v["type"].as_str().unwrap_or(""),
        v
    ));
}

/// SSE stream: created, per item added(+text delta)+done, completed.
pub fn sse(id: &str, model: &str, items: &[Value], usage: Value) -> String {
    let mut out = String::new();
    let mut seq = 0u64;
    let mut ev = |out: &mut String, mut v: Value| {
        v["sequence_number"] = json!(seq);
        seq += 1;
        event(out, v);
    };
    let base = json!({ "id": id, "object": "response", "model": model, "status": "in_progress", "output": [] });
    ev(
        &mut out,
        json!({ "type": "response.created", "response": base }),
    );
    for (i, item) in items.iter().enumerate() {
        let mut added = item.clone();
        added["status"] = json!("in_progress");
        if item["type"] == "message" {
            added["content"] = json!([]);
        }
        if item["type"] == "function_call" {
            added["arguments"] = json!("");
        }
        ev(
            &mut out,
            json!({ "type": "response.output_item.added", "output_index": i, "item": added }),
        );
        if item["type"] == "message" {
            let text = item["content"][0]["text"].clone();
            ev(
                &mut out,
                json!({
                    "type": "response.output_text.delta", "item_id": item["id"],
                    "output_index": i, "content_index": 0, "delta": text
                }),
            );
        }
        ev(
            &mut out,
            json!({ "type": "response.output_item.done", "output_index": i, "item": item }),
        );
    }
    let mut done = base;
    done["status"] = json!("completed");
    done["output"] = json!(items);
    done["usage"] = usage;
    ev(
        &mut out,
        json!({ "type": "response.completed", "response": done }),
    );
    out
}

/// Side requests (the TUI's thread-title generator) ask for structured JSON
/// output via `text.format` = json_schema; the agent loop never does.
pub fn is_side(body: &Value) -> bool {
    body["text"]["format"]["type"] == "json_schema"
}

/// A JSON answer satisfying the requested schema's string properties.
fn side_items(script: &Script, body: &Value) -> Vec<Value> {
    let mut answer = serde_json::Map::new();
    if let Some(props) = body["text"]["format"]["schema"]["properties"].as_object() {
        for (k, v) in props {
            if v["type"] == "string" {
                answer.insert(k.clone(), json!(script.side_text));
            }
        }
    }
    vec![json!({
        "type": "message",
        "id": format!("msg_mock_{:04}", next_id()),
        "role": "assistant",
        "status": "completed",
        "content": [{ "type": "output_text", "text": Value::Object(answer).to_string(), "annotations": [] }]
    })]
}

/// Answers one `POST /v1/responses`.
pub fn respond(script: &Script, body: &Value) -> Response {
    if let Some(err) = &script.error {
        let (ty, code) = match err.status {
            401 => ("invalid_request_error", "invalid_api_key"),
            429 => ("requests", "rate_limit_exceeded"),
            _ => ("server_error", "server_error"),
        };
        let v =
            json!({ "error": { "message": err.message, "type": ty, "param": null, "code": code } });
        return Response::json(err.status, &v);
    }
    let id = format!("resp_mock_{:04}", next_id());
    let model = body["model"].as_str().unwrap_or("mock");
    let items = if is_side(body) {
        side_items(script, body)
    } else {
        output_items(script, body)
    };
    if body["stream"] == true {
        Response::sse(sse(&id, model, &items, usage(script)))
    } else {
        Response::json(
            200,
            &json!({
                "id": id, "object": "response", "model": model, "status": "completed",
                "output": items, "usage": usage(script)
            }),
        )
    }
}

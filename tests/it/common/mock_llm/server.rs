//! The mock's server: an accept thread, one thread per connection, the request log, and
//! routing of each request to the Anthropic or OpenAI side.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

use super::{anthropic, http, openai, Script};

/// Which API/role a recorded request was classified as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A scripted Anthropic main-loop request (had tools).
    AnthropicMain,
    /// An Anthropic request without tools (title, summary, quota...).
    AnthropicSide,
    AnthropicCountTokens,
    OpenAiResponses,
    /// A codex side request (thread title: `text.format` json_schema).
    OpenAiSide,
    Other,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// Parsed JSON body (`Null` when empty or not JSON).
    pub body: Value,
    pub kind: Kind,
    pub status: u16,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    script: Script,
    log: Mutex<Vec<Recorded>>,
    conns: Mutex<Vec<TcpStream>>,
    stop: AtomicBool,
}

pub struct MockLlm {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<thread::JoinHandle<()>>,
}

impl MockLlm {
    pub fn start(script: Script) -> MockLlm {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind mock");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            script,
            log: Mutex::new(Vec::new()),
            conns: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let sh = shared.clone();
        let accept = thread::spawn(move || {
            for stream in listener.incoming() {
                if sh.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let _ = stream.set_nodelay(true);
                if let Ok(c) = stream.try_clone() {
                    sh.conns.lock().unwrap().push(c);
                }
                let sh2 = sh.clone();
                thread::spawn(move || {
                    let _ = http::serve_connection(stream, |req| handle(&sh2, req));
                });
            }
        });
        MockLlm {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash, no `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests of one kind.
    pub fn requests_of(&self, kind: Kind) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.kind == kind)
            .collect()
    }

    /// Every tool result text the agents sent back (Anthropic `tool_result`
    /// blocks and OpenAI `function_call_output` items), de-duplicated.
    pub fn tool_results(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in self.requests() {
            let found = match r.kind {
                Kind::AnthropicMain => anthropic::tool_results(&r.body),
                Kind::OpenAiResponses => openai::tool_results(&r.body),
                _ => vec![],
            };
            for t in found {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }
}

impl Drop for MockLlm {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wake accept()
        for c in self.shared.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn handle(sh: &Shared, req: &http::Request) -> http::Response {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let path = req.path.trim_end_matches('/');
    let (kind, resp) = if req.method == "POST" && path.ends_with("/messages/count_tokens") {
        let n = serde_json::json!({ "input_tokens": sh.script.input_tokens });
        (Kind::AnthropicCountTokens, http::Response::json(200, &n))
    } else if req.method == "POST" && path.ends_with("/messages") {
        anthropic::respond(&sh.script, &body)
    } else if req.method == "POST" && path.ends_with("/responses") {
        let kind = if openai::is_side(&body) {
            Kind::OpenAiSide
        } else {
            Kind::OpenAiResponses
        };
        (kind, openai::respond(&sh.script, &body))
    } else {
        let e = serde_json::json!({
            "type": "error",
            "error": { "type": "not_found_error", "message": format!("mock: no route {}", req.path) }
        });
        (Kind::Other, http::Response::json(404, &e))
    };
    sh.log.lock().unwrap().push(Recorded {
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        headers: req.headers.clone(),
        body,
        kind: kind.clone(),
        status: resp.status,
    });
    let main = matches!(kind, Kind::AnthropicMain | Kind::OpenAiResponses);
    if main && !sh.script.delay.is_zero() && sh.script.error.is_none() {
        thread::sleep(sh.script.delay);
    }
    resp
}

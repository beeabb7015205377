//! The control socket `.andon/control.sock`: the running supervisor serves one JSON request per
//! line; `andon stop / resume / redirect / meta-andon / abort / approve` are its clients.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

use crate::core::event::{HumanAction, Outcome};
use crate::engine::supervisor::Supervisor;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Request {
    /// stop | resume | redirect | meta_andon | abort | rollback | answer | approve | status |
    /// cleanup | signal | start
    pub action: String,
    #[serde(default, rename = "loop")]
    pub loop_name: Option<String>,
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub message: Option<String>,
    /// approve: what to do with the branch.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// cleanup: remove even with unsaved work (the reason is `message`).
    #[serde(default)]
    pub force: bool,
    /// cleanup: delete the loop's branch too.
    #[serde(default)]
    pub delete_branch: bool,
    /// start: plan files (absolute paths) for the supervisor to start loops from.
    #[serde(default)]
    pub plans: Vec<String>,
    /// start: a plan whose loop exists replaces it (the loop is aborted first).
    #[serde(default)]
    pub replace: bool,
    /// start: the agent profile for these plans, whatever they name (`andon run --agent`).
    #[serde(default)]
    pub agent: Option<String>,
}

impl Request {
    /// Plan files for the supervisor to start loops from (`andon run` in another terminal,
    /// a read-only board's plan picker).
    pub fn start(plans: &[std::path::PathBuf], replace: bool, agent: Option<String>) -> Request {
        Request {
            action: "start".into(),
            plans: plans
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            replace,
            agent,
            ..Request::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Response {
    pub ok: bool,
    pub message: String,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

impl Response {
    fn from(result: Result<String, String>) -> Response {
        match result {
            Ok(message) => Response {
                ok: true,
                message,
                data: None,
            },
            Err(message) => Response {
                ok: false,
                message,
                data: None,
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("no andon supervisor is running on this repo (no answer on {0}); nothing was changed\n  fix: `andon` opens the board with every unfinished loop (act on it there), or `andon run --headless --serve` hosts them for these commands")]
    NotRunning(String),
    #[error("the supervisor's answer could not be read: {0}")]
    Protocol(String),
}

/// Send one request to the running supervisor and wait for its answer.
pub fn request(socket: &Path, req: &Request) -> Result<Response, ControlError> {
    let not_running = || ControlError::NotRunning(socket.display().to_string());
    let mut stream = UnixStream::connect(socket).map_err(|_| not_running())?;
    // Ending a run waits out the agent's SIGTERM grace; leave room for it.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut line = serde_json::to_string(req).map_err(|e| ControlError::Protocol(e.to_string()))?;
    line.push('\n');
    stream
        .write_all(line.as_bytes())
        .map_err(|e| ControlError::Protocol(e.to_string()))?;
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .map_err(|e| ControlError::Protocol(e.to_string()))?;
    serde_json::from_str(&answer).map_err(|e| ControlError::Protocol(format!("{e}: {answer:?}")))
}

/// Who a socket serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `.andon/control.sock`: people (the CLI, a board). A process known to be one of this
    /// supervisor's agents is still held to the agent's actions.
    Human,
    /// `.andon/agent.sock`: the agents (inside their namespaces it is the one socket they
    /// see): only signalling and reading status.
    Agent,
}

/// Serve the socket until the supervisor goes away. A stale socket file from a dead supervisor
/// is replaced (the repo lock proves no other supervisor is alive).
pub async fn serve(
    socket: &Path,
    sup: Arc<Supervisor>,
    channel: Channel,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let _ = std::fs::remove_file(socket);
    let listener = UnixListener::bind(socket)?;
    // Only the user who runs the supervisor may steer it.
    std::fs::set_permissions(socket, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    Ok(tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tracing::warn!("control socket: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let sup = Arc::clone(&sup);
            // Agents may say their turn is over, nothing more: a process that carries this
            // supervisor's token in its environment, or runs in the session of one that does
            // (every agent leads its own session), is one of its agents or their children.
            let peer = stream.peer_cred().ok().and_then(|c| c.pid());
            // (A process under a loop's agent counts as one even when it dropped the token
            // and left the agent's session, and a confined one wherever it went, as on
            // Landlock alone it can.)
            let from_agent = channel == Channel::Agent
                || peer.is_none_or(|pid| {
                    in_other_namespace(pid)
                        || in_agent_session(pid, sup.shared().token())
                        || loop_of(&sup, pid).is_some()
                        || confined_apart(pid)
                });
            // An agent speaks for its own loop only: the one whose agent process it descends
            // from (what it says about itself, its environment, proves nothing).
            let caller = if from_agent {
                Caller::Agent(peer.and_then(|pid| loop_of(&sup, pid)))
            } else {
                Caller::Person
            };
            tokio::spawn(async move {
                let _answering = sup.begin_request();
                let (read, mut write) = stream.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                let Ok(Some(line)) = lines.next_line().await else {
                    return;
                };
                let response = match serde_json::from_str::<Request>(&line) {
                    Ok(req) if from_agent && !AGENT_ACTIONS.contains(&req.action.as_str()) => {
                        Response::from(Err(format!(
                            "`{}` refused: this runs inside an agent of this supervisor, which \
                             may only signal or read status; run it from a shell andon did not \
                             start, or use the board's keys",
                            req.action
                        )))
                    }
                    Ok(req) => match &caller {
                        Caller::Agent(own) => handle_agent(&sup, req, own.as_deref()).await,
                        Caller::Person => handle(&sup, req).await,
                    },
                    Err(e) => Response::from(Err(format!("bad request: {e}"))),
                };
                let mut out = serde_json::to_string(&response).unwrap_or_else(|_| "{}".into());
                out.push('\n');
                let _ = write.write_all(out.as_bytes()).await;
            });
        }
    }))
}

/// What an agent's process may ask of the supervisor.
const AGENT_ACTIONS: &[&str] = &["signal", "status"];

/// Who asks.
enum Caller {
    /// Someone at a shell or a board.
    Person,
    /// An agent's process, and the loop it belongs to when andon can tell.
    Agent(Option<String>),
}

/// An agent's request: it signals its own loop's turn over and reads its own loop's status,
/// nothing of the other loops.
async fn handle_agent(sup: &Supervisor, req: Request, own: Option<&str>) -> Response {
    let Some(own) = own else {
        return Response::from(Err(format!(
            "`{}` refused: andon cannot tell which loop's agent this is (it left its agent's \
             process tree)",
            req.action
        )));
    };
    match req.action.as_str() {
        "status" => {
            let board: Vec<_> = sup
                .shared()
                .board()
                .into_iter()
                .filter(|v| v.name == own)
                .collect();
            Response {
                ok: true,
                message: format!("{} loops", board.len()),
                data: serde_json::to_value(board).ok(),
            }
        }
        _ => match req.loop_name.as_deref() {
            Some(named) if named != own => Response::from(Err(format!(
                "`{}` refused: this agent runs loop `{own}`, not `{named}`",
                req.action
            ))),
            _ => {
                let req = Request {
                    loop_name: Some(own.to_string()),
                    ..req
                };
                handle(sup, req).await
            }
        },
    }
}

/// The loop whose agent `pid` is or descends from: the nearest ancestor that is a loop's
/// agent process (in namespaces, what an agent starts stays under it even when orphaned).
fn loop_of(sup: &Supervisor, pid: i32) -> Option<String> {
    let ptys = &sup.shared().ptys;
    let mut at = pid;
    for _ in 0..MAX_ANCESTORS {
        if let Some(name) = ptys.loop_with_pid(at) {
            return Some(name);
        }
        at = parent_of(at).filter(|p| *p > 1)?;
    }
    None
}

/// How far up a process tree andon looks for the agent.
const MAX_ANCESTORS: usize = 64;

/// The parent of `pid`.
fn parent_of(pid: i32) -> Option<i32> {
    stat_field(pid, 1)
}

/// Whether `pid` is an agent's process: its own environment holds this supervisor's token,
/// or its session leader's does (a child that dropped the variable is still in the agent's
/// session). A guard against accidents, not a boundary: agents run as the same user.
fn in_agent_session(pid: i32, token: &str) -> bool {
    carries_token(pid, token) || session_of(pid).is_some_and(|sid| carries_token(sid, token))
}

/// Whether `pid` runs in other PID or mount namespaces than this supervisor: a sandboxed
/// agent (of this andon or of another, which reached this socket by its path), never a person
/// at a shell. A process that cannot be looked at counts as one too.
fn in_other_namespace(pid: i32) -> bool {
    ["pid", "mnt"].iter().any(|ns| {
        let mine = std::fs::read_link(format!("/proc/self/ns/{ns}")).ok();
        let theirs = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok();
        mine.is_none() || theirs.is_none() || mine != theirs
    })
}

/// Whether `pid` runs confined (`no_new_privs`, which Landlock requires, every child inherits
/// and nothing clears) while this supervisor does not: a sandboxed agent, or what it left
/// behind, wherever it went. Where andon itself runs with the flag (a container that sets it
/// for everything) it tells nothing.
fn confined_apart(pid: i32) -> bool {
    let no_new_privs = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("NoNewPrivs:"))
                    .map(|v| v.trim() == "1")
            })
    };
    no_new_privs("self") == Some(false) && no_new_privs(&pid.to_string()) != Some(false)
}

/// The session id of `pid`.
fn session_of(pid: i32) -> Option<i32> {
    stat_field(pid, 3)
}

/// Field `n` after the parenthesised name of /proc/PID/stat (1: the parent, 3: the session),
/// as a number.
fn stat_field(pid: i32, n: usize) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(n)?.parse().ok()
}

/// Whether process `pid`'s environment holds this supervisor's token (every agent and check
/// gets it, and their children inherit it).
fn carries_token(pid: i32, token: &str) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let entry = format!("{}={token}", crate::pty::reaper::TOKEN_VAR);
    environ
        .split(|b| *b == 0)
        .any(|var| var == entry.as_bytes())
}

async fn handle(sup: &Supervisor, req: Request) -> Response {
    let action = match req.action.as_str() {
        "status" => {
            let board = sup.shared().board();
            return Response {
                ok: true,
                message: format!("{} loops", board.len()),
                data: serde_json::to_value(board).ok(),
            };
        }
        "start" => {
            let plans = req.plans.iter().map(std::path::PathBuf::from).collect();
            return Response::from(sup.start_plans(plans, req.replace, req.agent).await);
        }
        "cleanup" => {
            let Some(name) = req.loop_name else {
                return Response::from(Err("name a loop".into()));
            };
            let force = req.force.then(|| req.message.clone().unwrap_or_default());
            return Response::from(sup.clean_up(&name, force, req.delete_branch).await);
        }
        // From an agent's hook, not a human: not audited, changes no state by itself.
        "signal" => {
            let Some(name) = req.loop_name else {
                return Response::from(Err("name a loop".into()));
            };
            return match req.message.as_deref() {
                Some("done") | None => Response::from(sup.signal_done(&name).await),
                Some(other) => {
                    Response::from(Err(format!("unknown signal `{other}` (known: done)")))
                }
            };
        }
        "stop" => HumanAction::Stop,
        // With a message: the fix plan text the human was shown and accepts.
        "resume" => HumanAction::Resume {
            fix_plan: req.message.clone(),
        },
        "redirect" => HumanAction::Redirect {
            note: req.message.clone().unwrap_or_default(),
        },
        "meta_andon" => HumanAction::MetaAndon,
        "abort" => HumanAction::Abort,
        "rollback" => HumanAction::Rollback,
        "answer" => HumanAction::Answer,
        "approve" => HumanAction::Approve {
            anyway: req.message.clone(),
            outcome: req.outcome.unwrap_or_default(),
        },
        other => return Response::from(Err(format!("unknown action `{other}`"))),
    };
    if req.all {
        return Response::from(sup.act_all(action).await);
    }
    match req.loop_name {
        Some(name) => Response::from(sup.act(&name, action).await),
        None => Response::from(Err("name a loop, or --all".into())),
    }
}

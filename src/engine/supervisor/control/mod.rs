//! The control sockets: `.andon/control.sock` for people (the CLI, a read-only board) and
//! `.andon/agent.sock` for agents. The running supervisor serves one request per line
//! (`protocol`), after telling who asks (`caller`): an agent may only say its turn is over,
//! read its own loop and query what it may read of the store (`store::query`).

mod caller;
mod protocol;

use std::path::Path;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::UnixListener;

use self::caller::{confined_apart, in_agent_session, in_other_namespace, loop_of};
pub use self::protocol::{forward, request, ControlError, Reply, Request, Target};
use crate::engine::supervisor::Supervisor;
use crate::store::query::{Limits, Reader};

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
    // A stale socket from a dead supervisor; none there is the usual case.
    let _stale = std::fs::remove_file(socket);
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
                let reply = match serde_json::from_str::<Request>(&line) {
                    Ok(req) if from_agent && !req.for_agents() => Reply::Refused {
                        message: format!(
                            "`{}` refused: this runs inside an agent of this supervisor, which \
                             may only signal, read status or query the store; run it from a shell andon did not \
                             start, or use the board's keys",
                            req.name()
                        ),
                    },
                    Ok(req) => match &caller {
                        Caller::Agent(own) => handle_agent(&sup, req, own.as_deref()).await,
                        Caller::Person => handle(&sup, req).await,
                    },
                    Err(e) => Reply::Refused {
                        message: format!("bad request: {e}"),
                    },
                };
                let out = match serde_json::to_string(&reply) {
                    Ok(out) => out + "\n",
                    Err(e) => {
                        tracing::warn!("control socket: the reply could not be written: {e}");
                        return;
                    }
                };
                if let Err(e) = write.write_all(out.as_bytes()).await {
                    tracing::debug!("control socket: the client left before its answer: {e}");
                }
            });
        }
    }))
}

/// Who asks.
enum Caller {
    /// Someone at a shell or a board.
    Person,
    /// An agent's process, and the loop it belongs to when andon can tell.
    Agent(Option<String>),
}

/// An agent's request: it signals its own loop's turn over and reads its own loop's status,
/// nothing of the other loops.
async fn handle_agent(sup: &Supervisor, req: Request, own: Option<&str>) -> Reply {
    let Some(own) = own else {
        return Reply::Refused {
            message: format!(
                "`{}` refused: andon cannot tell which loop's agent this is (it left its \
                 agent's process tree)",
                req.name()
            ),
        };
    };
    match req {
        Request::Status => Reply::Loops {
            loops: sup
                .shared()
                .board()
                .into_iter()
                .filter(|v| v.name == own)
                .collect(),
        },
        Request::TurnDone { loop_name } if loop_name != own => Reply::Refused {
            message: format!("`signal` refused: this agent runs loop `{own}`, not `{loop_name}`"),
        },
        Request::TurnDone { .. } => Reply::from_result(sup.signal_done(own).await),
        Request::Query { sql } => query(sup, sql, Reader::Agent).await,
        other => Reply::Refused {
            message: format!(
                "`{}` refused: agents may only signal, read status or query the store",
                other.name()
            ),
        },
    }
}

/// `andon query` for whoever asks, off the async runtime.
async fn query(sup: &Supervisor, sql: String, reader: Reader) -> Reply {
    let db = sup.shared().dirs().db();
    let limits = match reader {
        Reader::Agent => Limits::AGENT,
        Reader::Person => Limits::PERSON,
    };
    tokio::task::spawn_blocking(move || crate::store::query::run(&db, &sql, reader, limits))
        .await
        .map_or_else(
            |e| Reply::Refused {
                message: format!("query task failed: {e}"),
            },
            |answer| match answer {
                Ok(rows) => Reply::Rows(rows),
                Err(e) => Reply::Refused {
                    message: e.to_string(),
                },
            },
        )
}

async fn handle(sup: &Arc<Supervisor>, req: Request) -> Reply {
    let (target, action) = match req {
        Request::Status => {
            return Reply::Loops {
                loops: sup.shared().board(),
            }
        }
        Request::Start {
            plans,
            replace,
            agent,
            priority,
            after,
        } => {
            let s = crate::engine::supervisor::admission::Submission {
                paths: plans,
                priority,
                after,
                agent,
                replace,
            };
            return Reply::from_result(sup.start_plans(s).await);
        }
        Request::Cleanup {
            loop_name,
            force,
            delete_branch,
        } => return Reply::from_result(sup.clean_up(&loop_name, force, delete_branch).await),
        // From an agent's hook, not a human: not audited, changes no state by itself.
        Request::TurnDone { loop_name } => {
            return Reply::from_result(sup.signal_done(&loop_name).await)
        }
        Request::Query { sql } => return query(sup, sql, Reader::Person).await,
        Request::Adopt { id, prevention } => {
            return Reply::from_result(sup.kaizen_adopt(&id, prevention).await)
        }
        Request::Act { target, action } => (target, action),
    };
    Reply::from_result(match target {
        Target::All => sup.act_all(action).await,
        Target::Loop(name) => sup.act(&name, action).await,
    })
}

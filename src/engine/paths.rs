//! The layout of `.andon/`, the git-excluded folder andon owns inside the repo: the store, the
//! control socket, the repo lock, and one folder per loop with one folder per iteration.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct AndonDir {
    root: PathBuf,
}

impl AndonDir {
    pub fn new(repo_root: &Path) -> AndonDir {
        AndonDir {
            root: repo_root.join(".andon"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db(&self) -> PathBuf {
        self.root.join("andon.db")
    }

    pub fn socket(&self) -> PathBuf {
        self.root.join("control.sock")
    }

    /// The agents' channel: `andon signal done` and status reads, nothing that changes state.
    /// The only part of `.andon/` a sandboxed agent's namespace shows besides its own loop.
    pub fn agent_socket(&self) -> PathBuf {
        self.root.join("agent.sock")
    }

    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }

    pub fn log_file(&self) -> PathBuf {
        self.root.join("andon.log")
    }

    pub fn loop_dir(&self, loop_name: &str) -> PathBuf {
        self.root.join("loops").join(loop_name)
    }

    pub fn iter_dir(&self, loop_name: &str, iteration: u32) -> PathBuf {
        self.loop_dir(loop_name).join(format!("iter-{iteration}"))
    }

    pub fn prompt(&self, loop_name: &str, iteration: u32) -> PathBuf {
        self.iter_dir(loop_name, iteration).join("prompt.md")
    }

    /// The follow-up pasted into a continuing interactive session.
    pub fn follow_up(&self, loop_name: &str, iteration: u32) -> PathBuf {
        self.iter_dir(loop_name, iteration).join("follow-up.md")
    }

    /// Everything an interactive session printed, across its iterations.
    pub fn session_log(&self, loop_name: &str) -> PathBuf {
        self.loop_dir(loop_name).join("session.log")
    }

    pub fn agent_log(&self, loop_name: &str, iteration: u32) -> PathBuf {
        self.iter_dir(loop_name, iteration).join("agent.log")
    }

    pub fn check_log(&self, loop_name: &str, iteration: u32, kind: &str, check: &str) -> PathBuf {
        let safe: String = check
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let prefix = if kind == "goal" { "goal" } else { "check" };
        self.iter_dir(loop_name, iteration)
            .join(format!("{prefix}-{safe}.log"))
    }

    /// The one folder of `.andon/` a loop's agent may write (under the sandbox): where it
    /// writes its fix plans. Everything else there is andon's, written and read by andon
    /// alone.
    pub fn agent_dir(&self, loop_name: &str) -> PathBuf {
        self.loop_dir(loop_name).join("agent")
    }

    /// Where the plan-mode agent of iteration `iteration` completes its copy of the Five Whys
    /// file andon prefilled in the wiki; andon reads it back (no-follow) and commits it there.
    pub fn five_whys_draft(&self, loop_name: &str, iteration: u32) -> PathBuf {
        self.agent_dir(loop_name)
            .join(format!("five-whys-{iteration}.md"))
    }

    /// Where the plan-mode agent of iteration `iteration` writes its fix plan.
    pub fn fix_plan(&self, loop_name: &str, iteration: u32) -> PathBuf {
        self.agent_dir(loop_name)
            .join(format!("fix-plan-{iteration}.md"))
    }
}

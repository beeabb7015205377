//! The live agent PTYs of a supervisor, by loop: the UI writes keystrokes and terminal-query
//! replies to them and resizes them to its panes, without owning them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::or_log::OrLog;
use crate::pty::PtyChild;

#[derive(Clone, Default)]
pub struct PtyRegistry {
    inner: Arc<Mutex<HashMap<String, Arc<PtyChild>>>>,
}

impl PtyRegistry {
    pub fn insert(&self, loop_name: &str, child: Arc<PtyChild>) {
        if let Ok(mut m) = self.inner.lock() {
            m.insert(loop_name.to_string(), child);
        }
    }

    pub fn remove(&self, loop_name: &str) {
        if let Ok(mut m) = self.inner.lock() {
            m.remove(loop_name);
        }
    }

    fn get(&self, loop_name: &str) -> Option<Arc<PtyChild>> {
        self.inner
            .lock()
            .ok()
            .and_then(|m| m.get(loop_name).cloned())
    }

    /// Send bytes to the loop's running agent. False when none runs or its input is backed up
    /// (a child that stops reading never blocks andon: the bytes are dropped).
    pub fn write(&self, loop_name: &str, bytes: Vec<u8>) -> bool {
        self.get(loop_name).is_some_and(|c| c.write(bytes).is_ok())
    }

    pub fn resize(&self, loop_name: &str, rows: u16, cols: u16) {
        if let Some(c) = self.get(loop_name) {
            c.resize(rows, cols)
                .or_log("the agent exited meanwhile; its next PTY takes the pane's size");
        }
    }

    /// The loop whose agent is process `pid`, if one is.
    pub fn loop_with_pid(&self, pid: i32) -> Option<String> {
        let m = self.inner.lock().ok()?;
        m.iter()
            .find(|(_, child)| child.pid() == pid)
            .map(|(name, _)| name.clone())
    }

    pub fn is_running(&self, loop_name: &str) -> bool {
        self.get(loop_name).is_some()
    }
}

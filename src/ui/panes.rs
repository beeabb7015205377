//! The board's panes: one terminal emulator per loop, fed on the PTY reader thread through the
//! supervisor's output hook. Feeding only marks the board dirty; drawing happens on the UI's
//! own schedule, so a flooding agent is slowed by its PTY buffer, never by the UI.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::engine::ptys::PtyRegistry;
use crate::engine::shared::OutputHook;
use crate::term::Pane;

/// Lines of history a pane keeps in memory (deeper history is in the iteration's agent.log).
pub const SCROLLBACK: usize = 2000;

pub struct PaneSet {
    panes: Mutex<HashMap<String, Arc<Mutex<Pane>>>>,
    ptys: PtyRegistry,
    dirty: AtomicBool,
    wake: Arc<Notify>,
}

impl PaneSet {
    pub fn new(ptys: PtyRegistry) -> Arc<PaneSet> {
        Arc::new(PaneSet {
            panes: Mutex::new(HashMap::new()),
            ptys,
            dirty: AtomicBool::new(false),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Wakes the UI when any pane changed (permits coalesce: a flood is one wake-up).
    pub fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// The supervisor's output hook: bytes of loop `name` go into its pane.
    pub fn hook(self: &Arc<Self>) -> OutputHook {
        let me = Arc::clone(self);
        Arc::new(move |name: &str, bytes: &[u8]| {
            let pane = me.pane(name);
            if let Ok(mut p) = pane.lock() {
                p.feed(bytes);
            }
            me.dirty.store(true, Ordering::Release);
            me.wake.notify_one();
        })
    }

    /// The loop's pane, created on first use; its query replies go back to the agent's PTY.
    pub fn pane(&self, name: &str) -> Arc<Mutex<Pane>> {
        let Ok(mut panes) = self.panes.lock() else {
            return Arc::new(Mutex::new(self.new_pane(name, 24, 80)));
        };
        Arc::clone(
            panes
                .entry(name.to_string())
                .or_insert_with(|| Arc::new(Mutex::new(self.new_pane(name, 24, 80)))),
        )
    }

    fn new_pane(&self, name: &str, rows: u16, cols: u16) -> Pane {
        let ptys = self.ptys.clone();
        let loop_name = name.to_string();
        Pane::new(
            rows,
            cols,
            SCROLLBACK,
            Box::new(move |reply: Vec<u8>| {
                ptys.write(&loop_name, reply);
            }),
        )
    }

    /// True once after any pane changed.
    pub fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::AcqRel)
    }

    /// Let every pane end a synchronized update whose child forgot to (DEC 2026 timeout).
    pub fn tick(&self) {
        let panes: Vec<_> = self
            .panes
            .lock()
            .map(|p| p.values().cloned().collect())
            .unwrap_or_default();
        for pane in panes {
            if let Ok(mut p) = pane.lock() {
                p.tick();
                if p.take_dirty() {
                    self.dirty.store(true, Ordering::Release);
                }
            }
        }
    }

    pub fn resize(&self, name: &str, rows: u16, cols: u16) {
        let pane = self.pane(name);
        let mut p = match pane.lock() {
            Ok(p) => p,
            Err(_) => return,
        };
        if p.size() != (rows, cols) {
            p.resize(rows, cols);
        }
    }
}

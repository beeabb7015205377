//! The board's panes: one terminal emulator per loop, fed on the PTY reader thread through the
//! supervisor's output hook. Feeding only marks the board dirty; drawing happens on the UI's
//! own schedule, so a flooding agent is slowed by its PTY buffer, never by the UI.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::term::Pane;
use crate::ui::port::OutputHook;

/// Where a pane's answers to its agent's terminal queries go: (loop, bytes).
pub type Replies = Arc<dyn Fn(&str, Vec<u8>) + Send + Sync>;

pub struct PaneSet {
    panes: Mutex<HashMap<String, Arc<Mutex<Pane>>>>,
    /// Lines of history each pane keeps in memory (`[ui] scrollback`).
    scrollback: usize,
    replies: Replies,
    /// Panes changed since the last frame: a flood in a pane that is not on screen (another
    /// page, or another loop zoomed) costs no frames.
    dirty: Mutex<HashSet<String>>,
    wake: Arc<Notify>,
}

impl PaneSet {
    /// `replies` carries each emulator's answers to its agent's terminal queries back to the
    /// agent (the board itself writes to no PTY).
    pub fn new(replies: Replies, scrollback: usize) -> Arc<PaneSet> {
        Arc::new(PaneSet {
            panes: Mutex::new(HashMap::new()),
            scrollback,
            replies,
            dirty: Mutex::new(HashSet::new()),
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
            // Output held back by a synchronized update changes nothing on screen yet.
            let changed = pane.lock().map_or(true, |mut p| {
                p.feed(bytes);
                p.take_dirty()
            });
            if changed {
                me.mark_dirty(name);
            }
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
        let replies = Arc::clone(&self.replies);
        let loop_name = name.to_string();
        Pane::new(
            rows,
            cols,
            self.scrollback,
            Box::new(move |reply: Vec<u8>| replies(&loop_name, reply)),
        )
    }

    /// The terminal modes the loop's agent asked for (how attach encodes input).
    pub fn modes(&self, name: &str) -> crate::term::Modes {
        self.pane(name)
            .lock()
            .map(|p| p.modes())
            .unwrap_or_default()
    }

    fn mark_dirty(&self, name: &str) {
        if let Ok(mut d) = self.dirty.lock() {
            if d.contains(name) {
                return;
            }
            d.insert(name.to_string());
        }
        self.wake.notify_one();
    }

    /// Whether any of the `visible` panes changed since the last frame. The marks stay until
    /// the frame is drawn ([`PaneSet::clear_dirty`]): a pane already marked wakes nobody, so a
    /// flood costs one wake-up per frame, not one per chunk of output.
    pub fn any_dirty(&self, visible: &[&str]) -> bool {
        let Ok(d) = self.dirty.lock() else {
            return true;
        };
        visible.iter().any(|v| d.contains(*v))
    }

    /// Every pane, as it is now.
    fn all(&self) -> Vec<Arc<Mutex<Pane>>> {
        self.panes
            .lock()
            .map(|p| p.values().cloned().collect())
            .unwrap_or_default()
    }

    /// A frame is being drawn from the panes as they are now (resized, scrolled, fed): the
    /// next change marks anew.
    pub fn clear_dirty(&self) {
        if let Ok(mut d) = self.dirty.lock() {
            d.clear();
        }
        let panes = self.all();
        for pane in panes {
            if let Ok(mut p) = pane.lock() {
                p.take_dirty();
            }
        }
    }

    /// Let every pane end a synchronized update whose child forgot to (DEC 2026 timeout).
    pub fn tick(&self) {
        let panes = self.all();
        for pane in panes {
            let changed = match pane.lock() {
                Ok(mut p) => {
                    p.tick();
                    p.take_dirty()
                }
                Err(_) => false,
            };
            if changed {
                if let Some(name) = self.name_of(&pane) {
                    self.mark_dirty(&name);
                }
            }
        }
    }

    fn name_of(&self, pane: &Arc<Mutex<Pane>>) -> Option<String> {
        let panes = self.panes.lock().ok()?;
        panes
            .iter()
            .find(|(_, p)| Arc::ptr_eq(p, pane))
            .map(|(n, _)| n.clone())
    }

    pub fn resize(&self, name: &str, rows: u16, cols: u16) {
        // The emulator's smallest grid is 1x2: asking for less would resize on every frame.
        let (rows, cols) = (rows.max(1), cols.max(2));
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

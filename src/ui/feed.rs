//! Hands the engine's computed diffs to the open screens: a diff view gets the diff it asked
//! for, and again whenever the worktree moves on; a review gets the cumulative diff's files,
//! stat and placeholders. Each result is handed over once (by generation).

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::diff::DiffTarget;
use crate::engine::input_error::chain;
use crate::engine::shared::Shared;
use crate::ui::model::BoardModel;
use crate::ui::screen::Screen;

#[derive(Default)]
pub struct ScreenFeed {
    /// (loop, target, screen kind) → the generation last handed over.
    fed: HashMap<(String, DiffTarget, bool), u64>,
}

impl ScreenFeed {
    /// Delivers what is new; true when a screen changed.
    pub fn feed(&mut self, shared: &Shared, model: &mut BoardModel) -> bool {
        let mut changed = false;
        for screen in &mut model.screens {
            let Some((name, target, is_diff)) = wants(screen) else {
                continue;
            };
            let Some(service) = shared.diff_service(&name) else {
                continue;
            };
            let latest = service.latest();
            let Some(result) = latest.get(target) else {
                continue;
            };
            let key = (name, target, is_diff);
            if self.fed.get(&key) == Some(&result.generation) {
                continue;
            }
            self.fed.insert(key, result.generation);
            changed = true;
            match (screen, &result.diff) {
                (Screen::Diff(d), Ok(diff)) => {
                    d.set_diff(target, Arc::clone(diff));
                }
                (Screen::Diff(d), Err(e)) => d.set_error(target, chain(&**e)),
                (Screen::Review(r), Ok(diff)) => r.model.set_diff(diff),
                (Screen::Review(_), Err(_)) | (Screen::Kaizen(_), _) => {}
            }
        }
        // Screens closed since: forget them, so reopening one delivers again.
        let open: Vec<(String, DiffTarget, bool)> =
            model.screens.iter().filter_map(wants).collect();
        self.fed.retain(|k, _| open.contains(k));
        changed
    }
}

/// The diff a screen shows: (loop, target, whether it is a diff view).
fn wants(screen: &Screen) -> Option<(String, DiffTarget, bool)> {
    match screen {
        Screen::Diff(d) => Some((d.loop_name.clone(), d.target(), true)),
        Screen::Review(r) => Some((r.model.loop_name.clone(), DiffTarget::Cumulative, false)),
        Screen::Kaizen(_) => None,
    }
}

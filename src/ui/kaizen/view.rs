//! The Kaizen board's state: the engine's report, the selected item, and the decisions keys
//! make (next prevention level, next status), shown at once and sent to the engine.

use crate::ui::keys::keymap::Action;
use crate::ui::port::{Change, KaizenReport};
use andon_core::kaizen::{KaizenStatus, Level};

/// A human's decision about one item, for the engine to record (and audit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KaizenDecision {
    pub category: String,
    pub fingerprint: String,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KaizenState {
    pub report: KaizenReport,
    pub selected: usize,
}

impl KaizenState {
    pub fn new(report: KaizenReport) -> Self {
        KaizenState {
            report,
            selected: 0,
        }
    }

    /// Applies a key's action; a decision goes to the engine, the board shows it at once.
    pub fn apply(&mut self, action: Action) -> Option<KaizenDecision> {
        let last = self.report.items.len().saturating_sub(1);
        match action {
            Action::ScrollDown => self.selected = (self.selected + 1).min(last),
            Action::ScrollUp => self.selected = self.selected.saturating_sub(1),
            Action::ScrollPageDown => self.selected = (self.selected + 10).min(last),
            Action::ScrollPageUp => self.selected = self.selected.saturating_sub(10),
            Action::ScrollTop => self.selected = 0,
            Action::ScrollBottom => self.selected = last,
            Action::KaizenLevel | Action::KaizenStatus => {
                let item = self.report.items.get_mut(self.selected)?;
                let change = if action == Action::KaizenLevel {
                    item.level = Level::next(item.level);
                    Change {
                        level: Some(item.level),
                        status: None,
                    }
                } else {
                    item.status = KaizenStatus::next(item.status);
                    Change {
                        level: None,
                        status: Some(item.status),
                    }
                };
                return Some(KaizenDecision {
                    category: item.category.clone(),
                    fingerprint: item.fingerprint.clone(),
                    change,
                });
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use andon_core::kaizen::{items, metrics, IncidentFact};

    fn report() -> KaizenReport {
        let inc = |fp: &str, at| IncidentFact {
            loop_name: "a".into(),
            iteration: 1,
            at,
            category: "test_failure".into(),
            fingerprint: fp.into(),
            summary: "s".into(),
            seen_before: false,
        };
        let items = items(&[inc("f1", 1), inc("f1", 2), inc("f2", 3)], &[]);
        KaizenReport {
            by_category: andon_core::kaizen::by_category(&items),
            metrics: metrics(&[], &[], &[], &[]),
            items,
        }
    }

    #[test]
    fn keys_select_and_decide() {
        let mut s = KaizenState::new(report());
        assert_eq!(s.apply(Action::ScrollDown), None);
        assert_eq!(s.apply(Action::ScrollDown), None);
        assert_eq!(s.selected, 1, "clamped to the last item");
        let d = s.apply(Action::KaizenLevel).unwrap();
        assert_eq!(d.fingerprint, "f2");
        assert_eq!(d.change.level, Some(Some(Level::L1)));
        assert_eq!(s.report.items[1].level, Some(Level::L1));
        let d = s.apply(Action::KaizenStatus).unwrap();
        assert_eq!(d.change.status, Some(KaizenStatus::Doing));
        assert_eq!(
            d.change.level, None,
            "a status change leaves the level alone"
        );
    }
}

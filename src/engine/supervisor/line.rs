//! The line as its loops see each other: every hosted loop's command channel, and the
//! failures they saw lately — what lets the loop that finds a common cause stop the others
//! (`andon_core::common_cause` decides; this keeps the sightings).

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::sync::mpsc;

use crate::engine::loop_task::LoopCommand;
use crate::or_log::OrLog;
use andon_core::common_cause::{others, Sighting, WINDOW_MS};

pub struct Line {
    /// How close together the same failure is a common cause, in ms (`[line]
    /// common_cause_window`).
    window_ms: i64,
    loops: Mutex<BTreeMap<String, mpsc::Sender<LoopCommand>>>,
    sightings: Mutex<Vec<Sighting>>,
    /// Common causes already declared: (a mark, its loops, when).
    declared: Mutex<Vec<(String, Vec<String>, i64)>>,
}

/// What a failure seen on the line turns out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The loop's own failure.
    Alone,
    /// A common cause with these loops (the one seeing it included), first declared now.
    Declares(Vec<String>),
    /// A common cause already declared with these loops: this loop joins the stop.
    Joins(Vec<String>),
}

impl Default for Line {
    fn default() -> Self {
        Line::new(WINDOW_MS)
    }
}

impl Line {
    pub fn new(window_ms: i64) -> Line {
        Line {
            window_ms,
            loops: Mutex::default(),
            sightings: Mutex::default(),
            declared: Mutex::default(),
        }
    }

    pub fn insert(&self, name: String, tx: mpsc::Sender<LoopCommand>) {
        if let Ok(mut loops) = self.loops.lock() {
            loops.insert(name, tx);
        }
    }

    pub fn sender(&self, name: &str) -> Option<mpsc::Sender<LoopCommand>> {
        self.loops.lock().ok().and_then(|l| l.get(name).cloned())
    }

    pub fn names(&self) -> Vec<String> {
        self.loops
            .lock()
            .map(|l| l.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every hosted loop's channel.
    pub fn senders(&self) -> Vec<(String, mpsc::Sender<LoopCommand>)> {
        self.loops
            .lock()
            .map(|l| l.iter().map(|(n, t)| (n.clone(), t.clone())).collect())
            .unwrap_or_default()
    }

    /// Records `seen` and says whether it is a common cause with the `running` loops' recent
    /// failures (older ones are forgotten).
    pub fn sight(&self, seen: Sighting, running: &[String]) -> Seen {
        let now = seen.at;
        let Ok(mut sightings) = self.sightings.lock() else {
            return Seen::Alone;
        };
        let window = self.window_ms;
        sightings.retain(|s| now - s.at <= window && running.contains(&s.loop_name));
        let shared = others(&seen, &sightings, window);
        let name = seen.loop_name.clone();
        let marks = seen.marks.clone();
        sightings.push(seen);
        if shared.is_empty() {
            return Seen::Alone;
        }
        let mut group = shared;
        group.push(name);
        group.sort();
        let Ok(mut declared) = self.declared.lock() else {
            return Seen::Declares(group);
        };
        declared.retain(|(_, _, at)| now - at <= window);
        if declared.iter().any(|(mark, _, _)| marks.contains(mark)) {
            return Seen::Joins(group);
        }
        for mark in marks {
            declared.push((mark, group.clone(), now));
        }
        Seen::Declares(group)
    }

    /// Loop `name` went green or was resumed: what it saw before is no evidence any more, and
    /// a common cause it was part of is over.
    pub fn forget(&self, name: &str) {
        if let Ok(mut sightings) = self.sightings.lock() {
            sightings.retain(|s| s.loop_name != name);
        }
        if let Ok(mut declared) = self.declared.lock() {
            declared.retain(|(_, group, _)| !group.iter().any(|l| l == name));
        }
    }

    /// Tells each of `loops` (but `from`) of the common cause `from` found, each with the
    /// fingerprint of its own failure (what its breakers counted).
    pub fn stop_for_common_cause(&self, from: &str, loops: &[String], reason: &str) {
        let fingerprints: BTreeMap<String, String> = self
            .sightings
            .lock()
            .map(|s| {
                s.iter()
                    .map(|x| (x.loop_name.clone(), x.fingerprint.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for name in loops.iter().filter(|n| *n != from) {
            let Some(tx) = self.sender(name) else {
                continue;
            };
            tx.try_send(LoopCommand::CommonCause {
                loops: loops.to_vec(),
                fingerprint: fingerprints.get(name).cloned().unwrap_or_default(),
                reason: reason.to_string(),
            })
            .or_log("a loop's commands are full; it keeps running through the common cause");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(name: &str, at: i64) -> Sighting {
        Sighting {
            loop_name: name.into(),
            fingerprint: format!("fp-{name}"),
            at,
            marks: vec!["m".into()],
        }
    }

    #[test]
    fn a_common_cause_is_declared_once_and_others_join_it() {
        let line = Line::default();
        let running = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(line.sight(seen("a", 1_000), &running), Seen::Alone);
        assert_eq!(
            line.sight(seen("b", 2_000), &running),
            Seen::Declares(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            line.sight(seen("c", 3_000), &running),
            Seen::Joins(vec!["a".into(), "b".into(), "c".into()])
        );
        // A loop that is no longer running is not part of it; long after, it is new again.
        let later = 3_000 + WINDOW_MS + 1;
        assert_eq!(line.sight(seen("a", later), &running[..1]), Seen::Alone);
    }

    /// The window is the line's setting: failures further apart are no common cause.
    #[test]
    fn the_window_is_the_lines_setting() {
        let line = Line::new(1_000);
        let running = ["a".to_string(), "b".to_string()];
        assert_eq!(line.sight(seen("a", 1_000), &running), Seen::Alone);
        assert_eq!(line.sight(seen("b", 2_500), &running), Seen::Alone);
    }

    /// A loop that went green or was resumed is no evidence any more, and its common cause
    /// is over: the same failure again is declared anew.
    #[test]
    fn a_green_or_resumed_loop_is_forgotten() {
        let line = Line::default();
        let running = ["a".to_string(), "b".to_string()];
        line.sight(seen("a", 1_000), &running);
        assert!(matches!(
            line.sight(seen("b", 2_000), &running),
            Seen::Declares(_)
        ));
        line.forget("a");
        line.forget("b");
        assert_eq!(line.sight(seen("a", 3_000), &running), Seen::Alone);
        assert!(matches!(
            line.sight(seen("b", 4_000), &running),
            Seen::Declares(_)
        ));
    }
}

//! When an interactive agent's turn is over, judged from outside: the agent has been quiet
//! for the profile's idle time, its screen shows the idle marker and not the busy marker —
//! and that held on two looks in a row. Pure: the engine feeds observations (clock, last
//! output, screen text) and acts on the verdict; `andon signal done` short-cuts all of this.
//!
//! The hysteresis is what keeps a pause in streaming from ending a turn: the agent must
//! first be seen working (armed), and the quiet, marker-showing screen must persist across
//! two observations at least half the idle time apart.

use std::time::Duration;

use super::TurnEnd;

/// One look at the agent.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// Milliseconds on the engine's clock (any monotonic origin).
    pub now_ms: u64,
    /// When the agent last wrote anything, on the same clock.
    pub last_output_ms: u64,
    /// The agent's screen as text.
    pub screen: &'a str,
}

/// What the watcher makes of the latest observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Still working (or not yet seen to start).
    Working,
    /// The turn is over.
    Ended,
}

/// Whether the agent's screen says it waits for input: the idle marker shown (when the
/// profile has one) and the busy marker absent (when it has one).
pub fn looks_idle(turn: &TurnEnd, screen: &str) -> bool {
    let idle = turn.idle_marker.as_deref().is_none_or(|m| shows(screen, m));
    let busy = turn
        .busy_marker
        .as_deref()
        .is_some_and(|m| shows(screen, m));
    idle && !busy
}

/// Rows from the bottom of the screen a marker is looked for in: where agents keep their
/// status and input lines. The transcript above may quote anything, markers included.
const MARKER_ROWS: usize = 8;

/// Whether the bottom of the screen shows `marker`. Screen rows lose their trailing blanks,
/// so a marker's own (a prompt such as `> `) does not count.
fn shows(screen: &str, marker: &str) -> bool {
    let marker = marker.trim_end();
    !marker.is_empty()
        && screen
            .lines()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(MARKER_ROWS)
            .any(|l| l.contains(marker))
}

/// Watches one turn, from the moment the prompt was pasted.
#[derive(Debug, Clone)]
pub struct TurnWatch {
    idle: u64,
    idle_marker: Option<String>,
    busy_marker: Option<String>,
    pasted_ms: u64,
    /// The agent was seen working on this turn.
    armed: bool,
    /// The first of two consecutive idle-looking observations.
    idle_since: Option<u64>,
}

impl TurnWatch {
    /// A watch over the turn that began when the prompt was pasted at `pasted_ms`.
    pub fn new(turn: &TurnEnd, pasted_ms: u64) -> TurnWatch {
        TurnWatch {
            idle: turn.idle.as_millis().max(1) as u64,
            idle_marker: turn.idle_marker.clone(),
            busy_marker: turn.busy_marker.clone(),
            pasted_ms,
            armed: false,
            idle_since: None,
        }
    }

    /// Whether the agent has been seen to take up the turn.
    pub fn armed(&self) -> bool {
        self.armed
    }

    pub fn observe(&mut self, o: Observation) -> Verdict {
        let busy_shown = self
            .busy_marker
            .as_deref()
            .is_some_and(|m| shows(o.screen, m));
        let idle_shown = self
            .idle_marker
            .as_deref()
            .is_none_or(|m| shows(o.screen, m));
        let wrote_since_paste = o.last_output_ms > self.pasted_ms;
        // Seen working: the busy marker, or the idle marker gone, or — for a profile with no
        // markers at all — any output after the paste.
        let seen_working = busy_shown
            || (self.idle_marker.is_some() && !idle_shown)
            || (self.idle_marker.is_none() && self.busy_marker.is_none() && wrote_since_paste);
        if seen_working {
            self.armed = true;
        }
        let quiet = o
            .now_ms
            .saturating_sub(o.last_output_ms.max(self.pasted_ms));
        // An agent that answered between two looks is never seen working; after three idle
        // times of quiet with the idle screen up, its turn is over all the same.
        let waited_out = !self.armed && quiet >= self.idle.saturating_mul(3);
        let idle_now =
            (self.armed || waited_out) && quiet >= self.idle && idle_shown && !busy_shown;
        if !idle_now {
            self.idle_since = None;
            return Verdict::Working;
        }
        match self.idle_since {
            None => {
                self.idle_since = Some(o.now_ms);
                Verdict::Working
            }
            Some(since) if o.now_ms.saturating_sub(since) >= self.idle / 2 => Verdict::Ended,
            Some(_) => Verdict::Working,
        }
    }
}

/// How long to wait for an agent's TUI to come up before pasting anyway.
pub const READY_TIMEOUT: Duration = Duration::from_secs(45);

/// Whether a freshly started TUI is ready for its first prompt: it has drawn something, gone
/// quiet for a moment (a second, or the idle time if shorter) and looks idle.
pub fn ready(turn: &TurnEnd, o: Observation, started_ms: u64) -> bool {
    let settle = turn.idle.min(Duration::from_secs(1)).as_millis() as u64;
    o.last_output_ms > started_ms
        && o.now_ms.saturating_sub(o.last_output_ms) >= settle
        && looks_idle(turn, o.screen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(idle_marker: Option<&str>, busy_marker: Option<&str>) -> TurnEnd {
        TurnEnd {
            idle: Duration::from_millis(1000),
            idle_marker: idle_marker.map(str::to_string),
            busy_marker: busy_marker.map(str::to_string),
        }
    }

    /// Plays `(now, last_output, screen)` looks through a watch; the verdict of each.
    fn play(turn: &TurnEnd, looks: &[Look]) -> Vec<Verdict> {
        let mut watch = TurnWatch::new(turn, 0);
        looks
            .iter()
            .map(|&(now_ms, last_output_ms, screen)| {
                watch.observe(Observation {
                    now_ms,
                    last_output_ms,
                    screen,
                })
            })
            .collect()
    }

    use Verdict::{Ended as E, Working as W};

    /// `(now, last output, screen)`.
    type Look = (u64, u64, &'static str);

    #[test]
    fn turn_end_table() {
        let both = turn(Some("> ready "), Some("esc to interrupt"));
        let none = turn(None, None);
        let cases: Vec<(&str, &TurnEnd, Vec<Look>, Vec<Verdict>)> = vec![
            (
                "busy, then quiet with the idle screen on two looks: ended",
                &both,
                vec![
                    (250, 200, "thinking… esc to interrupt"),
                    (1500, 400, "done\n> ready"),
                    (2000, 400, "done\n> ready"),
                ],
                vec![W, W, E],
            ),
            (
                "a pause in streaming with the busy marker up never ends the turn",
                &both,
                vec![
                    (250, 200, "esc to interrupt"),
                    (5000, 200, "esc to interrupt"),
                    (9000, 200, "esc to interrupt"),
                ],
                vec![W, W, W],
            ),
            (
                "quiet but the idle marker is not shown (a question on screen): working",
                &both,
                vec![
                    (250, 200, "esc to interrupt"),
                    (3000, 300, "Allow this command? (y/n)"),
                    (4000, 300, "Allow this command? (y/n)"),
                ],
                vec![W, W, W],
            ),
            (
                "output between the two looks restarts the confirmation",
                &both,
                vec![
                    (250, 200, "esc to interrupt"),
                    (1500, 400, "> ready"),
                    (1700, 1600, "> ready"),
                    (2700, 1600, "> ready"),
                    (3300, 1600, "> ready"),
                ],
                vec![W, W, W, W, E],
            ),
            (
                "never seen working: the idle screen right after the paste is not the end",
                &both,
                vec![(1100, 50, "> ready"), (1700, 50, "> ready")],
                vec![W, W],
            ),
            (
                "never seen working, but quiet for three idle times: ended",
                &both,
                vec![(3100, 50, "> ready"), (3700, 50, "> ready")],
                vec![W, E],
            ),
            (
                "no markers: output after the paste arms, quiet ends",
                &none,
                vec![(300, 250, "x"), (1300, 250, "x"), (1800, 250, "x")],
                vec![W, W, E],
            ),
            (
                "the second look must come half an idle time later",
                &none,
                vec![(300, 250, "x"), (1300, 250, "x"), (1400, 250, "x")],
                vec![W, W, W],
            ),
        ];
        for (name, turn, looks, expected) in cases {
            assert_eq!(play(turn, &looks), expected, "{name}");
        }
    }

    #[test]
    fn markers_count_at_the_bottom_of_the_screen_only() {
        let t = turn(Some("> ready"), Some("esc to interrupt"));
        let quoted = format!(
            "the doc says: esc to interrupt\n{}> ready\n",
            "transcript line\n".repeat(10)
        );
        assert!(
            looks_idle(&t, &quoted),
            "a marker quoted in the transcript is no status"
        );
        assert!(!looks_idle(&t, "working… esc to interrupt\n> ready"));
    }

    #[test]
    fn ready_needs_output_a_settled_screen_and_the_idle_look() {
        let t = turn(Some("> ready"), Some("esc to interrupt"));
        let look = |now_ms, last_output_ms, screen| Observation {
            now_ms,
            last_output_ms,
            screen,
        };
        assert!(!ready(&t, look(5000, 0, "> ready"), 0), "nothing drawn yet");
        assert!(!ready(&t, look(1200, 1000, "> ready"), 0), "still drawing");
        assert!(!ready(&t, look(3000, 1000, "Trust this folder?"), 0));
        assert!(!ready(&t, look(3000, 1000, "> ready esc to interrupt"), 0));
        assert!(ready(&t, look(3000, 1000, "welcome\n> ready"), 0));
    }
}

//! A loop's failed checks seen beside the rest of the line: the same failure in other
//! running loops, green at their baselines, is a common cause — this loop stops with it (the
//! incident raised once, where it was declared) and tells the others to stop too.

use andon_core::common_cause::{green_at_baseline, reason, Sighting};
use andon_core::event::Event;

use super::LoopTask;
use crate::engine::supervisor::line::Seen;

impl LoopTask {
    /// `event` as this loop should take it: a failed check run that is a common cause
    /// becomes `Event::CommonCause`; anything else is unchanged.
    pub(super) fn across_the_line(&mut self, event: Event) -> Event {
        let Event::ChecksFinished(report) = &event else {
            return event;
        };
        let Some(failure) = &report.failure else {
            return event;
        };
        let seen = Sighting {
            loop_name: self.spec.name.clone(),
            fingerprint: failure.fingerprint.clone(),
            at: self.shared.clock().now_ms(),
            green_at_baseline: green_at_baseline(self.p.state.baseline.as_ref(), failure),
        };
        let running: Vec<String> = self
            .shared
            .board()
            .into_iter()
            .filter(|v| !v.state.state.is_terminal())
            .map(|v| v.name)
            .collect();
        let (loops, incident) = match self.line.sight(seen, &running) {
            Seen::Alone => return event,
            Seen::Declares(loops) => (loops, true),
            Seen::Joins(loops) => (loops, false),
        };
        if incident {
            let why = reason(&loops, failure);
            self.line
                .stop_for_common_cause(&self.spec.name, &loops, &failure.fingerprint, &why);
        }
        Event::CommonCause {
            loops,
            report: report.clone(),
            incident,
        }
    }
}

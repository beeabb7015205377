//! A loop's failed checks seen beside the rest of the line: the same failure in other
//! running loops, green at their baselines, is a common cause — this loop stops with it (the
//! incident raised once, where it was declared) and tells the others to stop too.

use andon_core::common_cause::{marks, reason, Sighting};
use andon_core::event::Event;

use super::LoopTask;
use crate::engine::supervisor::line::Seen;

impl LoopTask {
    /// Another loop found a common cause this loop's failure shares: it stops too, and its
    /// incident for that failure is marked as the common cause's.
    pub(super) async fn common_cause_elsewhere(
        &mut self,
        loops: Vec<String>,
        fingerprint: String,
        reason: String,
    ) {
        let (s, name, fp) = (
            std::sync::Arc::clone(&self.shared),
            self.spec.name.clone(),
            fingerprint.clone(),
        );
        let marked =
            tokio::task::spawn_blocking(move || s.store().mark_common_cause(&name, &fp)).await;
        if let Ok(Err(e)) = marked {
            tracing::warn!(loop_name = %self.spec.name, "common cause: incidents not marked: {e}");
        }
        let event = Event::CommonCauseElsewhere {
            loops,
            fingerprint,
            reason,
        };
        self.feed(event, Vec::new()).await;
    }

    /// `event` as this loop should take it: a failed check run that is a common cause
    /// becomes `Event::CommonCause`; anything else is unchanged.
    pub(super) fn across_the_line(&mut self, event: Event) -> Event {
        let Event::ChecksFinished(report) = &event else {
            return event;
        };
        let Some(failure) = &report.failure else {
            // Green: what it saw before is no evidence of a cause any more.
            self.line.forget(&self.spec.name);
            return event;
        };
        let seen = Sighting {
            loop_name: self.spec.name.clone(),
            fingerprint: failure.fingerprint.clone(),
            at: self.shared.clock().now_ms(),
            marks: marks(self.p.state.baseline.as_ref(), failure),
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
        // Every loop of it stops (one that already did ignores it); the incident is raised
        // once, where the cause was first found.
        let why = reason(&loops, failure);
        self.line
            .stop_for_common_cause(&self.spec.name, &loops, &why);
        Event::CommonCause {
            loops,
            report: report.clone(),
            incident,
        }
    }
}

//! The time a check or a reviewer may take, counting only the time it worked: while a human
//! has the line stopped (the process frozen), its budget is frozen too. Read on tokio's clock,
//! so the tests run it with paused time instead of waiting it out.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Runs `work` to its end. Once it has worked `limit` (looked at every `tick`; frozen time
/// not counted), `end` runs once (it ends the work's process group) and `work` is still
/// awaited to its end. Returns its output, and whether the budget ran out.
pub async fn within<W, E>(
    work: W,
    limit: Duration,
    frozen: &AtomicBool,
    tick: Duration,
    end: E,
) -> (W::Output, bool)
where
    W: Future,
    E: Future<Output = ()>,
{
    tokio::pin!(work);
    let mut end = Some(end);
    let mut busy = Duration::ZERO;
    let mut last = Instant::now();
    loop {
        tokio::select! {
            output = &mut work => return (output, end.is_none()),
            () = tokio::time::sleep(tick), if end.is_some() => {
                let now = Instant::now();
                if !frozen.load(Ordering::SeqCst) {
                    busy += now - last;
                }
                last = now;
                if busy >= limit {
                    if let Some(end) = end.take() {
                        end.await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const TICK: Duration = Duration::from_secs(1);

    /// Work that ends only when told to (as a process group ends when it is signalled).
    fn endless() -> (impl Future<Output = &'static str>, Arc<tokio::sync::Notify>) {
        let ended = Arc::new(tokio::sync::Notify::new());
        let wait = Arc::clone(&ended);
        (
            async move {
                wait.notified().await;
                "ended"
            },
            ended,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn work_that_ends_in_time_keeps_its_output() {
        let frozen = AtomicBool::new(false);
        let work = async {
            tokio::time::sleep(5 * MINUTE).await;
            "done"
        };
        let started = Instant::now();
        let (out, timed_out) = within(work, 30 * MINUTE, &frozen, TICK, async {}).await;
        assert_eq!((out, timed_out), ("done", false));
        assert_eq!(started.elapsed(), 5 * MINUTE);
    }

    #[tokio::test(start_paused = true)]
    async fn work_that_outlives_its_budget_is_ended_once() {
        let frozen = AtomicBool::new(false);
        let (work, ended) = endless();
        let started = Instant::now();
        let end = async move { ended.notify_one() };
        let (out, timed_out) = within(work, 30 * MINUTE, &frozen, TICK, end).await;
        assert_eq!((out, timed_out), ("ended", true));
        assert_eq!(started.elapsed(), 30 * MINUTE);
    }

    #[tokio::test(start_paused = true)]
    async fn time_frozen_by_a_human_does_not_count() {
        let frozen = Arc::new(AtomicBool::new(true));
        let thaw = Arc::clone(&frozen);
        tokio::spawn(async move {
            tokio::time::sleep(20 * MINUTE).await;
            thaw.store(false, Ordering::SeqCst);
        });
        let (work, ended) = endless();
        let started = Instant::now();
        let end = async move { ended.notify_one() };
        let (_, timed_out) = within(work, 30 * MINUTE, &frozen, TICK, end).await;
        assert!(timed_out);
        // Twenty minutes frozen, then thirty worked (to the tick).
        let took = started.elapsed();
        assert!(
            took >= 50 * MINUTE && took <= 50 * MINUTE + 2 * TICK,
            "{took:?}"
        );
    }
}

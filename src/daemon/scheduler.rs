//! The scheduler loop: polls each enabled source when its persisted next-due time comes,
//! at most `max_concurrency` at once, and sleeps until the next due time in between (an idle
//! daemon does no work between due times).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::run::Services;
use crate::ids::SourceId;
use crate::pipeline::{PollReport, poll_source};

/// The longest sleep: a safety net should the store's clock and ours disagree.
const MAX_SLEEP: Duration = Duration::from_secs(3600);
/// The shortest sleep when sources are due but none could be started.
const MIN_SLEEP: Duration = Duration::from_secs(1);

pub(super) async fn scheduler_loop(
    mut current: watch::Receiver<Arc<Services>>,
    token: CancellationToken,
    polled: Arc<Notify>,
) -> anyhow::Result<()> {
    let mut polls: JoinSet<PollReport> = JoinSet::new();
    let mut in_flight: HashSet<SourceId> = HashSet::new();
    loop {
        let services = Arc::clone(&current.borrow_and_update());
        let config = Arc::clone(&services.deps.config);
        let enabled: Vec<_> = config.sources.iter().filter(|s| s.enabled).cloned().collect();
        let store = Arc::clone(&services.deps.store);
        let due = tokio::task::spawn_blocking(move || store.due_sources(Timestamp::now())).await??;
        let capacity = config.fetch.max_concurrency.max(1);
        let mut spawned = 0;
        for id in due {
            if polls.len() >= capacity {
                break;
            }
            let Some(spec) = enabled.iter().find(|s| s.id == id) else { continue };
            if !in_flight.insert(id) {
                continue;
            }
            let (deps, spec) = (services.deps.clone(), Arc::clone(spec));
            polls.spawn(async move { poll_source(&deps, spec).await });
            spawned += 1;
        }
        let idle: Vec<SourceId> = enabled.iter().map(|s| s.id.clone()).filter(|id| !in_flight.contains(id)).collect();
        let store = Arc::clone(&services.deps.store);
        let next = tokio::task::spawn_blocking(move || store.next_due_of(&idle)).await??;
        let mut wait = next.map_or(MAX_SLEEP, |at| until(at).min(MAX_SLEEP));
        if wait.is_zero() && spawned == 0 {
            // Due but not startable (a store that cannot record polls): do not spin.
            wait = MIN_SLEEP;
        }
        let at_capacity = polls.len() >= capacity;
        tokio::select! {
            () = token.cancelled() => break,
            Some(done) = polls.join_next(), if !polls.is_empty() => finished(done, &mut in_flight, &polled),
            // At capacity only a finished poll can start the next one.
            () = tokio::time::sleep(wait), if !at_capacity => {}
            changed = current.changed() => if changed.is_err() { break },
        }
    }
    // Stop claiming new work; let what started finish (the caller bounds this by a deadline).
    while let Some(done) = polls.join_next().await {
        finished(done, &mut in_flight, &polled);
    }
    Ok(())
}

fn finished(done: Result<PollReport, tokio::task::JoinError>, in_flight: &mut HashSet<SourceId>, polled: &Notify) {
    match done {
        Ok(report) => {
            in_flight.remove(&report.source);
            if !report.changes.is_empty() {
                polled.notify_one();
            }
        }
        // A crashed poll committed nothing; its source is due again and will be retried. The
        // in-flight mark cannot be cleared without its id, so clear all stale marks instead.
        Err(e) => {
            tracing::error!(error = %e, "A poll task crashed.");
            in_flight.clear();
        }
    }
}

/// Time from now until `at` (zero when past).
pub(super) fn until(at: Timestamp) -> Duration {
    let wait = at.duration_since(Timestamp::now());
    Duration::try_from(wait).unwrap_or(Duration::ZERO)
}

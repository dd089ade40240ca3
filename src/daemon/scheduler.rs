//! The scheduler loop: polls each enabled source when its persisted next-due time comes,
//! at most `max_concurrency` at once, and sleeps until the next due time in between (an idle
//! daemon does no work between due times).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::{Id, JoinSet};
use tokio_util::sync::CancellationToken;

use jiff::Timestamp;
use tracing::debug;

use super::services::Services;
use crate::config::model::{Config, SourceSpec};
use crate::pipeline::{PollReport, poll_source, record_crash};

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
    // Which source each poll task polls: a crashed task still names its source, so the source
    // is marked failed (with backoff) and stays out of the schedule until then.
    let mut in_flight: HashMap<Id, Arc<SourceSpec>> = HashMap::new();
    // The enabled sources by id, rebuilt only when a reload swaps the config in: a step looks
    // sources up instead of searching the config for each.
    let mut enabled = Enabled::default();
    loop {
        let services = Arc::clone(&current.borrow_and_update());
        let config = Arc::clone(&services.deps.config);
        enabled.follow(&config);
        let now = services.deps.clock.now();
        let capacity = config.fetch.max_concurrency.max(1);
        let free = capacity.saturating_sub(polls.len());
        let busy: HashSet<String> = in_flight.values().map(|s| s.id.as_str().to_owned()).collect();
        let by_id = Arc::clone(&enabled.by_id);
        let step = services
            .deps
            .store
            .call(move |s| s.schedule_step(now, free, &mut |id| by_id.contains_key(id) && !busy.contains(id)))
            .await?;
        let mut spawned = 0;
        for (id, due) in step.due {
            let Some(spec) = enabled.by_id.get(id.as_str()) else { continue };
            if due > Timestamp::UNIX_EPOCH {
                // Lateness against the persisted due time: what an operator's SLO is about.
                let lag_ms = now.duration_since(due).as_millis();
                debug!(source = %id, lag_ms, "Poll started.");
            } else {
                debug!(source = %id, "Poll started; first poll of this source.");
            }
            let (deps, task_spec) = (services.deps.clone(), Arc::clone(spec));
            let handle = polls.spawn(async move { poll_source(&deps, task_spec).await });
            in_flight.insert(handle.id(), Arc::clone(spec));
            spawned += 1;
        }
        let mut wait = step.next.map_or(MAX_SLEEP, |at| services.deps.clock.until(at).min(MAX_SLEEP));
        if spawned == 0 && step.next.is_some_and(|at| at <= now) {
            // Due at this step's time but not startable (a store that cannot record polls): do
            // not spin. One that came due while the step ran is started at once: a second's
            // sleep there was the whole tail of the schedule lag (p99 975 ms).
            wait = MIN_SLEEP;
        }
        let at_capacity = polls.len() >= capacity;
        tokio::select! {
            () = token.cancelled() => break,
            Some(done) = polls.join_next_with_id(), if !polls.is_empty() => {
                finished(done, &mut in_flight, &services, &polled).await;
            }
            // At capacity only a finished poll can start the next one.
            () = tokio::time::sleep(wait), if !at_capacity => {}
            changed = current.changed() => if changed.is_err() { break },
        }
    }
    // Stop claiming new work; let what started finish (the caller bounds this by a deadline).
    let services = Arc::clone(&current.borrow());
    while let Some(done) = polls.join_next_with_id().await {
        finished(done, &mut in_flight, &services, &polled).await;
    }
    Ok(())
}

/// The enabled sources of the config in force, by id.
#[derive(Default)]
struct Enabled {
    config: Option<Arc<Config>>,
    by_id: Arc<HashMap<String, Arc<SourceSpec>>>,
}

impl Enabled {
    /// Rebuilds the map when the config changed (a reload), not on every step.
    fn follow(&mut self, config: &Arc<Config>) {
        if self.config.as_ref().is_some_and(|c| Arc::ptr_eq(c, config)) {
            return;
        }
        let by_id = config.sources.iter().filter(|s| s.enabled).map(|s| (s.id.as_str().to_owned(), Arc::clone(s)));
        self.by_id = Arc::new(by_id.collect());
        self.config = Some(Arc::clone(config));
    }
}

async fn finished(
    done: Result<(Id, PollReport), tokio::task::JoinError>,
    in_flight: &mut HashMap<Id, Arc<SourceSpec>>,
    services: &Services,
    polled: &Notify,
) {
    match done {
        Ok((id, report)) => {
            in_flight.remove(&id);
            if !report.changes.is_empty() {
                polled.notify_one();
            }
        }
        // A crashed poll committed nothing. Recorded as a failure, its source backs off like any
        // failing source instead of being due again at once (a crash loop at full CPU).
        Err(e) => {
            let Some(spec) = in_flight.remove(&e.id()) else { return };
            let reason =
                if e.is_panic() { "the poll crashed (a bug: please report it)" } else { "the poll was cancelled" };
            tracing::error!(source = %spec.id, error = %e, "A poll task crashed; its source backs off.");
            record_crash(&services.deps, &spec, reason).await;
        }
    }
}

//! The daemon's top: open the store, tell systemd we are ready, run the loops under one
//! cancellation token, turn signals into stop or reload, and drain on stop.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::notify::Notifier;
use super::services::{Build, Services};
use super::signals::{Signal, Signals};
use super::{delivery, scheduler};
use crate::config::model::Config;
use crate::store::Store;

/// How long polls and deliveries in flight may take to finish after SIGTERM. The unit's
/// `TimeoutStopSec=30` leaves room for the commit after it.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

/// Re-reads the config (SIGHUP).
pub type Load = dyn Fn() -> anyhow::Result<Arc<Config>> + Send + Sync;

/// Runs until SIGTERM or SIGINT, then drains and returns. `load` re-reads the config on SIGHUP.
/// The store is open and migrated already: `READY=1` means the daemon can do its work.
pub async fn run(store: Arc<Store>, config: Arc<Config>, load: Arc<Load>, build: Arc<Build>) -> anyhow::Result<()> {
    let notifier = Notifier::from_env();
    let services = build_services(Arc::clone(&config), Arc::clone(&store), Arc::clone(&build)).await?;
    let sources = Arc::clone(&config);
    let now = services.deps.clock.now();
    store.call(move |s| s.register_sources(&sources.sources, now)).await?;
    let (publish, current) = watch::channel(Arc::new(services));
    let token = CancellationToken::new();
    let polled = Arc::new(Notify::new());
    let mut signals = Signals::install().context("cannot install signal handlers")?;

    let scheduler = tokio::spawn(scheduler::scheduler_loop(current.clone(), token.clone(), Arc::clone(&polled)));
    let delivery = tokio::spawn(delivery::delivery_loop(current.clone(), token.clone(), Arc::clone(&polled)));
    let web = crate::web::spawn_beside_daemon(&config, scheduler.abort_handle(), token.clone()).await?;
    notifier.ready();
    notifier.status(&format!("watching {} sources", config.sources.iter().filter(|s| s.enabled).count()));
    info!(sources = config.sources.len(), database = %store.path().display(), "Daemon started.");

    let watchdog = notifier.watchdog_interval().map(|every| every / 2);
    let mut ticker = tokio::time::interval(watchdog.unwrap_or(Duration::from_secs(3600)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            signal = signals.next() => match signal {
                Signal::Stop => break,
                Signal::Reload => reload(&load, &build, &store, &publish, &notifier).await,
            },
            _ = ticker.tick(), if watchdog.is_some() => {
                // Only a live scheduler over a database that answers counts as healthy.
                if !scheduler.is_finished() && store.call(Store::ping).await.is_ok() {
                    notifier.watchdog();
                } else {
                    warn!("Scheduler or database unhealthy; withholding the watchdog ping.");
                }
            }
        }
    }

    info!(deadline = ?DRAIN_DEADLINE, "Stopping: finishing polls and deliveries in flight.");
    notifier.stopping();
    token.cancel();
    let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
        for (name, task) in
            [("scheduler", scheduler), ("delivery", delivery)].into_iter().chain(web.map(|w| ("web", w)))
        {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => error!(task = name, error = %e, "Task ended with an error."),
                Err(e) => error!(task = name, error = %e, "Task crashed."),
            }
        }
    })
    .await;
    if drained.is_err() {
        // Whatever was cut off was not committed: its poll runs again, its delivery stays pending.
        warn!(deadline = ?DRAIN_DEADLINE, "Drain deadline passed; stopping with work cut off.");
    }
    info!("Daemon stopped.");
    Ok(())
}

/// Builds the services off the async workers: compiling the topic pack and the TLS client is CPU
/// work.
async fn build_services(config: Arc<Config>, store: Arc<Store>, build: Arc<Build>) -> anyhow::Result<Services> {
    tokio::task::spawn_blocking(move || build(config, store)).await.context("building the daemon's services")?
}

/// SIGHUP: a valid config is swapped in; an invalid one is logged and the old one kept.
async fn reload(
    load: &Arc<Load>,
    build: &Arc<Build>,
    store: &Arc<Store>,
    publish: &watch::Sender<Arc<Services>>,
    notifier: &Notifier,
) {
    notifier.reloading();
    match swap(load, build, store).await {
        Ok((config, services)) => {
            publish.send_replace(Arc::new(services));
            info!(sources = config.sources.len(), "Config reloaded.");
            notifier.status(&format!("watching {} sources", config.sources.iter().filter(|s| s.enabled).count()));
        }
        Err(e) => error!(error = %format!("{e:#}"), "Config reload rejected; keeping the running config."),
    }
    notifier.ready();
}

/// Loads and checks the new config (file reads, off the async workers), builds its services, and
/// registers its sources; a source whose interval shrank is due no later than one new interval.
async fn swap(load: &Arc<Load>, build: &Arc<Build>, store: &Arc<Store>) -> anyhow::Result<(Arc<Config>, Services)> {
    let load = Arc::clone(load);
    let config = tokio::task::spawn_blocking(move || load()).await.context("reloading the config")??;
    let services = build_services(Arc::clone(&config), Arc::clone(store), Arc::clone(build)).await?;
    let (sources, now) = (Arc::clone(&config), services.deps.clock.now());
    store
        .call(move |s| {
            s.register_sources(&sources.sources, now)?;
            for spec in &sources.sources {
                s.clamp_next_due(&spec.id, now, spec.interval)?;
            }
            Ok(())
        })
        .await?;
    Ok((config, services))
}

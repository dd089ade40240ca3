//! What most commands need first: the config, the store, the shared pipeline pieces.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::alert::Courier;
use crate::classify::TopicPack;
use crate::clock::{Clock, SystemClock};
use crate::config::model::{Channel, Config};
use crate::config::{self};
use crate::fetch::HttpClient;
use crate::fetch::address::AddressPolicy;
use crate::pipeline::Deps;
use crate::store::Store;

/// Loads the config (printing warnings), or fails listing every problem.
pub(super) fn load_config(explicit: Option<&Path>) -> anyhow::Result<Arc<Config>> {
    let loaded =
        config::resolve(explicit, &builtin_topics()).map_err(|errors| anyhow::anyhow!("invalid config:\n{errors}"))?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    Ok(Arc::new(loaded.config))
}

/// The built-in topic pack's ids: what a config's subscribers may name besides its own topics.
pub(super) fn builtin_topics() -> Vec<String> {
    TopicPack::builtin().ids().map(str::to_owned).collect()
}

/// The topic pack: the built-in one with the config's topics merged over it.
pub(super) fn topic_pack(config: &Config) -> anyhow::Result<Arc<TopicPack>> {
    Ok(Arc::new(TopicPack::with_overrides(&config.topics).context("invalid topic in config")?))
}

pub(super) fn open_store(config: &Config) -> anyhow::Result<Arc<Store>> {
    let store = Store::open(&config.storage.database)?;
    store.register_sources(&config.sources, SystemClock.now())?;
    Ok(Arc::new(store))
}

/// Opens the database for reading only; listing commands never block a running daemon.
pub(super) fn open_store_read_only(config: &Config) -> anyhow::Result<Store> {
    open_read_only_at(&config.storage.database)
}

/// The database the config names, opened for reading, without loading the rest of the config
/// (`config::resolve_storage`): for commands that read the database and nothing else.
pub(super) fn open_database_read_only(explicit: Option<&Path>) -> anyhow::Result<Store> {
    let storage = config::resolve_storage(explicit).map_err(|errors| anyhow::anyhow!("invalid config:\n{errors}"))?;
    open_read_only_at(&storage.database)
}

fn open_read_only_at(path: &Path) -> anyhow::Result<Store> {
    anyhow::ensure!(path.exists(), "no database at {} yet: run `regwatch check` first", path.display());
    Ok(Store::open_read_only(path)?)
}

pub(super) fn deps(config: Arc<Config>) -> anyhow::Result<Deps> {
    let topics = topic_pack(&config)?;
    let store = open_store(&config)?;
    Deps::new(config, store, topics, Arc::new(SystemClock))
}

/// The courier for delivery rounds, sharing the poll's store.
pub(super) fn courier(config: &Arc<Config>, store: &Arc<Store>, topics: &TopicPack) -> anyhow::Result<Courier> {
    Ok(Courier {
        config: Arc::clone(config),
        store: Arc::clone(store),
        webhooks: if config.subscribers.iter().any(|s| matches!(s.channel, Channel::Webhook(_))) {
            Some(HttpClient::webhook_client(&config.fetch).context("cannot set up the webhook client")?)
        } else {
            None
        },
        policy: AddressPolicy::new(config.fetch.private_networks.clone()),
        labels: Arc::new(topics.labels()),
        clock: Arc::new(SystemClock),
        lease: crate::alert::courier::LEASE,
    })
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // Blocking threads run only the store's short calls (parses, the record stage and commits
    // have threads of their own, `pipeline::Workers`); without a cap a burst of store calls
    // spawns dozens of threads, each with its own malloc arena.
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(cores + 2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

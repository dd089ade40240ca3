//! One source's poll as a list of stage calls: fetch → decode → extract → (follow) → lookup →
//! diff → classify → commit. Shared by `check`, `run` and `sources test` (which stores nothing).

mod alerts;
mod attach;
mod follow;
mod health;
mod parse;
mod poll;
mod record;
mod schedule;
mod test;

use std::sync::Arc;

pub use parse::{PARSE_BUDGET, ParseError, ParsePool};
pub use poll::{PollReport, poll_source};
pub use schedule::next_due;
pub use test::{SourceTest, TestItem, test_source};

use crate::classify::TopicPack;
use crate::clock::Clock;
use crate::config::model::Config;
use crate::fetch::Polite;
use crate::isolate::Extractor;
use crate::store::Store;

/// What a poll needs. Cheap to clone: everything is shared.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    /// Every request to a source: robots.txt, the per-host gate and Retry-After in one.
    pub polite: Polite,
    pub parser: ParsePool,
    /// Reads attachment text in helper processes under memory and CPU limits.
    pub extractor: Extractor,
    pub topics: Arc<TopicPack>,
    pub clock: Arc<dyn Clock>,
}

impl Deps {
    /// Builds the shared pieces from a config and an open store.
    pub fn new(
        config: Arc<Config>,
        store: Arc<Store>,
        topics: Arc<TopicPack>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let polite = Polite::new(&config.fetch, Arc::clone(&clock))?;
        let extractor = Extractor::for_this_binary(&config.fetch);
        Ok(Self { config, store, polite, parser: ParsePool::for_this_machine(), extractor, topics, clock })
    }

    /// Runs a blocking store call off the async workers.
    pub(crate) async fn with_store<T, F>(&self, work: F) -> Result<T, crate::store::StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
    }
}

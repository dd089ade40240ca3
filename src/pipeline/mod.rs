//! One source's poll as a list of stage calls (`poll`): fetch → extract → follow → attachments
//! → record → alerts → commit. Shared by `check` and `run`; `dry_run` is `sources test`, which
//! stores nothing.
//!
//! Each stage is a file: `request` (how a poll asks: shapes, targets, validators, one polite
//! GET), `read` (responses into items and articles, on the parse pool), `extract`, `follow`,
//! `attach`, `record`, `health`; `context` holds what one poll's stages share.

mod attach;
mod churn;
mod context;
mod dry_run;
mod extract;
mod follow;
mod health;
mod parse;
mod poll;
mod read;
mod record;
mod request;
mod schedule;

use std::sync::Arc;

pub use dry_run::{SourceTest, TestItem, test_source};
pub use parse::{PARSE_BUDGET, ParseError, ParsePool};
pub use poll::{PollReport, poll_source, record_crash};
pub use schedule::next_due;

use crate::classify::TopicPack;
use crate::clock::Clock;
use crate::config::model::Config;
use crate::fetch::HttpClient;
use crate::fetch::politeness::HostGate;
use crate::fetch::robots::RobotsCache;
use crate::store::Store;

/// What a poll needs. Cheap to clone: everything is shared.
#[derive(Debug, Clone)]
pub struct Deps {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    pub client: HttpClient,
    pub gate: HostGate,
    pub parser: ParsePool,
    /// robots.txt per origin, fetched on first use (when `respect_robots` is on).
    pub robots: Arc<RobotsCache>,
    /// Held while a robots.txt is fetched, so concurrent polls of one host fetch it once.
    pub robots_fetch: Arc<tokio::sync::Mutex<()>>,
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
        let client = HttpClient::new(&config.fetch)?;
        let gate = HostGate::new(config.fetch.per_host_concurrency, config.fetch.per_host_delay);
        Ok(Self {
            config,
            store,
            client,
            gate,
            parser: ParsePool::for_this_machine(),
            robots: Arc::default(),
            robots_fetch: Arc::default(),
            topics,
            clock,
        })
    }
}

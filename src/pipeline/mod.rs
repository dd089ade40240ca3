//! One source's poll as a list of stage calls (`poll`): fetch → extract → follow → attachments
//! → record → alerts → commit. Shared by `check` and `run`; `dry_run` is `sources test`, which
//! stores nothing.
//!
//! Each stage is a file: `request` (how a poll asks: shapes, targets, validators, one polite
//! GET), `read` (responses into items and articles, on the parse pool), `extract`, `follow`,
//! `attach`, `record`, `health`; `context` holds what one poll's stages share, and `known` what
//! the store knows about the pages a poll asks for (read ahead of a 304 it can expect); `slots`
//! bounds the polls that work at once.

mod attach;
mod churn;
mod committer;
mod context;
mod dry_run;
mod extract;
mod follow;
mod health;
mod known;
mod parse;
mod poll;
mod read;
mod record;
mod request;
mod schedule;
mod slots;
mod workers;

use std::sync::Arc;

use anyhow::Context;

pub use committer::Committer;
pub use dry_run::{SourceTest, TestItem, test_source};
pub use parse::{PARSE_BUDGET, ParseError, ParsePool};
pub use poll::{PollReport, poll_in_slot, poll_source, record_crash};
pub use schedule::next_due;
pub use slots::PollSlots;
pub use workers::Workers;

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
    /// The one thread that commits polls, several in one transaction when they wait together:
    /// SQLite takes one writer at a time anyway.
    pub writer: Committer,
    /// The polls that may work at once (`max_concurrency`).
    pub slots: PollSlots,
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
        let slots = PollSlots::new(config.fetch.max_concurrency);
        let writer = Committer::new("regwatch-write", Arc::clone(&store)).context("cannot start the writer thread")?;
        Ok(Self {
            config,
            store,
            polite,
            parser: ParsePool::for_this_machine().context("cannot start the parse threads")?,
            writer,
            slots,
            extractor,
            topics,
            clock,
        })
    }
}

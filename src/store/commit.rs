//! The poll commit: everything one poll of one source writes (documents, versions, changes and
//! their outbox rows, validators, the listing, the source's poll state and health, the fetch
//! log) lands in one transaction, all or nothing.

use jiff::Timestamp;
use rusqlite::{Transaction, params};

use super::documents::{self, DocumentWrite};
use super::fetch_log::{self, FetchLogEntry};
use super::health::{self, HealthWrite};
use super::listing::{self, ListingWrite};
use super::outbox::NewDelivery;
use super::{Result, Store, cache, count, millis};
use crate::fetch::Validators;
use crate::ids::{ChangeId, SourceId};

/// How a poll ended, for the source's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollResult {
    /// `warning`: pages of the poll that failed while the list itself was read.
    Ok {
        status: Option<u16>,
        items: Option<usize>,
        warning: Option<String>,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// Everything one poll of one source writes.
#[derive(Debug, Clone)]
pub struct PollCommit {
    pub source: SourceId,
    pub at: Timestamp,
    pub result: PollResult,
    /// The source config's fingerprint, saved on success: validators are trusted only while it holds.
    pub config_hash: Option<String>,
    pub next_due: Option<Timestamp>,
    /// Validators of URLs answered 200 in this poll.
    pub validators: Vec<(String, Validators)>,
    pub listing: ListingWrite,
    pub documents: Vec<DocumentWrite>,
    pub fetch_log: Vec<FetchLogEntry>,
    /// The source's health after this poll; `None` leaves it as it was.
    pub health: Option<HealthWrite>,
    /// `source.unhealthy` / `source.recovered` deliveries, written with the health change.
    pub health_events: Vec<NewDelivery>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReceipt {
    pub new_documents: usize,
    pub new_versions: usize,
    pub changes: Vec<ChangeId>,
    pub deliveries: usize,
}

impl PollCommit {
    /// The bytes of the texts it stores.
    pub fn text_bytes(&self) -> usize {
        self.documents.iter().map(|d| d.stored.text_bytes()).sum()
    }
}

impl Store {
    /// Writes one poll, all or nothing.
    pub fn commit(&self, poll: &PollCommit) -> Result<CommitReceipt> {
        let mut receipts = self.commit_together(&[poll])?;
        Ok(receipts.pop().unwrap_or_default())
    }

    /// Writes several polls in one transaction, all of them or none; their receipts in order.
    /// The same rows as committing them one after another, for one transaction's fixed cost:
    /// the search index's flush and the pages every poll touches (the source table, the fetch
    /// log's last page) are written once for all of them.
    pub fn commit_together(&self, polls: &[&PollCommit]) -> Result<Vec<CommitReceipt>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let receipts = polls.iter().map(|poll| write_poll(&tx, poll)).collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(receipts)
    }
}

fn write_poll(tx: &Transaction<'_>, poll: &PollCommit) -> Result<CommitReceipt> {
    let mut receipt = CommitReceipt::default();
    for write in &poll.documents {
        let written = documents::write(tx, &poll.source, poll.at, write)?;
        receipt.new_documents += usize::from(written.new_document);
        receipt.new_versions += usize::from(written.new_version);
        receipt.changes.extend(written.change);
        receipt.deliveries += written.deliveries;
    }
    for (url, validators) in &poll.validators {
        cache::remember(tx, url, validators, poll.at)?;
    }
    listing::write(tx, &poll.source, poll.at, &poll.listing)?;
    update_source(tx, poll)?;
    health::write(tx, &poll.source, poll.at, poll.health.as_ref(), &poll.health_events)?;
    fetch_log::write(tx, &poll.source, poll.at, &poll.fetch_log)?;
    Ok(receipt)
}

fn update_source(tx: &Transaction<'_>, poll: &PollCommit) -> Result<()> {
    let at = millis(poll.at);
    let next_due = poll.next_due.map(millis);
    match &poll.result {
        PollResult::Ok { status, items, warning } => {
            tx.prepare_cached(
                "UPDATE source SET last_polled_at = ?2, last_success_at = ?2, baseline_at = COALESCE(baseline_at, ?2),
                 next_due = ?3, last_status = COALESCE(?4, last_status), last_error = ?6, consecutive_failures = 0,
                 last_item_count = COALESCE(?5, last_item_count),
                 config_hash = COALESCE(?7, config_hash) WHERE id = ?1",
            )?
            .execute(params![
                poll.source,
                at,
                next_due,
                status,
                items.map(count),
                warning,
                poll.config_hash
            ])?;
        }
        PollResult::Failed { status, error } => {
            tx.prepare_cached(
                "UPDATE source SET last_polled_at = ?2, next_due = ?3, last_status = ?4, last_error = ?5,
                 consecutive_failures = consecutive_failures + 1 WHERE id = ?1",
            )?
            .execute(params![poll.source, at, next_due, status, error])?;
        }
    }
    Ok(())
}

#[cfg(test)]
impl PollCommit {
    /// A poll of `source` that writes nothing but its one request, to `url`, and how it ended:
    /// what tests of the commit itself write.
    pub(crate) fn one_fetch(source: &str, at: Timestamp, url: &str, result: PollResult) -> Self {
        let status = match &result {
            PollResult::Ok { status, .. } | PollResult::Failed { status, .. } => *status,
        };
        Self {
            source: SourceId(source.into()),
            at,
            result,
            config_hash: None,
            next_due: None,
            validators: Vec::new(),
            listing: ListingWrite {
                recheck_interval: std::time::Duration::from_secs(60),
                recheck_window: std::time::Duration::from_secs(600),
                ..ListingWrite::default()
            },
            documents: Vec::new(),
            fetch_log: vec![FetchLogEntry {
                url: url.into(),
                status,
                bytes: None,
                elapsed: std::time::Duration::ZERO,
                error: None,
            }],
            health: None,
            health_events: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(at: Timestamp, url: &str) -> PollCommit {
        PollCommit::one_fetch("s", at, url, PollResult::Failed { status: Some(500), error: "HTTP status 500".into() })
    }

    #[test]
    fn fetch_log_keeps_two_days() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::with_page_sources(dir.path(), &["s"]);
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let logged = || -> Vec<String> {
            store
                .conn()
                .prepare("SELECT url FROM fetch_log ORDER BY id")
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let after = |hours: i64| start + jiff::SignedDuration::from_hours(hours);
        store.commit(&poll(start, "https://example.org/first")).unwrap();
        store.commit(&poll(after(47), "https://example.org/second")).unwrap();
        assert_eq!(logged(), ["https://example.org/first", "https://example.org/second"]);
        store.commit(&poll(after(49), "https://example.org/third")).unwrap();
        assert_eq!(logged(), ["https://example.org/second", "https://example.org/third"]);
    }
}

//! Claiming deliveries: a sender takes due rows under a lease, renews the lease while it sends,
//! and finishes each with the receiver's answer (`outbox`). Two senders on one database (`run`
//! and a `check` beside it) never hold the same row at once.
//!
//! An attempt counts when it starts: claiming a row adds one to its attempts and moves its due
//! time to when the next attempt would be (`retry_at`). A sender that dies or hangs mid-send
//! leaves a row that comes back on the backoff schedule, and one whose every attempt dies still
//! ends `dead` when its retry window closes, instead of being retried for ever.

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Transaction, params};

use super::outbox::{DELIVERY_COLUMNS, Delivery, DeliveryChannel, delivery_from_row};
use super::{Result, Store, count, from_millis, millis};
use crate::ids::DeliveryId;

/// When a delivery's next attempt would be after `attempts` attempts, given its creation time;
/// `None` when its retry window is spent (the retry policy lives in `alert::retry`).
pub type RetryAt<'a> = &'a dyn Fn(u32, Timestamp) -> Option<Timestamp>;

/// A candidate row, before it is claimed.
struct Candidate {
    id: DeliveryId,
    attempts: u32,
    created_at: Timestamp,
    /// A lease that lapsed: the last attempt started and never finished.
    unfinished: bool,
    last_error: Option<String>,
}

impl Store {
    /// Claims up to `limit` due deliveries on `channels` for `lease`: another sender (or this
    /// one after a crash) sees them again only when the lease lapses.
    pub fn claim_due(
        &self,
        now: Timestamp,
        channels: &[DeliveryChannel],
        limit: usize,
        lease: Duration,
        retry_at: RetryAt<'_>,
    ) -> Result<Vec<Delivery>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let channels = serde_json::to_string(channels).unwrap_or_else(|_| "[]".into());
        let candidates = candidates(
            &tx,
            "SELECT d.id, d.attempts, d.created_at, d.leased_until, d.last_error
             FROM delivery d LEFT JOIN subscriber_state s ON s.id = d.subscriber_id
             WHERE d.status = 'pending' AND d.due_at <= ?1 AND (d.leased_until IS NULL OR d.leased_until <= ?1)
               AND d.channel IN (SELECT value FROM json_each(?2)) AND s.disabled_at IS NULL
             ORDER BY d.due_at, d.id LIMIT ?3",
            params![millis(now), channels, count(limit)],
        )?;
        let claimed = claim(&tx, candidates, now, lease, retry_at)?;
        tx.commit()?;
        Ok(claimed)
    }

    /// Claims every pending delivery of a digest subscriber, due or not (a digest sends them all
    /// in one message); `None` when another sender holds some of them right now.
    pub fn claim_digest(
        &self,
        subscriber: &str,
        now: Timestamp,
        lease: Duration,
        retry_at: RetryAt<'_>,
    ) -> Result<Option<Vec<Delivery>>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: bool = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM delivery WHERE subscriber_id = ?1 AND status = 'pending'
                 AND leased_until > ?2)",
            )?
            .query_row(params![subscriber, millis(now)], |row| row.get(0))?;
        if held {
            return Ok(None);
        }
        let candidates = candidates(
            &tx,
            "SELECT id, attempts, created_at, leased_until, last_error FROM delivery
             WHERE subscriber_id = ?1 AND status = 'pending' ORDER BY id",
            params![subscriber],
        )?;
        let claimed = claim(&tx, candidates, now, lease, retry_at)?;
        tx.commit()?;
        Ok(Some(claimed))
    }

    /// Renews the lease on deliveries whose send is still in progress.
    pub fn extend_lease(&self, ids: &[DeliveryId], until: Timestamp) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE delivery SET leased_until = MAX(COALESCE(leased_until, 0), ?2)
                 WHERE id = ?1 AND status = 'pending' AND leased_until IS NOT NULL",
            )?;
            for id in ids {
                stmt.execute(params![id, millis(until)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn candidates(tx: &Transaction<'_>, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Candidate>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |row| {
        Ok(Candidate {
            id: row.get(0)?,
            attempts: row.get(1)?,
            created_at: from_millis(row.get(2)?),
            unfinished: row.get::<_, Option<i64>>(3)?.is_some(),
            last_error: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Starts an attempt on each candidate, or ends it as dead when its last attempt never finished
/// and its window is spent; returns the rows to send.
fn claim(
    tx: &Transaction<'_>,
    candidates: Vec<Candidate>,
    now: Timestamp,
    lease: Duration,
    retry_at: RetryAt<'_>,
) -> Result<Vec<Delivery>> {
    let until = now.checked_add(lease).unwrap_or(now);
    let mut start =
        tx.prepare_cached("UPDATE delivery SET attempts = ?2, leased_until = ?3, due_at = ?4 WHERE id = ?1")?;
    let mut bury = tx.prepare_cached(
        "UPDATE delivery SET status = 'dead', leased_until = NULL, last_error = ?2, due_at = ?3 WHERE id = ?1",
    )?;
    let mut fetch = tx.prepare_cached(&format!("SELECT {DELIVERY_COLUMNS} FROM delivery WHERE id = ?1"))?;
    let mut claimed = Vec::new();
    for candidate in candidates {
        match retry_at(candidate.attempts, candidate.created_at) {
            None if candidate.unfinished => {
                let last = candidate.last_error.as_deref().unwrap_or("none recorded");
                let reason = format!(
                    "gave up after {} attempts: the last one never finished (its sender stopped or hung); \
                     last error: {last}",
                    candidate.attempts
                );
                tracing::error!(delivery = candidate.id.0, error = %reason, "Delivery is dead; it will not be retried.");
                bury.execute(params![candidate.id, reason, millis(now)])?;
            }
            next => {
                // Should this attempt die with its sender, the row is due again at the next
                // attempt's time, and never before the lease lapses.
                let due = next.unwrap_or(until).max(until);
                let attempts = candidate.attempts.saturating_add(1);
                start.execute(params![candidate.id, attempts, millis(until), millis(due)])?;
                claimed.push(fetch.query_row([candidate.id], delivery_from_row)?);
            }
        }
    }
    Ok(claimed)
}

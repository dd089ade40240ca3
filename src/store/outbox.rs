//! The outbox: deliveries written with their change, claimed by senders under a lease (`claim`),
//! and finished only with the receiver's answer. Nothing is marked sent before it was accepted.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Serialize, Serializer};

use super::{Result, Store, from_millis, millis};
use crate::config::model::EventType;
use crate::ids::{ChangeId, DeliveryId, DocId, SourceId};

/// Where a delivery goes: a webhook POST, an email of its own, or a line in a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryChannel {
    Webhook,
    Email,
    /// Email to a subscriber with a daily or weekly schedule: sent as part of a digest.
    Digest,
}

impl DeliveryChannel {
    pub const ALL: [Self; 3] = [Self::Webhook, Self::Email, Self::Digest];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Email => "email",
            Self::Digest => "digest",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Serialize for DeliveryChannel {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Dead,
}

impl DeliveryStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Sent, Self::Dead];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl Serialize for DeliveryStatus {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A delivery to create, filled in with ids inside the commit's transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub subscriber: String,
    pub channel: DeliveryChannel,
    pub event: EventType,
    pub source: SourceId,
    /// The event body; `id` and `data.document.id` are set when the row is written.
    pub payload: serde_json::Value,
    pub due_at: Timestamp,
}

/// A delivery as a sender sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub msg_id: String,
    pub subscriber: String,
    pub channel: DeliveryChannel,
    pub event: EventType,
    pub payload: serde_json::Value,
    pub attempts: u32,
    pub created_at: Timestamp,
}

/// How a send ended, as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Sent { batch: Option<String> },
    Retry { at: Timestamp, error: String },
    Dead { error: String },
}

/// One row of `deliveries list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub subscriber: String,
    pub channel: DeliveryChannel,
    #[serde(serialize_with = "event_name")]
    pub event: EventType,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub due_at: Timestamp,
    pub msg_id: String,
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with passes a reference")]
fn event_name<S: Serializer>(event: &EventType, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(event.as_str())
}

pub(super) const DELIVERY_COLUMNS: &str = "id, msg_id, subscriber_id, channel, event, payload, attempts, created_at";

pub(super) fn delivery_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Delivery> {
    let payload: String = row.get(5)?;
    Ok(Delivery {
        id: row.get(0)?,
        msg_id: row.get(1)?,
        subscriber: row.get(2)?,
        channel: row.get(3)?,
        event: row.get(4)?,
        // One unreadable row must not stop every delivery behind it: the courier marks a null
        // payload dead, naming why.
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        attempts: row.get(6)?,
        created_at: from_millis(row.get(7)?),
    })
}

/// Writes one delivery row; `key` makes the msg id unique and stable (change or event id).
pub(super) fn enqueue(
    tx: &Transaction<'_>,
    key: &str,
    doc: Option<DocId>,
    change: Option<ChangeId>,
    new: &NewDelivery,
    at: Timestamp,
) -> Result<()> {
    let msg_id = format!("msg_{key}_{}", new.subscriber);
    let mut payload = new.payload.clone();
    payload["id"] = serde_json::Value::String(msg_id.clone());
    if let (Some(doc), Some(document)) = (doc, payload.pointer_mut("/data/document")) {
        document["id"] = serde_json::Value::from(doc.0);
    }
    tx.prepare_cached(
        "INSERT INTO delivery (msg_id, subscriber_id, channel, event, change_id, source_id, payload, created_at, due_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(msg_id) DO NOTHING",
    )?
    .execute(params![
        msg_id,
        new.subscriber,
        new.channel,
        new.event,
        change,
        new.source,
        payload.to_string(),
        millis(at),
        millis(new.due_at)
    ])?;
    Ok(())
}

impl Store {
    /// Every pending delivery of a subscriber (a digest's content), oldest first.
    pub fn pending_for(&self, subscriber: &str) -> Result<Vec<Delivery>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM delivery WHERE subscriber_id = ?1 AND status = 'pending' ORDER BY id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([subscriber], delivery_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records how sends ended, for many deliveries at once (a digest is one send). The attempt
    /// was counted when it was claimed.
    pub fn finish(&self, ids: &[DeliveryId], finish: &Finish, now: Timestamp) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = match finish {
                Finish::Sent { .. } => tx.prepare_cached(
                    "UPDATE delivery SET status = 'sent', sent_at = ?2, batch = ?3,
                     leased_until = NULL, last_error = NULL WHERE id = ?1",
                )?,
                Finish::Retry { .. } => tx.prepare_cached(
                    "UPDATE delivery SET due_at = ?2, last_error = ?3, leased_until = NULL WHERE id = ?1",
                )?,
                Finish::Dead { .. } => tx.prepare_cached(
                    "UPDATE delivery SET status = 'dead', last_error = ?3, leased_until = NULL,
                     due_at = ?2 WHERE id = ?1",
                )?,
            };
            for id in ids {
                match finish {
                    Finish::Sent { batch } => stmt.execute(params![id, millis(now), batch])?,
                    Finish::Retry { at, error } => stmt.execute(params![id, millis(*at), error])?,
                    Finish::Dead { error } => stmt.execute(params![id, millis(now), error])?,
                };
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Puts a delivery back in the queue now (`deliveries retry`), whatever its state.
    pub fn retry_delivery(&self, id: DeliveryId, now: Timestamp) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE delivery SET status = 'pending', due_at = ?2, leased_until = NULL, created_at = ?2 WHERE id = ?1",
            params![id, millis(now)],
        )?;
        Ok(changed == 1)
    }

    pub fn deliveries(&self, status: Option<DeliveryStatus>) -> Result<Vec<DeliveryRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, subscriber_id, channel, event, status, attempts, last_error, created_at, due_at, msg_id
             FROM delivery WHERE (?1 IS NULL OR status = ?1) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![status.map(DeliveryStatus::as_str)], |row| {
            Ok(DeliveryRow {
                id: row.get(0)?,
                subscriber: row.get(1)?,
                channel: row.get(2)?,
                event: row.get(3)?,
                status: {
                    let text: String = row.get(4)?;
                    DeliveryStatus::parse(&text).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(
                            4,
                            rusqlite::types::Type::Text,
                            format!("unknown delivery status `{text}`").into(),
                        )
                    })?
                },
                attempts: row.get(5)?,
                last_error: row.get(6)?,
                created_at: from_millis(row.get(7)?),
                due_at: from_millis(row.get(8)?),
                msg_id: row.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the earliest pending delivery is due: the delivery loop sleeps until then.
    pub fn next_delivery_due(&self) -> Result<Option<Timestamp>> {
        let due: Option<i64> = self
            .conn()
            .prepare_cached(
                "SELECT MIN(MAX(due_at, COALESCE(leased_until, 0))) FROM delivery WHERE status = 'pending'",
            )?
            .query_row([], |row| row.get(0))?;
        Ok(due.map(from_millis))
    }

    /// Whether any of the subscriber's pending deliveries has reached its due time.
    pub fn digest_due(&self, subscriber: &str, now: Timestamp) -> Result<bool> {
        let due: bool = self
            .conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM delivery WHERE subscriber_id = ?1 AND status = 'pending' AND due_at <= ?2)")?
            .query_row(params![subscriber, millis(now)], |row| row.get(0))?;
        Ok(due)
    }

    /// When the subscriber's last digest went out.
    pub fn last_digest_at(&self, subscriber: &str) -> Result<Option<Timestamp>> {
        let found: Option<Option<i64>> = self
            .conn()
            .prepare_cached("SELECT last_digest_at FROM subscriber_state WHERE id = ?1")?
            .query_row([subscriber], |row| row.get(0))
            .optional()?;
        Ok(found.flatten().map(from_millis))
    }

    pub fn record_digest(&self, subscriber: &str, at: Timestamp) -> Result<()> {
        self.conn().execute(
            "INSERT INTO subscriber_state (id, last_digest_at) VALUES (?1, ?2)
             ON CONFLICT(id) DO UPDATE SET last_digest_at = excluded.last_digest_at",
            params![subscriber, millis(at)],
        )?;
        Ok(())
    }

    /// A webhook answered 410 Gone: stop sending to it until the operator re-enables it.
    pub fn disable_subscriber(&self, subscriber: &str, reason: &str, at: Timestamp) -> Result<()> {
        self.conn().execute(
            "INSERT INTO subscriber_state (id, disabled_at, disabled_reason) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason",
            params![subscriber, millis(at), reason],
        )?;
        Ok(())
    }
}

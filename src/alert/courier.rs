//! The courier: takes due deliveries from the outbox, sends them (webhooks and immediate email
//! now, digests when due), and records each receiver's answer. Shared by `check` (one round
//! before it exits), `digest send` and the daemon's delivery loop.
//!
//! Delivery never slows polling: a round sends with bounded parallelism (at most
//! `PER_RECEIVER` in flight to one subscriber, `IN_FLIGHT` overall) and touches the store
//! only through short calls off the async workers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::event::Event;
use super::lease::Renewal;
use super::links;
use super::retry::{DeliveryOutcome, next_attempt};
use super::route::channel_of;
use super::{digest, email, webhook};
use crate::clock::Clock;
use crate::config::model::{Channel, Config, SubscriberSpec};
use crate::fetch::address::AddressPolicy;
use crate::ids::DeliveryId;
use crate::store::{Delivery, DeliveryChannel, Finish, Store, StoreError};

/// Deliveries sent at once across all receivers.
const IN_FLIGHT: usize = 16;
/// Deliveries sent at once to one subscriber.
const PER_RECEIVER: usize = 4;
/// Deliveries claimed per round.
const BATCH: usize = 256;
/// How long a claim holds unless renewed; renewed every third of it while its send runs, so a
/// crashed sender's rows come back within this.
pub const LEASE: Duration = Duration::from_secs(30);
/// The longest one email (or digest) send may take, all SMTP commands with their timeouts
/// together; past it the attempt is abandoned and retried, so no send holds its claim for ever.
const EMAIL_DEADLINE: Duration = Duration::from_secs(300);

/// What the courier needs. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Courier {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    /// No redirects, same address policy as sources (`fetch::client::webhook_client`); built
    /// only when a webhook subscriber exists (a TLS client costs a few MB of root certificates).
    pub webhooks: Option<reqwest::Client>,
    /// Webhook targets obey the sources' address policy; IP literals never reach the resolver.
    pub policy: AddressPolicy,
    /// Topic id → label, for emails.
    pub labels: Arc<HashMap<String, String>>,
    pub clock: Arc<dyn Clock>,
    /// How long a claim holds between renewals ([`LEASE`]; tests shorten it).
    pub lease: Duration,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub delivered: usize,
    pub retrying: usize,
    pub dead: usize,
    pub digests: usize,
}

impl Courier {
    /// When the attempt after `attempts` attempts would be: a claim moves a row there, so a
    /// send that dies with its sender is retried on the backoff schedule.
    fn retry_at(now: Timestamp) -> impl Fn(u32, Timestamp) -> Option<Timestamp> {
        move |attempts, created| next_attempt(attempts.saturating_add(1), created, now, None, fastrand::f64())
    }

    /// The longest a send on `channel` may take before it is abandoned and retried.
    fn deadline(&self, channel: DeliveryChannel) -> Duration {
        match channel {
            DeliveryChannel::Webhook => self.config.fetch.timeout + Duration::from_secs(5),
            DeliveryChannel::Email | DeliveryChannel::Digest => EMAIL_DEADLINE,
        }
    }

    /// `[web] public_url`: where "Read the full redline" links point.
    fn public_url(&self) -> Option<&url::Url> {
        self.config.web.as_ref().and_then(|w| w.public_url.as_ref())
    }

    /// One round: every due immediate delivery, then every due digest.
    pub async fn deliver_due(&self) -> Result<RoundReport, StoreError> {
        let mut report = RoundReport::default();
        loop {
            let (lease, now) = (self.lease, self.clock.now());
            let channels = [DeliveryChannel::Webhook, DeliveryChannel::Email];
            let claimed =
                self.store.call(move |s| s.claim_due(now, &channels, BATCH, lease, &Self::retry_at(now))).await?;
            if claimed.is_empty() {
                break;
            }
            let full = claimed.len() == BATCH;
            self.send_all(claimed, &mut report).await?;
            if !full {
                break;
            }
        }
        for subscriber in self.config.subscribers.iter().filter(|s| channel_of(s) == DeliveryChannel::Digest) {
            if self.digest_due(subscriber).await? {
                self.send_digest(subscriber, &mut report).await?;
            }
        }
        Ok(report)
    }

    async fn send_all(&self, claimed: Vec<Delivery>, report: &mut RoundReport) -> Result<(), StoreError> {
        let renewal =
            Renewal::start(Arc::clone(&self.store), Arc::clone(&self.clock), self.lease, claimed.iter().map(|d| d.id));
        let overall = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut per_receiver: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut tasks = JoinSet::new();
        for delivery in claimed {
            let receiver = Arc::clone(
                per_receiver
                    .entry(delivery.subscriber.clone())
                    .or_insert_with(|| Arc::new(Semaphore::new(PER_RECEIVER))),
            );
            let (overall, courier) = (Arc::clone(&overall), self.clone());
            tasks.spawn(async move {
                let _slot = overall.acquire_owned().await;
                let _receiver = receiver.acquire_owned().await;
                let deadline = courier.deadline(delivery.channel);
                let outcome = match tokio::time::timeout(deadline, courier.send_one(&delivery)).await {
                    Ok(outcome) => outcome,
                    Err(_) => DeliveryOutcome::Retry {
                        retry_after: None,
                        reason: format!("the send took longer than {}s and was abandoned", deadline.as_secs()),
                    },
                };
                (delivery, outcome)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            // A panicking send leaves its row leased; the lease lapses and it is retried on the
            // schedule its claim set.
            let Ok((delivery, outcome)) = joined else { continue };
            renewal.release(&[delivery.id]);
            self.record(
                &[delivery.id],
                &delivery.subscriber,
                delivery.attempts,
                delivery.created_at,
                &outcome,
                None,
                report,
            )
            .await?;
        }
        Ok(())
    }

    async fn send_one(&self, delivery: &Delivery) -> DeliveryOutcome {
        let Some(subscriber) = self.config.subscribers.iter().find(|s| s.id == delivery.subscriber) else {
            return DeliveryOutcome::Dead {
                reason: format!("subscriber `{}` is no longer configured", delivery.subscriber),
            };
        };
        if delivery.payload.is_null() {
            return DeliveryOutcome::Dead { reason: "the stored event body is not valid JSON".into() };
        }
        match &subscriber.channel {
            Channel::Webhook(url) => {
                let Some(client) = &self.webhooks else {
                    return DeliveryOutcome::Retry { retry_after: None, reason: "no webhook client configured".into() };
                };
                if let Some(addr) = self.policy.allows_url_host(url) {
                    return DeliveryOutcome::Retry {
                        retry_after: None,
                        reason: format!(
                            "refused address {addr}: private, loopback or link-local networks are not allowed (see fetch.allow_private_networks)"
                        ),
                    };
                }
                let mut payload = delivery.payload.clone();
                if let Some(public_url) = self.public_url() {
                    links::link_payload(&mut payload, public_url);
                }
                let body = serde_json::to_vec(&payload).unwrap_or_default();
                let key = match subscriber
                    .secret
                    .as_ref()
                    .map(|s| webhook::signing_key(secrecy::ExposeSecret::expose_secret(s)))
                {
                    Some(Ok(key)) => Some(key),
                    Some(Err(e)) => return DeliveryOutcome::Retry { retry_after: None, reason: e.to_string() },
                    None => None,
                };
                let now = self.clock.now().as_second();
                webhook::send(client, url, &delivery.msg_id, now, &body, key.as_deref(), self.config.fetch.timeout)
                    .await
            }
            Channel::Email(_) => {
                let mut event: Event = match serde_json::from_value(delivery.payload.clone()) {
                    Ok(event) => event,
                    Err(e) => return DeliveryOutcome::Dead { reason: format!("stored event is unreadable: {e}") },
                };
                if let Some(public_url) = self.public_url() {
                    links::link_event(&mut event, public_url);
                }
                let Some(smtp) = &self.config.smtp else {
                    return DeliveryOutcome::Retry {
                        retry_after: None,
                        reason: "no [smtp] section in the config".into(),
                    };
                };
                let message = email::mailbox(&smtp.from)
                    .and_then(|from| email::render_alert(subscriber, &from, &event, self.clock.now(), &self.labels));
                match message {
                    Ok(message) => email::send_email(smtp, message).await,
                    Err(e) => DeliveryOutcome::Retry { retry_after: None, reason: e.to_string() },
                }
            }
        }
    }

    /// A digest is due when any of its pending rows is: each row waits for the first digest
    /// time after it was created, so a digest missed while regwatch was down goes out once,
    /// at the next round.
    async fn digest_due(&self, subscriber: &SubscriberSpec) -> Result<bool, StoreError> {
        let (id, now) = (subscriber.id.clone(), self.clock.now());
        self.store.call(move |s| s.digest_due(&id, now)).await
    }

    /// Sends every pending delivery of a subscriber as one digest, due or not.
    pub async fn send_digest(&self, subscriber: &SubscriberSpec, report: &mut RoundReport) -> Result<bool, StoreError> {
        let (id, now, lease) = (subscriber.id.clone(), self.clock.now(), self.lease);
        let claimed = self.store.call(move |s| s.claim_digest(&id, now, lease, &Self::retry_at(now))).await?;
        // Another sender is sending this digest right now.
        let Some(pending) = claimed.filter(|p| !p.is_empty()) else { return Ok(false) };
        let renewal =
            Renewal::start(Arc::clone(&self.store), Arc::clone(&self.clock), self.lease, pending.iter().map(|d| d.id));
        let mut events: Vec<Event> =
            pending.iter().filter_map(|d| serde_json::from_value(d.payload.clone()).ok()).collect();
        if let Some(public_url) = self.public_url() {
            for event in &mut events {
                links::link_event(event, public_url);
            }
        }
        let content = digest::digest_content(subscriber, &events, now, &self.labels);
        let outcome = match &self.config.smtp {
            None => DeliveryOutcome::Retry { retry_after: None, reason: "no [smtp] section in the config".into() },
            Some(smtp) => match email::mailbox(&smtp.from)
                .and_then(|from| Ok((from, email::recipient(subscriber)?)))
                .and_then(|(from, to)| email::compose(&content, &from, &to, now))
            {
                Ok(message) => match tokio::time::timeout(EMAIL_DEADLINE, email::send_email(smtp, message)).await {
                    Ok(outcome) => outcome,
                    Err(_) => DeliveryOutcome::Retry {
                        retry_after: None,
                        reason: format!("the send took longer than {}s and was abandoned", EMAIL_DEADLINE.as_secs()),
                    },
                },
                Err(e) => DeliveryOutcome::Retry { retry_after: None, reason: e.to_string() },
            },
        };
        let ids: Vec<DeliveryId> = pending.iter().map(|d| d.id).collect();
        let attempts = pending.iter().map(|d| d.attempts).max().unwrap_or(0);
        let created = pending.iter().map(|d| d.created_at).min().unwrap_or(now);
        let delivered = matches!(outcome, DeliveryOutcome::Delivered { .. });
        renewal.release(&ids);
        self.record(&ids, &subscriber.id, attempts, created, &outcome, Some(content.message_id), report).await?;
        if delivered {
            report.digests += 1;
            let id = subscriber.id.clone();
            self.store.call(move |s| s.record_digest(&id, now)).await?;
        }
        Ok(delivered)
    }

    #[expect(clippy::too_many_arguments, reason = "one digest or one delivery: the same bookkeeping")]
    async fn record(
        &self,
        ids: &[DeliveryId],
        subscriber: &str,
        attempts: u32,
        created: Timestamp,
        outcome: &DeliveryOutcome,
        batch: Option<String>,
        report: &mut RoundReport,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let finish = match outcome {
            DeliveryOutcome::Delivered { .. } => {
                report.delivered += ids.len();
                Finish::Sent { batch }
            }
            DeliveryOutcome::Retry { retry_after, reason } => {
                // `attempts` counts this one: it was counted when it was claimed.
                if let Some(at) = next_attempt(attempts, created, now, *retry_after, fastrand::f64()) {
                    report.retrying += ids.len();
                    tracing::warn!(subscriber, error = %reason, retry_at = %at, "Delivery failed; will retry.");
                    Finish::Retry { at, error: reason.clone() }
                } else {
                    report.dead += ids.len();
                    let dead = DeliveryOutcome::dead_after(attempts, reason);
                    let reason = dead.reason().unwrap_or_default().to_owned();
                    tracing::error!(subscriber, error = %reason, "Delivery is dead; it will not be retried.");
                    Finish::Dead { error: reason }
                }
            }
            DeliveryOutcome::Gone { reason } => {
                report.dead += ids.len();
                tracing::error!(subscriber, error = %reason, "Webhook endpoint is gone; subscriber disabled.");
                let (id, why) = (subscriber.to_owned(), reason.clone());
                self.store.call(move |s| s.disable_subscriber(&id, &why, now)).await?;
                Finish::Dead { error: reason.clone() }
            }
            DeliveryOutcome::Dead { reason } => {
                report.dead += ids.len();
                tracing::error!(subscriber, error = %reason, "Delivery is dead; it will not be retried.");
                Finish::Dead { error: reason.clone() }
            }
        };
        let ids = ids.to_vec();
        self.store.call(move |s| s.finish(&ids, &finish, now)).await
    }
}

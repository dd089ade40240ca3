//! Two senders on one database (`run` and a `check` beside it) never send a delivery twice,
//! however slow the receiver: a claim is renewed while its send runs. And an attempt counts
//! when it starts, so a delivery whose every attempt dies with its sender still ends dead when
//! its window closes.
//!
//! Each test keeps the lease far shorter than the round of sends it holds, so a lease that were
//! not renewed would lapse mid-round and the second sender would take the rows again.

#[path = "alert_common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::receiver::{self, Behaviour};
use common::smtp;
use jiff::Timestamp;
use regwatch::alert::{Courier, RoundReport, next_attempt};
use regwatch::classify::Stage;
use regwatch::clock::{Clock, ManualClock, SystemClock};
use regwatch::config::model::{Config, EventType};
use regwatch::extract::{BlockText, Observation};
use regwatch::fetch::HttpClient;
use regwatch::fetch::address::AddressPolicy;
use regwatch::ids::SourceId;
use regwatch::store::{
    ChangeRecord, DeliveryChannel, DeliveryStatus, DocumentWrite, ListingWrite, NewDelivery, PollCommit, PollResult,
    Store, VersionText, WriteKind,
};

/// Far shorter than any round below: renewals (every third of it) are what keep the claims.
const LEASE: Duration = Duration::from_millis(900);

fn config(dir: &Path, subscriber: &str) -> Arc<Config> {
    let toml = format!(
        "[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\ntimeout = \"5s\"\n\
         [[source]]\nid = \"cac\"\nkind = \"page\"\nurl = \"http://127.0.0.1/x\"\n{subscriber}"
    );
    std::fs::write(dir.join("regwatch.toml"), toml).unwrap();
    Arc::new(regwatch::config::load(&dir.join("regwatch.toml"), &[]).unwrap().config)
}

/// A sender over its own connection to the database, as a second process would have.
fn courier(config: &Arc<Config>) -> Courier {
    let store = Arc::new(Store::open(&config.storage.database).unwrap());
    Courier {
        config: Arc::clone(config),
        store,
        webhooks: Some(HttpClient::webhook_client(&config.fetch).unwrap()),
        policy: AddressPolicy::new(config.fetch.private_networks.clone()),
        labels: Arc::default(),
        clock: Arc::new(SystemClock),
        lease: LEASE,
    }
}

/// `n` new documents, each with one delivery to `subscriber` on `channel`, due now.
fn queue(config: &Config, n: usize, subscriber: &str, channel: DeliveryChannel) {
    let store = Store::open(&config.storage.database).unwrap();
    let now = SystemClock.now();
    store.register_sources(&config.sources, now).unwrap();
    let documents = (0..n)
        .map(|i| {
            let observation = Observation::new(
                format!("http://127.0.0.1/doc/{i}").parse().unwrap(),
                format!("人脸识别管理办法 {i}"),
                None,
                BlockText::from_lines(vec![format!("第一条 第{i}号文件。")]),
            );
            let payload = serde_json::json!({
                "type": "document.new", "id": "", "timestamp": now,
                "data": {"source": {"id": "cac", "name": "CAC"},
                         "document": {"id": 0, "url": observation.doc_url, "title": observation.title, "stage": "draft",
                                      "deadline": null, "topics": ["facial-recognition"], "published": null},
                         "change": null}
            });
            DocumentWrite {
                hash: observation.blocks.hash(),
                kind: WriteKind::New,
                stage: Stage::Draft,
                deadline: None,
                topics: Vec::new(),
                family_key: None,
                draft: None,
                change: Some(ChangeRecord {
                    event: EventType::DocumentNew,
                    from_doc: None,
                    from_version: None,
                    summary: "New document".into(),
                    articles: Vec::new(),
                    topics: Vec::new(),
                    added_lines: 1,
                    removed_lines: 0,
                }),
                deliveries: vec![NewDelivery {
                    subscriber: subscriber.into(),
                    channel,
                    event: EventType::DocumentNew,
                    source: SourceId("cac".into()),
                    payload,
                    due_at: now,
                }],
                stored: VersionText::new(&observation.title, observation.blocks.text()),
                observation,
            }
        })
        .collect();
    store
        .commit(&PollCommit {
            source: SourceId("cac".into()),
            at: now,
            result: PollResult::Ok { status: Some(200), items: Some(n), warning: None },
            config_hash: None,
            next_due: None,
            validators: Vec::new(),
            listing: ListingWrite::default(),
            documents,
            fetch_log: Vec::new(),
            health: None,
            health_events: Vec::new(),
        })
        .unwrap();
}

/// Both senders run a round at once, the second starting while the first is mid-round (after
/// the first's leases would have lapsed but for renewal).
async fn two_senders(config: &Arc<Config>) -> (RoundReport, RoundReport) {
    let (first, second) = (courier(config), courier(config));
    let late = async {
        tokio::time::sleep(LEASE / 4).await;
        make_all_due(config);
        tokio::time::sleep(LEASE * 2).await;
        second.deliver_due().await
    };
    let (a, b) = tokio::join!(first.deliver_due(), late);
    (a.unwrap(), b.unwrap())
}

/// A claim also moves a row's due time to its next attempt; moving it back to now leaves the
/// lease as the only thing between a second sender and a row the first is still sending.
fn make_all_due(config: &Config) {
    let conn = rusqlite::Connection::open(&config.storage.database).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.execute("UPDATE delivery SET due_at = 0 WHERE status = 'pending'", []).unwrap();
}

fn pending(config: &Config) -> usize {
    Store::open(&config.storage.database).unwrap().deliveries(Some(DeliveryStatus::Pending)).unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_webhook_receiver_gets_each_delivery_once() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    // 24 sends, 4 at a time to one receiver, 600 ms each: a round of about 3.6 s, four leases.
    let receiver = receiver::start(Behaviour::Slow { millis: 600 }, None).await;
    let subscriber = format!("[[subscriber]]\nid = \"hook\"\nwebhook = \"{}\"\ntopics = [\"*\"]\n", receiver.url);
    let config = config(dir.path(), &subscriber);
    queue(&config, 24, "hook", DeliveryChannel::Webhook);

    two_senders(&config).await;

    let ids: Vec<String> = receiver.hits().iter().filter_map(|h| h.header("webhook-id").map(str::to_owned)).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 24, "every delivery arrived");
    assert_eq!(ids.len(), 24, "no delivery was sent twice");
    assert_eq!(pending(&config), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_smtp_server_gets_each_email_once() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    // About ten replies per message, 160 ms each: ~1.6 s a message, 4 at a time for 8 messages.
    let server = smtp::start_with_delay(None, Duration::from_millis(160)).await;
    let subscriber = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"regwatch <alerts@example.org>\"\n\
         [[subscriber]]\nid = \"tmt\"\nemail = \"tmt@example.org\"\ntopics = [\"*\"]\nschedule = \"immediate\"\n",
        server.addr.port()
    );
    let config = config(dir.path(), &subscriber);
    queue(&config, 8, "tmt", DeliveryChannel::Email);

    two_senders(&config).await;

    let messages = server.messages();
    let subjects: HashSet<String> = messages
        .iter()
        .map(|m| {
            String::from_utf8_lossy(&m.data).lines().find(|l| l.starts_with("Message-ID")).unwrap_or("").to_owned()
        })
        .collect();
    assert_eq!(messages.len(), 8, "each email was sent once: {subjects:?}");
    assert_eq!(subjects.len(), 8);
    assert_eq!(pending(&config), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_digest_is_claimed_so_two_senders_send_it_once() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let server = smtp::start_with_delay(None, Duration::from_millis(300)).await;
    let subscriber = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"regwatch <alerts@example.org>\"\n\
         [[subscriber]]\nid = \"weekly\"\nemail = \"team@example.org\"\ntopics = [\"*\"]\nschedule = \"daily 08:00 UTC\"\n",
        server.addr.port()
    );
    let config = config(dir.path(), &subscriber);
    // Due now: the rows were queued for a digest time that has come.
    queue(&config, 5, "weekly", DeliveryChannel::Digest);

    let (a, b) = two_senders(&config).await;
    let digests = a.digests + b.digests;

    assert_eq!(server.messages().len(), 1, "one digest, not two");
    assert_eq!(digests, 1);
    assert_eq!(pending(&config), 0);
}

#[test]
fn an_attempt_that_never_finishes_still_ends_dead_when_its_window_closes() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        config(dir.path(), "[[subscriber]]\nid = \"hook\"\nwebhook = \"http://127.0.0.1:9/hook\"\ntopics = [\"*\"]\n");
    queue(&config, 1, "hook", DeliveryChannel::Webhook);
    let store = Store::open(&config.storage.database).unwrap();
    let start = SystemClock.now();
    let clock = ManualClock::new(start);
    let mut attempts = 0;
    // Every attempt is claimed and then its sender "dies": nothing is ever finished.
    for _ in 0..100 {
        let now = clock.now();
        let retry_at = |n: u32, created: Timestamp| next_attempt(n + 1, created, now, None, 1.0);
        let claimed = store.claim_due(now, &[DeliveryChannel::Webhook], 10, LEASE, &retry_at).unwrap();
        attempts += claimed.len();
        let rows = store.deliveries(None).unwrap();
        if rows[0].status == DeliveryStatus::Dead {
            break;
        }
        // Jump to when the row is due again (never sooner than the lease).
        clock.set(rows[0].due_at.max(now + Duration::from_millis(500)));
    }
    let row = &store.deliveries(None).unwrap()[0];
    assert_eq!(row.status, DeliveryStatus::Dead, "the delivery must not be retried for ever");
    let reason = row.last_error.as_deref().unwrap_or_default();
    assert!(reason.contains("never finished"), "{reason}");
    // Backoff, not a hot loop: about ten attempts over the 72-hour window.
    assert!((8..=14).contains(&attempts), "{attempts} attempts");
    let took = clock.now().duration_since(row.created_at);
    assert!(took >= jiff::SignedDuration::from_hours(72), "dead only after the window: {took:?}");
    assert_eq!(i64::try_from(attempts).unwrap(), row.attempts);
}

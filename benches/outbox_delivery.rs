//! `cargo bench --bench outbox_delivery`: 1,000 webhook deliveries queued in the outbox (as a
//! poll's commit writes them), then one courier round sends them to a local receiver that
//! answers 204. Prints deliveries per second through claim → sign → POST → record.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use regwatch::alert::Courier;
use regwatch::classify::Stage;
use regwatch::clock::{Clock, SystemClock};
use regwatch::config::model::EventType;
use regwatch::extract::{BlockText, Observation};
use regwatch::fetch::HttpClient;
use regwatch::fetch::address::AddressPolicy;
use regwatch::store::{
    ChangeRecord, DeliveryChannel, DocumentWrite, ListingWrite, NewDelivery, PollCommit, PollResult, Store,
    VersionText, WriteKind,
};

const DELIVERIES: usize = 1000;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&received);
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    );
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hook.secret"), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let toml = format!(
        "[fetch]\nallow_private_networks = [\"127.0.0.1/32\"]\n[[source]]\nid = \"bench\"\nkind = \"page\"\nurl = \"http://127.0.0.1/x\"\n\
         [[subscriber]]\nid = \"hook\"\nwebhook = \"{hook}\"\nsecret_file = \"hook.secret\"\ntopics = [\"*\"]\nschedule = \"immediate\"\n"
    );
    std::fs::write(dir.path().join("regwatch.toml"), toml).unwrap();
    let config = Arc::new(regwatch::config::load(&dir.path().join("regwatch.toml"), &[]).unwrap().config);
    let store = Arc::new(Store::open(&config.storage.database).unwrap());
    store.register_sources(&config.sources, SystemClock.now()).unwrap();
    queue(&store, &config.sources[0].id);

    let courier = Courier {
        config: Arc::clone(&config),
        store: Arc::clone(&store),
        webhooks: Some(HttpClient::webhook_client(&config.fetch).unwrap()),
        policy: AddressPolicy::new(config.fetch.private_networks.clone()),
        labels: Arc::default(),
        clock: Arc::new(regwatch::clock::SystemClock),
        lease: regwatch::alert::courier::LEASE,
    };
    let started = Instant::now();
    let report = runtime.block_on(courier.deliver_due()).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.delivered, DELIVERIES, "{report:?}");
    assert_eq!(received.load(Ordering::Relaxed), DELIVERIES);
    println!(
        "outbox_delivery: {DELIVERIES} signed webhooks in {:.3} s = {:.0} deliveries/s (claim, sign, POST, record)",
        elapsed.as_secs_f64(),
        f64::from(u32::try_from(DELIVERIES).unwrap()) / elapsed.as_secs_f64().max(f64::EPSILON)
    );
}

/// 1,000 new documents, each with a change and one webhook delivery, in one poll commit.
fn queue(store: &Store, source: &regwatch::ids::SourceId) {
    let now = SystemClock.now();
    let documents = (0..DELIVERIES)
        .map(|i| {
            let observation = Observation::new(
                format!("http://127.0.0.1/doc/{i}").parse().unwrap(),
                format!("Document {i}"),
                None,
                BlockText::from_lines(vec![format!("第一条 第{i}号文件的正文。")]),
            );
            let payload = serde_json::json!({
                "type": "document.new", "id": "", "timestamp": now,
                "data": {"source": {"id": "bench", "name": "bench"},
                         "document": {"id": 0, "url": observation.doc_url, "title": observation.title, "stage": "draft",
                                      "deadline": null, "topics": [], "published": null},
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
                    subscriber: "hook".into(),
                    channel: DeliveryChannel::Webhook,
                    event: EventType::DocumentNew,
                    source: source.clone(),
                    payload,
                    due_at: now,
                }],
                stored: VersionText::new(&observation.title, observation.blocks.text()),
                observation,
            }
        })
        .collect();
    let commit = PollCommit {
        source: source.clone(),
        at: now,
        result: PollResult::Ok { status: Some(200), items: Some(DELIVERIES), warning: None },
        config_hash: None,
        next_due: None,
        validators: Vec::new(),
        listing: ListingWrite {
            recheck_interval: Duration::from_secs(86_400),
            recheck_window: Duration::from_secs(86_400),
            ..ListingWrite::default()
        },
        documents,
        fetch_log: Vec::new(),
        health: None,
        health_events: Vec::new(),
    };
    store.commit(&commit).unwrap();
}

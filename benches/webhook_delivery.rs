//! 1,000 signed webhook deliveries to a local axum receiver that verifies each signature,
//! 16 in flight at once (the per-receiver bound the delivery worker is meant to use).
//! Criterion reports the throughput in deliveries (elements) per second.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use regwatch::alert::retry::DeliveryOutcome;
use regwatch::alert::webhook::{send, signing_key, verify};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

const DELIVERIES: usize = 1_000;
const IN_FLIGHT: usize = 16;
const SECRET: &str = "whsec_c2VjcmV0LWZvci1yZWd3YXRjaC1iZW5jaA==";

/// A contract-shaped body of about 1.5 KB.
fn body() -> Vec<u8> {
    let diff =
        "--- v3\n+++ v4\n@@ -8,3 +8,4 @@\n 第八条\n-第九条 二小时。\n+第九条 一小时。\n+Article 9 one hour\n".repeat(8);
    serde_json::to_vec(&serde_json::json!({
        "type": "document.changed", "id": "0", "timestamp": "2026-11-22T08:00:00Z",
        "data": {
            "source": {"id": "cac-policies", "name": "CAC: policies and regulations"},
            "document": {"id": 42, "url": "https://www.cac.gov.cn/2026-11/20/c_42.htm",
                         "title": "Provisions on the Protection of Minors Online", "stage": "final",
                         "deadline": null, "topics": ["minors"], "published": "2026-11-20"},
            "change": {"from_version": 3, "to_version": 4, "summary": "Article 9 amended",
                       "articles": [{"number": "9", "kind": "amended"}], "added_lines": 2,
                       "removed_lines": 1, "diff": diff}
        }
    }))
    .unwrap_or_default()
}

async fn hook(
    State((key, verified)): State<(Arc<Vec<u8>>, Arc<AtomicUsize>)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if verify(&key, &headers, &body) {
        verified.fetch_add(1, Ordering::Relaxed);
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

async fn start_receiver(key: Arc<Vec<u8>>, verified: Arc<AtomicUsize>) -> Url {
    let app = Router::new().route("/hook", post(hook)).with_state((key, verified));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/hook", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Sends every delivery, at most `IN_FLIGHT` at once; returns how many were delivered.
async fn deliver_all(client: &reqwest::Client, url: &Url, key: &Arc<Vec<u8>>, body: &Arc<Vec<u8>>) -> usize {
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for n in 0..DELIVERIES {
        let permit = Arc::clone(&gate).acquire_owned().await.unwrap();
        let (client, url, key, body) = (client.clone(), url.clone(), Arc::clone(key), Arc::clone(body));
        tasks.spawn(async move {
            let _permit = permit;
            let id = format!("msg_{n}");
            let now = regwatch::clock::Clock::now(&regwatch::clock::SystemClock).as_second();
            send(&client, &url, &id, now, &body, Some(&key), Duration::from_secs(10)).await
        });
    }
    let mut delivered = 0;
    while let Some(outcome) = tasks.join_next().await {
        if matches!(outcome, Ok(DeliveryOutcome::Delivered { .. })) {
            delivered += 1;
        }
    }
    delivered
}

fn webhook_delivery(c: &mut Criterion) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let key = Arc::new(signing_key(SECRET).unwrap());
    let body = Arc::new(body());
    let verified = Arc::new(AtomicUsize::new(0));
    let url = runtime.block_on(start_receiver(Arc::clone(&key), Arc::clone(&verified)));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let mut group = c.benchmark_group("webhook_delivery");
    group.throughput(Throughput::Elements(DELIVERIES as u64));
    group.sample_size(10).measurement_time(Duration::from_secs(15)).warm_up_time(Duration::from_secs(2));
    group.bench_function("1000_signed_posts_16_in_flight", |b| {
        b.iter(|| {
            let delivered = runtime.block_on(deliver_all(&client, &url, &key, &body));
            assert_eq!(delivered, DELIVERIES, "every delivery must be accepted");
            black_box(delivered)
        });
    });
    group.finish();
    assert!(verified.load(Ordering::Relaxed) >= DELIVERIES, "the receiver verified the signatures");
}

criterion_group!(benches, webhook_delivery);
criterion_main!(benches);

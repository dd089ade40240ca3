//! Webhook delivery to a real HTTP receiver on 127.0.0.1 that verifies each signature with
//! `verify`: signing, retries driven by `next_attempt`, 410, redirects, hangs, refusals.

#[path = "alert_common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use jiff::Timestamp;
use regwatch::alert::event::Event;
use regwatch::alert::retry::{DeliveryOutcome, next_attempt};
use regwatch::alert::webhook::{USER_AGENT, send, sign, signing_key};

use common::events::digest_items;
use common::receiver::{self, Behaviour};

const TIMEOUT: Duration = Duration::from_secs(5);
const SECRET: &str = "whsec_c2VjcmV0LWZvci1yZWd3YXRjaC10ZXN0cw==";

fn client() -> reqwest::Client {
    common::install_crypto();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn changed() -> Event {
    digest_items().into_iter().find(|e| e.id == "102").unwrap()
}

fn now() -> i64 {
    regwatch::clock::Clock::now(&regwatch::clock::SystemClock).as_second()
}

fn reason(outcome: &DeliveryOutcome) -> &str {
    match outcome {
        DeliveryOutcome::Retry { reason, .. } => reason,
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[tokio::test]
async fn a_signed_delivery_verifies_at_the_receiver() {
    let key = signing_key(SECRET).unwrap();
    let hook = receiver::start(Behaviour::Accept, Some(&key)).await;
    let event = changed();
    let body = event.to_body().unwrap();
    let outcome = send(&client(), &hook.url, &event.id, now(), &body, Some(&key), TIMEOUT).await;
    assert_eq!(outcome, DeliveryOutcome::Delivered { status: Some(204) });

    let hits = hook.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert!(hit.verified, "the receiver's verify rejected our signature");
    assert_eq!(hit.header("webhook-id"), Some("102"));
    assert_eq!(hit.header("content-type"), Some("application/json"));
    assert_eq!(hit.header("user-agent"), Some(USER_AGENT));
    assert_eq!(serde_json::from_slice::<Event>(&hit.body).unwrap(), event);
}

#[tokio::test]
async fn the_standard_webhooks_vector_verifies_at_the_receiver() {
    // standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts.
    let key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let (id, body) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", br#"{"test": 2432232314}"#);
    assert_eq!(sign(&key, id, 1_614_265_330, body), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

    // The vector's timestamp is years old, outside the 5-minute tolerance: sign it now.
    let hook = receiver::start(Behaviour::Accept, Some(&key)).await;
    let outcome = send(&client(), &hook.url, id, now(), body, Some(&key), TIMEOUT).await;
    assert!(matches!(outcome, DeliveryOutcome::Delivered { .. }), "{outcome:?}");
    assert!(hook.hits()[0].verified);

    // A receiver holding another key refuses it.
    let other = receiver::start(Behaviour::Accept, Some(b"another key")).await;
    send(&client(), &other.url, id, now(), body, Some(&key), TIMEOUT).await;
    assert!(!other.hits()[0].verified);
}

#[tokio::test]
async fn without_a_secret_there_is_no_signature_header() {
    let hook = receiver::start(Behaviour::Accept, None).await;
    let body = changed().to_body().unwrap();
    send(&client(), &hook.url, "102", now(), &body, None, TIMEOUT).await;
    assert_eq!(hook.hits()[0].header("webhook-signature"), None);
    assert!(hook.hits()[0].header("webhook-timestamp").is_some());
}

#[tokio::test]
async fn failures_are_retried_on_schedule_with_the_same_id_until_delivered() {
    let key = signing_key(SECRET).unwrap();
    let hook = receiver::start(Behaviour::FailThenAccept { n: 3, retry_after: Some(120) }, Some(&key)).await;
    let event = changed();
    let body = event.to_body().unwrap();
    let created: Timestamp = "2026-11-22T08:00:00Z".parse().unwrap();
    let (mut clock, mut attempts, mut schedule) = (created, 0, Vec::new());
    let client = client();
    let delivered = loop {
        attempts += 1;
        match send(&client, &hook.url, &event.id, now(), &body, Some(&key), TIMEOUT).await {
            DeliveryOutcome::Retry { retry_after, reason } => {
                assert_eq!(retry_after, Some(Duration::from_secs(120)));
                assert!(reason.starts_with("HTTP 503 Service Unavailable: busy"), "{reason}");
                // Zero jitter: the wait is the receiver's Retry-After, not the 30 s backoff.
                clock = next_attempt(attempts, created, clock, retry_after, 0.0).unwrap();
                schedule.push(clock.duration_since(created).as_secs());
            }
            other => break other,
        }
        assert!(attempts < 10, "never delivered");
    };
    assert_eq!(delivered, DeliveryOutcome::Delivered { status: Some(200) });
    assert_eq!(schedule, [120, 240, 360]);
    let hits = hook.hits();
    assert_eq!(hits.len(), 4);
    assert!(hits.iter().all(|h| h.verified && h.header("webhook-id") == Some("102") && h.body == body));
}

#[tokio::test]
async fn gone_is_reported_as_gone() {
    let hook = receiver::start(Behaviour::Gone, None).await;
    let outcome = send(&client(), &hook.url, "102", now(), b"{}", None, TIMEOUT).await;
    assert_eq!(outcome, DeliveryOutcome::Gone { reason: format!("HTTP 410 Gone from {}", hook.url) });
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let hook = receiver::start(Behaviour::Redirect, None).await;
    let outcome = send(&client(), &hook.url, "102", now(), b"{}", None, TIMEOUT).await;
    let reason = reason(&outcome);
    assert!(reason.contains("308") && reason.contains("not followed") && reason.contains("/moved"), "{reason}");
    assert!(!reason.contains("token=secret"), "query strings stay out of stored reasons");
    assert_eq!(hook.hits().len(), 1);
}

#[tokio::test]
async fn a_hanging_receiver_times_out_into_a_retry() {
    let hook = receiver::start(Behaviour::Hang, None).await;
    let started = Instant::now();
    let outcome = send(&client(), &hook.url, "102", now(), b"{}", None, Duration::from_millis(300)).await;
    assert!(started.elapsed() < Duration::from_secs(3), "the timeout was not applied");
    assert!(reason(&outcome).contains("no response from"), "{outcome:?}");
    assert_eq!(hook.hits().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_a_retry() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hook").parse().unwrap();
    let outcome = send(&client(), &url, "102", now(), b"{}", None, TIMEOUT).await;
    assert!(reason(&outcome).starts_with(&format!("cannot connect to http://127.0.0.1:{port}/hook")), "{outcome:?}");
}

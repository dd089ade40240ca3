//! The webhook receiver of the kill harness: a real axum server on 127.0.0.1 at
//! `/hook/{subscriber}` that records every request (its `webhook-id`, body and whether its
//! signature verified), answers after a random pause (so kills land while sends are in
//! flight), and, until the final phase, now and then with a 503 (so retries are in the mix).
//!
//! A request is recorded when it arrives, before the answer: a sender killed while waiting
//! for the answer has still delivered, and its repeat is what the harness checks.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Hook {
    pub subscriber: String,
    pub webhook_id: String,
    pub body: Vec<u8>,
    pub verified: bool,
    /// Answered 2xx (a 503 asks for a retry).
    pub accepted: bool,
}

struct Shared {
    key: Vec<u8>,
    /// Whether one request in twenty is refused.
    refusing: AtomicBool,
    hooks: Mutex<Vec<Hook>>,
    arrived: AtomicUsize,
}

pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`; a subscriber's URL appends `/{id}`.
    pub base: String,
    shared: Arc<Shared>,
}

impl Receiver {
    /// Starts on the current tokio runtime; `key` verifies signed requests.
    pub async fn start(key: &[u8]) -> Self {
        let shared = Arc::new(Shared {
            key: key.to_vec(),
            refusing: AtomicBool::new(true),
            hooks: Mutex::new(Vec::new()),
            arrived: AtomicUsize::new(0),
        });
        let app = Router::new().route("/hook/{subscriber}", post(hook)).with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the webhook receiver");
        let base = format!("http://{}/hook", listener.local_addr().expect("receiver address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, shared }
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.shared.hooks.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// From now on, accept every request: the final phase delivers without refusals, so it
    /// does not wait out a backoff.
    pub fn accept_all(&self) {
        self.shared.refusing.store(false, Ordering::SeqCst);
    }

    /// Requests that have arrived so far, answered or not.
    pub fn arrived(&self) -> usize {
        self.shared.arrived.load(Ordering::SeqCst)
    }
}

async fn hook(
    State(shared): State<Arc<Shared>>,
    Path(subscriber): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let verified = regwatch::alert::webhook::verify(&shared.key, &headers, &body);
    let webhook_id = headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let accepted = !shared.refusing.load(Ordering::SeqCst) || fastrand::u8(0..20) != 0;
    shared.hooks.lock().unwrap_or_else(PoisonError::into_inner).push(Hook {
        subscriber,
        webhook_id,
        body: body.to_vec(),
        verified,
        accepted,
    });
    shared.arrived.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(fastrand::u64(0..150))).await;
    if accepted { StatusCode::NO_CONTENT } else { StatusCode::SERVICE_UNAVAILABLE }
}

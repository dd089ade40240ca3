//! A real HTTP webhook receiver on 127.0.0.1 (axum) that verifies every signature with
//! `regwatch::alert::webhook::verify`, records what it got, and answers as told.

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use url::Url;

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// 204 every time.
    Accept,
    /// 503 (with `Retry-After` when given, in seconds) for the first `n` requests, then 200.
    FailThenAccept { n: usize, retry_after: Option<u64> },
    /// 410 Gone.
    Gone,
    /// 308 to another path.
    Redirect,
    /// Never answers.
    Hang,
    /// 204 after a pause: a receiver that is slow but fine.
    Slow { millis: u64 },
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Whether `verify` accepted the signature (false when unsigned or no key was given).
    pub verified: bool,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

struct Shared {
    key: Option<Vec<u8>>,
    behaviour: Behaviour,
    hits: Mutex<Vec<Hit>>,
}

pub struct Receiver {
    pub url: Url,
    shared: Arc<Shared>,
}

impl Receiver {
    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Starts a receiver at `http://127.0.0.1:<port>/hook`; `key` is the signing key it verifies with.
pub async fn start(behaviour: Behaviour, key: Option<&[u8]>) -> Receiver {
    let shared = Arc::new(Shared { key: key.map(<[u8]>::to_vec), behaviour, hits: Mutex::new(Vec::new()) });
    let app = Router::new().route("/hook", post(hook)).with_state(Arc::clone(&shared));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = Url::parse(&format!("http://{}/hook", listener.local_addr().unwrap())).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, shared }
}

async fn hook(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let verified = shared.key.as_deref().is_some_and(|key| regwatch::alert::webhook::verify(key, &headers, &body));
    let seen = {
        let mut hits = shared.hits.lock().unwrap_or_else(PoisonError::into_inner);
        hits.push(Hit { headers, body: body.to_vec(), verified });
        hits.len()
    };
    match shared.behaviour {
        Behaviour::Accept => StatusCode::NO_CONTENT.into_response(),
        Behaviour::FailThenAccept { n, retry_after } if seen <= n => {
            let mut response = (StatusCode::SERVICE_UNAVAILABLE, "busy, try later\n").into_response();
            if let Some(secs) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Behaviour::FailThenAccept { .. } => StatusCode::OK.into_response(),
        Behaviour::Gone => (StatusCode::GONE, "endpoint removed").into_response(),
        Behaviour::Redirect => {
            (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, "/moved?token=secret")]).into_response()
        }
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Slow { millis } => {
            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

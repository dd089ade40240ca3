//! A tiny HTTP server (axum) for the demo site, with ETag/If-None-Match so conditional GET
//! shows up as 304s exactly as it would on a real site.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

use super::site::{DemoSite, ReceivedWebhook};

/// A running demo server; dropping it stops serving.
#[derive(Debug)]
pub struct DemoServer {
    pub addr: SocketAddr,
    pub site: Arc<DemoSite>,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `site` on 127.0.0.1 at a free port.
pub async fn serve(site: Arc<DemoSite>) -> std::io::Result<DemoServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/hook", axum::routing::post(hook))
        .route("/{*path}", axum::routing::get(page))
        .with_state(Arc::clone(&site));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "Demo server stopped.");
        }
    });
    Ok(DemoServer { addr, site, task })
}

async fn hook(State(site): State<Arc<DemoSite>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    site.receive(ReceivedWebhook {
        id: header("webhook-id").unwrap_or_default(),
        signature: header("webhook-signature"),
        body,
    });
    StatusCode::NO_CONTENT
}

async fn page(State(site): State<Arc<DemoSite>>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some((content_type, body)) = site.render(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&body)[..8]));
    let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    let mut response =
        if matches { StatusCode::NOT_MODIFIED.into_response() } else { (StatusCode::OK, body).into_response() };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}

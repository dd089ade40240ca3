//! The reading room: the web view of what regwatch found. Server-rendered HTML that works with
//! JavaScript off (askama templates, compile-time checked and auto-escaping, in `templates/`),
//! redlines inline and side by side, Word redlines with tracked changes, Atom feeds, Prometheus
//! metrics and a health check. Served by `regwatch serve` on its own and by `regwatch run` when
//! `[web]` is configured.
//!
//! Read-only by construction: it opens the database with `Store::open_read_only` (a small pool
//! of connections, queried off the async workers) and routes only `GET` (and `HEAD`); a strict
//! Content-Security-Policy forbids every script and every asset not served by regwatch itself.
//!
//! Not here: SQL (`store::reading`), diffs (`diff`), the daemon's loops (`daemon`).

mod auth;
mod db;
mod feeds;
mod health;
mod metrics;
mod pages;
mod redline;
mod reply;
mod view;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use url::Url;

pub use crate::alert::links::{link_event, link_payload, redline_url};
pub use db::Db;
pub use health::SchedulerProbe;
pub use redline::redline_docx;

use crate::config::model::{Config, SourceSpec, WebAuth};

/// Connections to the database kept open for requests.
pub const POOL_SIZE: usize = 4;

/// What every handler reads. Cheap to clone.
#[derive(Clone)]
pub struct WebState {
    pub(crate) db: Arc<Db>,
    pub(crate) public_url: Option<Url>,
    pub(crate) auth: Option<Arc<WebAuth>>,
    /// Topic id → label, in the pack's order.
    pub(crate) topics: Arc<Vec<(String, String)>>,
    pub(crate) sources: Arc<HashMap<String, Arc<SourceSpec>>>,
    pub(crate) probe: SchedulerProbe,
    pub(crate) feed_cache: Arc<feeds::EntryCache>,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password never reaches a log.
        f.debug_struct("WebState").field("public_url", &self.public_url).finish_non_exhaustive()
    }
}

impl WebState {
    /// The state for `config` over the database at its `[storage] database`, opened read-only.
    pub fn open(config: &Config, probe: SchedulerProbe) -> anyhow::Result<Self> {
        let db = Db::open(&config.storage.database, POOL_SIZE)?;
        let pack = crate::classify::TopicPack::with_overrides(&config.topics)?;
        let labels = pack.labels();
        let topics =
            pack.ids().map(|id| (id.to_owned(), labels.get(id).cloned().unwrap_or_else(|| id.to_owned()))).collect();
        let sources = config.sources.iter().map(|s| (s.id.as_str().to_owned(), Arc::clone(s))).collect();
        let web = config.web.as_ref();
        Ok(Self {
            db: Arc::new(db),
            public_url: web.and_then(|w| w.public_url.clone()),
            auth: web.and_then(|w| w.auth.clone()).map(Arc::new),
            topics: Arc::new(topics),
            sources: Arc::new(sources),
            probe,
            feed_cache: Arc::new(feeds::EntryCache::default()),
        })
    }

    pub(crate) fn topic_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.topics.iter().find(|(t, _)| t == id).map_or(id, |(_, label)| label.as_str())
    }

    pub(crate) fn source_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.sources.get(id).map_or(id, |s| s.name.as_str())
    }
}

/// Every route of the reading room.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/documents", get(pages::documents))
        .route("/documents/{id}", get(pages::document))
        .route("/documents/{id}/diff", get(redline::diff_page))
        .route("/documents/{id}/redline.docx", get(redline::docx))
        .route("/documents/{id}/versions/{file}", get(redline::version_text))
        .route("/sources", get(pages::sources))
        .route("/topics/{id}", get(pages::topic))
        .route("/feeds/changes.atom", get(feeds::all_changes))
        .route("/feeds/topics/{file}", get(feeds::topic_changes))
        .route("/feeds/sources/{file}", get(feeds::source_changes))
        .route("/metrics", get(metrics::metrics))
        .route("/healthz", get(health::healthz))
        .route("/style.css", get(reply::stylesheet))
        .route("/favicon.svg", get(reply::icon))
        .fallback(reply::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require))
        .layer(axum::middleware::from_fn(reply::security_headers))
        .with_state(state)
}

/// For `regwatch run` with `[web]`: binds the listener (a taken port stops the daemon's start,
/// not silently the reading room) and serves until `token` is cancelled. `None` without `[web]`.
/// `[web]` is read once: a reload does not move the listener.
pub async fn spawn_beside_daemon(
    config: &Config,
    scheduler: tokio::task::AbortHandle,
    token: tokio_util::sync::CancellationToken,
) -> anyhow::Result<Option<tokio::task::JoinHandle<anyhow::Result<()>>>> {
    let Some(web) = &config.web else { return Ok(None) };
    let state = WebState::open(config, SchedulerProbe::watching(scheduler))?;
    let listener = bind(web.listen).await?;
    Ok(Some(tokio::spawn(serve(listener, state, token.cancelled_owned()))))
}

/// Binds `addr`, with the address in the error.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}

/// Serves the reading room on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: WebState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(address = %addr, "Serving the reading room.");
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

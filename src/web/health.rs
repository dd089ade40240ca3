//! `/healthz`: whether the database answers and, under `regwatch run`, whether the scheduler
//! task is alive (the same test the systemd watchdog uses); under `regwatch serve`, which has
//! no scheduler, the age of the newest poll instead, for whoever watches the daemon.
//!
//! Not here: the daemon's own watchdog (`daemon::run`).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::WebState;

/// A view of the daemon's scheduler task: alive until the task ends.
#[derive(Debug, Clone, Default)]
pub struct SchedulerProbe(Option<tokio::task::AbortHandle>);

impl SchedulerProbe {
    /// For `regwatch serve`: there is no scheduler to watch.
    #[must_use]
    pub fn none() -> Self {
        Self(None)
    }

    /// Watches the scheduler task behind `handle`.
    #[must_use]
    pub fn watching(handle: tokio::task::AbortHandle) -> Self {
        Self(Some(handle))
    }

    /// `None` without a scheduler.
    fn alive(&self) -> Option<bool> {
        self.0.as_ref().map(|h| !h.is_finished())
    }
}

pub(crate) async fn healthz(State(state): State<WebState>) -> Response {
    let database = state.db.read(|store| {
        store.ping()?;
        store.newest_poll()
    });
    let (database_ok, newest_poll) = match database.await {
        Ok(newest) => (true, newest),
        Err(_) => (false, None),
    };
    let scheduler = state.probe.alive();
    let healthy = database_ok && scheduler != Some(false);
    let age = newest_poll.map(|at| crate::clock::Clock::now(&crate::clock::SystemClock).duration_since(at).as_secs());
    let body = serde_json::json!({
        "status": if healthy { "ok" } else { "unhealthy" },
        "database": if database_ok { "ok" } else { "unavailable" },
        "scheduler": match scheduler { None => "absent (regwatch serve)", Some(true) => "running", Some(false) => "stopped" },
        "newest_poll_age_seconds": age,
    });
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (status, headers, format!("{body}\n")).into_response()
}

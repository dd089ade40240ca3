//! The polite client: the one way the pipeline requests a source's pages. Before a request it
//! asks the origin's robots.txt (when `respect_robots` is on) and waits at the host gate, spaced
//! by the robots.txt Crawl-delay when that is longer than `per_host_delay`; after it, a 429 or
//! 503 with Retry-After pauses the host.
//!
//! Invariants:
//! - Every delay from the network is capped before use: Retry-After at `max_retry_after` (in
//!   `client`), Crawl-delay at `max_crawl_delay` (here). A capped value is logged at WARN and
//!   handed back on the outcome or error (`capped()`), for the pipeline to record on the source.
//! - robots.txt is fetched once at a time per origin (single flight per origin, then cached a
//!   day): never one lock for all origins, and nothing is held across another host's wait. A
//!   deferred host fails fast (`FetchError::Deferred`), so it never delays another host.
//!
//! Not here: the request itself (`client`), reading robots.txt (`robots`), the per-host
//! bookkeeping (`politeness`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use url::Url;

use super::client::{FetchOutcome, FetchRequest, HttpClient, RequestShape, Validators};
use super::error::{Capped, Delay, FetchError};
use super::politeness::{HostGate, HostPermit};
use super::robots::{self, Robots, RobotsCache};
use crate::clock::Clock;
use crate::config::model::FetchConfig;

/// How long a robots.txt that answered 5xx (meaning: disallow all) is believed: the server may
/// be back within the hour, and a day without polling would be a day of missed changes.
const SERVER_ERROR_TTL: Duration = Duration::from_secs(3600);

/// Robots, gate and client together. Cheap to clone: everything is shared.
#[derive(Debug, Clone)]
pub struct Polite {
    client: HttpClient,
    gate: HostGate,
    robots: Option<Arc<Book>>,
    max_crawl_delay: Duration,
    clock: Arc<dyn Clock>,
}

/// robots.txt rules by origin, and the fetch of each origin's file in flight.
#[derive(Debug)]
struct Book {
    agent: String,
    cache: RobotsCache,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Polite {
    /// Builds the client and the gate from `[fetch]`. Fails only if TLS cannot be set up.
    pub fn new(config: &FetchConfig, clock: Arc<dyn Clock>) -> Result<Self, reqwest::Error> {
        let client = HttpClient::new(config)?;
        // A Retry-After pause up to a Crawl-delay's length is waited out; longer ones fail the
        // request and reschedule the source.
        let gate = HostGate::new(config.per_host_concurrency, config.per_host_delay, config.max_crawl_delay);
        let robots = config.respect_robots.then(|| {
            Arc::new(Book {
                agent: config.user_agent.clone(),
                cache: RobotsCache::default(),
                flights: Mutex::default(),
            })
        });
        Ok(Self { client, gate, robots, max_crawl_delay: config.max_crawl_delay, clock })
    }

    /// The client underneath, for what is not a source request.
    #[must_use]
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// One conditional GET: robots.txt, the host gate, the request, and the host paused if the
    /// server asked for it.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: &Validators,
        shape: &RequestShape,
    ) -> Result<FetchOutcome, FetchError> {
        let (permit, capped) = self.admit(url).await?;
        let result = self.client.fetch(&FetchRequest { url, validators, shape }).await;
        drop(permit);
        self.pause_if_asked(url, &result);
        result.map(|mut outcome| {
            outcome.set_capped(capped);
            outcome
        })
    }

    /// A source's prime request (see `HttpClient::prime`), admitted like any other.
    pub async fn prime(&self, url: &Url, shape: &RequestShape) -> Result<Vec<String>, FetchError> {
        let (permit, _) = self.admit(url).await?;
        let result = self.client.prime(url, shape).await;
        drop(permit);
        result
    }

    /// robots.txt's word, then the host gate; the permit is held for the request.
    async fn admit(&self, url: &Url) -> Result<(HostPermit, Option<Capped>), FetchError> {
        let mut spacing = None;
        let mut capped = None;
        if let Some(book) = &self.robots {
            let rules = self.rules(book, url).await?;
            if !rules.allows(url) {
                return Err(FetchError::Robots { url: url.clone() });
            }
            if let Some(asked) = rules.crawl_delay() {
                let used = asked.min(self.max_crawl_delay);
                if asked > used {
                    let at = robots::robots_url(url).unwrap_or_else(|| url.clone());
                    capped = Some(Capped::new(Delay::CrawlDelay, at, &seconds(asked), used));
                }
                spacing = Some(used);
            }
        }
        Ok((self.enter(url, spacing).await?, capped))
    }

    async fn enter(&self, url: &Url, spacing: Option<Duration>) -> Result<HostPermit, FetchError> {
        let host = url.host_str().unwrap_or_default();
        self.gate
            .enter(host, spacing)
            .await
            .map_err(|deferred| FetchError::Deferred { url: url.clone(), wait: deferred.wait })
    }

    /// 429 and 503 with Retry-After (already capped by the client): the whole host waits,
    /// list pages, articles and attachments alike.
    fn pause_if_asked<T>(&self, url: &Url, result: &Result<T, FetchError>) {
        if let Err(FetchError::Status { status: 429 | 503, retry_after: Some(wait), .. }) = result {
            let host = url.host_str().unwrap_or_default();
            tracing::info!(host, wait = ?wait, "Host asked for a pause; its requests wait.");
            self.gate.defer(host, *wait);
        }
    }

    /// The origin's robots.txt, from the cache or fetched (one fetch in flight per origin).
    async fn rules(&self, book: &Book, url: &Url) -> Result<Arc<Robots>, FetchError> {
        let (Some(origin), Some(robots_url)) = (robots::origin(url), robots::robots_url(url)) else {
            return Ok(Arc::new(Robots::allow_all()));
        };
        if let Some(known) = book.cache.get(&origin, self.clock.now()) {
            return Ok(known);
        }
        let flight = {
            let mut flights = book.flights.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(flights.entry(origin.clone()).or_default())
        };
        let turn = flight.lock().await;
        // Whoever held the turn before may have fetched it.
        let result = match book.cache.get(&origin, self.clock.now()) {
            Some(known) => Ok(known),
            None => self.fetch_rules(book, &origin, &robots_url).await,
        };
        drop(turn);
        let mut flights = book.flights.lock().unwrap_or_else(PoisonError::into_inner);
        // The map's handle and ours: nobody else waits on this origin, so forget it.
        if Arc::strong_count(&flight) <= 2 {
            flights.remove(&origin);
        }
        result
    }

    /// Fetches and reads one robots.txt (RFC 9309 §2.3.1: a 4xx allows everything, a 5xx
    /// nothing); an unreachable host is an error, as the page would be.
    async fn fetch_rules(&self, book: &Book, origin: &str, robots_url: &Url) -> Result<Arc<Robots>, FetchError> {
        let permit = self.enter(robots_url, None).await?;
        let result = self.client.fetch(&FetchRequest::plain(robots_url, &Validators::default())).await;
        drop(permit);
        self.pause_if_asked(robots_url, &result);
        let agent = &book.agent;
        let (found, ttl) = match result {
            Ok(FetchOutcome::Fetched(f)) => {
                (Robots::for_status(f.status, &String::from_utf8_lossy(&f.body), agent), robots::ROBOTS_TTL)
            }
            Ok(FetchOutcome::NotModified { .. }) => (Robots::allow_all(), robots::ROBOTS_TTL),
            Err(FetchError::Status { status, .. }) if status >= 500 => {
                (Robots::for_status(status, "", agent), SERVER_ERROR_TTL)
            }
            Err(FetchError::Status { status, .. }) => (Robots::for_status(status, "", agent), robots::ROBOTS_TTL),
            Err(e) => return Err(e),
        };
        if let Some(asked) = found.crawl_delay().filter(|d| *d > self.max_crawl_delay) {
            tracing::warn!(
                url = %robots_url,
                crawl_delay = %seconds(asked),
                used = ?self.max_crawl_delay,
                "Crawl-delay is longer than fetch.max_crawl_delay; capped."
            );
        }
        Ok(book.cache.insert_with_ttl(origin, found, self.clock.now(), ttl))
    }
}

/// A Crawl-delay as robots.txt would write it, in seconds.
fn seconds(delay: Duration) -> String {
    match delay.subsec_millis() {
        0 => delay.as_secs().to_string(),
        ms => format!("{}.{ms:03}", delay.as_secs()),
    }
}

#[cfg(test)]
mod tests;

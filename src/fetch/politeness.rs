//! Per-host politeness: at most `per_host_concurrency` requests in flight to one host, and at
//! least `per_host_delay` between the starts of two requests to it. Government sites ban
//! crawlers that burst; list pages and followed article pages share one gate per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
struct HostState {
    slots: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
}

/// Hands out permission to send one request to a host.
#[derive(Debug, Clone)]
pub struct HostGate {
    concurrency: usize,
    delay: Duration,
    hosts: Arc<Mutex<HashMap<String, Arc<HostState>>>>,
}

/// Held while a request to the host is in flight.
#[derive(Debug)]
pub struct HostPermit {
    _slot: OwnedSemaphorePermit,
}

impl HostGate {
    #[must_use]
    pub fn new(concurrency: usize, delay: Duration) -> Self {
        Self { concurrency: concurrency.max(1), delay, hosts: Arc::default() }
    }

    /// Waits for a free slot on `host` and for the delay since the last start to pass.
    pub async fn enter(&self, host: &str) -> HostPermit {
        let state = self.state(host);
        // The semaphore is never closed, so acquiring cannot fail; a closed one would be a bug.
        let slot = Arc::clone(&state.slots).acquire_owned().await.expect("host gate semaphore is never closed");
        // Always consulted: a Retry-After can defer a host even when no delay is configured.
        let mut next = state.next_start.lock().await;
        if *next > Instant::now() {
            tokio::time::sleep_until(*next).await;
        }
        *next = Instant::now() + self.delay;
        HostPermit { _slot: slot }
    }

    /// Pushes the host's next request start back to `until` (a server's Retry-After).
    pub async fn defer(&self, host: &str, until: Instant) {
        let state = self.state(host);
        let mut next = state.next_start.lock().await;
        if *next < until {
            *next = until;
        }
    }

    fn state(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(hosts.entry(host.to_owned()).or_insert_with(|| {
            Arc::new(HostState {
                slots: Arc::new(Semaphore::new(self.concurrency)),
                next_start: tokio::sync::Mutex::new(Instant::now()),
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn delay_spaces_request_starts_on_one_host() {
        let gate = HostGate::new(4, Duration::from_secs(1));
        let start = Instant::now();
        for _ in 0..3 {
            drop(gate.enter("a.example").await);
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        drop(gate.enter("b.example").await);
        assert_eq!(start.elapsed(), Duration::from_secs(2), "another host is not delayed");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_bounds_permits_per_host() {
        let gate = HostGate::new(1, Duration::ZERO);
        let held = gate.enter("a.example").await;
        let waiting = tokio::time::timeout(Duration::from_secs(5), gate.enter("a.example")).await;
        assert!(waiting.is_err(), "second permit must wait while the first is held");
        drop(held);
        assert!(tokio::time::timeout(Duration::from_secs(5), gate.enter("a.example")).await.is_ok());
    }
}

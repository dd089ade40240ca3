//! Per-host politeness: at most `per_host_concurrency` requests in flight to one host, at least
//! a spacing between the starts of two requests to it (`per_host_delay`, or the host's
//! robots.txt Crawl-delay when longer), and no request at all while a server-asked pause
//! (Retry-After) runs. Government sites ban crawlers that burst; list pages, followed articles
//! and attachments share one gate per host.
//!
//! Invariants this relies on and keeps:
//! - Every delay that reaches an `Instant` is added with `later`, which saturates: no input,
//!   however absurd, can overflow the clock and panic the poll.
//! - A pause longer than `patience` is not waited out: `enter` fails at once with `Deferred`,
//!   so a deferred host costs its callers nothing and never holds a slot or a lock for long.
//!   Waits within `patience` (and queueing behind other requests to the same host) are slept.
//! - State is per host; nothing here is held across another host's wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A pause `later` uses when `now + wait` would overflow: far enough to mean "not in this
/// process's lifetime", near enough to add to any `Instant`.
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

#[derive(Debug)]
struct HostState {
    slots: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Instant>,
    /// The end of the pause a server asked for (Retry-After), if one runs.
    paused_until: Mutex<Option<Instant>>,
}

/// Hands out permission to send one request to a host.
#[derive(Debug, Clone)]
pub struct HostGate {
    concurrency: usize,
    delay: Duration,
    patience: Duration,
    hosts: Arc<Mutex<HashMap<String, Arc<HostState>>>>,
}

/// Held while a request to the host is in flight.
#[derive(Debug)]
pub struct HostPermit {
    _slot: OwnedSemaphorePermit,
}

/// The host asked for a pause longer than the gate waits; `wait` is what is left of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deferred {
    pub wait: Duration,
}

impl HostGate {
    /// `delay` spaces request starts to one host; a Retry-After pause of up to `patience` is
    /// waited out, a longer one fails requests until it ends.
    #[must_use]
    pub fn new(concurrency: usize, delay: Duration, patience: Duration) -> Self {
        Self { concurrency: concurrency.max(1), delay, patience, hosts: Arc::default() }
    }

    /// Waits for a free slot on `host`, for the spacing since the last start to pass (`spacing`
    /// when longer than the gate's delay: a Crawl-delay), and for a short pause to end.
    pub async fn enter(&self, host: &str, spacing: Option<Duration>) -> Result<HostPermit, Deferred> {
        let state = self.state(host);
        // Before queueing: a deferred host must not make its callers wait for a slot first.
        self.pause_of(&state)?;
        // The semaphore is never closed, so acquiring cannot fail; a closed one would be a bug.
        let slot = Arc::clone(&state.slots).acquire_owned().await.expect("host gate semaphore is never closed");
        let mut next = state.next_start.lock().await;
        // Again: a pause may have begun while this request queued.
        let paused = self.pause_of(&state)?;
        let start = paused.map_or(*next, |until| until.max(*next));
        if start > Instant::now() {
            tokio::time::sleep_until(start).await;
        }
        let spacing = spacing.map_or(self.delay, |s| s.max(self.delay));
        *next = later(Instant::now(), spacing);
        Ok(HostPermit { _slot: slot })
    }

    /// Pauses `host` for `wait` from now (a server's Retry-After); an earlier, longer pause
    /// stands.
    pub fn defer(&self, host: &str, wait: Duration) {
        let state = self.state(host);
        let until = later(Instant::now(), wait);
        let mut paused = state.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    /// The running pause's end when it is short enough to wait for; `Deferred` when not.
    fn pause_of(&self, state: &HostState) -> Result<Option<Instant>, Deferred> {
        let mut paused = state.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match *paused {
            Some(until) if until <= now => {
                *paused = None;
                Ok(None)
            }
            Some(until) if until - now > self.patience => Err(Deferred { wait: until - now }),
            other => Ok(other),
        }
    }

    fn state(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(hosts.entry(host.to_owned()).or_insert_with(|| {
            Arc::new(HostState {
                slots: Arc::new(Semaphore::new(self.concurrency)),
                next_start: tokio::sync::Mutex::new(Instant::now()),
                paused_until: Mutex::new(None),
            })
        }))
    }
}

/// `now + wait`, saturating far in the future instead of overflowing.
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait).or_else(|| now.checked_add(FAR)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);
    const MINUTE: Duration = Duration::from_secs(60);

    #[tokio::test(start_paused = true)]
    async fn delay_spaces_request_starts_on_one_host() {
        let gate = HostGate::new(4, Duration::from_secs(1), MINUTE);
        let start = Instant::now();
        for _ in 0..3 {
            drop(gate.enter("a.example", None).await);
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        drop(gate.enter("b.example", None).await);
        assert_eq!(start.elapsed(), Duration::from_secs(2), "another host is not delayed");
    }

    #[tokio::test(start_paused = true)]
    async fn a_crawl_delay_spaces_from_the_last_start_not_from_now() {
        let gate = HostGate::new(1, Duration::from_secs(1), MINUTE);
        let start = Instant::now();
        drop(gate.enter("a.example", Some(Duration::from_secs(10))).await);
        drop(gate.enter("a.example", Some(Duration::from_secs(10))).await);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        tokio::time::sleep(HOUR).await;
        let after_a_while = Instant::now();
        drop(gate.enter("a.example", Some(Duration::from_secs(10))).await);
        assert_eq!(after_a_while.elapsed(), Duration::ZERO, "an hour after the last request, no wait");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_bounds_permits_per_host() {
        let gate = HostGate::new(1, Duration::ZERO, MINUTE);
        let held = gate.enter("a.example", None).await;
        let waiting = tokio::time::timeout(Duration::from_secs(5), gate.enter("a.example", None)).await;
        assert!(waiting.is_err(), "second permit must wait while the first is held");
        drop(held);
        assert!(tokio::time::timeout(Duration::from_secs(5), gate.enter("a.example", None)).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_pause_is_waited_out() {
        let gate = HostGate::new(1, Duration::ZERO, MINUTE);
        let start = Instant::now();
        gate.defer("a.example", Duration::from_secs(30));
        assert!(gate.enter("a.example", None).await.is_ok());
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_pause_fails_at_once_and_other_hosts_go_on() {
        let gate = HostGate::new(1, Duration::ZERO, MINUTE);
        gate.defer("a.example", HOUR);
        let start = Instant::now();
        let refused = gate.enter("a.example", None).await;
        assert_eq!(refused.err(), Some(Deferred { wait: HOUR }));
        assert!(gate.enter("b.example", None).await.is_ok());
        assert_eq!(start.elapsed(), Duration::ZERO, "nobody waited");
        tokio::time::sleep(HOUR).await;
        assert!(gate.enter("a.example", None).await.is_ok(), "the pause ends");
    }

    #[tokio::test(start_paused = true)]
    async fn absurd_pauses_saturate_instead_of_panicking() {
        let gate = HostGate::new(1, Duration::MAX, MINUTE);
        gate.defer("a.example", Duration::MAX);
        gate.defer("a.example", Duration::from_secs(u64::MAX));
        let refused = gate.enter("a.example", None).await.expect_err("deferred for ever");
        assert!(refused.wait >= FAR.saturating_sub(MINUTE));
        // A delay too large to add is a spacing far in the future, not a panic.
        assert!(gate.enter("b.example", Some(Duration::MAX)).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_request_sees_a_pause_that_began_while_it_waited() {
        let gate = HostGate::new(1, Duration::ZERO, MINUTE);
        let held = gate.enter("a.example", None).await.expect("free host");
        let queued = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.enter("a.example", None).await.map(drop) })
        };
        tokio::task::yield_now().await;
        gate.defer("a.example", HOUR);
        drop(held);
        assert_eq!(queued.await.expect("joins").err().map(|d| d.wait > MINUTE), Some(true));
    }
}

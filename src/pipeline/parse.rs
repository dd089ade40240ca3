//! A bounded blocking pool with a time budget for parsing.
//!
//! Parsing runs on the blocking pool, at most `slots` at once, and a caller stops waiting
//! after `budget`. HTML parsing also stops its own work at that deadline (`extract::html`);
//! other work keeps its slot until it finishes (the permit moves into the closure), so slow
//! work can slow parsing but never pile up unbounded threads.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Default time one parse may take before its source gets an error.
pub const PARSE_BUDGET: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("parsing took longer than {0:?}; the page was skipped")]
    Timeout(Duration),
    #[error("the parser crashed on this page")]
    Panicked,
}

#[derive(Debug, Clone)]
pub struct ParsePool {
    slots: Arc<Semaphore>,
    budget: Duration,
}

impl ParsePool {
    #[must_use]
    pub fn new(slots: usize, budget: Duration) -> Self {
        Self { slots: Arc::new(Semaphore::new(slots.max(1))), budget }
    }

    /// One slot per core: parsing is CPU-bound.
    #[must_use]
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new(cores, PARSE_BUDGET)
    }

    /// A slot for CPU-bound work that manages its own thread (diffing and classifying inside a
    /// store call): at most one per core at once, so per-thread regex caches and diff buffers
    /// stay as few as the cores.
    pub async fn slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.slots).acquire_owned().await.ok()
    }

    pub async fn run<T, F>(&self, work: F) -> Result<T, ParseError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.run_within(self.budget, work).await
    }

    /// `run` with a budget of its own: a 40 MB PDF is not read in the time a page is parsed.
    pub async fn run_within<T, F>(&self, budget: Duration, work: F) -> Result<T, ParseError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let deadline = tokio::time::Instant::now() + budget;
        let slot = tokio::time::timeout_at(deadline, Arc::clone(&self.slots).acquire_owned())
            .await
            .map_err(|_| ParseError::Timeout(budget))?
            .map_err(|_| ParseError::Panicked)?;
        // The parser stops its own work at the deadline too (extract::html checks it between
        // chunks), so a hostile page does not keep its slot after the caller gave up.
        let parse_deadline = deadline.into_std();
        let handle = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            crate::extract::html::within(parse_deadline, work)
        });
        match tokio::time::timeout_at(deadline, handle).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(ParseError::Panicked),
            Err(_) => Err(ParseError::Timeout(budget)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_work_times_out_without_blocking_the_caller() {
        let pool = ParsePool::new(1, Duration::from_millis(50));
        let result = pool.run(|| std::thread::sleep(Duration::from_millis(400))).await;
        assert_eq!(result, Err(ParseError::Timeout(Duration::from_millis(50))));
        // The stuck parse still holds the only slot, so the next one cannot start in budget.
        let next = pool.run(|| 1).await;
        assert_eq!(next, Err(ParseError::Timeout(Duration::from_millis(50))));
    }

    #[tokio::test]
    async fn quick_work_returns_its_value() {
        let pool = ParsePool::new(2, Duration::from_secs(5));
        assert_eq!(pool.run(|| 40 + 2).await, Ok(42));
    }
}

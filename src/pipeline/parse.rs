//! The parse pool: `Workers`, one thread per core, with a time budget for parsing.
//!
//! A caller stops waiting after `budget`, counted from before it waits for a thread. HTML
//! parsing also stops its own work at that deadline (`extract::html`); other work keeps its
//! thread until it finishes, so slow work can slow parsing but never pile up.

use std::sync::Arc;
use std::time::Duration;

use super::workers::Workers;
use crate::store::Store;

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
    workers: Workers,
    budget: Duration,
}

impl ParsePool {
    pub fn new(threads: usize, budget: Duration) -> std::io::Result<Self> {
        Ok(Self { workers: Workers::new("regwatch-parse", threads)?, budget })
    }

    /// One thread per core: parsing is CPU-bound.
    pub fn for_this_machine() -> std::io::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new(cores, PARSE_BUDGET)
    }

    pub async fn run<T, F>(&self, work: F) -> Result<T, ParseError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let deadline = tokio::time::Instant::now() + self.budget;
        let slot = tokio::time::timeout_at(deadline, self.workers.slot())
            .await
            .map_err(|_| ParseError::Timeout(self.budget))?
            .ok_or(ParseError::Panicked)?;
        // The parser stops its own work at the deadline too (extract::html checks it between
        // chunks), so a hostile page does not keep its thread after the caller gave up.
        let parse_deadline = deadline.into_std();
        let done = self.workers.queue(slot, move || crate::extract::html::within(parse_deadline, work));
        match tokio::time::timeout_at(deadline, done).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(_) => Err(ParseError::Panicked),
            Err(_) => Err(ParseError::Timeout(self.budget)),
        }
    }

    /// A store call that is CPU work which must finish (the record stage's diffing and
    /// classifying), on the same threads, without a budget: see `Workers::store_call`.
    pub async fn store_call<T, F>(&self, store: &Arc<Store>, work: F) -> crate::store::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
    {
        self.workers.store_call(store, work).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn slow_work_times_out_without_blocking_the_caller() {
        let pool = ParsePool::new(1, Duration::from_millis(50)).unwrap();
        let result = pool.run(|| std::thread::sleep(Duration::from_millis(400))).await;
        assert_eq!(result, Err(ParseError::Timeout(Duration::from_millis(50))));
        // The stuck parse still holds the only slot, so the next one cannot start in budget.
        let next = pool.run(|| 1).await;
        assert_eq!(next, Err(ParseError::Timeout(Duration::from_millis(50))));
    }

    #[tokio::test]
    async fn quick_work_returns_its_value() {
        let pool = ParsePool::new(2, Duration::from_secs(5)).unwrap();
        assert_eq!(pool.run(|| 40 + 2).await, Ok(42));
    }
}

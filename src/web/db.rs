//! A small pool of read-only connections, and the one way handlers reach them: on the blocking
//! pool, so a slow query never stalls the async workers.
//!
//! Not here: the queries themselves (`store`).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::reply::WebError;
use crate::store::{Store, StoreError};

/// Read-only stores over one database file, handed out in turn.
#[derive(Debug)]
pub struct Db {
    stores: Vec<Store>,
    next: AtomicUsize,
}

impl Db {
    /// Opens `size` read-only connections; the database must exist (a reader never creates one).
    pub fn open(path: &Path, size: usize) -> anyhow::Result<Self> {
        anyhow::ensure!(
            path.exists(),
            "no database at {} yet: run `regwatch check` (or `regwatch run`) first",
            path.display()
        );
        let stores = (0..size.max(1)).map(|_| Store::open_read_only(path)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { stores, next: AtomicUsize::new(0) })
    }

    fn store(&self) -> &Store {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.stores.len();
        &self.stores[i]
    }

    /// Runs `work` with a connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &std::sync::Arc<Self>, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let db = std::sync::Arc::clone(self);
        match tokio::task::spawn_blocking(move || work(db.store())).await {
            Ok(result) => result.map_err(WebError::Store),
            // A panicking query is a bug; answer 500 rather than take the server down.
            Err(join) => Err(WebError::Internal(format!("query failed: {join}"))),
        }
    }
}

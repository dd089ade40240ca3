//! A small pool of read-only connections, which handlers reach the way all async code reaches
//! the store (`Store::call`): on the blocking pool, so a slow query never stalls the workers.
//!
//! Not here: the queries themselves (`store`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::reply::WebError;
use crate::store::{Store, StoreError};

/// Read-only stores over one database file, handed out in turn.
#[derive(Debug)]
pub struct Db {
    stores: Vec<Arc<Store>>,
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
        let stores =
            (0..size.max(1)).map(|_| Store::open_read_only(path).map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { stores, next: AtomicUsize::new(0) })
    }

    fn store(&self) -> &Arc<Store> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.stores.len();
        &self.stores[i]
    }

    /// Runs `work` with a connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, work: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.store().call(work).await.map_err(WebError::Store)
    }
}

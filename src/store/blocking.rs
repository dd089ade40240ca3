//! How async code makes short store calls: `Store::call` runs a closure over the store on the
//! blocking pool. rusqlite blocks, and a store call on an async worker would stall every task
//! scheduled on it; the mutex is never held across an `.await` because the closure cannot await.
//! The pipeline's long calls (the record stage, the poll's commit) run on its own threads
//! instead (`pipeline::Workers`, `pipeline::Committer`), so they keep their memory on few
//! threads.

use std::sync::Arc;

use super::{Result, Store, StoreError};

impl Store {
    /// Runs `work` over the store off the async workers. A panic inside it resumes in the caller,
    /// as if the call had been made directly.
    pub async fn call<T, F>(self: &Arc<Self>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let store = Arc::clone(self);
        match tokio::task::spawn_blocking(move || work(&store)).await {
            Ok(result) => result,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(_) => Err(StoreError::Cancelled),
        }
    }
}

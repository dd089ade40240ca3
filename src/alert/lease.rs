//! Keeping claims while sends run: the deliveries a round has claimed are renewed every third of
//! the lease until each one's outcome is recorded, so a slow receiver (an SMTP exchange with its
//! timeouts, a queue of sends to one webhook) never lets a second sender claim the same row.
//! If the process dies, renewals stop and the rows come back when the lease lapses.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::clock::Clock;
use crate::ids::DeliveryId;
use crate::store::Store;

/// The claims of one round, renewed in the background until released or dropped.
#[derive(Debug)]
pub(super) struct Renewal {
    held: Arc<Mutex<HashSet<DeliveryId>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Renewal {
    pub(super) fn start(
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        lease: Duration,
        ids: impl IntoIterator<Item = DeliveryId>,
    ) -> Self {
        let held = Arc::new(Mutex::new(ids.into_iter().collect::<HashSet<_>>()));
        let every = (lease / 3).max(Duration::from_millis(100));
        let task = tokio::spawn({
            let held = Arc::clone(&held);
            async move {
                loop {
                    tokio::time::sleep(every).await;
                    let ids: Vec<DeliveryId> =
                        held.lock().unwrap_or_else(PoisonError::into_inner).iter().copied().collect();
                    if ids.is_empty() {
                        continue;
                    }
                    let until = clock.now().checked_add(lease).unwrap_or_else(|_| clock.now());
                    if let Err(e) = store.call(move |s| s.extend_lease(&ids, until)).await {
                        tracing::error!(error = %e, "Could not renew delivery leases; another sender may take them.");
                    }
                }
            }
        });
        Self { held, task }
    }

    /// The outcome of these deliveries is recorded: stop renewing them.
    pub(super) fn release(&self, ids: &[DeliveryId]) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            held.remove(id);
        }
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

//! The delivery loop: sends what is due, then sleeps until the next delivery or digest is due,
//! or until a poll recorded changes. Runs beside the scheduler, so delivery never slows polling.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::services::Services;

/// Even with nothing pending, look again this often (a `deliveries retry` from the CLI).
const MAX_SLEEP: Duration = Duration::from_secs(300);

pub(super) async fn delivery_loop(
    mut current: watch::Receiver<Arc<Services>>,
    token: CancellationToken,
    polled: Arc<Notify>,
) -> anyhow::Result<()> {
    loop {
        let services = Arc::clone(&current.borrow_and_update());
        match services.courier.deliver_due().await {
            Ok(round) if round != crate::alert::RoundReport::default() => tracing::info!(
                delivered = round.delivered,
                retrying = round.retrying,
                dead = round.dead,
                digests = round.digests,
                "Delivery round finished."
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "Delivery round failed on the database."),
        }
        let next = services.deps.store.call(crate::store::Store::next_delivery_due).await?;
        let wait = next.map_or(MAX_SLEEP, |at| services.deps.clock.until(at).min(MAX_SLEEP));
        tokio::select! {
            () = token.cancelled() => break,
            () = polled.notified() => {}
            () = tokio::time::sleep(wait) => {}
            changed = current.changed() => if changed.is_err() { break },
        }
    }
    Ok(())
}

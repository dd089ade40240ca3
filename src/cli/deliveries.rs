//! `regwatch deliveries list|retry`: the outbox.

use std::path::Path;
use std::process::ExitCode;

use super::context;
use super::output::{clip, print_json, print_table, say};
use crate::clock::{Clock, SystemClock};
use crate::ids::DeliveryId;
use crate::redact;
use crate::store::{DeliveryStatus, Store};

#[derive(Debug, clap::Subcommand)]
pub enum DeliveriesCommand {
    /// Deliveries in the outbox, oldest first.
    List {
        /// Only deliveries in this state.
        #[arg(long, value_parser = ["pending", "sent", "dead"])]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Queue a delivery again now (a dead one too); the next `check` or `run` sends it.
    Retry { id: i64 },
}

pub(super) fn run(config: Option<&Path>, cmd: DeliveriesCommand) -> anyhow::Result<ExitCode> {
    let config = context::load_config(config)?;
    match cmd {
        DeliveriesCommand::List { status, json } => {
            let store = context::open_store_read_only(&config)?;
            let status = status.as_deref().and_then(DeliveryStatus::parse);
            let mut rows = store.deliveries(status)?;
            // A receiver's error can quote its URL, and webhook URLs often carry a token.
            for row in &mut rows {
                row.last_error = row.last_error.as_deref().map(|e| redact::text(e).into_owned());
            }
            if json {
                print_json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|d| {
                        vec![
                            d.id.to_string(),
                            d.subscriber.clone(),
                            d.channel.as_str().to_owned(),
                            d.event.as_str().to_owned(),
                            d.status.as_str().to_owned(),
                            d.attempts.to_string(),
                            clip(d.last_error.as_deref().unwrap_or(""), 60),
                        ]
                    })
                    .collect();
                print_table(&["ID", "SUBSCRIBER", "CHANNEL", "EVENT", "STATUS", "TRIES", "LAST ERROR"], &table)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        DeliveriesCommand::Retry { id } => {
            let store = Store::open(&config.storage.database)?;
            anyhow::ensure!(store.retry_delivery(DeliveryId(id), SystemClock.now())?, "no delivery {id} in the outbox");
            say!("delivery {id} queued; it goes out with the next `check` or while `run` is running")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

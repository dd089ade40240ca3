//! `regwatch digest preview|send SUBSCRIBER`: what a scheduled subscriber's next digest holds.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::context;
use crate::alert::route::channel_of;
use crate::alert::{Event, RoundReport, digest_content};
use crate::clock::{Clock, SystemClock};
use crate::config::model::SubscriberSpec;
use crate::store::DeliveryChannel;

#[derive(Debug, clap::Subcommand)]
pub enum DigestCommand {
    /// Render the pending digest without sending it (text, or HTML with --html).
    Preview {
        subscriber: String,
        #[arg(long)]
        html: bool,
    },
    /// Send the pending digest now, whatever its schedule says.
    Send { subscriber: String },
}

pub(super) fn run(config: Option<&Path>, cmd: DigestCommand) -> anyhow::Result<ExitCode> {
    let config = context::load_config(config)?;
    let find = |id: &str| -> anyhow::Result<SubscriberSpec> {
        let subscriber = config
            .subscribers
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .with_context(|| format!("no subscriber `{id}` in the config"))?;
        anyhow::ensure!(
            channel_of(&subscriber) == DeliveryChannel::Digest,
            "subscriber `{id}` gets no digest: it is not an email subscriber on a daily or weekly schedule"
        );
        Ok(subscriber)
    };
    match cmd {
        DigestCommand::Preview { subscriber, html } => {
            let subscriber = find(&subscriber)?;
            let store = context::open_store_read_only(&config)?;
            let public_url = config.web.as_ref().and_then(|w| w.public_url.as_ref());
            let events: Vec<Event> = store
                .pending_for(&subscriber.id)?
                .into_iter()
                .filter_map(|d| serde_json::from_value(d.payload).ok())
                .map(|mut event| {
                    // What `digest send` adds when it sends: the preview shows the same links.
                    if let Some(url) = public_url {
                        crate::alert::links::link_event(&mut event, url);
                    }
                    event
                })
                .collect();
            if events.is_empty() {
                println!("nothing pending for {}", subscriber.id);
                return Ok(ExitCode::SUCCESS);
            }
            let pack = context::topic_pack(&config)?;
            let content = digest_content(&subscriber, &events, SystemClock.now(), &pack.labels());
            if html {
                println!("{}", content.html);
            } else {
                println!("Subject: {}\nMessage-ID: {}\n\n{}", content.subject, content.message_id, content.text);
            }
            Ok(ExitCode::SUCCESS)
        }
        DigestCommand::Send { subscriber } => {
            let subscriber = find(&subscriber)?;
            let pack = context::topic_pack(&config)?;
            let store = context::open_store(&config)?;
            let courier = context::courier(&config, &store, &pack)?;
            let mut report = RoundReport::default();
            let sent = context::runtime()?.block_on(courier.send_digest(&subscriber, &mut report))?;
            if sent {
                println!("digest sent to {} ({} deliveries)", subscriber.id, report.delivered);
                Ok(ExitCode::SUCCESS)
            } else if report == RoundReport::default() {
                println!("nothing pending for {}", subscriber.id);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("digest not sent; see `regwatch deliveries list --status pending`");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

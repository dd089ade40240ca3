//! Alerts: who gets an event (`route`), the event body (`event`), when digests are due
//! (`schedule`), retries (`retry`), and the network edge to subscribers: signed webhooks
//! (`webhook`) and email over SMTP (`email`, `digest`). The only module that opens sockets
//! to subscribers.
//!
//! `courier` runs a delivery round: it claims due rows from the outbox (through `store`),
//! sends them and stores the [`DeliveryOutcome`] each receiver's answer comes to.

pub mod courier;
pub mod digest;
pub mod email;
pub mod event;
mod lease;
pub mod links;
pub mod retry;
pub mod route;
pub mod schedule;
mod template;
pub mod webhook;

pub use courier::{Courier, RoundReport};
pub use digest::{digest_content, render_digest};
pub use email::{EmailError, Rendered, alert_content, render_alert, send_email};
pub use event::Event;
pub use retry::{DeliveryOutcome, next_attempt};
pub use route::route;
pub use schedule::{missed, next_send_at};
pub use webhook::{WebhookError, sign, verify};

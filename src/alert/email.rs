//! Email: one message per event for `immediate` subscribers, the multipart assembly shared
//! with digests, and sending over SMTP with lettre.
//!
//! TLS follows `[smtp] tls` exactly: `starttls` requires STARTTLS (a server that does not
//! offer it fails before any credentials or mail are sent), `tls` is implicit TLS, and `none`
//! is plain text, credentials included, because the operator chose it (a local relay).
//!
//! Not here: what a digest contains (`digest`), when it is sent (`schedule`), the outbox.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::event::{Event, EventData};
use super::retry::DeliveryOutcome;
use super::template::{self, event_html, event_text, header_text, kind_label, page_html};
use crate::config::model::{Channel, SmtpConfig, SmtpTls, SubscriberSpec};

/// Per SMTP command; lettre's default, named so it is a decision.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Characters of a subject; longer ones are cut with an ellipsis.
pub(crate) const SUBJECT_CHARS: usize = 140;

/// The domain of every `Message-ID`.
const MESSAGE_ID_DOMAIN: &str = "regwatch";

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("email address `{address}` is not valid: {source}")]
    Address {
        address: String,
        #[source]
        source: lettre::address::AddressError,
    },
    #[error("subscriber `{subscriber}` has a webhook, not an email address")]
    NotEmail { subscriber: String },
    #[error("cannot assemble the message for `{to}`: {source}")]
    Build {
        to: String,
        #[source]
        source: lettre::error::Error,
    },
}

/// An email before it becomes a [`Message`]: what `digest preview` prints and what snapshot
/// tests compare. `message_id` includes the angle brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

/// Parses `regwatch <alerts@example.org>` or `alerts@example.org`.
pub fn mailbox(address: &str) -> Result<Mailbox, EmailError> {
    address.parse().map_err(|source| EmailError::Address { address: address.to_owned(), source })
}

/// The subscriber's address, or an error for a webhook subscriber.
pub fn recipient(subscriber: &SubscriberSpec) -> Result<Mailbox, EmailError> {
    match &subscriber.channel {
        Channel::Email(address) => mailbox(address),
        Channel::Webhook(_) => Err(EmailError::NotEmail { subscriber: subscriber.id.clone() }),
    }
}

/// `<{kind}-{parts joined by -}@regwatch>`, keeping only characters that are safe in a
/// Message-ID, so the same content identity always yields the same header.
pub(crate) fn message_id(kind: &str, parts: &[&str]) -> String {
    let mut id = String::from(kind);
    for part in parts {
        id.push('-');
        id.extend(part.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }));
    }
    format!("<{id}@{MESSAGE_ID_DOMAIN}>")
}

/// The content of an `immediate` subscriber's alert: one event.
#[expect(clippy::implicit_hasher, reason = "labels are built from the config as a std HashMap")]
pub fn alert_content(event: &Event, now: Timestamp, labels: &HashMap<String, String>) -> Rendered {
    let kind = kind_label(event.kind);
    let about = match &event.data {
        EventData::Document(doc) => doc.document.title.as_str(),
        EventData::Source(s) => s.source.name.as_str(),
    };
    let subject = header_text(&format!("regwatch: {kind}: {about}"), SUBJECT_CHARS);
    let today = now.to_zoned(TimeZone::UTC).date();
    let intro = format!("{kind} · {}", event.source().name);
    let footer = "You receive this because your regwatch subscription asks for these changes.";

    let mut text = format!("{subject}\n\n");
    event_text(event, labels, today, &mut text);
    text.push_str("-- \n");
    text.push_str(footer);
    text.push('\n');

    let mut rows = String::new();
    event_html(event, labels, today, &mut rows);
    let html = page_html(&format!("regwatch: {kind}"), &intro, &rows, footer);
    Rendered { subject, message_id: message_id("alert", &[&event.id]), text, html }
}

/// An `immediate` subscriber's alert as a message: `Message-ID: <alert-{delivery id}@regwatch>`.
#[expect(clippy::implicit_hasher, reason = "labels are built from the config as a std HashMap")]
pub fn render_alert(
    subscriber: &SubscriberSpec,
    from: &Mailbox,
    event: &Event,
    now: Timestamp,
    labels: &HashMap<String, String>,
) -> Result<Message, EmailError> {
    compose(&alert_content(event, now, labels), from, &recipient(subscriber)?, now)
}

/// `rendered` as a multipart/alternative message (text/plain, then text/html).
pub fn compose(rendered: &Rendered, from: &Mailbox, to: &Mailbox, date: Timestamp) -> Result<Message, EmailError> {
    Message::builder()
        .from(from.clone())
        .to(to.clone())
        // Cleaned again here so a caller's own subject cannot carry a line break either.
        .subject(header_text(&rendered.subject, SUBJECT_CHARS))
        .message_id(Some(rendered.message_id.clone()))
        .date(date.into())
        .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))
        .map_err(|source| EmailError::Build { to: to.to_string(), source })
}

/// Sends one message. Accepted by the server → `Delivered`. Every failure is `Retry` with
/// the server's words: transient 4xx replies, connection and TLS failures, and also permanent
/// 5xx replies, because those are mostly configuration (a wrong password, relaying denied)
/// that the operator fixes, and the delivery window (`retry`) still ends them as `Dead`.
pub async fn send_email(smtp: &SmtpConfig, message: Message) -> DeliveryOutcome {
    let sent = match transport(smtp) {
        Ok(transport) => transport.send(message).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(_) => DeliveryOutcome::Delivered { status: None },
        Err(e) => DeliveryOutcome::Retry { retry_after: None, reason: describe(smtp, &e) },
    }
}

fn transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let builder = match smtp.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        // `Tls::Required`: no STARTTLS offered → error before AUTH or MAIL.
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
    };
    let builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
    Ok(match (&smtp.username, &smtp.password) {
        (Some(user), Some(password)) => {
            builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned())).build()
        }
        _ => builder.build(),
    })
}

fn describe(smtp: &SmtpConfig, error: &lettre::transport::smtp::Error) -> String {
    let tls = match smtp.tls {
        SmtpTls::None => "none",
        SmtpTls::StartTls => "starttls",
        SmtpTls::Tls => "tls",
    };
    let mut reason = format!("SMTP {}:{} (tls = {tls}): {error}", smtp.host, smtp.port);
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        // lettre's messages often repeat their source already.
        let text = inner.to_string();
        if !reason.contains(&text) {
            reason.push_str(": ");
            reason.push_str(&text);
        }
        cause = inner.source();
    }
    if smtp.tls == SmtpTls::StartTls && reason.contains("STARTTLS is not supported") {
        reason.push_str("; nothing was sent (use tls = \"tls\" for an implicit-TLS port such as 465)");
    }
    template::header_text(&reason, 500)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::alert("alert", &["42"], "<alert-42@regwatch>")]
    #[case::digest("digest", &["tmt-team", "7", "12"], "<digest-tmt-team-7-12@regwatch>")]
    #[case::hostile("alert", &["1>\r\nBcc: x@y"], "<alert-1___Bcc__x_y@regwatch>")]
    fn message_ids_are_stable_and_safe(#[case] kind: &str, #[case] parts: &[&str], #[case] expected: &str) {
        assert_eq!(message_id(kind, parts), expected);
    }

    #[test]
    fn webhook_subscribers_have_no_recipient() {
        let subscriber = SubscriberSpec {
            id: "hook".into(),
            channel: Channel::Webhook("https://hooks.example.org/x".parse().unwrap()),
            secret: None,
            topics: None,
            sources: None,
            schedule: crate::config::model::Schedule::Immediate,
            events: vec![],
        };
        assert!(matches!(recipient(&subscriber), Err(EmailError::NotEmail { .. })));
        assert!(matches!(mailbox("not an address"), Err(EmailError::Address { .. })));
        assert_eq!(mailbox("regwatch <alerts@example.org>").unwrap().email.to_string(), "alerts@example.org");
    }
}

//! Email alerts and digests sent with lettre to a real SMTP server on 127.0.0.1: what arrives,
//! how it is built, and the STARTTLS and AUTH refusal paths.

#[path = "alert_common/mod.rs"]
mod common;

use std::collections::HashMap;

use mail_parser::{MessageParser, MimeHeaders};
use regwatch::alert::email::{mailbox, render_alert, send_email};
use regwatch::alert::render_digest;
use regwatch::alert::retry::DeliveryOutcome;
use regwatch::config::model::{Channel, EventType, Schedule, SmtpConfig, SmtpTls, SubscriberSpec};
use secrecy::SecretString;

use common::events::{NOW, digest_items};
use common::smtp;

fn subscriber() -> SubscriberSpec {
    SubscriberSpec {
        id: "tmt-team".into(),
        channel: Channel::Email("tmt@example.org".into()),
        secret: None,
        topics: Some(vec!["facial-recognition".into(), "minors".into()]),
        sources: None,
        schedule: Schedule::Daily {
            at: "08:00".parse().unwrap(),
            tz: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        },
        events: vec![EventType::DocumentNew, EventType::DocumentChanged, EventType::DocumentFinal],
    }
}

fn smtp_config(port: u16, tls: SmtpTls, credentials: Option<(&str, &str)>) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls,
        username: credentials.map(|(u, _)| u.to_owned()),
        password: credentials.map(|(_, p)| SecretString::from(p.to_owned())),
        from: "regwatch <alerts@example.org>".into(),
    }
}

fn labels() -> HashMap<String, String> {
    [("facial-recognition", "Facial recognition"), ("minors", "Minors"), ("data-export", "Data export")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn alert_message() -> lettre::Message {
    let hostile = digest_items().into_iter().find(|e| e.id == "103").unwrap();
    let from = mailbox("regwatch <alerts@example.org>").unwrap();
    render_alert(&subscriber(), &from, &hostile, NOW.parse().unwrap(), &labels()).unwrap()
}

fn reason(outcome: &DeliveryOutcome) -> &str {
    match outcome {
        DeliveryOutcome::Retry { reason, .. } => reason,
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[tokio::test]
async fn an_alert_arrives_as_multipart_with_every_scraped_string_escaped() {
    let server = smtp::start(None).await;
    let outcome = send_email(&smtp_config(server.addr.port(), SmtpTls::None, None), alert_message()).await;
    assert_eq!(outcome, DeliveryOutcome::Delivered { status: None });

    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, ["tmt@example.org"], "the CRLF in the title added no recipient");
    assert_eq!(messages[0].from, "alerts@example.org");

    let parsed = MessageParser::default().parse(&messages[0].data).unwrap();
    let root = parsed.root_part().content_type().unwrap();
    assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("alternative")));
    let kinds: Vec<String> = parsed.parts[1..]
        .iter()
        .map(|p| p.content_type().map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))).unwrap())
        .collect();
    assert_eq!(kinds, ["text/plain", "text/html"]);

    let subject = parsed.subject().unwrap();
    assert!(subject.starts_with("regwatch: Changed: Provisions on Minors Online"), "{subject}");
    assert!(!subject.contains(['\r', '\n']), "{subject:?}");
    assert!(parsed.bcc().is_none(), "a title must not become a header");
    assert_eq!(parsed.message_id(), Some("alert-103@regwatch"));

    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("Provisions on Minors Online &lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(!html.contains("<script"), "raw markup leaked into the HTML part");
    assert!(html.contains("Article 9 &lt;b&gt;one hour&lt;/b&gt; &amp; &quot;night mode&quot;"));
    assert!(!html.contains("<style"), "inline styles only");
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("* [Changed] Provisions on Minors Online <script>alert(1)</script> Bcc: victim@example.org"));
}

#[tokio::test]
async fn a_digest_arrives_grouped_by_topic() {
    let server = smtp::start(None).await;
    let items: Vec<_> = digest_items().into_iter().filter(|e| ["101", "102", "103"].contains(&e.id.as_str())).collect();
    let from = mailbox("regwatch <alerts@example.org>").unwrap();
    let message = render_digest(&subscriber(), &from, &items, NOW.parse().unwrap(), &labels()).unwrap();
    let outcome = send_email(&smtp_config(server.addr.port(), SmtpTls::None, None), message).await;
    assert_eq!(outcome, DeliveryOutcome::Delivered { status: None });

    let messages = server.messages();
    let parsed = MessageParser::default().parse(&messages[0].data).unwrap();
    assert_eq!(parsed.subject(), Some("regwatch: 3 changes — Facial recognition, Minors"));
    assert_eq!(parsed.message_id(), Some("digest-tmt-team-101-103@regwatch"));
    // The wire has CRLF line ends.
    let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
    let facial = text.find("== Facial recognition ==").unwrap();
    let minors = text.find("== Minors ==").unwrap();
    assert!(facial < minors, "groups sorted by label");
    let (facial_part, minors_part) = (&text[facial..minors], &text[minors..]);
    assert!(facial_part.contains("[New] Measures for the Security Management of Facial Recognition"));
    assert!(facial_part.contains("Comment deadlines soon\n\n* 2026-12-01 (in 9 days): Measures for the Security"));
    // A two-topic change is listed once, under its strongest topic (minors, listed first), and
    // still counted under the other.
    assert!(!facial_part.contains("[Changed] Provisions on Minors Online"), "listed once, not under both");
    assert!(facial_part.contains("2 changes touched this topic; 1 is listed under another topic."));
    assert_eq!(text.matches("[Changed] Provisions on Minors Online").count(), 1);
    assert!(minors_part.contains("[Changed] Provisions on Minors Online"));
    assert!(minors_part.contains("topics: Minors, Facial recognition"), "its other topics are shown with it");
    assert!(minors_part.contains("[Changed] Draft Provisions on Minors' Mode for Apps"));
    assert!(!minors_part.contains("Comment deadlines soon"), "a deadline ten weeks away is not soon");
    assert!(parsed.body_html(0).unwrap().contains("Comment deadlines soon"));
}

#[tokio::test]
async fn starttls_required_but_not_offered_sends_neither_credentials_nor_mail() {
    // The server would take AUTH in plain text: only the client's refusal keeps the password in.
    let server = smtp::start(Some(("regwatch", "hunter2"))).await;
    let config = smtp_config(server.addr.port(), SmtpTls::StartTls, Some(("regwatch", "hunter2")));
    let outcome = send_email(&config, alert_message()).await;
    let reason = reason(&outcome);
    assert!(reason.contains("STARTTLS"), "{reason}");
    assert!(reason.contains("tls = starttls"), "{reason}");
    assert!(server.auth_attempts().is_empty(), "credentials were sent without TLS");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn rejected_credentials_retry_with_the_servers_reason() {
    let server = smtp::start(Some(("regwatch", "right"))).await;
    let config = smtp_config(server.addr.port(), SmtpTls::None, Some(("regwatch", "wrong")));
    let outcome = send_email(&config, alert_message()).await;
    let reason = reason(&outcome);
    assert!(reason.contains("535") && reason.contains("Invalid credentials"), "{reason}");
    assert!(!reason.contains("wrong"), "the password must not reach the stored reason");
    assert_eq!(server.auth_attempts(), [("regwatch".to_owned(), "wrong".to_owned())]);
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn plain_auth_is_used_when_the_operator_chose_tls_none() {
    let server = smtp::start(Some(("regwatch", "right"))).await;
    let config = smtp_config(server.addr.port(), SmtpTls::None, Some(("regwatch", "right")));
    assert_eq!(send_email(&config, alert_message()).await, DeliveryOutcome::Delivered { status: None });
    assert_eq!(server.auth_attempts().len(), 1);
    assert_eq!(server.messages().len(), 1);
}

#[tokio::test]
async fn implicit_tls_against_a_plain_server_fails_without_sending() {
    common::install_crypto();
    let server = smtp::start(None).await;
    let outcome = send_email(&smtp_config(server.addr.port(), SmtpTls::Tls, None), alert_message()).await;
    assert!(reason(&outcome).contains("tls = tls"), "{outcome:?}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn no_server_is_a_retry() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let outcome = send_email(&smtp_config(port, SmtpTls::None, None), alert_message()).await;
    assert!(reason(&outcome).contains(&format!("127.0.0.1:{port}")), "{outcome:?}");
}

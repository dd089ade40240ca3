//! Snapshots of what subscribers see: webhook bodies (the JSON contract) and email alerts and
//! digests (text and HTML), rendered from fixed events at a fixed time.

#[path = "alert_common/mod.rs"]
mod common;

use std::collections::HashMap;

use regwatch::alert::event::Event;
use regwatch::alert::{alert_content, digest_content};
use regwatch::config::model::{Channel, EventType, Schedule, SubscriberSpec};

use common::events::{NOW, digest_items};

fn everything() -> SubscriberSpec {
    SubscriberSpec {
        id: "law-firm".into(),
        channel: Channel::Email("regulatory@example.org".into()),
        secret: None,
        topics: None,
        sources: None,
        schedule: Schedule::Weekly {
            day: jiff::civil::Weekday::Monday,
            at: "08:00".parse().unwrap(),
            tz: jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(),
        },
        events: EventType::ALL.to_vec(),
    }
}

fn labels() -> HashMap<String, String> {
    [("facial-recognition", "Facial recognition"), ("minors", "Minors <under 18>"), ("data-export", "Data export")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn item(id: &str) -> Event {
    digest_items().into_iter().find(|e| e.id == id).unwrap()
}

fn body(event: &Event) -> serde_json::Value {
    serde_json::from_slice(&event.to_body().unwrap()).unwrap()
}

#[test]
fn webhook_body_of_a_change() {
    let event = item("102");
    let raw = String::from_utf8(event.to_body().unwrap()).unwrap();
    assert!(raw.starts_with(r#"{"type":"document.changed","id":"102","timestamp":"2026-11-22T00:00:00Z","data":"#));
    insta::assert_json_snapshot!(body(&event));
    let back: Event = serde_json::from_str(&raw).unwrap();
    assert_eq!(back, event);
}

#[test]
fn webhook_body_of_a_new_document_has_a_null_change() {
    let json = body(&item("101"));
    assert_eq!(json["data"]["change"], serde_json::Value::Null);
    assert!(json["data"].get("draft").is_none());
    insta::assert_json_snapshot!(json);
}

#[test]
fn webhook_body_of_a_final_names_its_draft() {
    insta::assert_json_snapshot!(body(&item("104")));
}

#[test]
fn digest_for_all_topics() {
    let rendered = digest_content(&everything(), &digest_items(), NOW.parse().unwrap(), &labels());
    assert_eq!(rendered.subject, "regwatch: 5 changes — Data export, Facial recognition, Minors <under 18>");
    assert_eq!(rendered.message_id, "<digest-law-firm-101-106@regwatch>");
    insta::assert_snapshot!("digest_text", rendered.text);
    insta::assert_snapshot!("digest_html", rendered.html);
}

#[test]
fn digest_html_escapes_every_scraped_string() {
    let html = digest_content(&everything(), &digest_items(), NOW.parse().unwrap(), &labels()).html;
    assert!(!html.contains("<script"));
    assert!(!html.contains("<b>one hour"));
    assert!(!html.contains("<under 18>"), "topic labels are escaped too");
    assert!(html.contains("Minors &lt;under 18&gt;"));
    assert!(!html.contains("<style") && !html.contains("stylesheet"), "inline styles only");
}

#[test]
fn single_alert() {
    let rendered = alert_content(&item("104"), NOW.parse().unwrap(), &labels());
    assert_eq!(rendered.subject, "regwatch: Final: Measures for Personal Information Export Standard Contracts");
    assert_eq!(rendered.message_id, "<alert-104@regwatch>");
    insta::assert_snapshot!("alert_text", rendered.text);
}

#[test]
fn long_subjects_are_cut_on_one_line() {
    let mut event = item("103");
    if let regwatch::alert::event::EventData::Document(doc) = &mut event.data {
        doc.document.title = format!("{}\r\n{}", "关于个人信息保护的规定".repeat(20), "Bcc: x@example.org");
    }
    let subject = alert_content(&event, NOW.parse().unwrap(), &labels()).subject;
    assert_eq!(subject.chars().count(), 140);
    assert!(subject.ends_with('…') && !subject.contains(['\r', '\n']));
}

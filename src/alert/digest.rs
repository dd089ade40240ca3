//! A scheduled subscriber's digest: every pending event since the last digest, grouped by
//! topic, each topic with the sections "New", "Changed", "Final" and "Comment deadlines
//! soon" (drafts whose comment deadline is within [`DEADLINE_SOON_DAYS`]), then source-health
//! events. A change is listed once, under its strongest topic the subscriber asked for, with
//! its other topics among its facts; each topic's heading still says how many changes touched
//! it. Pure rendering; the caller sends it with `email::send_email`.
//!
//! Not here: choosing the pending events (the store) or when the digest is due (`schedule`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use lettre::Message;
use lettre::message::Mailbox;

use super::email::{self, EmailError, Rendered, SUBJECT_CHARS};
use super::event::{Event, EventData, Stage};
use super::template::{
    deadline_html, deadline_text, event_html, event_text, header_text, heading_html, note_html, page_html,
};
use crate::config::model::{EventType, Schedule, SubscriberSpec};

/// A draft's comment deadline this many days ahead (or fewer) is listed as "soon".
pub const DEADLINE_SOON_DAYS: i64 = 14;

/// Topic labels shown in a subject before "+N more".
const SUBJECT_TOPICS: usize = 3;

const OTHER: &str = "Other";

/// One topic's part of the digest.
#[derive(Default)]
struct Group<'a> {
    label: String,
    new: Vec<&'a Event>,
    changed: Vec<&'a Event>,
    finals: Vec<&'a Event>,
    deadlines: Vec<&'a Event>,
    /// Changes carrying this topic, wherever they are listed.
    touched: usize,
}

impl<'a> Group<'a> {
    fn sections(&self) -> [(&'static str, &[&'a Event]); 3] {
        [("New", &self.new), ("Changed", &self.changed), ("Final", &self.finals)]
    }

    fn listed(&self) -> usize {
        self.new.len() + self.changed.len() + self.finals.len()
    }

    /// "3 changes touched this topic; 1 is listed under another topic." (`None` when every
    /// change that touched it is listed here.)
    fn tally(&self) -> Option<String> {
        let elsewhere = self.touched.saturating_sub(self.listed());
        (elsewhere > 0).then(|| {
            let listed = if elsewhere == 1 { "1 is listed".to_owned() } else { format!("{elsewhere} are listed") };
            format!("{} touched this topic; {listed} under another topic.", count(self.touched, "change", "changes"))
        })
    }
}

/// The digest's content. `items` are the pending events in delivery order; the Message-ID is
/// `<digest-{subscriber}-{first id}-{last id}@regwatch>`, so a digest resent after a crash
/// carries the same one. `now` dates it and decides which deadlines are soon, in the
/// subscriber's schedule's time zone.
#[expect(clippy::implicit_hasher, reason = "labels are built from the config as a std HashMap")]
pub fn digest_content(
    subscriber: &SubscriberSpec,
    items: &[Event],
    now: Timestamp,
    labels: &HashMap<String, String>,
) -> Rendered {
    let tz = zone(&subscriber.schedule);
    let today = now.to_zoned(tz.clone()).date();
    let (groups, sources) = group(subscriber, items, labels, today);
    let changes = items.iter().filter(|e| e.document().is_some()).count();
    let subject = subject(changes, sources.len(), &groups);
    let intro = format!(
        "{} for {} · {}",
        count(changes, "change", "changes"),
        subscriber.id,
        now.to_zoned(tz).strftime("%Y-%m-%d %H:%M %Z")
    );
    let footer = format!(
        "You receive this digest because subscriber \"{}\" in regwatch's configuration asks for these topics.",
        subscriber.id
    );
    let first = items.first().map_or("none", |e| e.id.as_str());
    let last = items.last().map_or("none", |e| e.id.as_str());
    Rendered {
        message_id: email::message_id("digest", &[&subscriber.id, first, last]),
        text: text(&subject, &intro, &footer, &groups, &sources, labels, today),
        html: html(&intro, &footer, &groups, &sources, labels, today),
        subject,
    }
}

/// The digest as a message to the subscriber's address.
#[expect(clippy::implicit_hasher, reason = "labels are built from the config as a std HashMap")]
pub fn render_digest(
    subscriber: &SubscriberSpec,
    from: &Mailbox,
    items: &[Event],
    now: Timestamp,
    labels: &HashMap<String, String>,
) -> Result<Message, EmailError> {
    let to = email::recipient(subscriber)?;
    email::compose(&digest_content(subscriber, items, now, labels), from, &to, now)
}

fn zone(schedule: &Schedule) -> TimeZone {
    match schedule {
        Schedule::Immediate => TimeZone::UTC,
        Schedule::Daily { tz, .. } | Schedule::Weekly { tz, .. } => tz.clone(),
    }
}

/// Topic groups sorted by label (`Other` last), and the source-health events.
///
/// A document is listed once, under the first of its topics the subscriber asked for (all of
/// them for `["*"]`): topics come strongest first, so that is where a reader looks. Every topic
/// it carries counts it, so a practice area's heading still says what touched it.
fn group<'a>(
    subscriber: &SubscriberSpec,
    items: &'a [Event],
    labels: &HashMap<String, String>,
    today: Date,
) -> (Vec<Group<'a>>, Vec<&'a Event>) {
    let mut groups: BTreeMap<(bool, String, String), Group<'a>> = BTreeMap::new();
    let mut sources = Vec::new();
    for event in items {
        let EventData::Document(doc) = &event.data else {
            sources.push(event);
            continue;
        };
        let mut topics: Vec<&str> = Vec::new();
        for topic in &doc.document.topics {
            if subscriber.topics.as_ref().is_none_or(|wanted| wanted.contains(topic))
                && !topics.contains(&topic.as_str())
            {
                topics.push(topic);
            }
        }
        if topics.is_empty() {
            topics.push(OTHER);
        }
        for (rank, topic) in topics.into_iter().enumerate() {
            let label = if topic == OTHER { OTHER } else { labels.get(topic).map_or(topic, String::as_str) };
            let key = (topic == OTHER, label.to_lowercase(), topic.to_owned());
            let group = groups.entry(key).or_insert_with(|| Group { label: label.to_owned(), ..Group::default() });
            group.touched += 1;
            if rank > 0 {
                continue;
            }
            match event.kind {
                EventType::DocumentNew => group.new.push(event),
                EventType::DocumentFinal => group.finals.push(event),
                _ => group.changed.push(event),
            }
            if deadline_soon(event, today) {
                group.deadlines.push(event);
            }
        }
    }
    let mut groups: Vec<Group<'a>> = groups.into_values().collect();
    for g in &mut groups {
        g.deadlines.sort_by_key(|e| e.document().and_then(|d| d.document.deadline));
    }
    (groups, sources)
}

fn deadline_soon(event: &Event, today: Date) -> bool {
    let Some(doc) = event.document() else { return false };
    let (Stage::Draft, Some(deadline)) = (doc.document.stage, doc.document.deadline) else { return false };
    today.until(deadline).is_ok_and(|span| (0..=DEADLINE_SOON_DAYS).contains(&i64::from(span.get_days())))
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "regwatch: 3 changes — Facial recognition, Minors" (+N more past three topics).
fn subject(changes: usize, sources: usize, groups: &[Group<'_>]) -> String {
    if changes == 0 {
        return format!("regwatch: {}", count(sources, "source alert", "source alerts"));
    }
    let mut topics: Vec<&str> =
        groups.iter().map(|g| g.label.as_str()).filter(|l| *l != OTHER).take(SUBJECT_TOPICS).collect();
    let more = groups.iter().filter(|g| g.label != OTHER).count().saturating_sub(SUBJECT_TOPICS);
    let more_text = format!("+{more} more");
    if more > 0 {
        topics.push(&more_text);
    }
    let head = format!("regwatch: {}", count(changes, "change", "changes"));
    let full = if topics.is_empty() { head } else { format!("{head} — {}", topics.join(", ")) };
    header_text(&full, SUBJECT_CHARS)
}

fn text(
    subject: &str,
    intro: &str,
    footer: &str,
    groups: &[Group<'_>],
    sources: &[&Event],
    labels: &HashMap<String, String>,
    today: Date,
) -> String {
    // Every block (heading, entry, deadline list) ends with one blank line.
    let mut out = format!("{subject}\n{intro}\n\n");
    for g in groups {
        let _ = write!(out, "== {} ==\n\n", header_text(&g.label, 200));
        if let Some(tally) = g.tally() {
            let _ = write!(out, "{tally}\n\n");
        }
        for (title, events) in g.sections() {
            if events.is_empty() {
                continue;
            }
            let _ = write!(out, "{title}\n\n");
            for event in events {
                event_text(event, labels, today, &mut out);
            }
        }
        if !g.deadlines.is_empty() {
            out.push_str("Comment deadlines soon\n\n");
            for event in &g.deadlines {
                deadline_text(event, today, &mut out);
            }
            out.push('\n');
        }
    }
    if !sources.is_empty() {
        out.push_str("== Sources ==\n\n");
        for event in sources {
            event_text(event, labels, today, &mut out);
        }
    }
    out.push_str("-- \n");
    out.push_str(footer);
    out.push('\n');
    out
}

fn html(
    intro: &str,
    footer: &str,
    groups: &[Group<'_>],
    sources: &[&Event],
    labels: &HashMap<String, String>,
    today: Date,
) -> String {
    let mut rows = String::new();
    for g in groups {
        heading_html(&g.label, 18, &mut rows);
        if let Some(tally) = g.tally() {
            note_html(&tally, &mut rows);
        }
        for (title, events) in g.sections() {
            if events.is_empty() {
                continue;
            }
            heading_html(title, 14, &mut rows);
            for event in events {
                event_html(event, labels, today, &mut rows);
            }
        }
        if !g.deadlines.is_empty() {
            heading_html("Comment deadlines soon", 14, &mut rows);
            for event in &g.deadlines {
                deadline_html(event, today, &mut rows);
            }
        }
    }
    if !sources.is_empty() {
        heading_html("Sources", 18, &mut rows);
        for event in sources {
            event_html(event, labels, today, &mut rows);
        }
    }
    page_html("regwatch digest", intro, &rows, footer)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::alert::event::{DocumentData, DocumentRef, SourceRef};
    use crate::ids::{DocId, SourceId};

    fn draft(stage: Stage, deadline: Option<&str>) -> Event {
        Event {
            kind: EventType::DocumentNew,
            id: "1".into(),
            timestamp: "2026-11-22T00:00:00Z".parse().unwrap(),
            data: EventData::Document(DocumentData {
                source: SourceRef { id: SourceId("s".into()), name: "S".into() },
                document: DocumentRef {
                    id: DocId(1),
                    url: "https://example.org/1".parse().unwrap(),
                    title: "T".into(),
                    stage,
                    deadline: deadline.map(|d| d.parse().unwrap()),
                    topics: vec![],
                    published: None,
                    why: std::collections::BTreeMap::new(),
                },
                change: None,
                draft: None,
            }),
        }
    }

    #[rstest]
    #[case::today(Stage::Draft, Some("2026-11-22"), true)]
    #[case::in_fourteen_days(Stage::Draft, Some("2026-12-06"), true)]
    #[case::in_fifteen_days(Stage::Draft, Some("2026-12-07"), false)]
    #[case::passed(Stage::Draft, Some("2026-11-21"), false)]
    #[case::not_a_draft(Stage::Final, Some("2026-11-30"), false)]
    #[case::no_deadline(Stage::Draft, None, false)]
    fn deadlines_are_soon_within_two_weeks(#[case] stage: Stage, #[case] deadline: Option<&str>, #[case] soon: bool) {
        assert_eq!(deadline_soon(&draft(stage, deadline), "2026-11-22".parse().unwrap()), soon);
    }

    fn groups(labels: &[&str]) -> Vec<Group<'static>> {
        labels.iter().map(|l| Group { label: (*l).to_owned(), ..Group::default() }).collect()
    }

    #[rstest]
    #[case::one(1, 0, &["Minors"], "regwatch: 1 change — Minors")]
    #[case::other_is_not_named(2, 0, &["Minors", OTHER], "regwatch: 2 changes — Minors")]
    #[case::only_other(2, 0, &[OTHER], "regwatch: 2 changes")]
    #[case::more(9, 0, &["A", "B", "C", "D", "E"], "regwatch: 9 changes — A, B, C, +2 more")]
    #[case::sources_only(0, 2, &[], "regwatch: 2 source alerts")]
    fn subjects_name_counts_and_topics(
        #[case] changes: usize,
        #[case] sources: usize,
        #[case] labels: &[&str],
        #[case] expected: &str,
    ) {
        assert_eq!(subject(changes, sources, &groups(labels)), expected);
    }
}

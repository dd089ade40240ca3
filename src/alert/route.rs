//! Who gets an event, and the outbox rows that carry it to them. Pure.
//!
//! `route` filters subscribers by event type, topic and source; `document_deliveries` and
//! `health_deliveries` turn an event into one outbox row per subscriber it goes to, which the
//! pipeline hands to the store to write in the same transaction as the change (the store fills
//! in the delivery id and the document id there).
//!
//! Not here: deciding when a scheduled subscriber is sent to (`schedule`), or sending (`courier`).

use jiff::Timestamp;

use super::event::{ChangeRef, DocumentData, DocumentRef, DraftRef, Event, EventData, SourceData, SourceRef};
use super::schedule;
use crate::config::model::{Channel, EventType, Schedule, SubscriberSpec};
use crate::ids::SourceId;
use crate::store::{DeliveryChannel, NewDelivery};

/// What the pipeline knows of a document event when it is about to commit it.
#[derive(Debug, Clone)]
pub struct Happened {
    pub kind: EventType,
    /// `id` is filled in by the store when the document is written.
    pub document: DocumentRef,
    /// The topics routing uses: the changed text's for a change, the document's for a new one.
    pub change_topics: Vec<String>,
    pub change: Option<ChangeRef>,
    /// For `document.final`: the draft it finishes.
    pub draft: Option<DraftRef>,
}

/// The subscribers an event of `event` type, tagged `topics`, from `source`, goes to.
///
/// - events: a subscriber gets only the types in its `events` list (config fills in the
///   document events when the key is absent, so source-health events are opt-in);
/// - topics: `None` (`["*"]`) takes everything; a list takes an event sharing at least one
///   topic. Source-health events carry no topics, so the topic filter does not apply to them:
///   asking for them in `events` is the opt-in;
/// - sources: `None` takes every source; a list takes only those.
pub fn route<'s>(
    event: &EventType,
    topics: &[String],
    source: &SourceId,
    subscribers: &'s [SubscriberSpec],
) -> Vec<&'s SubscriberSpec> {
    subscribers.iter().filter(|s| wants(s, *event, topics, source)).collect()
}

/// The outbox rows for a document event; empty when nobody subscribed.
#[must_use]
pub fn document_deliveries(
    subscribers: &[SubscriberSpec],
    source: &SourceRef,
    happened: Happened,
    now: Timestamp,
) -> Vec<NewDelivery> {
    let chosen = route(&happened.kind, &happened.change_topics, &source.id, subscribers);
    if chosen.is_empty() {
        return Vec::new();
    }
    let event = Event {
        kind: happened.kind,
        // The store names the delivery: `id` is filled in its transaction.
        id: String::new(),
        timestamp: now,
        data: EventData::Document(DocumentData {
            source: source.clone(),
            document: happened.document,
            change: happened.change,
            draft: happened.draft,
        }),
    };
    outbox_rows(&chosen, &event, now)
}

/// The outbox rows for `source.unhealthy` / `source.recovered`; empty when nobody asked for it.
#[must_use]
pub fn health_deliveries(
    subscribers: &[SubscriberSpec],
    source: &SourceRef,
    kind: EventType,
    reason: String,
    now: Timestamp,
) -> Vec<NewDelivery> {
    let chosen = route(&kind, &[], &source.id, subscribers);
    if chosen.is_empty() {
        return Vec::new();
    }
    let event = Event {
        kind,
        id: String::new(),
        timestamp: now,
        data: EventData::Source(SourceData { source: source.clone(), reason }),
    };
    outbox_rows(&chosen, &event, now)
}

/// The channel a subscriber's deliveries go to.
#[must_use]
pub fn channel_of(subscriber: &SubscriberSpec) -> DeliveryChannel {
    match (&subscriber.channel, &subscriber.schedule) {
        (Channel::Webhook(_), _) => DeliveryChannel::Webhook,
        (Channel::Email(_), Schedule::Immediate) => DeliveryChannel::Email,
        (Channel::Email(_), _) => DeliveryChannel::Digest,
    }
}

/// One delivery of `event` per subscriber. Scheduled subscribers wait for their digest; the
/// digest timer collects them.
fn outbox_rows(subscribers: &[&SubscriberSpec], event: &Event, now: Timestamp) -> Vec<NewDelivery> {
    let payload = serde_json::to_value(event).unwrap_or_default();
    subscribers
        .iter()
        .map(|subscriber| NewDelivery {
            subscriber: subscriber.id.clone(),
            channel: channel_of(subscriber),
            event: event.kind,
            source: event.source().id.clone(),
            payload: payload.clone(),
            due_at: match &subscriber.schedule {
                Schedule::Immediate => now,
                scheduled => schedule::next_send_at(scheduled, now).unwrap_or(now),
            },
        })
        .collect()
}

fn wants(subscriber: &SubscriberSpec, event: EventType, topics: &[String], source: &SourceId) -> bool {
    if !subscriber.events.contains(&event) {
        return false;
    }
    if let Some(sources) = &subscriber.sources
        && !sources.contains(source)
    {
        return false;
    }
    if is_source_health(event) {
        return true;
    }
    match &subscriber.topics {
        None => true,
        Some(wanted) => wanted.iter().any(|t| topics.contains(t)),
    }
}

const fn is_source_health(event: EventType) -> bool {
    matches!(event, EventType::SourceUnhealthy | EventType::SourceRecovered)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const DOCUMENT_EVENTS: [EventType; 3] =
        [EventType::DocumentNew, EventType::DocumentChanged, EventType::DocumentFinal];

    fn subscriber(id: &str, topics: Option<&[&str]>, sources: Option<&[&str]>, events: &[EventType]) -> SubscriberSpec {
        SubscriberSpec {
            id: id.to_owned(),
            channel: Channel::Email(format!("{id}@example.org")),
            secret: None,
            topics: topics.map(|t| t.iter().map(|s| (*s).to_owned()).collect()),
            sources: sources.map(|s| s.iter().map(|s| SourceId((*s).to_owned())).collect()),
            schedule: Schedule::Immediate,
            events: events.to_vec(),
        }
    }

    fn subscribers() -> Vec<SubscriberSpec> {
        let mut ops_events = DOCUMENT_EVENTS.to_vec();
        ops_events.extend([EventType::SourceUnhealthy, EventType::SourceRecovered]);
        vec![
            subscriber("all", None, None, &DOCUMENT_EVENTS),
            subscriber("tmt", Some(&["facial-recognition", "minors"]), None, &DOCUMENT_EVENTS),
            subscriber("cac-minors", Some(&["minors"]), Some(&["cac-policies"]), &DOCUMENT_EVENTS),
            subscriber("finals", None, None, &[EventType::DocumentFinal]),
            subscriber("ops", Some(&["data-export"]), None, &ops_events),
            subscriber("ops-npc", None, Some(&["npc-laws"]), &[EventType::SourceUnhealthy]),
        ]
    }

    #[rstest]
    #[case::new_minors_at_cac(EventType::DocumentNew, &["minors"], "cac-policies", &["all", "tmt", "cac-minors"])]
    #[case::new_minors_elsewhere(EventType::DocumentNew, &["minors"], "miit", &["all", "tmt"])]
    #[case::changed_facial(EventType::DocumentChanged, &["facial-recognition"], "cac-policies", &["all", "tmt"])]
    #[case::overlap_of_one_is_enough(EventType::DocumentChanged, &["data-export", "minors"], "miit", &["all", "tmt", "ops"])]
    #[case::no_topics_only_wildcards(EventType::DocumentChanged, &[], "cac-policies", &["all"])]
    #[case::final_goes_to_finals_too(EventType::DocumentFinal, &["minors"], "cac-policies", &["all", "tmt", "cac-minors", "finals"])]
    #[case::unhealthy_only_to_opt_ins(EventType::SourceUnhealthy, &[], "npc-laws", &["ops", "ops-npc"])]
    #[case::unhealthy_respects_sources(EventType::SourceUnhealthy, &[], "cac-policies", &["ops"])]
    #[case::recovered_only_where_listed(EventType::SourceRecovered, &[], "npc-laws", &["ops"])]
    fn routes_by_event_topic_and_source(
        #[case] event: EventType,
        #[case] topics: &[&str],
        #[case] source: &str,
        #[case] expected: &[&str],
    ) {
        let subscribers = subscribers();
        let topics: Vec<String> = topics.iter().map(|t| (*t).to_owned()).collect();
        let got: Vec<&str> =
            route(&event, &topics, &SourceId(source.to_owned()), &subscribers).iter().map(|s| s.id.as_str()).collect();
        assert_eq!(got, expected);
    }
}

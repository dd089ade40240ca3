//! Turns a recorded change into outbox rows: the event body (the webhook contract) and one
//! delivery per subscriber that routing picks. Runs before the commit so the rows land in the
//! same transaction as the version and the change.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::alert::event::{
    ArticleKind, ArticleRef, ChangeRef, DocumentData, DocumentRef, DraftRef, Event, EventData, SourceRef,
};
use crate::alert::{courier, route, schedule};
use crate::classify::Stage;
use crate::config::model::{Config, EventType, Schedule, SourceSpec, SubscriberSpec};
use crate::diff::ChangeKind;
use crate::extract::Observation;
use crate::ids::{DocId, SourceId, VersionNo};
use crate::store::NewDelivery;

/// Payload diffs are cut here: a receiver wants the gist, `regwatch diff` has the rest.
const MAX_DIFF_BYTES: usize = 64 * 1024;

/// What the pipeline knows of a change when it is about to commit it.
pub(super) struct Happened<'a> {
    pub event: EventType,
    pub observation: &'a Observation,
    pub stage: Stage,
    pub deadline: Option<Date>,
    pub topics: &'a [String],
    /// The topics routing uses: the changed text's for a change, the document's for a new one.
    pub change_topics: &'a [String],
    pub change: Option<ChangeRef>,
    /// For `document.final`: the draft it finishes.
    pub draft: Option<DraftRef>,
}

/// The deliveries for one change; empty when nobody subscribed.
pub(super) fn deliveries(
    config: &Config,
    spec: &SourceSpec,
    happened: &Happened<'_>,
    now: Timestamp,
) -> Vec<NewDelivery> {
    let subscribers = route::route(&happened.event, happened.change_topics, &spec.id, &config.subscribers);
    if subscribers.is_empty() {
        return Vec::new();
    }
    let event = Event {
        kind: happened.event,
        // The store names the delivery: `id` and `data.document.id` are filled in its transaction.
        id: String::new(),
        timestamp: now,
        data: EventData::Document(DocumentData {
            source: SourceRef { id: spec.id.clone(), name: spec.name.clone() },
            document: DocumentRef {
                id: DocId(0),
                url: happened.observation.doc_url.clone(),
                title: happened.observation.title.clone(),
                stage: happened.stage,
                deadline: happened.deadline,
                topics: happened.topics.to_vec(),
                published: happened.observation.published,
            },
            change: happened.change.clone(),
            draft: happened.draft.clone(),
        }),
    };
    outbox_rows(&subscribers, &event, &spec.id, now)
}

/// One delivery of `event` per subscriber. Scheduled subscribers wait for their digest; the
/// digest timer collects them.
pub(super) fn outbox_rows(
    subscribers: &[&SubscriberSpec],
    event: &Event,
    source: &SourceId,
    now: Timestamp,
) -> Vec<NewDelivery> {
    let payload = serde_json::to_value(event).unwrap_or_default();
    subscribers
        .iter()
        .map(|subscriber| NewDelivery {
            subscriber: subscriber.id.clone(),
            channel: courier::channel_of(subscriber),
            event: event.kind.as_str(),
            source: source.to_string(),
            payload: payload.clone(),
            due_at: match &subscriber.schedule {
                Schedule::Immediate => now,
                scheduled => schedule::next_send_at(scheduled, now).unwrap_or(now),
            },
        })
        .collect()
}

fn article_kind(kind: ChangeKind) -> ArticleKind {
    match kind {
        ChangeKind::Added => ArticleKind::Added,
        ChangeKind::Removed => ArticleKind::Removed,
        ChangeKind::Amended => ArticleKind::Amended,
        ChangeKind::Renumbered => ArticleKind::Renumbered,
        ChangeKind::Moved => ArticleKind::Moved,
    }
}

/// The change part of the contract's body.
pub(super) fn change_ref(comparison: &crate::diff::Comparison, from: VersionNo, to: VersionNo) -> ChangeRef {
    let mut diff =
        crate::diff::render::unified(comparison, &format!("version {}", from.0), &format!("version {}", to.0));
    if diff.len() > MAX_DIFF_BYTES {
        let cut = (0..=MAX_DIFF_BYTES).rev().find(|i| diff.is_char_boundary(*i)).unwrap_or(0);
        diff.truncate(cut);
        diff.push_str("\n[diff truncated]\n");
    }
    let articles = comparison
        .articles
        .iter()
        .map(|a| ArticleRef { number: a.number.clone(), kind: article_kind(a.kind), from: a.from.clone() })
        .collect();
    ChangeRef {
        from_version: from,
        to_version: to,
        summary: comparison.summary.clone(),
        articles,
        added_lines: comparison.added_lines as u64,
        removed_lines: comparison.removed_lines as u64,
        diff,
        url: None,
    }
}

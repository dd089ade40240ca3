//! The event body every channel carries: the webhook JSON of DESIGN.md's contract, and the
//! input email and digest rendering read. Plain data built from the pipeline's change (the store
//! fills in the ids when it writes the row); nothing here does I/O.
//!
//! Not here: which subscribers get an event (`route`), or how it is signed and sent.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

pub use crate::classify::Stage;
use crate::config::model::EventType;
use crate::diff::{ChangeKind, Comparison};
use crate::ids::{DocId, SourceId, VersionNo};

/// One delivery's body: `{"type", "id", "timestamp", "data"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "type", serialize_with = "type_out", deserialize_with = "type_in")]
    pub kind: EventType,
    /// The delivery id: the same string as the `webhook-id` header, stable across retries.
    pub id: String,
    /// When the event happened (the change was recorded), not when this attempt was made.
    pub timestamp: Timestamp,
    pub data: EventData,
}

/// `data`: a document event or a source-health event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[expect(clippy::large_enum_variant, reason = "few events live at once; a Box would only burden construction")]
pub enum EventData {
    Document(DocumentData),
    Source(SourceData),
}

/// `data` of `document.new`, `document.changed` and `document.final`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentData {
    pub source: SourceRef,
    pub document: DocumentRef,
    /// `null` for `document.new`; always written, so consumers see the key.
    pub change: Option<ChangeRef>,
    /// The draft a `document.final` was linked to; absent for the other kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<DraftRef>,
}

/// `data` of `source.unhealthy` and `source.recovered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceData {
    pub source: SourceRef,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub id: SourceId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    pub id: DocId,
    pub url: Url,
    pub title: String,
    pub stage: Stage,
    /// Comment deadline, `YYYY-MM-DD`.
    pub deadline: Option<Date>,
    /// Topic ids.
    pub topics: Vec<String>,
    pub published: Option<Date>,
    /// Why the change was routed by each of its topics: which terms fired, and where
    /// (`{"facial-recognition": "\"人脸识别\" in the title"}`). Additive: absent when empty.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub why: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRef {
    /// For `document.final`: the last version of the linked draft document.
    pub from_version: VersionNo,
    pub to_version: VersionNo,
    /// "Article 9 amended; Article 12 added"
    pub summary: String,
    pub articles: Vec<ArticleRef>,
    pub added_lines: u64,
    pub removed_lines: u64,
    /// Unified diff of block text.
    pub diff: String,
    /// The change's diff page in the reading room, when `[web] public_url` is set; added when
    /// the delivery is sent (the stored body predates the document's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
}

/// One article-level change: `{"number": "12", "kind": "renumbered", "from": "11"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRef {
    /// Arabic numerals as a string ("12" for 第十二条 and for Article 12).
    pub number: String,
    pub kind: ArticleKind,
    /// The old number, for `renumbered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleKind {
    Added,
    Removed,
    Amended,
    Renumbered,
    Moved,
}

/// `data.draft` of `document.final`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRef {
    pub id: DocId,
    pub url: Url,
    pub title: String,
}

/// Payload diffs are cut here: a receiver wants the gist, `regwatch diff` has the rest.
const MAX_DIFF_BYTES: usize = 64 * 1024;

impl From<ChangeKind> for ArticleKind {
    fn from(kind: ChangeKind) -> Self {
        match kind {
            ChangeKind::Added => Self::Added,
            ChangeKind::Removed => Self::Removed,
            ChangeKind::Amended => Self::Amended,
            ChangeKind::Renumbered => Self::Renumbered,
            ChangeKind::Moved => Self::Moved,
        }
    }
}

impl ChangeRef {
    /// The change part of the contract's body, its unified diff cut at `MAX_DIFF_BYTES`.
    #[must_use]
    pub fn of(comparison: &Comparison, from: VersionNo, to: VersionNo) -> Self {
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
            .map(|a| ArticleRef { number: a.number.clone(), kind: a.kind.into(), from: a.from.clone() })
            .collect();
        Self {
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
}

impl Event {
    /// The source every event names.
    pub fn source(&self) -> &SourceRef {
        match &self.data {
            EventData::Document(d) => &d.source,
            EventData::Source(s) => &s.source,
        }
    }

    pub fn document(&self) -> Option<&DocumentData> {
        match &self.data {
            EventData::Document(d) => Some(d),
            EventData::Source(_) => None,
        }
    }

    /// Topic ids of a document event; empty for source events.
    pub fn topics(&self) -> &[String] {
        self.document().map_or(&[], |d| d.document.topics.as_slice())
    }

    /// The JSON body as sent: compact, the bytes that are signed.
    pub fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with passes a reference")]
fn type_out<S: Serializer>(kind: &EventType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

fn type_in<'de, D: Deserializer<'de>>(d: D) -> Result<EventType, D::Error> {
    let name = String::deserialize(d)?;
    EventType::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown event type `{name}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_event_round_trips_without_document_keys() {
        let event = Event {
            kind: EventType::SourceUnhealthy,
            id: "17".into(),
            timestamp: "2026-11-22T08:00:00Z".parse().unwrap(),
            data: EventData::Source(SourceData {
                source: SourceRef { id: SourceId("cac-policies".into()), name: "CAC".into() },
                reason: "HTTP 503 for 3 polls".into(),
            }),
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "source.unhealthy", "id": "17", "timestamp": "2026-11-22T08:00:00Z",
                "data": {"source": {"id": "cac-policies", "name": "CAC"}, "reason": "HTTP 503 for 3 polls"}
            })
        );
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
        assert!(back.topics().is_empty());
    }

    #[test]
    fn an_unknown_type_is_refused_by_name() {
        let json = r#"{"type":"document.deleted","id":"1","timestamp":"2026-11-22T08:00:00Z",
            "data":{"source":{"id":"a","name":"A"},"reason":"x"}}"#;
        let err = serde_json::from_str::<Event>(json).unwrap_err();
        assert!(err.to_string().contains("document.deleted"), "{err}");
    }
}

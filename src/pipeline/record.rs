//! Compares a poll's observations with the store and prepares its writes: new documents, new
//! versions with their diff, and classification. Runs on the blocking pool (diffing is CPU).

use std::collections::HashSet;
use std::sync::Arc;

use super::Deps;
use super::alerts::{self, Happened};
use crate::alert::event::{ChangeRef, DraftRef};
use crate::classify::{self, FamilyCandidate, Stage, TopicPack};
use crate::config::model::SourceSpec;
use crate::config::model::{Config, EventType};
use crate::diff;
use crate::extract::Observation;
use crate::ids::{DocId, VersionNo};
use crate::store::{ChangeRecord, DocumentRow, DocumentWrite, Recorded, Store, StoreError, StoredVersion, WriteKind};

/// Prepares the writes for every observation that is new or changed.
pub(super) async fn record(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    observations: Vec<Observation>,
    baseline: bool,
) -> Result<Vec<DocumentWrite>, StoreError> {
    if observations.is_empty() {
        return Ok(Vec::new());
    }
    let context = Context { config: Arc::clone(&deps.config), spec: Arc::clone(spec), baseline, now: deps.clock.now() };
    let topics = Arc::clone(&deps.topics);
    let slot = deps.parser.slot().await;
    deps.with_store(move |store| {
        let _slot = slot;
        let observations = unique_by_url(observations);
        // Hashed once: the lookup compares it and the write stores it.
        let hashes: Vec<String> = observations.iter().map(|o| o.blocks.hash()).collect();
        let keys: Vec<(&url::Url, &str)> =
            observations.iter().zip(&hashes).map(|(o, h)| (&o.doc_url, h.as_str())).collect();
        let recorded = store.lookup(&context.spec.id, &keys)?;
        let mut writes = Vec::new();
        for ((observation, hash), recorded) in observations.into_iter().zip(hashes).zip(recorded) {
            if let Some(write) = prepare(store, &topics, &context, (observation, hash), &recorded)? {
                writes.push(write);
            }
        }
        Ok(writes)
    })
    .await
}

/// What every observation of one poll shares.
struct Context {
    config: Arc<Config>,
    spec: Arc<SourceSpec>,
    baseline: bool,
    now: jiff::Timestamp,
}

/// A feed or list can show one document twice; the first occurrence wins.
fn unique_by_url(observations: Vec<Observation>) -> Vec<Observation> {
    let mut seen = HashSet::new();
    observations.into_iter().filter(|o| seen.insert(o.doc_url.clone())).collect()
}

fn prepare(
    store: &Store,
    pack: &TopicPack,
    context: &Context,
    (observation, hash): (Observation, String),
    recorded: &Recorded,
) -> Result<Option<DocumentWrite>, StoreError> {
    if matches!(recorded, Recorded::Unchanged { .. }) {
        return Ok(None);
    }
    let body = observation.blocks.text();
    let mut classified = classify::classify(pack, &observation.title, &body, observation.published);
    // A deadline the source states (a JSON field, a list column) beats one read from prose.
    classified.deadline = observation.deadline.or(classified.deadline);
    let family_key = Some(classify::family_key(&observation.title)).filter(|k| !k.is_empty());
    let mut draft = None;
    let (kind, found) = match recorded {
        Recorded::Unchanged { .. } => return Ok(None),
        Recorded::New => {
            let linked = match classified.stage {
                Stage::Final | Stage::Trial => find_draft(store, family_key.as_deref(), &observation, &body)?,
                Stage::Draft | Stage::Unknown => None,
            };
            let found = match linked {
                Some((row, previous)) => {
                    let found = compared(pack, &observation, &previous, EventType::DocumentFinal);
                    draft = Some(row);
                    found
                }
                None => Found::new_document(&observation, &classified.topics),
            };
            (WriteKind::New, found)
        }
        Recorded::Changed { doc, prev } => {
            let Some(previous) = store.version(*doc, *prev)? else { return Ok(None) };
            (
                WriteKind::Changed { doc: *doc, prev: *prev },
                compared(pack, &observation, &previous, EventType::DocumentChanged),
            )
        }
    };
    // A baseline records without alerting; a linked final is still linked.
    let change = (!context.baseline).then_some(found.record);
    let deliveries = match &change {
        Some(record) => {
            let happened = Happened {
                event: found.event,
                observation: &observation,
                stage: classified.stage,
                deadline: classified.deadline,
                topics: &classified.topics,
                change_topics: &record.topics,
                change: found.change_ref,
                draft: draft.as_ref().and_then(|d: &DocumentRow| {
                    Some(DraftRef { id: DocId(d.id), url: d.url.parse().ok()?, title: d.title.clone() })
                }),
            };
            alerts::deliveries(&context.config, &context.spec, &happened, context.now)
        }
        None => Vec::new(),
    };
    Ok(Some(DocumentWrite {
        hash,
        kind,
        stage: classified.stage.as_str().to_owned(),
        deadline: classified.deadline.map(|d| d.to_string()),
        topics: classified.topics,
        family_key,
        draft: draft.map(|d| DocId(d.id)),
        change,
        deliveries,
        observation,
    }))
}

/// A change as recorded and as alerted.
struct Found {
    event: EventType,
    record: ChangeRecord,
    change_ref: Option<ChangeRef>,
}

impl Found {
    fn new_document(observation: &Observation, topics: &[String]) -> Self {
        Self {
            event: EventType::DocumentNew,
            record: ChangeRecord {
                event: EventType::DocumentNew.as_str(),
                from_doc: None,
                from_version: None,
                summary: "New document".to_owned(),
                articles: serde_json::Value::Array(Vec::new()),
                topics: topics.to_vec(),
                added_lines: observation.blocks.lines().len(),
                removed_lines: 0,
            },
            change_ref: None,
        }
    }
}

/// The structural diff of `previous` (this document's, or its draft's) against the observation.
fn compared(pack: &TopicPack, observation: &Observation, previous: &StoredVersion, event: EventType) -> Found {
    let comparison = diff::compare(previous.blocks.lines(), observation.blocks.lines());
    let changed = changed_text(previous.blocks.lines(), observation.blocks.lines());
    let to = if event == EventType::DocumentFinal { VersionNo(1) } else { VersionNo(previous.version.0 + 1) };
    Found {
        event,
        record: ChangeRecord {
            event: event.as_str(),
            from_doc: Some(previous.doc),
            from_version: Some(previous.version),
            summary: comparison.summary.clone(),
            articles: serde_json::to_value(&comparison.articles).unwrap_or_default(),
            topics: classify::classify_change(pack, &observation.title, &changed),
            added_lines: comparison.added_lines,
            removed_lines: comparison.removed_lines,
        },
        change_ref: Some(alerts::change_ref(&comparison, previous.version, to)),
    }
}

/// The draft a new final text finishes: same family key, a body similar enough, in any source.
fn find_draft(
    store: &Store,
    key: Option<&str>,
    observation: &Observation,
    body: &str,
) -> Result<Option<(DocumentRow, StoredVersion)>, StoreError> {
    let Some(key) = key else { return Ok(None) };
    let final_ = FamilyCandidate::new(&observation.title, body, observation.published);
    for row in store.drafts_in_family(key)? {
        let Some(last) = store.latest_version(DocId(row.id))? else { continue };
        let published = row.published.as_deref().and_then(|p| p.parse().ok());
        let draft = FamilyCandidate::new(&row.title, &last.blocks.text(), published);
        if classify::is_final_of(&draft, &final_) {
            return Ok(Some((row, last)));
        }
    }
    Ok(None)
}

/// The lines only one side has: what a change's topics are read from.
fn changed_text(old: &[String], new: &[String]) -> String {
    let old_set: HashSet<&str> = old.iter().map(String::as_str).collect();
    let new_set: HashSet<&str> = new.iter().map(String::as_str).collect();
    let added = new.iter().filter(|l| !old_set.contains(l.as_str()));
    let removed = old.iter().filter(|l| !new_set.contains(l.as_str()));
    added.chain(removed).map(String::as_str).collect::<Vec<_>>().join("\n")
}

//! Compares a poll's observations with the store and prepares its writes: new documents, new
//! versions with their diff, and classification. Runs on the blocking pool (diffing is CPU).

use std::collections::HashSet;
use std::sync::Arc;

use super::Deps;
use super::alerts::{self, Happened};
use crate::classify::{self, TopicPack};
use crate::config::model::SourceSpec;
use crate::config::model::{Config, EventType};
use crate::diff;
use crate::extract::Observation;
use crate::ids::VersionNo;
use crate::store::{ChangeRecord, DocumentWrite, Recorded, Store, StoreError, WriteKind};

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
    deps.with_store(move |store| {
        let observations = unique_by_url(observations);
        let recorded = store.lookup(&context.spec.id, &observations)?;
        let mut writes = Vec::new();
        for (observation, recorded) in observations.into_iter().zip(recorded) {
            if let Some(write) = prepare(store, &topics, &context, observation, &recorded)? {
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
    observation: Observation,
    recorded: &Recorded,
) -> Result<Option<DocumentWrite>, StoreError> {
    let body = observation.blocks.text();
    let classified = classify::classify(pack, &observation.title, &body, observation.published);
    let hash = observation.blocks.hash();
    let mut change_ref = None;
    let (kind, change) = match recorded {
        Recorded::Unchanged { .. } => return Ok(None),
        Recorded::New => {
            let change = (!context.baseline).then(|| ChangeRecord {
                event: "document.new",
                from_doc: None,
                from_version: None,
                summary: "New document".to_owned(),
                articles: serde_json::Value::Array(Vec::new()),
                topics: classified.topics.clone(),
                added_lines: observation.blocks.lines().len(),
                removed_lines: 0,
            });
            (WriteKind::New, change)
        }
        Recorded::Changed { doc, prev } => {
            let (doc, prev) = (*doc, *prev);
            let Some(previous) = store.version(doc, prev)? else { return Ok(None) };
            let comparison = diff::compare(previous.blocks.lines(), observation.blocks.lines());
            change_ref = Some(alerts::change_ref(&comparison, prev, VersionNo(prev.0 + 1)));
            let changed = changed_text(previous.blocks.lines(), observation.blocks.lines());
            let change = ChangeRecord {
                event: "document.changed",
                from_doc: Some(doc),
                from_version: Some(prev),
                summary: comparison.summary.clone(),
                articles: serde_json::to_value(&comparison.articles).unwrap_or_default(),
                topics: classify::classify_change(pack, &observation.title, &changed),
                added_lines: comparison.added_lines,
                removed_lines: comparison.removed_lines,
            };
            (WriteKind::Changed { doc, prev }, Some(change))
        }
    };
    let deliveries = match &change {
        Some(record) => {
            let happened = Happened {
                event: if record.event == "document.new" { EventType::DocumentNew } else { EventType::DocumentChanged },
                observation: &observation,
                stage: classified.stage,
                deadline: classified.deadline,
                topics: &classified.topics,
                change_topics: &record.topics,
                change: change_ref,
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
        draft: None,
        change,
        deliveries,
        observation,
    }))
}

/// The lines only one side has: what a change's topics are read from.
fn changed_text(old: &[String], new: &[String]) -> String {
    let old_set: HashSet<&str> = old.iter().map(String::as_str).collect();
    let new_set: HashSet<&str> = new.iter().map(String::as_str).collect();
    let added = new.iter().filter(|l| !old_set.contains(l.as_str()));
    let removed = old.iter().filter(|l| !new_set.contains(l.as_str()));
    added.chain(removed).map(String::as_str).collect::<Vec<_>>().join("\n")
}

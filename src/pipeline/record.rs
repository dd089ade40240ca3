//! The record stage: compares a poll's observations with the store and prepares its writes
//! (new documents, new versions with their diff and classification, a final linked to its
//! draft), and what alerting needs to know of each change. Runs on the parse pool's threads
//! (diffing and classifying are CPU work).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::Deps;
use super::churn::{self, Churn};
use crate::alert::event::{ChangeRef, DocumentRef, DraftRef};
use crate::alert::route::Happened;
use crate::classify::{self, FamilyCandidate, Stage, TopicPack};
use crate::config::model::{EventType, SourceSpec};
use crate::diff;
use crate::extract::Observation;
use crate::ids::{DocId, TopicId, VersionNo};
use crate::store::{
    ChangeRecord, DocumentRow, DocumentWrite, Lookup, Recorded, Store, StoreError, StoredVersion, VersionText,
    WriteKind,
};

/// One document to write, and the change to alert on (none during a baseline).
#[derive(Debug)]
pub(super) struct Prepared {
    pub write: DocumentWrite,
    pub happened: Option<Happened>,
}

/// What the record stage prepared for the commit.
#[derive(Debug, Default)]
pub(super) struct Recording {
    pub prepared: Vec<Prepared>,
    /// The list's links change on every poll: its relinked documents were not recorded.
    pub churn: Option<Churn>,
}

/// Prepares the writes for every observation that is new or changed.
pub(super) async fn record(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    observations: Vec<Observation>,
    baseline: bool,
) -> Result<Recording, StoreError> {
    if observations.is_empty() {
        return Ok(Recording::default());
    }
    let source = spec.id.clone();
    let topics = Arc::clone(&deps.topics);
    deps.parser
        .store_call(&deps.store, move |store| {
            let observations = unique_by_url(observations);
            // Hashed once: the lookup compares it and the write stores it.
            let hashes: Vec<String> = observations.iter().map(|o| o.blocks.hash()).collect();
            let keys: Vec<Lookup<'_>> = observations
                .iter()
                .zip(&hashes)
                .map(|(o, hash)| Lookup { url: &o.doc_url, hash, may_have_moved: may_have_moved(o) })
                .collect();
            let recorded = store.lookup(&source, &keys)?;
            let screened = if recorded.iter().filter(|r| **r == Recorded::New).count() >= churn::MIN_RELINKED {
                churn::screen(&observations, &recorded, &store.listed_titles(&source)?)
            } else {
                None
            };
            let (churn, skip) = screened.map_or((None, Vec::new()), |(churn, skip)| (Some(churn), skip));
            let mut prepared = Vec::new();
            for (index, ((observation, hash), recorded)) in
                observations.into_iter().zip(hashes).zip(recorded).enumerate()
            {
                // A relinked document is not news: recording it would add one per poll for ever.
                if skip.get(index).copied().unwrap_or(false) {
                    continue;
                }
                if let Some(one) = prepare(store, &topics, baseline, (observation, hash), &recorded)? {
                    prepared.push(one);
                }
            }
            Ok(Recording { prepared, churn })
        })
        .await
}

/// The shortest text (in UTF-8 bytes: about 100 Chinese characters, or 50 English words) whose
/// identical copy at another URL is taken for the same document: short texts (a title alone,
/// "page not found") are shared by distinct documents.
const MIN_MOVABLE_BYTES: usize = 300;

fn may_have_moved(observation: &Observation) -> bool {
    observation.attachment.is_none()
        && observation.blocks.lines().iter().map(String::len).sum::<usize>() >= MIN_MOVABLE_BYTES
}

/// A feed or list can show one document twice; the first occurrence wins.
fn unique_by_url(observations: Vec<Observation>) -> Vec<Observation> {
    let mut seen = HashSet::new();
    observations.into_iter().filter(|o| seen.insert(o.doc_url.clone())).collect()
}

fn prepare(
    store: &Store,
    pack: &TopicPack,
    baseline: bool,
    (observation, hash): (Observation, String),
    recorded: &Recorded,
) -> Result<Option<Prepared>, StoreError> {
    match recorded {
        Recorded::Unchanged { .. } => return Ok(None),
        Recorded::Moved { doc } => return Ok(Some(moved(*doc, observation, hash))),
        Recorded::New | Recorded::Changed { .. } => {}
    }
    let body = observation.blocks.text();
    let mut classified = classify::classify(pack, &observation.title, &body, observation.published);
    // A deadline the source states (a JSON field, a list column) beats one read from prose.
    classified.deadline = observation.deadline.or(classified.deadline);
    let family_key = Some(classify::family_key(&observation.title)).filter(|k| !k.is_empty());
    let mut draft = None;
    let (kind, found) = match recorded {
        Recorded::Unchanged { .. } | Recorded::Moved { .. } => return Ok(None),
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
            let found = compared(pack, &observation, &previous, EventType::DocumentChanged);
            // The comparison key decides both the hash and the diff, so this cannot happen; if
            // it ever did, no version and no alert may go out without a change to show.
            if found.empty {
                tracing::warn!(doc = doc.0, "Text hash changed but the diff shows nothing; no version recorded.");
                return Ok(None);
            }
            (WriteKind::Changed { doc: *doc, prev: *prev }, found)
        }
    };
    // A baseline records without alerting; a linked final is still linked.
    let why = if baseline { BTreeMap::new() } else { why_tagged(pack, &observation, &found, &body) };
    let happened = (!baseline).then(|| Happened {
        kind: found.event,
        document: DocumentRef {
            // The store names the document: `data.document.id` is filled in its transaction.
            id: DocId(0),
            url: observation.doc_url.clone(),
            title: observation.title.clone(),
            stage: classified.stage,
            deadline: classified.deadline,
            topics: classified.topics.clone(),
            published: observation.published,
            why,
        },
        change_topics: found.record.topics.iter().map(|t| t.0.clone()).collect(),
        change: found.change_ref.clone(),
        draft: draft
            .as_ref()
            .and_then(|d: &DocumentRow| Some(DraftRef { id: d.id, url: d.url.parse().ok()?, title: d.title.clone() })),
    });
    let change = (!baseline).then_some(found.record);
    let write = DocumentWrite {
        hash,
        kind,
        stage: classified.stage,
        deadline: classified.deadline,
        topics: classified.topics.into_iter().map(TopicId).collect(),
        family_key,
        draft: draft.map(|d| d.id),
        change,
        deliveries: Vec::new(),
        stored: VersionText::new(&observation.title, body),
        observation,
    };
    Ok(Some(Prepared { write, happened }))
}

/// One line per routing topic saying which terms gave it, read from what the topics were read
/// from: the changed lines for a change, the whole text for a new document.
fn why_tagged(pack: &TopicPack, observation: &Observation, found: &Found, body: &str) -> BTreeMap<String, String> {
    let text = found.changed.as_deref().unwrap_or(body);
    let wanted: Vec<&str> = found.record.topics.iter().map(TopicId::as_str).collect();
    pack.explain(&observation.title, text)
        .into_iter()
        .filter(|e| wanted.contains(&e.id.as_str()) && !e.terms.is_empty())
        .map(|e| (e.id.clone(), e.summary()))
        .collect()
}

/// The same document at a new URL: the URL is updated, nothing else is written or alerted.
fn moved(doc: DocId, observation: Observation, hash: String) -> Prepared {
    let write = DocumentWrite {
        hash,
        kind: WriteKind::Moved { doc },
        stage: Stage::Unknown,
        deadline: None,
        topics: Vec::new(),
        family_key: None,
        draft: None,
        change: None,
        deliveries: Vec::new(),
        stored: VersionText::default(),
        observation,
    };
    Prepared { write, happened: None }
}

/// A change as recorded and as alerted.
struct Found {
    event: EventType,
    record: ChangeRecord,
    change_ref: Option<ChangeRef>,
    /// The comparison shows nothing.
    empty: bool,
    /// The lines only one side has (for a change; `None` for a new document).
    changed: Option<String>,
}

impl Found {
    fn new_document(observation: &Observation, topics: &[String]) -> Self {
        Self {
            event: EventType::DocumentNew,
            record: ChangeRecord {
                event: EventType::DocumentNew,
                from_doc: None,
                from_version: None,
                summary: "New document".to_owned(),
                articles: Vec::new(),
                topics: topics.iter().cloned().map(TopicId).collect(),
                added_lines: observation.blocks.lines().len(),
                removed_lines: 0,
            },
            change_ref: None,
            empty: false,
            changed: None,
        }
    }
}

/// The structural diff of `previous` (this document's, or its draft's) against the observation.
fn compared(pack: &TopicPack, observation: &Observation, previous: &StoredVersion, event: EventType) -> Found {
    let comparison = diff::compare(previous.blocks.lines(), observation.blocks.lines());
    let changed = changed_text(previous.blocks.lines(), observation.blocks.lines());
    let to = if event == EventType::DocumentFinal { VersionNo(1) } else { VersionNo(previous.version.0 + 1) };
    let change_ref = ChangeRef::of(&comparison, previous.version, to);
    let empty = comparison.is_empty();
    Found {
        event,
        record: ChangeRecord {
            event,
            from_doc: Some(previous.doc),
            from_version: Some(previous.version),
            summary: comparison.summary,
            articles: comparison.articles,
            topics: classify::classify_change(pack, &observation.title, &changed).into_iter().map(TopicId).collect(),
            added_lines: comparison.added_lines,
            removed_lines: comparison.removed_lines,
        },
        change_ref: Some(change_ref),
        empty,
        changed: Some(changed),
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
    let drafts = store.drafts_in_family(key)?;
    if drafts.is_empty() {
        // Most finals have no draft on record; their shingles would be a tenth of a first pass.
        return Ok(None);
    }
    let final_ = FamilyCandidate::new(&observation.title, body, observation.published);
    for row in drafts {
        let Some(last) = store.latest_version(row.id)? else { continue };
        let draft = FamilyCandidate::new(&row.title, &last.blocks.text(), row.published);
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

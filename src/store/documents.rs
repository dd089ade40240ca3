//! Documents: one canonical URL within one source, with its current stage, deadline and topics.
//! Looked up by a poll (is this observation new, unchanged or changed?), written by its commit,
//! read by the listing commands.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Transaction, named_params, params};
use serde::Serialize;

use super::changes::{self, ChangeRecord};
use super::outbox::NewDelivery;
use super::{Result, Store, compress, count, from_millis, millis, sql, text_sha256};
use crate::classify::Stage;
use crate::extract::Observation;
use crate::ids::{ChangeId, DocId, SourceId, TopicId, VersionNo};

/// What an observation is, compared with what is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    New,
    Unchanged {
        doc: DocId,
    },
    Changed {
        doc: DocId,
        prev: VersionNo,
    },
    /// A document of the source, unseen in this poll at its old URL, whose latest text is this
    /// one's, to the byte: the same document at a new URL (a changed link, a session token).
    Moved {
        doc: DocId,
    },
}

/// One observation to look up: its URL, its text hash, and whether an identical text at another
/// URL may be taken for the same document (not for short texts, which distinct documents share).
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    pub url: &'a url::Url,
    pub hash: &'a str,
    pub may_have_moved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    New,
    Changed {
        doc: DocId,
        prev: VersionNo,
    },
    /// Only the URL changed: no version, no change, no alert.
    Moved {
        doc: DocId,
    },
}

/// A version's text in the forms the writer stores: made ready on a parse thread, because the
/// writer is one thread and every poll's commit waits for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionText {
    text: String,
    sha256: String,
    /// What the search index holds of the title and the text (`search::indexed_text`).
    search_title: String,
    search_body: String,
}

impl VersionText {
    /// `text` is the observation's `blocks.text()`, which the record stage has already joined.
    pub fn new(title: &str, text: String) -> Self {
        Self {
            sha256: text_sha256(&text),
            search_title: super::search::indexed_text(title),
            search_body: super::search::indexed_text(&text),
            text,
        }
    }

    /// The text's length in bytes.
    pub fn text_bytes(&self) -> usize {
        self.text.len()
    }
}

/// One document to write: a new document or a new version.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWrite {
    pub observation: Observation,
    /// The version's text (empty for `WriteKind::Moved`, which stores none).
    pub stored: VersionText,
    pub hash: String,
    pub kind: WriteKind,
    pub stage: Stage,
    pub deadline: Option<Date>,
    pub topics: Vec<TopicId>,
    /// The normalised title a draft and its final share (`classify::family`).
    pub family_key: Option<String>,
    pub draft: Option<DocId>,
    /// `None` during a baseline pass: it alerts nobody.
    pub change: Option<ChangeRecord>,
    /// Outbox rows for the change, written in the same transaction.
    pub deliveries: Vec<NewDelivery>,
}

/// A document as `docs list` prints it (the contract's fields, plus a few).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentRow {
    pub id: DocId,
    pub source_id: SourceId,
    pub url: String,
    pub title: String,
    pub stage: Stage,
    pub topics: Vec<TopicId>,
    pub deadline: Option<Date>,
    pub versions: i64,
    pub first_seen: Timestamp,
    pub last_changed: Timestamp,
    pub published: Option<Date>,
    pub draft_id: Option<DocId>,
    /// For an attachment: the document it was found on.
    pub parent_id: Option<DocId>,
    /// For an attachment: `pdf`, `docx`, ...
    pub format: Option<String>,
    /// For an attachment whose text could not be read: why.
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DocFilter {
    pub topic: Option<TopicId>,
    pub since: Option<Timestamp>,
    pub source: Option<SourceId>,
}

pub(super) const DOC_COLUMNS: &str = "d.id, d.source_id, d.url, d.title, d.stage, d.topics, d.deadline, d.versions,
    d.first_seen, d.last_changed, d.published, d.draft_id, d.parent_id, d.format, d.unreadable";

pub(super) fn doc_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok(DocumentRow {
        id: row.get(0)?,
        source_id: row.get(1)?,
        url: row.get(2)?,
        title: row.get(3)?,
        stage: row.get(4)?,
        topics: sql::read_topics(&row.get::<_, String>(5)?)?,
        deadline: sql::read_date(row.get(6)?),
        versions: row.get(7)?,
        first_seen: from_millis(row.get(8)?),
        last_changed: from_millis(row.get(9)?),
        published: sql::read_date(row.get(10)?),
        draft_id: row.get(11)?,
        parent_id: row.get(12)?,
        format: row.get(13)?,
        unreadable: row.get(14)?,
    })
}

impl Store {
    /// Compares observations with the stored latest versions of the source's documents.
    pub fn lookup(&self, source: &SourceId, observations: &[Lookup<'_>]) -> Result<Vec<Recorded>> {
        let conn = self.reader();
        let mut by_url =
            conn.prepare_cached("SELECT id, versions, hash FROM document WHERE source_id = ?1 AND url = ?2")?;
        let mut by_hash = conn.prepare_cached(
            "SELECT id, url FROM document WHERE source_id = ?1 AND hash = ?2 AND parent_id IS NULL LIMIT 2",
        )?;
        let observed: std::collections::HashSet<&str> = observations.iter().map(|o| o.url.as_str()).collect();
        let mut recorded = Vec::with_capacity(observations.len());
        for observation in observations {
            let found = by_url
                .query_row(params![source, observation.url.as_str()], |row| {
                    Ok((row.get::<_, DocId>(0)?, row.get::<_, VersionNo>(1)?, row.get::<_, Option<String>>(2)?))
                })
                .optional()?;
            recorded.push(match found {
                Some((doc, versions, hash)) if versions.0 > 0 => {
                    if hash.as_deref() == Some(observation.hash) {
                        Recorded::Unchanged { doc }
                    } else {
                        Recorded::Changed { doc, prev: versions }
                    }
                }
                _ if observation.may_have_moved => {
                    let same: Vec<(DocId, String)> = by_hash
                        .query_map(params![source, observation.hash], |row| Ok((row.get(0)?, row.get(1)?)))?
                        .collect::<rusqlite::Result<_>>()?;
                    match same.as_slice() {
                        [(doc, old)] if !observed.contains(old.as_str()) => Recorded::Moved { doc: *doc },
                        _ => Recorded::New,
                    }
                }
                _ => Recorded::New,
            });
        }
        Ok(recorded)
    }

    pub fn documents(&self, filter: &DocFilter) -> Result<Vec<DocumentRow>> {
        let conn = self.conn();
        // Only the filters given are written into the query: `?3 IS NULL OR d.source_id = ?3`
        // hides the source from the planner, which then walked all 50,000 documents of a large
        // database for one source's dozen (document_source_changed serves it in order). `?n IS ?n`
        // keeps every parameter in the statement: all three are bound.
        let mut filters = vec!["1"];
        if filter.topic.is_some() {
            filters.push("EXISTS (SELECT 1 FROM json_each(d.topics) WHERE value = ?1)");
        }
        if filter.since.is_some() {
            filters.push("d.last_changed >= ?2");
        }
        if filter.source.is_some() {
            filters.push("d.source_id = ?3");
        }
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM document d WHERE {} AND ?1 IS ?1 AND ?2 IS ?2 AND ?3 IS ?3
             ORDER BY d.last_changed DESC, d.id DESC",
            filters.join(" AND ")
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![filter.topic, filter.since.map(millis), filter.source], doc_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn document(&self, id: DocId) -> Result<Option<DocumentRow>> {
        let conn = self.conn();
        let sql = format!("SELECT {DOC_COLUMNS} FROM document d WHERE d.id = ?1");
        Ok(conn.prepare_cached(&sql)?.query_row([id], doc_from_row).optional()?)
    }

    /// Drafts sharing a family key, in any source: the candidates a new final may finish. Named
    /// index: without statistics SQLite may take `document_family` (it orders by id too) and
    /// read every document of a crowded family to find its few drafts.
    pub fn drafts_in_family(&self, key: &str) -> Result<Vec<DocumentRow>> {
        let conn = self.reader();
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM document d INDEXED BY document_family_draft
             WHERE d.family_key = ?1 AND d.stage = 'draft' ORDER BY d.id DESC"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([key], doc_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Documents recorded as the final text of `draft`.
    pub fn finals_of(&self, draft: DocId) -> Result<Vec<DocumentRow>> {
        let conn = self.conn();
        let sql = format!("SELECT {DOC_COLUMNS} FROM document d WHERE d.draft_id = ?1 ORDER BY d.id");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([draft], doc_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Finds a document by id or by URL (what users paste).
    pub fn find_document(&self, key: &str) -> Result<Option<DocumentRow>> {
        if let Ok(id) = key.parse::<i64>() {
            return self.document(DocId(id));
        }
        let conn = self.conn();
        let sql = format!("SELECT {DOC_COLUMNS} FROM document d WHERE d.url = ?1 ORDER BY d.id LIMIT 1");
        Ok(conn.prepare_cached(&sql)?.query_row([key], doc_from_row).optional()?)
    }
}

/// The columns of a document row that need converting or looking up before a write.
struct Columns<'a> {
    published: Option<String>,
    deadline: Option<String>,
    topics: String,
    /// The parent was written earlier in this commit or in an earlier poll.
    parent: Option<DocId>,
    format: Option<&'static str>,
    unreadable: Option<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(tx: &Transaction<'_>, source: &SourceId, write: &'a DocumentWrite) -> Result<Self> {
        let obs = &write.observation;
        let parent = match &obs.attachment {
            Some(of) => tx
                .prepare_cached("SELECT id FROM document WHERE source_id = ?1 AND url = ?2")?
                .query_row(params![source, of.parent.as_str()], |row| row.get(0))
                .optional()?,
            None => None,
        };
        Ok(Self {
            published: sql::date(obs.published),
            deadline: sql::date(write.deadline),
            topics: sql::topics(&write.topics),
            parent,
            format: obs.attachment.as_ref().and_then(|a| a.format),
            unreadable: obs.attachment.as_ref().and_then(|a| a.unreadable.as_deref()),
        })
    }
}

/// What writing one document did.
#[derive(Debug, Default)]
pub(super) struct Written {
    pub new_document: bool,
    pub new_version: bool,
    pub change: Option<ChangeId>,
    pub deliveries: usize,
}

/// Writes a new document or a new version of one, and its change with the change's outbox rows.
pub(super) fn write(tx: &Transaction<'_>, source: &SourceId, at: Timestamp, write: &DocumentWrite) -> Result<Written> {
    let mut written = Written::default();
    let obs = &write.observation;
    let (doc, version) = match &write.kind {
        WriteKind::Moved { doc } => {
            tx.prepare_cached("UPDATE document SET url = ?2, last_seen = ?3 WHERE id = ?1")?.execute(params![
                doc,
                obs.doc_url.as_str(),
                millis(at)
            ])?;
            tracing::info!(doc = doc.0, url = %obs.doc_url, "Document moved to a new URL; its text is unchanged.");
            return Ok(written);
        }
        WriteKind::New => {
            let columns = Columns::of(tx, source, write)?;
            tx.prepare_cached(
                "INSERT INTO document (source_id, url, title, published, first_seen, last_seen, last_changed,
                 versions, stage, deadline, topics, draft_id, family_key, parent_id, format, unreadable, hash)
                 VALUES (:source, :url, :title, :published, :at, :at, :at, 1, :stage, :deadline, :topics, :draft,
                 :family_key, :parent, :format, :unreadable, :hash)",
            )?
            .execute(named_params! {
                ":source": source, ":url": obs.doc_url.as_str(), ":title": obs.title, ":published": columns.published,
                ":at": millis(at), ":stage": write.stage, ":deadline": columns.deadline, ":topics": columns.topics,
                ":draft": write.draft, ":family_key": write.family_key, ":parent": columns.parent,
                ":format": columns.format, ":unreadable": columns.unreadable, ":hash": write.hash,
            })?;
            written.new_document = true;
            (DocId(tx.last_insert_rowid()), VersionNo(1))
        }
        WriteKind::Changed { doc, prev } => {
            let latest: VersionNo =
                tx.prepare_cached("SELECT versions FROM document WHERE id = ?1")?.query_row([doc], |row| row.get(0))?;
            if latest != *prev {
                // Someone else recorded a version since our lookup; theirs stands, ours is stale.
                tracing::warn!(
                    doc = doc.0,
                    expected = prev.0,
                    found = latest.0,
                    "Document moved on during the poll; skipping a stale version."
                );
                return Ok(Written::default());
            }
            let columns = Columns::of(tx, source, write)?;
            tx.prepare_cached(
                "UPDATE document SET title = :title, published = COALESCE(:published, published), last_seen = :at,
                 last_changed = :at, versions = versions + 1, stage = :stage, deadline = :deadline, topics = :topics,
                 draft_id = COALESCE(:draft, draft_id), family_key = COALESCE(:family_key, family_key),
                 parent_id = COALESCE(:parent, parent_id), format = COALESCE(:format, format),
                 unreadable = :unreadable, hash = :hash WHERE id = :doc",
            )?
            .execute(named_params! {
                ":doc": doc, ":title": obs.title, ":published": columns.published, ":at": millis(at),
                ":stage": write.stage, ":deadline": columns.deadline, ":topics": columns.topics,
                ":draft": write.draft, ":family_key": write.family_key, ":parent": columns.parent,
                ":format": columns.format, ":unreadable": columns.unreadable, ":hash": write.hash,
            })?;
            (*doc, VersionNo(prev.0 + 1))
        }
    };
    let (added, removed) =
        write.change.as_ref().map_or((obs.blocks.lines().len(), 0), |c| (c.added_lines, c.removed_lines));
    let stored = &write.stored;
    tx.prepare_cached(
        "INSERT INTO version (doc_id, version, fetched_at, hash, title, text_zstd, added_lines, removed_lines, text_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        doc,
        version,
        millis(at),
        write.hash,
        obs.title,
        compress(&stored.text),
        count(added),
        count(removed),
        stored.sha256
    ])?;
    super::search::index(tx, doc.0, &stored.search_title, &stored.search_body)?;
    written.new_version = true;
    if let Some(change) = &write.change {
        written.change = Some(changes::write(tx, at, change, (doc, version), &write.deliveries)?);
        written.deliveries = write.deliveries.len();
    }
    Ok(written)
}

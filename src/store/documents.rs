//! Documents: one canonical URL within one source, with its current stage, deadline and topics.
//! Looked up by a poll (is this observation new, unchanged or changed?), written by its commit,
//! read by the listing commands.

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::changes::{self, ChangeRecord};
use super::outbox::NewDelivery;
use super::{Result, Store, compress, count, from_millis, millis, sql};
use crate::classify::Stage;
use crate::extract::Observation;
use crate::ids::{ChangeId, DocId, SourceId, TopicId, VersionNo};

/// What an observation is, compared with what is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    New,
    Unchanged { doc: DocId },
    Changed { doc: DocId, prev: VersionNo },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    New,
    Changed { doc: DocId, prev: VersionNo },
}

/// One document to write: a new document or a new version.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWrite {
    pub observation: Observation,
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

const DOC_COLUMNS: &str = "d.id, d.source_id, d.url, d.title, d.stage, d.topics, d.deadline, d.versions,
    d.first_seen, d.last_changed, d.published, d.draft_id, d.parent_id, d.format, d.unreadable";

fn doc_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
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
    /// Compares documents, given as (URL, text hash), with their stored latest versions.
    pub fn lookup(&self, source: &SourceId, documents: &[(&url::Url, &str)]) -> Result<Vec<Recorded>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT d.id, v.version, v.hash FROM document d
             LEFT JOIN version v ON v.doc_id = d.id AND v.version = d.versions
             WHERE d.source_id = ?1 AND d.url = ?2",
        )?;
        documents
            .iter()
            .map(|(url, text_hash)| {
                let found = stmt
                    .query_row(params![source, url.as_str()], |row| {
                        Ok((
                            row.get::<_, DocId>(0)?,
                            row.get::<_, Option<VersionNo>>(1)?,
                            row.get::<_, Option<String>>(2)?,
                        ))
                    })
                    .optional()?;
                Ok(match found {
                    None | Some((_, None, _)) => Recorded::New,
                    Some((doc, Some(_), hash)) if hash.as_deref() == Some(*text_hash) => Recorded::Unchanged { doc },
                    Some((doc, Some(version), _)) => Recorded::Changed { doc, prev: version },
                })
            })
            .collect()
    }

    pub fn documents(&self, filter: &DocFilter) -> Result<Vec<DocumentRow>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM document d
             WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(d.topics) WHERE value = ?1))
               AND (?2 IS NULL OR d.last_changed >= ?2)
               AND (?3 IS NULL OR d.source_id = ?3)
             ORDER BY d.last_changed DESC, d.id DESC"
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

    /// Drafts sharing a family key, in any source: the candidates a new final may finish.
    pub fn drafts_in_family(&self, key: &str) -> Result<Vec<DocumentRow>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM document d WHERE d.family_key = ?1 AND d.stage = 'draft' ORDER BY d.id DESC"
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
    let topics = sql::topics(&write.topics);
    let published = sql::date(obs.published);
    let deadline = sql::date(write.deadline);
    // The parent was written earlier in this commit or in an earlier poll.
    let parent: Option<DocId> = match &obs.attachment {
        Some(of) => tx
            .prepare_cached("SELECT id FROM document WHERE source_id = ?1 AND url = ?2")?
            .query_row(params![source, of.parent.as_str()], |row| row.get(0))
            .optional()?,
        None => None,
    };
    let format = obs.attachment.as_ref().and_then(|a| a.format);
    let unreadable = obs.attachment.as_ref().and_then(|a| a.unreadable.as_deref());
    let (doc, version) = match &write.kind {
        WriteKind::New => {
            tx.prepare_cached(
                "INSERT INTO document (source_id, url, title, published, first_seen, last_seen, last_changed,
                 versions, stage, deadline, topics, draft_id, family_key, parent_id, format, unreadable)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                source,
                obs.doc_url.as_str(),
                obs.title,
                published,
                millis(at),
                write.stage,
                deadline,
                topics,
                write.draft,
                write.family_key,
                parent,
                format,
                unreadable
            ])?;
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
            tx.prepare_cached(
                "UPDATE document SET title = ?2, published = COALESCE(?3, published), last_seen = ?4, last_changed = ?4,
                 versions = versions + 1, stage = ?5, deadline = ?6, topics = ?7, draft_id = COALESCE(?8, draft_id),
                 family_key = COALESCE(?9, family_key), parent_id = COALESCE(?10, parent_id),
                 format = COALESCE(?11, format), unreadable = ?12 WHERE id = ?1",
            )?
            .execute(params![
                doc,
                obs.title,
                published,
                millis(at),
                write.stage,
                deadline,
                topics,
                write.draft,
                write.family_key,
                parent,
                format,
                unreadable
            ])?;
            (*doc, VersionNo(prev.0 + 1))
        }
    };
    let (added, removed) =
        write.change.as_ref().map_or((obs.blocks.lines().len(), 0), |c| (c.added_lines, c.removed_lines));
    tx.prepare_cached(
        "INSERT INTO version (doc_id, version, fetched_at, hash, title, text_zstd, added_lines, removed_lines)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        doc,
        version,
        millis(at),
        write.hash,
        obs.title,
        compress(&obs.blocks.text()),
        count(added),
        count(removed)
    ])?;
    written.new_version = true;
    if let Some(change) = &write.change {
        written.change = Some(changes::write(tx, at, change, (doc, version), &write.deliveries)?);
        written.deliveries = write.deliveries.len();
    }
    Ok(written)
}

//! Documents, their versions and changes: one poll's writes land in one transaction.

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::outbox::{self, NewDelivery};
use super::{Result, Store, cache, compress, count, from_millis, millis};
use crate::extract::Observation;
use crate::fetch::Validators;
use crate::ids::{ChangeId, DocId, SourceId, VersionNo};

/// What an observation is, compared with what is stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    New,
    Unchanged { doc: DocId },
    Changed { doc: DocId, prev: VersionNo },
}

/// How a poll ended, for the source's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollResult {
    /// `warning`: pages of the poll that failed while the list itself was read.
    Ok {
        status: Option<u16>,
        items: Option<usize>,
        warning: Option<String>,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    New,
    Changed { doc: DocId, prev: VersionNo },
}

/// A change row: what alerting and `diff` read.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub event: &'static str,
    pub from_doc: Option<DocId>,
    pub from_version: Option<VersionNo>,
    pub summary: String,
    pub articles: serde_json::Value,
    pub topics: Vec<String>,
    pub added_lines: usize,
    pub removed_lines: usize,
}

/// One document to write: a new document or a new version.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWrite {
    pub observation: Observation,
    pub hash: String,
    pub kind: WriteKind,
    pub stage: String,
    pub deadline: Option<String>,
    pub topics: Vec<String>,
    /// The normalised title a draft and its final share (`classify::family`).
    pub family_key: Option<String>,
    pub draft: Option<DocId>,
    /// `None` during a baseline pass: it alerts nobody.
    pub change: Option<ChangeRecord>,
    /// Outbox rows for the change, written in the same transaction.
    pub deliveries: Vec<NewDelivery>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchLogEntry {
    pub url: String,
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub elapsed: Duration,
    pub error: Option<String>,
}

/// Everything one poll of one source writes.
#[derive(Debug, Clone)]
pub struct PollCommit {
    pub source: SourceId,
    pub at: Timestamp,
    pub result: PollResult,
    /// The source config's fingerprint, saved on success: validators are trusted only while it holds.
    pub config_hash: Option<String>,
    pub next_due: Option<Timestamp>,
    /// Validators of URLs answered 200 in this poll.
    pub validators: Vec<(String, Validators)>,
    /// URLs the list shows now; `None` when the list was not read (304 or failure).
    pub listed: Option<Vec<String>>,
    /// Dropped-off documents re-checked in this poll.
    pub rechecked: Vec<String>,
    pub recheck_interval: Duration,
    pub recheck_window: Duration,
    pub documents: Vec<DocumentWrite>,
    pub fetch_log: Vec<FetchLogEntry>,
    /// The source's health after this poll; `None` leaves it as it was.
    pub health: Option<HealthWrite>,
    /// `source.unhealthy` / `source.recovered` deliveries, written with the health change.
    pub health_events: Vec<NewDelivery>,
}

/// A source's health as a poll judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthWrite {
    /// `None`: healthy.
    pub problem: Option<HealthProblem>,
    /// Where the list URL led, to remember as the healthy destination.
    pub final_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthProblem {
    /// `failing`, `empty` or `redirected`.
    pub kind: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReceipt {
    pub new_documents: usize,
    pub new_versions: usize,
    pub changes: Vec<ChangeId>,
    pub deliveries: usize,
}

/// A document as `docs list` prints it (the contract's fields, plus a few).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub source_id: String,
    pub url: String,
    pub title: String,
    pub stage: String,
    pub topics: Vec<String>,
    pub deadline: Option<String>,
    pub versions: i64,
    pub first_seen: String,
    pub last_changed: String,
    pub published: Option<String>,
    pub draft_id: Option<i64>,
    /// For an attachment: the document it was found on.
    pub parent_id: Option<i64>,
    /// For an attachment: `pdf`, `docx`, ...
    pub format: Option<String>,
    /// For an attachment whose text could not be read: why.
    pub unreadable: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DocFilter {
    pub topic: Option<String>,
    pub since: Option<Timestamp>,
    pub source: Option<SourceId>,
}

pub(super) const DOC_COLUMNS: &str = "d.id, d.source_id, d.url, d.title, d.stage, d.topics, d.deadline, d.versions,
    d.first_seen, d.last_changed, d.published, d.draft_id, d.parent_id, d.format, d.unreadable";

pub(super) fn doc_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    let topics: String = row.get(5)?;
    Ok(DocumentRow {
        id: row.get(0)?,
        source_id: row.get(1)?,
        url: row.get(2)?,
        title: row.get(3)?,
        stage: row.get(4)?,
        topics: serde_json::from_str(&topics).unwrap_or_default(),
        deadline: row.get(6)?,
        versions: row.get(7)?,
        first_seen: from_millis(row.get(8)?).to_string(),
        last_changed: from_millis(row.get(9)?).to_string(),
        published: row.get(10)?,
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
                    .query_row(params![source.as_str(), url.as_str()], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, Option<i64>>(1)?, row.get::<_, Option<String>>(2)?))
                    })
                    .optional()?;
                Ok(match found {
                    None | Some((_, None, _)) => Recorded::New,
                    Some((doc, Some(_), hash)) if hash.as_deref() == Some(*text_hash) => {
                        Recorded::Unchanged { doc: DocId(doc) }
                    }
                    Some((doc, Some(version), _)) => Recorded::Changed { doc: DocId(doc), prev: VersionNo(version) },
                })
            })
            .collect()
    }

    /// URLs of the source's documents its list still shows (attachments are not listed: they
    /// are re-checked with their parent).
    pub fn listed_urls(&self, source: &SourceId) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT url FROM document WHERE source_id = ?1 AND listed = 1 AND parent_id IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([source.as_str()], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored title and publication date of these documents of `source`, by URL: what a
    /// page re-checked without its list entry (a 304 list, a dropped item) is still called.
    pub fn known_titles(
        &self,
        source: &SourceId,
        urls: &[String],
    ) -> Result<std::collections::HashMap<String, (String, Option<String>)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT title, published FROM document WHERE source_id = ?1 AND url = ?2")?;
        let mut found = std::collections::HashMap::new();
        for url in urls {
            if let Some(row) =
                stmt.query_row(params![source.as_str(), url], |row| Ok((row.get(0)?, row.get(1)?))).optional()?
            {
                found.insert(url.clone(), row);
            }
        }
        Ok(found)
    }

    /// The attachments recorded for these parent documents, as (parent URL, attachment URL,
    /// title): re-checked when their parent answers 304, since a file can be replaced under an
    /// unchanged page.
    pub fn attachments_of(&self, source: &SourceId, parents: &[String]) -> Result<Vec<(String, String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT p.url, a.url, a.title FROM document a JOIN document p ON p.id = a.parent_id
             WHERE a.source_id = ?1 AND p.url = ?2 ORDER BY a.id",
        )?;
        let mut found = Vec::new();
        for parent in parents {
            let rows =
                stmt.query_map(params![source.as_str(), parent], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(found)
    }

    /// Dropped-off documents whose slower re-check is due.
    pub fn due_rechecks(&self, source: &SourceId, now: Timestamp) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT url FROM document WHERE source_id = ?1 AND listed = 0 AND next_recheck <= ?2 AND parent_id IS NULL
             ORDER BY next_recheck",
        )?;
        let rows = stmt.query_map(params![source.as_str(), millis(now)], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Writes one poll: documents, versions, changes, validators, listing state, the source's
    /// poll state and the fetch log, all or nothing.
    pub fn commit(&self, poll: &PollCommit) -> Result<CommitReceipt> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut receipt = CommitReceipt::default();
        for write in &poll.documents {
            write_document(&tx, poll, write, &mut receipt)?;
        }
        for (url, validators) in &poll.validators {
            cache::remember(&tx, url, validators, poll.at)?;
        }
        update_listing(&tx, poll)?;
        update_source(&tx, poll)?;
        write_health(&tx, poll)?;
        write_fetch_log(&tx, poll)?;
        tx.commit()?;
        Ok(receipt)
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
        let rows = stmt.query_map(
            params![filter.topic, filter.since.map(millis), filter.source.as_ref().map(SourceId::as_str)],
            doc_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn document(&self, id: DocId) -> Result<Option<DocumentRow>> {
        let conn = self.conn();
        let sql = format!("SELECT {DOC_COLUMNS} FROM document d WHERE d.id = ?1");
        Ok(conn.prepare_cached(&sql)?.query_row([id.0], doc_from_row).optional()?)
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
        let rows = stmt.query_map([draft.0], doc_from_row)?;
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

fn write_document(
    tx: &Transaction<'_>,
    poll: &PollCommit,
    write: &DocumentWrite,
    receipt: &mut CommitReceipt,
) -> Result<()> {
    let obs = &write.observation;
    let at = millis(poll.at);
    let topics = serde_json::to_string(&write.topics).unwrap_or_else(|_| "[]".into());
    let published = obs.published.map(|d| d.to_string());
    // The parent was written earlier in this commit or in an earlier poll.
    let parent: Option<i64> = match &obs.attachment {
        Some(of) => tx
            .prepare_cached("SELECT id FROM document WHERE source_id = ?1 AND url = ?2")?
            .query_row(params![poll.source.as_str(), of.parent.as_str()], |row| row.get(0))
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
                poll.source.as_str(),
                obs.doc_url.as_str(),
                obs.title,
                published,
                at,
                write.stage,
                write.deadline,
                topics,
                write.draft.map(|d| d.0),
                write.family_key,
                parent,
                format,
                unreadable
            ])?;
            receipt.new_documents += 1;
            (tx.last_insert_rowid(), 1)
        }
        WriteKind::Changed { doc, prev } => {
            let latest: i64 = tx
                .prepare_cached("SELECT versions FROM document WHERE id = ?1")?
                .query_row([doc.0], |row| row.get(0))?;
            if latest != prev.0 {
                // Someone else recorded a version since our lookup; theirs stands, ours is stale.
                tracing::warn!(
                    doc = doc.0,
                    expected = prev.0,
                    found = latest,
                    "Document moved on during the poll; skipping a stale version."
                );
                return Ok(());
            }
            tx.prepare_cached(
                "UPDATE document SET title = ?2, published = COALESCE(?3, published), last_seen = ?4, last_changed = ?4,
                 versions = versions + 1, stage = ?5, deadline = ?6, topics = ?7, draft_id = COALESCE(?8, draft_id),
                 family_key = COALESCE(?9, family_key), parent_id = COALESCE(?10, parent_id),
                 format = COALESCE(?11, format), unreadable = ?12 WHERE id = ?1",
            )?
            .execute(params![
                doc.0,
                obs.title,
                published,
                at,
                write.stage,
                write.deadline,
                topics,
                write.draft.map(|d| d.0),
                write.family_key,
                parent,
                format,
                unreadable
            ])?;
            (doc.0, prev.0 + 1)
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
        at,
        write.hash,
        obs.title,
        compress(&obs.blocks.text()),
        count(added),
        count(removed)
    ])?;
    super::search::index(tx, doc, &obs.title, &obs.blocks.text())?;
    receipt.new_versions += 1;
    if let Some(change) = &write.change {
        record_change(tx, poll, write, change, (doc, version), receipt)?;
    }
    Ok(())
}

/// The change row of a new version, and its outbox rows in the same transaction.
fn record_change(
    tx: &Transaction<'_>,
    poll: &PollCommit,
    write: &DocumentWrite,
    change: &ChangeRecord,
    (doc, version): (i64, i64),
    receipt: &mut CommitReceipt,
) -> Result<()> {
    let at = millis(poll.at);
    tx.prepare_cached(
        "INSERT INTO change (doc_id, event, from_doc_id, from_version, to_version, summary, articles, topics,
             added_lines, removed_lines, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        doc,
        change.event,
        change.from_doc.map(|d| d.0),
        change.from_version.map(|v| v.0),
        version,
        change.summary,
        change.articles.to_string(),
        serde_json::to_string(&change.topics).unwrap_or_else(|_| "[]".into()),
        count(change.added_lines),
        count(change.removed_lines),
        at
    ])?;
    let change_id = tx.last_insert_rowid();
    receipt.changes.push(ChangeId(change_id));
    for delivery in &write.deliveries {
        outbox::enqueue(tx, &change_id.to_string(), Some(doc), Some(change_id), delivery, poll.at)?;
        receipt.deliveries += 1;
    }
    Ok(())
}

fn update_listing(tx: &Transaction<'_>, poll: &PollCommit) -> Result<()> {
    let at = millis(poll.at);
    let interval = i64::try_from(poll.recheck_interval.as_millis()).unwrap_or(i64::MAX);
    let window = i64::try_from(poll.recheck_window.as_millis()).unwrap_or(i64::MAX);
    if let Some(listed) = &poll.listed {
        let source = poll.source.as_str();
        // Mark everything dropped, then the listed ones back: two statements instead of a
        // NOT IN over a list that can hold hundreds of URLs.
        tx.prepare_cached(
            "UPDATE document SET listed = 0, dropped_at = ?2, next_recheck = ?2 + ?3
             WHERE source_id = ?1 AND listed = 1 AND parent_id IS NULL",
        )?
        .execute(params![source, at, interval])?;
        let mut relist = tx.prepare_cached(
            "UPDATE document SET listed = 1, dropped_at = NULL, next_recheck = NULL, last_seen = ?3
             WHERE source_id = ?1 AND url = ?2",
        )?;
        for url in listed {
            relist.execute(params![source, url, at])?;
        }
    }
    let mut advance = tx.prepare_cached(
        "UPDATE document SET next_recheck = CASE WHEN ?3 + ?4 > dropped_at + ?5 THEN NULL ELSE ?3 + ?4 END
         WHERE source_id = ?1 AND url = ?2 AND listed = 0",
    )?;
    for url in &poll.rechecked {
        advance.execute(params![poll.source.as_str(), url, at, interval, window])?;
    }
    Ok(())
}

fn update_source(tx: &Transaction<'_>, poll: &PollCommit) -> Result<()> {
    let at = millis(poll.at);
    let next_due = poll.next_due.map(millis);
    match &poll.result {
        PollResult::Ok { status, items, warning } => {
            tx.prepare_cached(
                "UPDATE source SET last_polled_at = ?2, last_success_at = ?2, baseline_at = COALESCE(baseline_at, ?2),
                 next_due = ?3, last_status = COALESCE(?4, last_status), last_error = ?6, consecutive_failures = 0,
                 last_item_count = COALESCE(?5, last_item_count),
                 config_hash = COALESCE(?7, config_hash) WHERE id = ?1",
            )?
            .execute(params![
                poll.source.as_str(),
                at,
                next_due,
                status,
                items.map(count),
                warning,
                poll.config_hash
            ])?;
        }
        PollResult::Failed { status, error } => {
            tx.prepare_cached(
                "UPDATE source SET last_polled_at = ?2, next_due = ?3, last_status = ?4, last_error = ?5,
                 consecutive_failures = consecutive_failures + 1 WHERE id = ?1",
            )?
            .execute(params![poll.source.as_str(), at, next_due, status, error])?;
        }
    }
    Ok(())
}

fn write_health(tx: &Transaction<'_>, poll: &PollCommit) -> Result<()> {
    let Some(health) = &poll.health else { return Ok(()) };
    let (state, kind, reason) = match &health.problem {
        None => ("ok", None, None),
        Some(p) => ("unhealthy", Some(p.kind), Some(p.reason.as_str())),
    };
    tx.prepare_cached(
        "UPDATE source SET health_since = CASE WHEN health = ?2 AND health_kind IS ?3 THEN health_since ELSE ?5 END,
         health = ?2, health_kind = ?3, health_reason = ?4, final_url = COALESCE(?6, final_url) WHERE id = ?1",
    )?
    .execute(params![poll.source.as_str(), state, kind, reason, millis(poll.at), health.final_url])?;
    let key = format!("{}_{}", poll.source.as_str(), millis(poll.at));
    for event in &poll.health_events {
        super::outbox::enqueue(tx, &format!("{key}_{}", event.event), None, None, event, poll.at)?;
    }
    Ok(())
}

/// How long fetch-log rows are kept: enough to debug a month of politeness, bounded for a
/// daemon that runs for years.
const FETCH_LOG_RETENTION_MS: i64 = 30 * 24 * 3600 * 1000;

fn write_fetch_log(tx: &Transaction<'_>, poll: &PollCommit) -> Result<()> {
    tx.prepare_cached("DELETE FROM fetch_log WHERE source_id = ?1 AND at < ?2")?
        .execute(params![poll.source.as_str(), millis(poll.at) - FETCH_LOG_RETENTION_MS])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO fetch_log (source_id, url, at, status, bytes, elapsed_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for entry in &poll.fetch_log {
        stmt.execute(params![
            poll.source.as_str(),
            entry.url,
            millis(poll.at),
            entry.status,
            entry.bytes.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            i64::try_from(entry.elapsed.as_millis()).unwrap_or(i64::MAX),
            entry.error
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(at: Timestamp, url: &str) -> PollCommit {
        PollCommit {
            source: SourceId("s".into()),
            at,
            result: PollResult::Failed { status: Some(500), error: "HTTP status 500".into() },
            config_hash: None,
            next_due: None,
            validators: Vec::new(),
            listed: None,
            rechecked: Vec::new(),
            recheck_interval: Duration::from_secs(60),
            recheck_window: Duration::from_secs(600),
            documents: Vec::new(),
            fetch_log: vec![FetchLogEntry {
                url: url.into(),
                status: Some(500),
                bytes: None,
                elapsed: Duration::ZERO,
                error: None,
            }],
            health: None,
            health_events: Vec::new(),
        }
    }

    #[test]
    fn fetch_log_keeps_thirty_days() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let spec_toml = "[[source]]\nid = \"s\"\nkind = \"page\"\nurl = \"https://example.org/\"\n";
        std::fs::write(dir.path().join("c.toml"), spec_toml).unwrap();
        let config = crate::config::load(&dir.path().join("c.toml")).unwrap().config;
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        store.register_sources(&config.sources, start).unwrap();
        store.commit(&poll(start, "https://example.org/old")).unwrap();
        let later = start + jiff::SignedDuration::from_hours(31 * 24);
        store.commit(&poll(later, "https://example.org/new")).unwrap();
        let urls: Vec<String> = store
            .conn()
            .prepare("SELECT url FROM fetch_log ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(urls, ["https://example.org/new"]);
    }
}

//! Changes: what happened between two versions (or a draft and its final), written with the
//! version and the change's outbox rows, and read back by the demo and `diff`.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::outbox::{self, NewDelivery};
use super::{Result, Store, count, from_millis, millis, sql};
use crate::config::model::EventType;
use crate::diff::ArticleChange;
use crate::ids::{ChangeId, DocId, TopicId, VersionNo};

/// A change to write: what alerting and `diff` read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub event: EventType,
    pub from_doc: Option<DocId>,
    pub from_version: Option<VersionNo>,
    pub summary: String,
    pub articles: Vec<ArticleChange>,
    pub topics: Vec<TopicId>,
    pub added_lines: usize,
    pub removed_lines: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    pub id: ChangeId,
    pub doc_id: DocId,
    pub event: String,
    pub from_doc_id: Option<DocId>,
    pub from_version: Option<VersionNo>,
    pub to_version: VersionNo,
    pub summary: String,
    pub articles: serde_json::Value,
    pub topics: Vec<TopicId>,
    pub added_lines: i64,
    pub removed_lines: i64,
    pub created_at: Timestamp,
}

impl Store {
    pub fn change(&self, id: ChangeId) -> Result<Option<ChangeRow>> {
        let conn = self.conn();
        let row = conn
            .prepare_cached(
                "SELECT id, doc_id, event, from_doc_id, from_version, to_version, summary, articles, topics,
                 added_lines, removed_lines, created_at FROM change WHERE id = ?1",
            )?
            .query_row([id], |row| {
                let articles: String = row.get(7)?;
                Ok(ChangeRow {
                    id: row.get(0)?,
                    doc_id: row.get(1)?,
                    event: row.get(2)?,
                    from_doc_id: row.get(3)?,
                    from_version: row.get(4)?,
                    to_version: row.get(5)?,
                    summary: row.get(6)?,
                    articles: serde_json::from_str(&articles).unwrap_or_default(),
                    topics: sql::read_topics(&row.get::<_, String>(8)?)?,
                    added_lines: row.get(9)?,
                    removed_lines: row.get(10)?,
                    created_at: from_millis(row.get(11)?),
                })
            })
            .optional()?;
        Ok(row)
    }
}

/// The change row of a new version, and its outbox rows in the same transaction.
pub(super) fn write(
    tx: &Transaction<'_>,
    at: Timestamp,
    change: &ChangeRecord,
    (doc, version): (DocId, VersionNo),
    deliveries: &[NewDelivery],
) -> Result<ChangeId> {
    let articles = serde_json::to_string(&change.articles).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT INTO change (doc_id, event, from_doc_id, from_version, to_version, summary, articles, topics,
             added_lines, removed_lines, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        doc,
        change.event,
        change.from_doc,
        change.from_version,
        version,
        change.summary,
        articles,
        sql::topics(&change.topics),
        count(change.added_lines),
        count(change.removed_lines),
        millis(at)
    ])?;
    let change_id = ChangeId(tx.last_insert_rowid());
    for delivery in deliveries {
        outbox::enqueue(tx, &change_id.to_string(), Some(doc), Some(change_id), delivery, at)?;
    }
    Ok(change_id)
}

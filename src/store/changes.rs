//! Changes as recorded: what alerting, the demo and `diff` read back.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, from_millis};
use crate::ids::ChangeId;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub doc_id: i64,
    pub event: String,
    pub from_doc_id: Option<i64>,
    pub from_version: Option<i64>,
    pub to_version: i64,
    pub summary: String,
    pub articles: serde_json::Value,
    pub topics: Vec<String>,
    pub added_lines: i64,
    pub removed_lines: i64,
    pub created_at: String,
}

impl Store {
    pub fn change(&self, id: ChangeId) -> Result<Option<ChangeRow>> {
        let conn = self.conn();
        let row = conn
            .prepare_cached(
                "SELECT id, doc_id, event, from_doc_id, from_version, to_version, summary, articles, topics,
                 added_lines, removed_lines, created_at FROM change WHERE id = ?1",
            )?
            .query_row(params![id.0], |row| {
                let articles: String = row.get(7)?;
                let topics: String = row.get(8)?;
                Ok(ChangeRow {
                    id: row.get(0)?,
                    doc_id: row.get(1)?,
                    event: row.get(2)?,
                    from_doc_id: row.get(3)?,
                    from_version: row.get(4)?,
                    to_version: row.get(5)?,
                    summary: row.get(6)?,
                    articles: serde_json::from_str(&articles).unwrap_or_default(),
                    topics: serde_json::from_str(&topics).unwrap_or_default(),
                    added_lines: row.get(9)?,
                    removed_lines: row.get(10)?,
                    created_at: from_millis(row.get(11)?).to_string(),
                })
            })
            .optional()?;
        Ok(row)
    }
}

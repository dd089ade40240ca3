//! Versions of a document: the texts themselves, compressed.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{Result, Store, decompress, from_millis};
use crate::extract::BlockText;
use crate::ids::{DocId, VersionNo};

/// A version with its text, for diffing.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub doc: DocId,
    pub version: VersionNo,
    pub hash: String,
    pub title: String,
    pub fetched_at: Timestamp,
    pub blocks: BlockText,
}

/// One line of `docs history`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionRow {
    pub version: VersionNo,
    pub fetched_at: Timestamp,
    /// The comparison hash: equal exactly when two texts read the same (`extract::blocks`).
    pub hash: String,
    pub added_lines: i64,
    pub removed_lines: i64,
    /// SHA-256 of the stored text as kept: what `versions/{n}.txt` serves.
    pub sha256: Option<String>,
}

impl Store {
    /// A version with its text; `None` when it does not exist.
    pub fn version(&self, doc: DocId, version: VersionNo) -> Result<Option<StoredVersion>> {
        let conn = self.reader();
        let row = conn
            .prepare_cached(
                "SELECT hash, title, fetched_at, text_zstd FROM version WHERE doc_id = ?1 AND version = ?2",
            )?
            .query_row(params![doc, version], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Vec<u8>>(3)?,
                ))
            })
            .optional()?;
        drop(conn);
        let Some((hash, title, fetched_at, data)) = row else { return Ok(None) };
        let text = decompress(doc.0, version.0, &data)?;
        Ok(Some(StoredVersion {
            doc,
            version,
            hash,
            title,
            fetched_at: from_millis(fetched_at),
            blocks: BlockText::from_text(&text),
        }))
    }

    /// The latest version of a document, with its text.
    pub fn latest_version(&self, doc: DocId) -> Result<Option<StoredVersion>> {
        let latest: Option<i64> = self
            .reader()
            .prepare_cached("SELECT MAX(version) FROM version WHERE doc_id = ?1")?
            .query_row([doc], |row| row.get(0))?;
        match latest {
            Some(v) => self.version(doc, VersionNo(v)),
            None => Ok(None),
        }
    }

    /// Every version of a document, oldest first.
    pub fn history(&self, doc: DocId) -> Result<Vec<VersionRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT version, fetched_at, hash, added_lines, removed_lines, text_sha256 FROM version WHERE doc_id = ?1
             ORDER BY version",
        )?;
        let rows = stmt.query_map([doc], |row| {
            Ok(VersionRow {
                version: row.get(0)?,
                fetched_at: from_millis(row.get(1)?),
                hash: row.get(2)?,
                added_lines: row.get(3)?,
                removed_lines: row.get(4)?,
                sha256: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

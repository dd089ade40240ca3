//! What a source's list shows: which documents are listed now, which dropped off it and when
//! their slower re-check is due, and what the list called them. Read at the start of a poll,
//! written with its commit.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Result, Store, millis, sql};
use crate::ids::SourceId;

/// The listing part of a poll's commit.
#[derive(Debug, Clone, Default)]
pub struct ListingWrite {
    /// URLs the list shows now; `None` when the list was not read (304 or failure).
    pub listed: Option<Vec<String>>,
    /// Dropped-off documents re-checked in this poll.
    pub rechecked: Vec<String>,
    pub recheck_interval: Duration,
    pub recheck_window: Duration,
}

/// A parent's attachments: the parent by its URL, then its attachments by `document_parent`.
/// Led by the attachment side, SQLite walked every document of the source for each parent.
const ATTACHMENTS_OF: &str = "SELECT p.url, a.url, a.title FROM document p JOIN document a ON a.parent_id = p.id
     WHERE p.source_id = ?1 AND p.url = ?2 AND a.source_id = ?1 ORDER BY a.id";

impl Store {
    /// URLs of the source's documents its list still shows (attachments are not listed: they
    /// are re-checked with their parent).
    pub fn listed_urls(&self, source: &SourceId) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT url FROM document WHERE source_id = ?1 AND listed = 1 AND parent_id IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([source], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The documents the source's list showed when last read, as URL → title.
    pub fn listed_titles(&self, source: &SourceId) -> Result<HashMap<String, String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT url, title FROM document WHERE source_id = ?1 AND listed = 1 AND parent_id IS NULL",
        )?;
        let rows = stmt.query_map([source], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The title and date the list gave each of these documents when it last named them.
    pub fn known_titles(&self, source: &SourceId, urls: &[String]) -> Result<HashMap<String, (String, Option<Date>)>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT title, published FROM document WHERE source_id = ?1 AND url = ?2")?;
        let mut found = HashMap::new();
        for url in urls {
            let row = stmt
                .query_row(params![source, url], |row| Ok((row.get(0)?, sql::read_date(row.get(1)?))))
                .optional()?;
            if let Some(row) = row {
                found.insert(url.clone(), row);
            }
        }
        Ok(found)
    }

    /// The attachments recorded for these parent documents, as (parent URL, attachment URL,
    /// title): re-checked when their parent answers 304, since a file can be replaced under an
    /// unchanged page.
    pub fn attachments_of(&self, source: &SourceId, parents: &[String]) -> Result<Vec<(String, String, String)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(ATTACHMENTS_OF)?;
        let mut found = Vec::new();
        for parent in parents {
            let rows = stmt.query_map(params![source, parent], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(found)
    }

    /// Dropped-off documents whose slower re-check is due.
    pub fn due_rechecks(&self, source: &SourceId, now: Timestamp) -> Result<Vec<String>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT url FROM document WHERE source_id = ?1 AND listed = 0 AND next_recheck <= ?2 AND parent_id IS NULL
             ORDER BY next_recheck",
        )?;
        let rows = stmt.query_map(params![source, millis(now)], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

pub(super) fn write(tx: &Transaction<'_>, source: &SourceId, at: Timestamp, listing: &ListingWrite) -> Result<()> {
    let at = millis(at);
    let interval = i64::try_from(listing.recheck_interval.as_millis()).unwrap_or(i64::MAX);
    let window = i64::try_from(listing.recheck_window.as_millis()).unwrap_or(i64::MAX);
    if let Some(listed) = &listing.listed {
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
    for url in &listing.rechecked {
        advance.execute(params![source, url, at, interval, window])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_found_from_their_parent_not_by_walking_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let plan = super::super::query_plan(&store.conn(), ATTACHMENTS_OF, params!["s", "http://s/"]);
        assert!(plan.contains("document_parent"), "{plan}");
        assert!(!plan.contains("(source_id=?)"), "{plan}");
    }

    #[test]
    fn a_poll_s_reads_keep_their_compiled_statements() {
        // rusqlite clears a cached statement's bindings, and SQLite then compiles again any
        // statement whose plan looked at a bound value: every read of every poll was parsed
        // and planned again (a quarter of an unchanged pass of list sources).
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .conn()
            .execute("INSERT INTO source (id, kind, url, created_at) VALUES ('s', 'page', 'http://s/', 0)", [])
            .unwrap();
        let source = SourceId("s".to_owned());
        for round in 0..3 {
            store.listed_urls(&source).unwrap();
            store.due_rechecks(&source, Timestamp::UNIX_EPOCH).unwrap();
            store.attachments_of(&source, &[format!("http://s/{round}")]).unwrap();
            store.conn().execute("INSERT INTO meta (key, value) VALUES (?1, 'x')", [format!("k{round}")]).unwrap();
        }
        let reader = store.reader();
        let listed = "SELECT url FROM document WHERE source_id = ?1 AND listed = 1 AND parent_id IS NULL ORDER BY id";
        for sql in [listed, ATTACHMENTS_OF] {
            let stmt = reader.prepare_cached(sql).unwrap();
            let status = |s| stmt.get_status(s);
            assert_eq!(status(rusqlite::StatementStatus::Run), 3, "{sql}: not the statement the reads used");
            assert_eq!(status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}

//! What a source's list shows: which documents are listed now, which dropped off it and when
//! their slower re-check is due, and what the list called them. Read at the start of a poll,
//! written with its commit.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Transaction, params};

use super::{Reads, Result, Store, millis, sql};
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

/// Parents' attachments (`?2`, a JSON array of their URLs): each parent by its URL, then its
/// attachments by `document_parent`. Led by the attachment side, SQLite walked every document
/// of the source; the CROSS JOINs hold it to this order.
const ATTACHMENTS_OF: &str =
    "SELECT p.url, a.url, a.title FROM json_each(?2) AS j CROSS JOIN document p CROSS JOIN document a
     WHERE p.source_id = ?1 AND p.url = j.value AND a.parent_id = p.id AND a.source_id = ?1 ORDER BY a.id";

/// The documents the list showed when last read, with the title and date it gave them.
const LISTED_PAGES: &str = "SELECT url, title, published FROM document
     WHERE source_id = ?1 AND listed = 1 AND parent_id IS NULL ORDER BY id";

/// Title and date of documents of a source (`?2`, a JSON array of their URLs).
const TITLES_OF: &str = "SELECT url, title, published FROM document
     WHERE source_id = ?1 AND url IN (SELECT value FROM json_each(?2))";

impl Store {
    /// URLs of the source's documents its list still shows (attachments are not listed: they
    /// are re-checked with their parent).
    pub fn listed_urls(&self, source: &SourceId) -> Result<Vec<String>> {
        Ok(self.snapshot()?.listed_pages(source)?.into_iter().map(|(url, ..)| url).collect())
    }

    /// The documents the source's list showed when last read, as URL → title.
    pub fn listed_titles(&self, source: &SourceId) -> Result<HashMap<String, String>> {
        Ok(self.snapshot()?.listed_pages(source)?.into_iter().map(|(url, title, _)| (url, title)).collect())
    }
}

impl Reads<'_> {
    /// The documents the list showed when last read, in the order they were first recorded,
    /// with the title and date it gave them: what a list that answered 304 shows.
    pub fn listed_pages(&self, source: &SourceId) -> Result<Vec<(String, String, Option<Date>)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(LISTED_PAGES)?;
        let rows = stmt.query_map([source], |row| Ok((row.get(0)?, row.get(1)?, sql::read_date(row.get(2)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The title and date the list gave each of these documents when it last named them.
    pub fn known_titles(&self, source: &SourceId, urls: &[String]) -> Result<HashMap<String, (String, Option<Date>)>> {
        if urls.is_empty() {
            return Ok(HashMap::new());
        }
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(TITLES_OF)?;
        let rows = stmt.query_map(params![source, sql::json_list(urls)], |row| {
            Ok((row.get(0)?, (row.get(1)?, sql::read_date(row.get(2)?))))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The attachments recorded for these parent documents, as (parent URL, attachment URL,
    /// title), each parent's in the order they were recorded: re-checked when their parent
    /// answers 304, since a file can be replaced under an unchanged page.
    pub fn attachments_of(&self, source: &SourceId, parents: &[String]) -> Result<Vec<(String, String, String)>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(ATTACHMENTS_OF)?;
        let rows = stmt
            .query_map(params![source, sql::json_list(parents)], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Dropped-off documents whose slower re-check is due.
    pub fn due_rechecks(&self, source: &SourceId, now: Timestamp) -> Result<Vec<String>> {
        let conn = self.conn();
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
        let plan = super::super::query_plan(&store.conn(), ATTACHMENTS_OF, params!["s", r#"["http://s/"]"#]);
        assert!(plan.contains("document_parent"), "{plan}");
        assert!(!plan.contains("(source_id=?)"), "{plan}");
    }

    #[test]
    fn lookups_of_many_urls_search_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let urls = r#"["http://s/1", "http://s/2"]"#;
        for (sql, params) in [
            (TITLES_OF, params!["s", urls]),
            (super::super::cache::VALIDATORS_FOR, params![urls]),
            (ATTACHMENTS_OF, params!["s", urls]),
        ] {
            let plan = super::super::query_plan(&store.conn(), sql, params);
            // The array is read once, and every table searched by an index, never scanned.
            assert!(plan.contains("VIRTUAL TABLE"), "{plan}");
            assert!(
                !plan.split(" | ").any(|step| step.starts_with("SCAN") && !step.contains("VIRTUAL TABLE")),
                "{plan}"
            );
        }
    }

    #[test]
    fn lookups_of_many_urls_answer_for_each() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let conn = store.conn();
        conn.execute_batch(
            "INSERT INTO source (id, kind, url, created_at) VALUES ('s', 'html-list', 'http://s/', 0);
             INSERT INTO document (id, source_id, url, title, published, listed, first_seen, last_seen, last_changed)
               VALUES (1, 's', 'http://s/1', 'One', '2026-10-11', 1, 0, 0, 0),
                      (2, 's', 'http://s/2', 'Two', NULL, 1, 0, 0, 0),
                      (3, 's', 'http://s/2.pdf', 'Draft', NULL, 0, 0, 0, 0),
                      (4, 's', 'http://s/1.pdf', 'Form', NULL, 0, 0, 0, 0);
             UPDATE document SET parent_id = 2 WHERE id = 3;
             UPDATE document SET parent_id = 1 WHERE id = 4;",
        )
        .unwrap();
        drop(conn);
        let source = SourceId("s".to_owned());
        let asked: Vec<String> = ["http://s/2", "http://s/1", "http://s/9"].map(String::from).into();

        let titles = store.snapshot().unwrap().known_titles(&source, &asked).unwrap();
        assert_eq!(titles.len(), 2);
        assert_eq!(titles["http://s/1"], ("One".to_owned(), Some(jiff::civil::date(2026, 10, 11))));
        assert_eq!(titles["http://s/2"], ("Two".to_owned(), None));

        let attachments = store.snapshot().unwrap().attachments_of(&source, &asked).unwrap();
        assert_eq!(
            attachments,
            [("http://s/2", "http://s/2.pdf", "Draft"), ("http://s/1", "http://s/1.pdf", "Form")].map(|(p, a, t)| (
                p.to_owned(),
                a.to_owned(),
                t.to_owned()
            ))
        );
        assert!(store.snapshot().unwrap().attachments_of(&source, &[]).unwrap().is_empty());

        let listed: Vec<String> =
            store.snapshot().unwrap().listed_pages(&source).unwrap().into_iter().map(|(url, ..)| url).collect();
        assert_eq!(listed, ["http://s/1", "http://s/2"]);
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
            store.snapshot().unwrap().due_rechecks(&source, Timestamp::UNIX_EPOCH).unwrap();
            store.snapshot().unwrap().attachments_of(&source, &[format!("http://s/{round}")]).unwrap();
            store.snapshot().unwrap().known_titles(&source, &[format!("http://s/{round}")]).unwrap();
            store.conn().execute("INSERT INTO meta (key, value) VALUES (?1, 'x')", [format!("k{round}")]).unwrap();
        }
        let reader = store.reader();
        for sql in [LISTED_PAGES, ATTACHMENTS_OF, TITLES_OF] {
            let stmt = reader.prepare_cached(sql).unwrap();
            let status = |s| stmt.get_status(s);
            assert_eq!(status(rusqlite::StatementStatus::Run), 3, "{sql}: not the statement the reads used");
            assert_eq!(status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}

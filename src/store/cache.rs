//! Conditional GET validators per URL, kept under the URL with its credentials masked
//! (`redact::text`): a source's `api_key` stays in the config, not in the cache table.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Reads, Result, millis, sql};
use crate::fetch::Validators;

impl Reads<'_> {
    /// The validators last seen for `url` (empty when never fetched).
    pub fn validators(&self, url: &str) -> Result<Validators> {
        let conn = self.conn();
        let found = conn
            .prepare_cached("SELECT etag, last_modified FROM http_cache WHERE url = ?1")?
            .query_row([key(url)], |row| Ok(Validators { etag: row.get(0)?, last_modified: row.get(1)? }))
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// Validators for many URLs, in one statement (each statement run is a read transaction
    /// of its own, and these lookups were most of an unchanged poll's reads).
    pub fn validators_for(&self, urls: &[String]) -> Result<HashMap<String, Validators>> {
        if urls.is_empty() {
            return Ok(HashMap::new());
        }
        // Stored under the masked URL: asked by it, answered for each URL the caller gave (two
        // that differ only in their credentials share one entry).
        let mut by_key: HashMap<std::borrow::Cow<'_, str>, Vec<&String>> = HashMap::with_capacity(urls.len());
        for url in urls {
            by_key.entry(key(url)).or_default().push(url);
        }
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(VALIDATORS_FOR)?;
        let rows = stmt.query_map([sql::json_list(by_key.keys())], |row| {
            Ok((row.get::<_, String>(0)?, Validators { etag: row.get(1)?, last_modified: row.get(2)? }))
        })?;
        let mut found = HashMap::with_capacity(urls.len());
        for row in rows {
            let (stored, validators) = row?;
            for url in by_key.get(stored.as_str()).into_iter().flatten() {
                found.insert((*url).clone(), validators.clone());
            }
        }
        Ok(found)
    }
}

/// The validators of a JSON array of (masked) URLs, each found by the primary key.
pub(super) const VALIDATORS_FOR: &str =
    "SELECT url, etag, last_modified FROM http_cache WHERE url IN (SELECT value FROM json_each(?1))";

pub(super) fn remember(tx: &Transaction<'_>, url: &str, validators: &Validators, at: Timestamp) -> Result<()> {
    let url = key(url);
    if validators.is_empty() {
        tx.prepare_cached("DELETE FROM http_cache WHERE url = ?1")?.execute([&url])?;
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO http_cache (url, etag, last_modified, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
         updated_at = excluded.updated_at",
    )?
    .execute(params![url, validators.etag, validators.last_modified, millis(at)])?;
    Ok(())
}

fn key(url: &str) -> std::borrow::Cow<'_, str> {
    crate::redact::text(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn validators_of_many_urls_answer_each_url_asked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let etag = |e: &str| Validators { etag: Some(e.to_owned()), last_modified: None };
        {
            let mut conn = store.conn();
            let tx = conn.transaction().unwrap();
            remember(&tx, "https://a.example/1", &etag("\"one\""), Timestamp::UNIX_EPOCH).unwrap();
            remember(&tx, "https://user:secret@a.example/2", &etag("\"two\""), Timestamp::UNIX_EPOCH).unwrap();
            tx.commit().unwrap();
        }
        let asked: Vec<String> = [
            "https://a.example/1",
            "https://a.example/9",
            "https://user:secret@a.example/2",
            "https://other:pw@a.example/2",
        ]
        .map(String::from)
        .into();
        let found = store.snapshot().unwrap().validators_for(&asked).unwrap();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found["https://a.example/1"], etag("\"one\""));
        // Kept under the masked URL: both spellings with credentials find it.
        assert_eq!(found["https://user:secret@a.example/2"], etag("\"two\""));
        assert_eq!(found["https://other:pw@a.example/2"], etag("\"two\""));
        assert_eq!(store.snapshot().unwrap().validators("https://a.example/1").unwrap(), etag("\"one\""));
        assert!(store.snapshot().unwrap().validators_for(&[]).unwrap().is_empty());
    }
}

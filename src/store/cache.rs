//! Conditional GET validators per URL, kept under the URL with its credentials masked
//! (`redact::text`): a source's `api_key` stays in the config, not in the cache table.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Result, Store, millis};
use crate::fetch::Validators;

impl Store {
    /// The validators last seen for `url` (empty when never fetched).
    pub fn validators(&self, url: &str) -> Result<Validators> {
        let conn = self.reader();
        let found = conn
            .prepare_cached("SELECT etag, last_modified FROM http_cache WHERE url = ?1")?
            .query_row([key(url)], |row| Ok(Validators { etag: row.get(0)?, last_modified: row.get(1)? }))
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// Validators for many URLs in one lock.
    pub fn validators_for(&self, urls: &[String]) -> Result<HashMap<String, Validators>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT etag, last_modified FROM http_cache WHERE url = ?1")?;
        let mut found = HashMap::with_capacity(urls.len());
        for url in urls {
            let v = stmt
                .query_row([key(url)], |row| Ok(Validators { etag: row.get(0)?, last_modified: row.get(1)? }))
                .optional()?;
            if let Some(v) = v {
                found.insert(url.clone(), v);
            }
        }
        Ok(found)
    }
}

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

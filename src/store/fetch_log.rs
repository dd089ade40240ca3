//! The fetch log: one row per request a poll made (status, bytes, time, error), kept two days
//! per source and pruned in each poll's transaction.

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Transaction, params};

use super::{Result, millis};
use crate::ids::SourceId;

/// How long fetch-log rows are kept. The metrics read the last hour; two days show a night's
/// failures request by request (the source row keeps its last error and health for longer).
/// It was 30 days: at 50,000 sources polled hourly that is 36 million rows, several gigabytes,
/// for a log nothing reads past its first hour.
const RETENTION_MS: i64 = 48 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchLogEntry {
    pub url: String,
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub elapsed: Duration,
    pub error: Option<String>,
}

pub(super) fn write(tx: &Transaction<'_>, source: &SourceId, at: Timestamp, entries: &[FetchLogEntry]) -> Result<()> {
    tx.prepare_cached("DELETE FROM fetch_log WHERE source_id = ?1 AND at < ?2")?
        .execute(params![source, millis(at) - RETENTION_MS])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO fetch_log (source_id, url, at, status, bytes, elapsed_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for entry in entries {
        stmt.execute(params![
            source,
            entry.url,
            millis(at),
            entry.status,
            entry.bytes.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            i64::try_from(entry.elapsed.as_millis()).unwrap_or(i64::MAX),
            entry.error
        ])?;
    }
    Ok(())
}

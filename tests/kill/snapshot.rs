//! What the database holds after a kill, read from a copy.
//!
//! The copy matters: opening the database itself would recover its WAL and, on close,
//! checkpoint it, so the next regwatch process would start from a state the harness tidied
//! instead of the one the kill left. The database, its WAL and its shared-memory index are
//! copied while no regwatch process runs; SQLite recovers the copy when it opens it.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// A document row.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: String,
    pub url: String,
    pub versions: i64,
    pub hash: Option<String>,
}

/// A version row, its text decompressed.
#[derive(Debug, Clone)]
pub struct Version {
    pub hash: String,
    pub text: String,
}

/// A change row.
#[derive(Debug, Clone)]
pub struct Change {
    pub doc: i64,
    pub to_version: i64,
    pub topics: Vec<String>,
}

/// An outbox row.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub subscriber: String,
    pub channel: String,
    pub source: String,
    pub change: Option<i64>,
    pub status: String,
    pub last_error: Option<String>,
    pub payload: serde_json::Value,
}

/// Everything the ledger checks.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// `PRAGMA integrity_check`'s rows: `["ok"]` for a sound database.
    pub integrity: Vec<String>,
    /// Rows `PRAGMA foreign_key_check` reports.
    pub foreign_key_faults: usize,
    pub documents: BTreeMap<i64, Document>,
    /// By (document, version).
    pub versions: BTreeMap<(i64, i64), Version>,
    pub changes: BTreeMap<i64, Change>,
    /// By msg id (the `webhook-id`).
    pub deliveries: BTreeMap<String, Delivery>,
}

impl Snapshot {
    /// Copies `database` (with its `-wal` and `-shm`) into `scratch` and reads the copy.
    pub fn take(database: &Path, scratch: &Path) -> rusqlite::Result<Self> {
        std::fs::create_dir_all(scratch).expect("create the snapshot folder");
        let copy = scratch.join("snapshot.db");
        for suffix in ["", "-wal", "-shm"] {
            let (from, to) = (with_suffix(database, suffix), with_suffix(&copy, suffix));
            let _ = std::fs::remove_file(&to);
            if from.exists() {
                std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
            }
        }
        let conn = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        read(&conn)
    }

    /// Deliveries not (yet) sent, read from the live database without writing to it: safe
    /// while a daemon runs on it.
    pub fn unsent_live(database: &Path) -> rusqlite::Result<i64> {
        let conn = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.query_row("SELECT COUNT(*) FROM delivery WHERE status <> 'sent'", [], |row| row.get(0))
    }
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn read(conn: &Connection) -> rusqlite::Result<Snapshot> {
    let mut snapshot = Snapshot {
        integrity: rows(conn, "PRAGMA integrity_check", |row| row.get(0))?,
        foreign_key_faults: rows(conn, "PRAGMA foreign_key_check", |_| Ok(()))?.len(),
        ..Snapshot::default()
    };
    for (id, document) in rows(conn, "SELECT id, source_id, url, versions, hash FROM document", |row| {
        Ok((row.get(0)?, Document { source: row.get(1)?, url: row.get(2)?, versions: row.get(3)?, hash: row.get(4)? }))
    })? {
        snapshot.documents.insert(id, document);
    }
    for (key, version) in rows(conn, "SELECT doc_id, version, hash, text_zstd FROM version", |row| {
        let data: Vec<u8> = row.get(3)?;
        let text = zstd::bulk::decompress(&data, 1 << 20)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_else(|| String::from("<unreadable text>"));
        Ok(((row.get(0)?, row.get(1)?), Version { hash: row.get(2)?, text }))
    })? {
        snapshot.versions.insert(key, version);
    }
    for (id, change) in rows(conn, "SELECT id, doc_id, to_version, topics FROM change", |row| {
        let topics: String = row.get(3)?;
        let topics = serde_json::from_str(&topics).unwrap_or_else(|_| vec![format!("<unreadable: {topics}>")]);
        Ok((row.get(0)?, Change { doc: row.get(1)?, to_version: row.get(2)?, topics }))
    })? {
        snapshot.changes.insert(id, change);
    }
    let sql = "SELECT msg_id, subscriber_id, channel, source_id, change_id, status, last_error, payload FROM delivery";
    for (msg_id, delivery) in rows(conn, sql, |row| {
        let payload: String = row.get(7)?;
        Ok((
            row.get(0)?,
            Delivery {
                subscriber: row.get(1)?,
                channel: row.get(2)?,
                source: row.get(3)?,
                change: row.get(4)?,
                status: row.get(5)?,
                last_error: row.get(6)?,
                payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            },
        ))
    })? {
        snapshot.deliveries.insert(msg_id, delivery);
    }
    Ok(snapshot)
}

fn rows<T>(
    conn: &Connection,
    sql: &str,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    conn.prepare(sql)?.query_map([], map)?.collect()
}

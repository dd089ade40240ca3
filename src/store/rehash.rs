//! Keeping stored text hashes comparable. A version's hash is the hash of its comparison key
//! (`extract::blocks`), and a poll decides "new version or not" by comparing hashes; when the
//! key changes, every stored hash must be recomputed from the stored text, or each document
//! would look changed once after an upgrade (and alert as "No changes"). SQL cannot do it: the
//! texts are zstd-compressed. Runs once, at open, in one transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, decompress, text_sha256};
use crate::extract::BlockText;

/// Names the comparison key the stored hashes follow; bump it whenever `BlockText::hash` changes.
/// The same pass fills each version's SHA-256 of its stored text (`+sha256` arrived with
/// migration 0007, so databases hashed under plain `line-key-1` are passed over once more).
pub(super) const HASH_SCHEME: &str = "line-key-1+sha256";

/// Versions re-read per statement: bounded memory on a database of millions of versions.
const BATCH: i64 = 500;

/// Recomputes every stored hash if they follow another scheme than `HASH_SCHEME`.
pub(super) fn rehash_if_needed(conn: &mut Connection) -> Result<()> {
    let current: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'hash_scheme'", [], |row| row.get(0)).optional()?;
    if current.as_deref() == Some(HASH_SCHEME) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut rehashed = 0_u64;
    {
        let mut read = tx.prepare(
            "SELECT doc_id, version, text_zstd FROM version WHERE (doc_id, version) > (?1, ?2)
             ORDER BY doc_id, version LIMIT ?3",
        )?;
        let mut write =
            tx.prepare("UPDATE version SET hash = ?3, text_sha256 = ?4 WHERE doc_id = ?1 AND version = ?2")?;
        let mut after = (i64::MIN, i64::MIN);
        loop {
            let batch: Vec<(i64, i64, Vec<u8>)> = read
                .query_map(params![after.0, after.1, BATCH], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let Some(last) = batch.last() else { break };
            after = (last.0, last.1);
            for (doc, version, data) in batch {
                let text = decompress(doc, version, &data)?;
                write.execute(params![doc, version, BlockText::from_text(&text).hash(), text_sha256(&text)])?;
                rehashed += 1;
            }
        }
    }
    tx.execute(
        "UPDATE document SET hash = (SELECT v.hash FROM version v WHERE v.doc_id = document.id AND v.version = document.versions)",
        [],
    )?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('hash_scheme', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [HASH_SCHEME],
    )?;
    tx.commit()?;
    if rehashed > 0 {
        tracing::info!(versions = rehashed, took = ?started.elapsed(), scheme = HASH_SCHEME, "Recomputed stored text hashes.");
    }
    Ok(())
}

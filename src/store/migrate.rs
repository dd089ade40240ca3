//! Schema migrations: numbered SQL files compiled in, applied in order, each in its own
//! transaction, recorded in `PRAGMA user_version`. Shipped files are never edited.

use std::path::Path;

use rusqlite::Connection;

use super::{Result, StoreError};

/// Every migration, in order. Append only.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init.sql", include_str!("../../migrations/0001_init.sql")),
    ("0002_outbox.sql", include_str!("../../migrations/0002_outbox.sql")),
    ("0003_health_attachments.sql", include_str!("../../migrations/0003_health_attachments.sql")),
    ("0004_document_hash.sql", include_str!("../../migrations/0004_document_hash.sql")),
    ("0005_meta.sql", include_str!("../../migrations/0005_meta.sql")),
    ("0006_reading_room.sql", include_str!("../../migrations/0006_reading_room.sql")),
    ("0007_text_sha256.sql", include_str!("../../migrations/0007_text_sha256.sql")),
    ("0008_scale.sql", include_str!("../../migrations/0008_scale.sql")),
    ("0009_search_positions.sql", include_str!("../../migrations/0009_search_positions.sql")),
    ("0010_search_contentless.sql", include_str!("../../migrations/0010_search_contentless.sql")),
];

fn known_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the migrations the database has not seen.
pub(super) fn apply(conn: &mut Connection, path: &Path) -> Result<()> {
    let found = current_version(conn)?;
    if found > known_version() {
        return Err(StoreError::TooNew { path: path.to_owned(), found, known: known_version() });
    }
    for (index, (file, sql)) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        let to_err = |source| StoreError::Migration { file, source };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(to_err)?;
        // Another process may have migrated while we waited for the lock.
        if current_version(&tx).map_err(to_err)? > i64::try_from(index).unwrap_or(i64::MAX) {
            continue;
        }
        tx.execute_batch(sql).map_err(to_err)?;
        tx.pragma_update(None, "user_version", super::count(index + 1)).map_err(to_err)?;
        tx.commit().map_err(to_err)?;
    }
    Ok(())
}

/// A read-only opener cannot migrate: it refuses a database that is not current.
pub(super) fn check_current(conn: &Connection, path: &Path) -> Result<()> {
    let found = current_version(conn)?;
    if found > known_version() {
        return Err(StoreError::TooNew { path: path.to_owned(), found, known: known_version() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_empty_database_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        apply(&mut conn, &path).unwrap();
        assert_eq!(current_version(&conn).unwrap(), known_version());
        apply(&mut conn, &path).unwrap();
        assert_eq!(current_version(&conn).unwrap(), known_version());
    }

    #[test]
    fn refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(matches!(apply(&mut conn, &path), Err(StoreError::TooNew { found: 999, .. })));
    }
}

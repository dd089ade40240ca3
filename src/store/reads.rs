//! Several reads that see one commit: a read transaction on the reader connection, held as
//! long as a `Reads` lives (`Store::snapshot`).
//!
//! Each statement run on its own is a read transaction of its own: it takes a WAL read lock
//! (two `fcntl` calls) and, when anything was committed since the last one (on a busy
//! daemon, nearly always), finds its page cache stale and reads every page it needs again.
//! A poll's first store call runs five to seven statements, and on an unchanged pass the
//! writer commits between most of them. In one transaction they pay that once, and what one
//! of them read (the source's pages and the recorded attachments of the same list, say) is
//! of the same commit as the others.

use std::sync::MutexGuard;

use rusqlite::Connection;

use super::Result;

/// The reader connection, in a read transaction until dropped.
pub struct Reads<'s> {
    conn: MutexGuard<'s, Connection>,
}

impl<'s> Reads<'s> {
    pub(super) fn begin(conn: MutexGuard<'s, Connection>) -> Result<Self> {
        // DEFERRED: the read lock is taken by the first read, on the commit it finds.
        conn.prepare_cached("BEGIN")?.execute([])?;
        Ok(Self { conn })
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }
}

impl std::fmt::Debug for Reads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reads")
    }
}

impl Drop for Reads<'_> {
    fn drop(&mut self) {
        // A read transaction has nothing to keep: ending it by rolling back is the same as a
        // commit, and cannot fail on a write.
        if !self.conn.is_autocommit() {
            let _ = self.conn.prepare_cached("ROLLBACK").and_then(|mut end| end.execute([]));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ids::SourceId;
    use crate::store::{Store, with_page_sources};

    #[test]
    fn reads_in_a_snapshot_see_one_commit_and_the_next_snapshot_sees_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let store = with_page_sources(dir.path(), &["s"]);
        let id = SourceId("s".into());
        let snapshot = store.snapshot().unwrap();
        let before = snapshot.source_state(&id).unwrap().unwrap();
        assert_eq!(before.consecutive_failures, 0);
        // Committed by another connection while the snapshot is open.
        rusqlite::Connection::open(dir.path().join("t.db"))
            .unwrap()
            .execute("UPDATE source SET consecutive_failures = 3 WHERE id = 's'", [])
            .unwrap();
        assert_eq!(snapshot.source_state(&id).unwrap().unwrap().consecutive_failures, 0);
        drop(snapshot);
        assert_eq!(store.snapshot().unwrap().source_state(&id).unwrap().unwrap().consecutive_failures, 3);
        assert_eq!(store.source_state(&id).unwrap().unwrap().consecutive_failures, 3);
    }

    #[test]
    fn a_snapshot_of_an_in_memory_store_ends_before_the_next_write() {
        let store = Store::open(std::path::Path::new(":memory:")).unwrap();
        drop(store.snapshot().unwrap().source_state(&SourceId("s".into())).unwrap());
        // The writer connection is the reader here: a transaction left open would refuse this.
        store.conn().execute_batch("BEGIN IMMEDIATE; COMMIT;").unwrap();
    }
}

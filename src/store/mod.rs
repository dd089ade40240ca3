//! The SQLite store: the only module that writes SQL.
//!
//! One writer connection in WAL mode (readers such as `docs list` never block it), writes in
//! `BEGIN IMMEDIATE` transactions, a busy timeout so a second process waits instead of failing.
//! rusqlite is blocking: async code reaches the store only through `Store::call` (`blocking`),
//! which runs the work on the blocking pool, so the mutex is never held across an `.await` and
//! store work never runs on an async worker. Methods are named for what they do in the domain;
//! the pipeline's types cross the boundary and become SQL values only in `sql`.

mod blocking;
mod cache;
mod changes;
mod claim;
mod commit;
mod documents;
mod fetch_log;
mod health;
mod listing;
mod migrate;
mod outbox;
mod reading;
mod reads;
mod rehash;
mod search;
mod sources;
mod sql;
mod versions;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags};

pub use changes::{ChangeRecord, ChangeRow};
pub use claim::RetryAt;
pub use commit::{CommitReceipt, PollCommit, PollResult};
pub use documents::{DocFilter, DocumentRow, DocumentWrite, Lookup, Recorded, VersionText, WriteKind};
pub use fetch_log::FetchLogEntry;
pub use health::{HealthKind, HealthProblem, HealthWrite};
pub use listing::ListingWrite;
pub use migrate::MIGRATIONS;
pub use outbox::{Delivery, DeliveryChannel, DeliveryRow, DeliveryStatus, Finish, NewDelivery};
pub use reading::{ChangeEntry, ChangeFilter, DocPage, DocQuery, FetchWindow, StoredText, Tallies};
pub use reads::Reads;
pub use search::{Fragment, SearchQuery};
pub use sources::{Health, ScheduleStep, SourceState};
pub use versions::{StoredVersion, VersionRow};

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Stored texts are decompressed with this cap so a corrupt row cannot exhaust memory.
const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("migration {file} failed: {source}")]
    Migration {
        file: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database {path} has schema version {found}, newer than this regwatch knows ({known}); upgrade regwatch")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored text of document {doc} version {version} is unreadable: {reason}")]
    Corrupt { doc: i64, version: i64, reason: String },
    #[error("a database task was cancelled before it finished")]
    Cancelled,
    #[error("backup to {path} failed: {source}")]
    Backup {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create backup file {path}: {source}")]
    BackupFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// A second, read-only connection for the reads a poll makes (lookups, validators, source
    /// state): in WAL mode it reads the last commit without waiting for the writer, so a parse
    /// slot is never held idle behind another poll's commit. `None` for in-memory databases,
    /// which a second connection would not see.
    reader: Option<Mutex<Connection>>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`. A new database file is
    /// created owner-only (0600) before SQLite opens it, whatever the umask: SQLite gives its
    /// `-wal` and `-shm` files the database file's mode, and all three hold every document.
    pub fn open(path: &Path) -> Result<Self> {
        let open_err = |source| StoreError::Open { path: path.to_owned(), source };
        let io_err = |e: std::io::Error| open_err(rusqlite::Error::ToSqlConversionFailure(Box::new(e)));
        if !is_in_memory(path) {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(io_err)?;
            }
            create_private(path).map_err(io_err)?;
        }
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        migrate::apply(&mut conn, path)?;
        rehash::rehash_if_needed(&mut conn)?;
        search::backfill(&mut conn)?;
        let reader = if is_in_memory(path) { None } else { Some(Mutex::new(open_reader(path).map_err(open_err)?)) };
        Ok(Self { conn: Mutex::new(conn), reader, path: path.to_owned() })
    }

    /// Opens an existing database for reading only: listing commands use this while the daemon
    /// writes (WAL lets them read a consistent snapshot without blocking it).
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let conn =
            open_read_only_connection(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        migrate::check_current(&conn, path)?;
        Ok(Self { conn: Mutex::new(conn), reader: None, path: path.to_owned() })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A cheap query proving the database answers (the daemon's watchdog uses it).
    pub fn ping(&self) -> Result<()> {
        self.conn().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// Copies the database to `dest` with SQLite's online backup: safe while others write.
    /// `dest` must not exist: it is created owner-only with `O_EXCL`, so neither an existing
    /// file nor a symlink (dangling or not) planted there is written through, and SQLite then
    /// opens it without following symlinks.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        let conn = self.conn();
        let backup_err = |source| StoreError::Backup { path: dest.to_owned(), source };
        new_private_file(dest).map_err(|source| StoreError::BackupFile { path: dest.to_owned(), source })?;
        let flags =
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut target = Connection::open_with_flags(dest, flags).map_err(backup_err)?;
        let backup = rusqlite::backup::Backup::new(&conn, &mut target).map_err(backup_err)?;
        backup.run_to_completion(256, Duration::from_millis(5), None).map_err(backup_err)?;
        Ok(())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back on drop).
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The connection for a poll's reads, held for several in one read transaction: they see
    /// one commit, and pay for the read lock and a stale page cache once (`Reads`).
    pub fn snapshot(&self) -> Result<Reads<'_>> {
        Reads::begin(self.reader())
    }

    /// The connection for a poll's reads: the last commit, without waiting for the writer.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
            None => self.conn(),
        }
    }
}

/// `:memory:` and `file:` URIs name no file of ours to create.
fn is_in_memory(path: &Path) -> bool {
    path.to_str().is_some_and(|p| p == ":memory:" || p.is_empty() || p.starts_with("file:"))
}

/// Creates `path` empty and owner-only if nothing is there yet; an existing database is left
/// as it is.
fn create_private(path: &Path) -> std::io::Result<()> {
    match new_private_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Creates `path`, owner-only (0600), failing if anything (a symlink included) is there.
fn new_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        // The umask can only narrow 0600; set it anyway so the mode is exactly that.
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    {
        options.open(path)?;
    }
    Ok(())
}

/// The read-only second connection of a writer (`Store::reader`), with the writer's small page
/// cache.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = open_read_only_connection(path)?;
    conn.pragma_update(None, "cache_size", -1024)?;
    Ok(conn)
}

/// A connection that only reads, waits for a busy writer and keeps its statements compiled.
fn open_read_only_connection(path: &Path) -> rusqlite::Result<Connection> {
    // No NOFOLLOW: a writer's reader opens the file the writer opened, through a symlink too.
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    keep_statements(&conn);
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL is durable across process crashes in WAL mode; only a power cut can lose the last commits.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 1 MiB of page cache (SQLite's default is 2): a poll touches a handful of pages, and the
    // daemon's resident memory is a feature.
    conn.pragma_update(None, "cache_size", -1024)?;
    keep_statements(conn);
    Ok(())
}

/// Prepared statements kept per connection, and kept compiled. rusqlite keeps 16; one poll's
/// lookups and commit alone use more than 20, so the least recently used was always the next
/// needed and every statement was parsed again on every poll: a tenth of an unchanged pass. A
/// statement is a few KB.
const STATEMENT_CACHE: usize = 96;

fn keep_statements(conn: &Connection) {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // rusqlite clears the bindings of a statement it takes back into its cache, and SQLite
    // compiles again, on its next run, any statement whose plan looked at a bound value (a
    // partial index's condition checked against `?1`): every read of every poll was parsed
    // and planned again. With the query planner stability guarantee plans never depend on
    // bound values; every query that needs a partial index names its condition literally.
    if let Err(error) = conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true) {
        tracing::debug!(%error, "SQLite refused the query planner stability guarantee.");
    }
}

pub(crate) fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// SQLite integers are i64; counts never come near the limit, so saturate rather than fail.
pub(crate) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The SHA-256 of a stored text, as kept (hex): evidence of exactly what was recorded.
pub(crate) fn text_sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Level 3 is zstd's default: good ratio on prose at a few hundred MB/s.
const ZSTD_LEVEL: i32 = 3;

pub(crate) fn compress(text: &str) -> Vec<u8> {
    // One context for the process, reused: creating one per text was 5% of a first pass over
    // small pages. Texts are compressed inside the writer's transaction, one at a time, so the
    // lock is never contended.
    static COMPRESSOR: std::sync::Mutex<Option<zstd::bulk::Compressor<'static>>> = std::sync::Mutex::new(None);
    let mut compressor = COMPRESSOR.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if compressor.is_none() {
        *compressor = zstd::bulk::Compressor::new(ZSTD_LEVEL).ok();
    }
    compressor.as_mut().and_then(|c| c.compress(text.as_bytes()).ok()).unwrap_or_else(|| text.as_bytes().to_vec())
}

pub(crate) fn decompress(doc: i64, version: i64, data: &[u8]) -> Result<String> {
    let corrupt = |reason: String| StoreError::Corrupt { doc, version, reason };
    // The frame records its size: allocate that (capped), not the cap itself.
    let size = zstd::zstd_safe::get_frame_content_size(data)
        .ok()
        .flatten()
        .map_or(MAX_TEXT_BYTES, |n| usize::try_from(n).unwrap_or(usize::MAX).min(MAX_TEXT_BYTES));
    // One context per thread, reused: making one per text was most of the cost of reading a
    // short text, and a search that checks texts reads hundreds.
    thread_local! {
        static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let bytes = DECOMPRESSOR
        .with_borrow_mut(|slot| {
            if slot.is_none() {
                *slot = Some(zstd::bulk::Decompressor::new()?);
            }
            match slot.as_mut() {
                Some(decompressor) => decompressor.decompress(data, size),
                None => zstd::bulk::decompress(data, size),
            }
        })
        .map_err(|e| corrupt(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| corrupt(e.to_string()))
}

/// The steps of `sql`'s query plan, joined by ` | `, for tests that hold a query to its index.
#[cfg(test)]
pub(crate) fn query_plan(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> String {
    conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .and_then(|mut stmt| {
            stmt.query_map(params, |row| row.get::<_, String>(3))?.collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap_or_else(|e| panic!("no plan for {sql}: {e}"))
        .join(" | ")
}

/// A store in `dir` with one `page` source per id (at `https://example.org/{id}`), registered as
/// a config would register them.
#[cfg(test)]
pub(crate) fn with_page_sources(dir: &Path, ids: &[&str]) -> Store {
    let store = Store::open(&dir.join("t.db")).unwrap();
    let toml: String = ids
        .iter()
        .map(|id| format!("[[source]]\nid = \"{id}\"\nkind = \"page\"\nurl = \"https://example.org/{id}\"\n"))
        .collect();
    std::fs::write(dir.join("c.toml"), toml).unwrap();
    let config = crate::config::load(&dir.join("c.toml"), &[]).unwrap().config;
    store.register_sources(&config.sources, jiff::Timestamp::UNIX_EPOCH).unwrap();
    store
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    #[test]
    fn a_database_reached_through_a_symlink_opens_with_its_reader() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.db");
        Store::open(&real).unwrap();
        let link = dir.path().join("link.db");
        symlink(&real, &link).unwrap();
        let store = Store::open(&link).unwrap();
        store
            .conn()
            .execute("INSERT INTO source (id, kind, url, created_at) VALUES ('s', 'page', 'http://s/', 0)", [])
            .unwrap();
        assert!(store.source_state(&crate::ids::SourceId("s".into())).unwrap().is_some());
    }

    #[test]
    fn a_polls_reads_see_the_last_commit_without_waiting_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(&dir.path().join("t.db")).unwrap());
        store
            .conn()
            .execute("INSERT INTO source (id, kind, url, created_at, last_error) VALUES ('s', 'page', 'http://s/', 0, 'committed')", [])
            .unwrap();
        // The writer is mid-transaction, holding its lock, with a write not yet committed.
        let mut writer = store.conn();
        let tx = writer.transaction().unwrap();
        tx.execute("UPDATE source SET last_error = 'uncommitted' WHERE id = 's'", []).unwrap();
        let (sent, read) = std::sync::mpsc::channel();
        let reading = std::sync::Arc::clone(&store);
        std::thread::spawn(move || {
            let state = reading.source_state(&crate::ids::SourceId("s".into())).unwrap().unwrap();
            sent.send(state.last_error).unwrap();
        });
        let seen = read.recv_timeout(Duration::from_secs(10)).expect("the read waited for the writer");
        assert_eq!(seen.as_deref(), Some("committed"));
        tx.commit().unwrap();
    }

    #[test]
    fn one_reused_context_compresses_texts_of_any_size_and_records_their_size() {
        // A large text then small ones: a reused context must not carry one frame into the next.
        for text in ["第一条 ".repeat(50_000), "短".to_owned(), String::new(), "Article 2. ".repeat(300)] {
            let data = compress(&text);
            assert_eq!(zstd::zstd_safe::get_frame_content_size(&data).ok().flatten(), Some(text.len() as u64));
            assert_eq!(decompress(1, 1, &data).unwrap(), text);
        }
    }

    #[test]
    fn new_databases_are_owner_only_and_backups_refuse_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/regwatch.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("copy.db");
        let link = dir.path().join("backup.db");
        symlink(&target, &link).unwrap();
        assert!(matches!(store.backup_to(&link), Err(StoreError::BackupFile { .. })));
        assert!(!target.exists());
        std::fs::write(dir.path().join("existing.db"), b"keep me").unwrap();
        assert!(store.backup_to(&dir.path().join("existing.db")).is_err());
        assert_eq!(std::fs::read(dir.path().join("existing.db")).unwrap(), b"keep me");
        store.backup_to(&dir.path().join("ok.db")).unwrap();
        assert_eq!(std::fs::metadata(dir.path().join("ok.db")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn in_memory_stores_create_no_file() {
        let cwd = std::env::current_dir().unwrap();
        Store::open(Path::new(":memory:")).unwrap();
        assert!(!cwd.join(":memory:").exists());
    }
}

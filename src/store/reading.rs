//! The reading room's queries: recent changes (the front page and the feeds), documents by
//! filter and full-text search, a document's family and attachments, upcoming comment deadlines,
//! and the figures `/metrics` reports. Read-only; every query is bounded by a limit or a time
//! window and served by an index of migration 0004 (see `benches/web_pages.rs`).
//!
//! Not here: rendering (`web`), or the search index itself (`search`).

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};

use super::documents::{DOC_COLUMNS, doc_from_row};
use super::search::{Fragment, SearchQuery, current_text, snippet};
use super::{DocumentRow, Result, Store, decompress, from_millis, millis};
use crate::ids::{DocId, VersionNo};

/// A change with what a list of changes shows of its document.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEntry {
    pub id: i64,
    pub doc_id: i64,
    /// `document.new`, `document.changed` or `document.final`.
    pub event: String,
    /// The document the old side belongs to: the draft, for a `document.final`.
    pub from_doc_id: Option<i64>,
    pub from_version: Option<i64>,
    pub to_version: i64,
    pub summary: String,
    pub topics: Vec<String>,
    pub added_lines: i64,
    pub removed_lines: i64,
    pub created_at: Timestamp,
    pub title: String,
    pub url: String,
    pub source_id: String,
    pub stage: String,
    pub deadline: Option<String>,
}

/// Which changes a list or feed shows; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ChangeFilter {
    /// A topic among the change's topics (those of its changed text and title, as alerts use).
    pub topic: Option<String>,
    pub source: Option<String>,
    pub doc: Option<i64>,
}

/// Which documents `/documents` lists.
#[derive(Debug, Clone, Default)]
pub struct DocQuery {
    pub topic: Option<String>,
    pub stage: Option<String>,
    pub source: Option<String>,
    /// Changed at or after.
    pub since: Option<Timestamp>,
    pub search: Option<SearchQuery>,
    pub offset: usize,
    pub limit: usize,
}

/// One page of documents, and whether another follows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocPage {
    pub rows: Vec<DocumentRow>,
    /// One per row: its current text around the first hit of the search, hits marked; empty
    /// where no text was searched (no search, or no index to search with).
    pub snippets: Vec<Vec<Fragment>>,
    pub has_more: bool,
    /// A search that matched titles only: this database has no full-text index (it predates
    /// it and was opened read-only).
    pub titles_only: bool,
}

/// A version's text as stored, for evidence: its SHA-256 is `hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredText {
    pub text: String,
    pub hash: String,
    pub fetched_at: Timestamp,
}

/// Counts over the fetch log's recent window, grouped for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchWindow {
    /// (status, count, bytes, total elapsed ms) of requests that got an answer and no error.
    pub answered: Vec<(Option<u16>, u64, u64, u64)>,
    /// (status, error text, count) of failed requests: the caller classifies the text.
    pub failed: Vec<(Option<u16>, String, u64)>,
    /// Requests whose elapsed time was at most each bound (ms), in the order given.
    pub latency_buckets: Vec<u64>,
    /// Distinct polls (a source and a poll time) in the window.
    pub polls: u64,
}

/// Everything else `/metrics` reports, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    pub changes_by_event: Vec<(String, u64)>,
    pub deliveries: Vec<(String, String, u64)>,
    pub oldest_pending: Option<Timestamp>,
    pub sources_by_health: Vec<(String, u64)>,
    pub documents: u64,
    pub versions: u64,
    pub newest_poll: Option<Timestamp>,
}

const CHANGE_COLUMNS: &str = "c.id, c.doc_id, c.event, c.from_doc_id, c.from_version, c.to_version, c.summary,
    c.topics, c.added_lines, c.removed_lines, c.created_at, d.title, d.url, d.source_id, d.stage, d.deadline";

fn change_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ChangeEntry> {
    let topics: String = row.get(7)?;
    Ok(ChangeEntry {
        id: row.get(0)?,
        doc_id: row.get(1)?,
        event: row.get(2)?,
        from_doc_id: row.get(3)?,
        from_version: row.get(4)?,
        to_version: row.get(5)?,
        summary: row.get(6)?,
        topics: serde_json::from_str(&topics).unwrap_or_default(),
        added_lines: row.get(8)?,
        removed_lines: row.get(9)?,
        created_at: from_millis(row.get(10)?),
        title: row.get(11)?,
        url: row.get(12)?,
        source_id: row.get(13)?,
        stage: row.get(14)?,
        deadline: row.get(15)?,
    })
}

/// The filters a query was given, joined: only those are written into the statement. A filter
/// written `?n IS NULL OR d.source_id = ?n` hides the column from the planner, which then walks
/// the whole ordering index (every change of a 50,000-document database, 5 s) for one source's
/// page. Callers keep `?n IS ?n` for each parameter, so every bound parameter is in the text.
fn given(filters: &[(bool, &str)]) -> String {
    let written: Vec<&str> = filters.iter().filter(|(on, _)| *on).map(|(_, sql)| *sql).collect();
    if written.is_empty() { "1".to_owned() } else { written.join(" AND ") }
}

/// A document that may hold a search's terms: its title, and whether the title alone holds
/// every term (those need no text read).
struct Candidate {
    doc: DocId,
    title: String,
    title_holds: bool,
}

impl Candidate {
    fn of(search: &SearchQuery, (doc, title): (DocId, String)) -> Self {
        let title_holds = search.holds_every_term(&title, "");
        Candidate { doc, title, title_holds }
    }
}

/// The page of `candidates` (in the order shown) whose title or text holds every term,
/// skipping `offset` such documents, with their snippets; reads texts only until the page is
/// full, and each at most once.
fn holding_page(
    conn: &rusqlite::Connection,
    search: &SearchQuery,
    candidates: impl Iterator<Item = rusqlite::Result<Candidate>>,
    offset: usize,
    limit: usize,
) -> Result<DocPage> {
    // With each document, its text if it was read and the page shows it (for its snippet).
    let mut held: Vec<(DocId, Option<String>)> = Vec::new();
    for candidate in candidates {
        let Candidate { doc, title, title_holds } = candidate?;
        let (holds, body) = if title_holds {
            (true, None)
        } else {
            let body = current_text(conn, doc.0)?;
            (body.as_deref().is_some_and(|body| search.holds_every_term(&title, body)), body)
        };
        if holds {
            let shown = held.len() >= offset;
            held.push((doc, body.filter(|_| shown)));
            if held.len() > offset + limit {
                break;
            }
        }
    }
    let has_more = held.len() > offset + limit;
    let sql = format!("SELECT {DOC_COLUMNS} FROM document d WHERE d.id = ?1");
    let mut document = conn.prepare_cached(&sql)?;
    let (mut rows, mut snippets) = (Vec::new(), Vec::new());
    for (doc, body) in held.into_iter().skip(offset).take(limit) {
        let Some(row) = document.query_row([doc], doc_from_row).optional()? else { continue };
        let body = match body {
            Some(body) => Some(body),
            None => current_text(conn, doc.0)?,
        };
        snippets.push(body.map(|body| snippet(&body, search.terms())).unwrap_or_default());
        rows.push(row);
    }
    Ok(DocPage { rows, snippets, has_more, titles_only: false })
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// The newest changes matching `filter`, newest first.
    pub fn recent_changes(&self, filter: &ChangeFilter, limit: usize) -> Result<Vec<ChangeEntry>> {
        let conn = self.conn();
        let filters = given(&[
            (filter.topic.is_some(), "EXISTS (SELECT 1 FROM json_each(c.topics) WHERE value = ?1)"),
            (filter.source.is_some(), "d.source_id = ?2"),
            (filter.doc.is_some(), "c.doc_id = ?3"),
        ]);
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM change c JOIN document d ON d.id = c.doc_id
             WHERE {filters} AND ?1 IS ?1 AND ?2 IS ?2 AND ?3 IS ?3
             ORDER BY c.created_at DESC, c.id DESC LIMIT ?4"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows =
            stmt.query_map(params![filter.topic, filter.source, filter.doc, super::count(limit)], change_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every change of one document, oldest first: its version timeline.
    pub fn changes_of(&self, doc: DocId) -> Result<Vec<ChangeEntry>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM change c JOIN document d ON d.id = c.doc_id WHERE c.doc_id = ?1 ORDER BY c.id"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([doc.0], change_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Drafts whose comment deadline is `today` or later, soonest first.
    pub fn upcoming_deadlines(&self, today: Date, limit: usize) -> Result<Vec<DocumentRow>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM document d WHERE d.deadline >= ?1 AND d.stage = 'draft'
             ORDER BY d.deadline, d.id LIMIT ?2"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![today.to_string(), super::count(limit)], doc_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Documents found on `parent`'s page (its attachments).
    pub fn attachments(&self, parent: DocId) -> Result<Vec<DocumentRow>> {
        let conn = self.conn();
        let sql = format!("SELECT {DOC_COLUMNS} FROM document d WHERE d.parent_id = ?1 ORDER BY d.id");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([parent.0], doc_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One page of documents: by relevance when searching, else most recently changed first.
    /// With `search` on a database without the index, titles are matched instead.
    pub fn document_page(&self, query: &DocQuery) -> Result<DocPage> {
        let indexed = query.search.is_some() && self.has_search()?;
        let conn = self.conn();
        let filters = given(&[
            (query.topic.is_some(), "EXISTS (SELECT 1 FROM json_each(d.topics) WHERE value = ?1)"),
            (query.stage.is_some(), "d.stage = ?2"),
            (query.source.is_some(), "d.source_id = ?3"),
            (query.since.is_some(), "d.last_changed >= ?4"),
        ]) + " AND ?1 IS ?1 AND ?2 IS ?2 AND ?3 IS ?3 AND ?4 IS ?4";
        let params = params![query.topic, query.stage, query.source, query.since.map(millis)];
        match (indexed, &query.search) {
            (true, Some(search)) => {
                if let Some(fts) = search.fts_expression() {
                    // The index finds rows holding the terms' trigrams; each is read only when its
                    // page is shown (with those skipped before it) to check it holds the terms
                    // themselves. Titles holding every term come first, then the rest, each newest
                    // first: ranking by BM25 needs token positions, which the index does not keep.
                    let found = format!(
                        "SELECT d.id, d.title FROM search s JOIN document d ON d.id = s.rowid
                         WHERE search MATCH ?5 AND {filters} ORDER BY d.last_changed DESC, d.id DESC"
                    );
                    let mut stmt = conn.prepare_cached(&found)?;
                    let params = params![query.topic, query.stage, query.source, query.since.map(millis), fts];
                    let mut candidates: Vec<Candidate> = stmt
                        .query_map(params, |row| Ok((row.get(0)?, row.get(1)?)))?
                        .map(|row| row.map(|row| Candidate::of(search, row)))
                        .collect::<rusqlite::Result<_>>()?;
                    // A stable sort: newest first within each group.
                    candidates.sort_by_key(|c| !c.title_holds);
                    holding_page(&conn, search, candidates.into_iter().map(Ok), query.offset, query.limit)
                } else {
                    // No term the index can find ("人脸", "5G"): every document under the filters,
                    // newest first, each checked against its title and text until the page is full.
                    let all = format!(
                        "SELECT d.id, d.title FROM document d WHERE {filters} ORDER BY d.last_changed DESC, d.id DESC"
                    );
                    let mut stmt = conn.prepare_cached(&all)?;
                    let candidates = stmt
                        .query_map(params, |row| Ok((row.get(0)?, row.get(1)?)))?
                        .map(|row| row.map(|row| Candidate::of(search, row)));
                    holding_page(&conn, search, candidates, query.offset, query.limit)
                }
            }
            (_, search) => {
                // No search, or no index to search with (a database from before it, opened
                // read-only): every term is matched against titles; `?7` is a JSON array of
                // patterns so the statement text stays fixed.
                let likes = search.as_ref().map(SearchQuery::like_patterns).unwrap_or_default();
                let likes = serde_json::to_string(&likes).unwrap_or_else(|_| "[]".into());
                let sql = format!(
                    "SELECT {DOC_COLUMNS} FROM document d WHERE {filters}
                     AND NOT EXISTS (SELECT 1 FROM json_each(?7) p WHERE NOT (d.title LIKE p.value ESCAPE '\\'))
                     ORDER BY d.last_changed DESC, d.id DESC LIMIT ?5 OFFSET ?6"
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows = stmt.query_map(
                    params![
                        query.topic,
                        query.stage,
                        query.source,
                        query.since.map(millis),
                        super::count(query.limit + 1),
                        super::count(query.offset),
                        likes
                    ],
                    doc_from_row,
                )?;
                let mut rows: Vec<DocumentRow> = rows.collect::<rusqlite::Result<_>>()?;
                let has_more = rows.len() > query.limit;
                rows.truncate(query.limit);
                let snippets = vec![Vec::new(); rows.len()];
                Ok(DocPage { rows, snippets, has_more, titles_only: search.is_some() })
            }
        }
    }

    /// Fetch-log figures since `since`; `bounds_ms` are the latency histogram's upper bounds.
    pub fn fetch_window(&self, since: Timestamp, bounds_ms: &[u64]) -> Result<FetchWindow> {
        let conn = self.conn();
        let at = millis(since);
        let answered = conn
            .prepare_cached(
                "SELECT status, COUNT(*), COALESCE(SUM(bytes), 0), COALESCE(SUM(elapsed_ms), 0) FROM fetch_log
                 WHERE at >= ?1 AND error IS NULL GROUP BY status ORDER BY status",
            )?
            .query_map([at], |row| {
                Ok((row.get::<_, Option<u16>>(0)?, count(row.get(1)?), count(row.get(2)?), count(row.get(3)?)))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let failed = conn
            .prepare_cached(
                "SELECT status, error, COUNT(*) FROM fetch_log WHERE at >= ?1 AND error IS NOT NULL
                 GROUP BY status, error ORDER BY status, error",
            )?
            .query_map([at], |row| Ok((row.get::<_, Option<u16>>(0)?, row.get(1)?, count(row.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        // One pass over the window, bucketed here: a query per bound would read it once each.
        let mut latency_buckets = vec![0u64; bounds_ms.len()];
        let mut stmt = conn.prepare_cached(
            "SELECT elapsed_ms, COUNT(*) FROM fetch_log WHERE at >= ?1 AND error IS NULL GROUP BY elapsed_ms",
        )?;
        let mut rows = stmt.query([at])?;
        while let Some(row) = rows.next()? {
            let (elapsed, n): (Option<i64>, i64) = (row.get(0)?, row.get(1)?);
            let elapsed = elapsed.map_or(0, count);
            for (bucket, bound) in latency_buckets.iter_mut().zip(bounds_ms) {
                if elapsed <= *bound {
                    *bucket += count(n);
                }
            }
        }
        drop(rows);
        drop(stmt);
        let polls = conn
            .prepare_cached("SELECT COUNT(*) FROM (SELECT DISTINCT source_id, at FROM fetch_log WHERE at >= ?1)")?
            .query_row([at], |row| Ok(count(row.get(0)?)))?;
        Ok(FetchWindow { answered, failed, latency_buckets, polls })
    }

    /// Changes, deliveries, sources and documents counted for `/metrics`.
    pub fn tallies(&self) -> Result<Tallies> {
        let conn = self.conn();
        let pairs = |sql: &str| -> Result<Vec<(String, u64)>> {
            Ok(conn
                .prepare_cached(sql)?
                .query_map([], |row| Ok((row.get(0)?, count(row.get(1)?))))?
                .collect::<rusqlite::Result<_>>()?)
        };
        let changes_by_event = pairs("SELECT event, COUNT(*) FROM change GROUP BY event ORDER BY event")?;
        let sources_by_health = pairs("SELECT health, COUNT(*) FROM source GROUP BY health ORDER BY health")?;
        let deliveries = conn
            .prepare_cached(
                "SELECT channel, status, COUNT(*) FROM delivery GROUP BY channel, status ORDER BY channel, status",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, count(row.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        let oldest_pending: Option<i64> = conn
            .prepare_cached("SELECT MIN(created_at) FROM delivery WHERE status = 'pending'")?
            .query_row([], |row| row.get(0))?;
        let (documents, versions): (i64, i64) = conn
            .prepare_cached("SELECT COUNT(*), COALESCE(SUM(versions), 0) FROM document")?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        let newest_poll: Option<i64> =
            conn.prepare_cached("SELECT MAX(last_polled_at) FROM source")?.query_row([], |row| row.get(0))?;
        Ok(Tallies {
            changes_by_event,
            deliveries,
            oldest_pending: oldest_pending.map(from_millis),
            sources_by_health,
            documents: count(documents),
            versions: count(versions),
            newest_poll: newest_poll.map(from_millis),
        })
    }

    /// A version's text exactly as stored (the bytes its hash was taken of), with that hash and
    /// when it was fetched; `None` when there is no such version.
    pub fn stored_text(&self, doc: DocId, version: VersionNo) -> Result<Option<StoredText>> {
        let row = self
            .conn()
            .prepare_cached("SELECT hash, fetched_at, text_zstd FROM version WHERE doc_id = ?1 AND version = ?2")?
            .query_row(params![doc.0, version.0], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get::<_, Vec<u8>>(2)?))
            })
            .optional()?;
        let Some((hash, fetched_at, data)) = row else { return Ok(None) };
        let text = decompress(doc.0, version.0, &data)?;
        Ok(Some(StoredText { text, hash, fetched_at: from_millis(fetched_at) }))
    }

    /// How many documents there are.
    pub fn document_count(&self) -> Result<u64> {
        Ok(self.conn().prepare_cached("SELECT COUNT(*) FROM document")?.query_row([], |row| Ok(count(row.get(0)?)))?)
    }

    /// When any source was last polled.
    pub fn newest_poll(&self) -> Result<Option<Timestamp>> {
        let newest: Option<i64> =
            self.conn().prepare_cached("SELECT MAX(last_polled_at) FROM source")?.query_row([], |row| row.get(0))?;
        Ok(newest.map(from_millis))
    }

    /// When the newest change matching `filter` was recorded, and its id: what a feed's
    /// validators are made of.
    pub fn latest_change(&self, filter: &ChangeFilter) -> Result<Option<(i64, Timestamp)>> {
        Ok(self.recent_changes(filter, 1)?.first().map(|c| (c.id, c.created_at)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::search::indexed_text;
    use super::*;

    /// Every reading-room query on a database of realistic shape uses an index rather than
    /// scanning the big tables.
    #[test]
    fn hot_queries_use_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let conn = store.conn();
        let plan = |sql: &str| super::super::query_plan(&conn, sql, []);
        let recent = plan("SELECT * FROM change c ORDER BY c.created_at DESC LIMIT 20");
        assert!(recent.contains("change_created"), "{recent}");
        let deadlines = plan("SELECT * FROM document d WHERE d.deadline >= '2026-01-01' ORDER BY d.deadline LIMIT 5");
        assert!(deadlines.contains("document_deadline"), "{deadlines}");
        let window = plan("SELECT COUNT(*) FROM fetch_log WHERE at >= 5");
        assert!(window.contains("fetch_log_at"), "{window}");
    }

    /// Documents written straight into the tables search reads, and indexed: (title, text, last
    /// changed).
    fn searchable(docs: &[(&str, &str, i64)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        {
            let conn = store.conn();
            conn.execute("INSERT INTO source (id, kind, url, created_at) VALUES ('s', 'page', 'http://s/', 0)", [])
                .unwrap();
            for (n, (title, text, changed)) in (1_i64..).zip(docs) {
                conn.execute(
                    "INSERT INTO document (id, source_id, url, title, first_seen, last_seen, last_changed, versions)
                     VALUES (?1, 's', ?2, ?3, 0, 0, ?4, 1)",
                    params![n, format!("http://s/{n}"), title, changed],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO version (doc_id, version, fetched_at, hash, title, text_zstd, added_lines, removed_lines)
                     VALUES (?1, 1, 0, 'h', ?2, ?3, 1, 0)",
                    params![n, title, super::super::compress(text)],
                )
                .unwrap();
                let tx = conn.unchecked_transaction().unwrap();
                super::super::search::index(&tx, n, &indexed_text(title), &indexed_text(text)).unwrap();
                tx.commit().unwrap();
            }
        }
        (dir, store)
    }

    fn found(store: &Store, q: &str, offset: usize, limit: usize) -> (Vec<i64>, bool) {
        let query = DocQuery { search: SearchQuery::parse(q), offset, limit, ..DocQuery::default() };
        let page = store.document_page(&query).unwrap();
        (page.rows.iter().map(|r| r.id.0).collect(), page.has_more)
    }

    #[test]
    fn search_lists_only_texts_holding_the_term_titles_first_then_newest() {
        let (_dir, store) = searchable(&[
            ("通知", "本办法规定人脸识别技术的使用", 10),
            ("人脸识别技术安全管理办法", "第一条", 5),
            ("公告", "人脸识 and 脸识别: both trigrams, never the term", 30),
            ("意见", "处理人脸识别信息", 20),
            ("Notice", "unrelated", 40),
        ]);
        assert_eq!(found(&store, "人脸识别", 0, 10), (vec![2, 4, 1], false));
        assert_eq!(found(&store, "人脸识别", 0, 2), (vec![2, 4], true));
        assert_eq!(found(&store, "人脸识别", 2, 2), (vec![1], false));
        // Terms may be held by the title and the text between them; a short one is scanned.
        assert_eq!(found(&store, "管理办法 第一条 人脸", 0, 10), (vec![2], false));
        assert_eq!(found(&store, "NOTICE unrelated", 0, 10), (vec![5], false));
        // No term the index can find: every text is read, newest first, titles not put first.
        assert_eq!(found(&store, "人脸", 0, 10), (vec![3, 4, 1, 2], false));
        assert_eq!(found(&store, "人脸", 1, 2), (vec![4, 1], true));
        assert_eq!(found(&store, "GB/T", 0, 10), (vec![], false));
    }

    #[test]
    fn a_search_page_brings_each_row_s_snippet_from_its_text() {
        let (_dir, store) = searchable(&[("通知", "本办法规定人脸识别技术的使用", 10), ("人脸识别办法", "第一条", 5)]);
        let marked = |fragments: &[Fragment]| -> String {
            fragments.iter().map(|f| if f.hit { format!("[{}]", f.text) } else { f.text.clone() }).collect()
        };
        let query = DocQuery { search: SearchQuery::parse("人脸识别"), limit: 10, ..DocQuery::default() };
        let page = store.document_page(&query).unwrap();
        let shown: Vec<(i64, String)> =
            page.rows.iter().zip(&page.snippets).map(|(r, s)| (r.id.0, marked(s))).collect();
        // The title holder's text was never read to find it; its snippet still shows its text.
        assert_eq!(shown, [(2, "第一条".to_owned()), (1, "本办法规定[人脸识别]技术的使用".to_owned())]);
        let listing = store.document_page(&DocQuery { limit: 10, ..DocQuery::default() }).unwrap();
        assert_eq!(listing.snippets, vec![Vec::<Fragment>::new(); 2], "no search, no snippets");
    }
}

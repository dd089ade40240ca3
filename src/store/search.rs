//! Full-text search over documents' current versions: the FTS5 `search` table (trigram
//! tokenizer, so Chinese phrases match inside sentences without a word segmenter), kept by the
//! writer, and read with highlighted snippets.
//!
//! The index is a prefilter, never the answer. It holds no copy of the texts (they are in
//! `version`, compressed) and no positions: for each document, the distinct runs of its title
//! and text between whitespace and punctuation (`indexed_text`). A search looks up the trigrams
//! inside each term's own runs (`SearchQuery::fts_expression`), then reads each found document's
//! text to keep those holding every term as written. A term with no run of three characters
//! ("人脸", "5G", "GB/T") cannot use the index: it is checked against the texts themselves.
//!
//! The writer keeps it: `index` runs inside every poll's transaction when a version is written,
//! and `backfill` indexes documents a writer finds missing when it opens the database (after a
//! migration that rebuilt the table). A read-only store over a database from before migration
//! 0004 has no table at all: `Store::has_search` says so and the reading room degrades to title
//! matching.
//!
//! Not here: which documents a page lists (`reading`), or how hits are shown (`web`).

use std::borrow::Cow;
use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Result, Store, decompress};

/// Documents indexed per transaction while backfilling: a writer never holds the lock long.
const BACKFILL_BATCH: usize = 200;
/// Characters of context on each side of the first hit in a snippet.
const SNIPPET_CONTEXT: usize = 60;

/// Replaces the document's row: `title` and `body` are what the index holds of them
/// (`indexed_text`).
pub(super) fn index(tx: &Transaction<'_>, doc: i64, title: &str, body: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?.execute([doc])?;
    tx.prepare_cached("INSERT INTO search (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![doc, title, body])?;
    Ok(())
}

/// Where a text is cut into the runs the index keeps: every ASCII character but letters and
/// digits, other whitespace, and general, CJK and full-width punctuation. A search term is cut by
/// the same rule, so its runs lie inside the runs of any text holding it. Changing this set needs
/// a migration that rebuilds the index.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric();
    }
    c.is_whitespace()
        || matches!(
            u32::from(c),
            // General punctuation (dashes, quotes, bullets, zero-width spaces); CJK punctuation,
            // without 々, 〆, 〇 (二〇二三年) and the Hangzhou numerals; full-width punctuation.
            0x2000..=0x206F
                | 0x3000..=0x3004
                | 0x3008..=0x3020
                | 0x3030
                | 0x303D
                | 0xFF01..=0xFF0F
                | 0xFF1A..=0xFF20
                | 0xFF3B..=0xFF40
                | 0xFF5B..=0xFF65
        )
}

/// The runs of `text` between separators, in order, that hold a trigram (three characters or
/// more).
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_separator).filter(|run| run.chars().nth(2).is_some())
}

/// What the index holds of a text: its distinct runs (ASCII case folded, as the tokenizer folds
/// it), each once, joined by spaces. The trigrams that span a space are never looked up, so this
/// finds every document the whole text would, with far fewer trigrams: an English text repeats
/// its words, a Chinese one its clauses.
pub(crate) fn indexed_text(text: &str) -> String {
    // foldhash, not SipHash: hashing was two thirds of the cost here, and a randomly seeded fast
    // hash is defence enough for a set that lives for one text.
    let mut seen: HashSet<Cow<'_, str>, foldhash::fast::RandomState> = HashSet::default();
    let mut out = String::new();
    for run in runs(text) {
        let key = if run.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(run.to_ascii_lowercase())
        } else {
            Cow::Borrowed(run)
        };
        if seen.insert(key) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(run);
        }
    }
    out
}

/// The text of a document's latest version; `None` when it has none, or when its stored text
/// cannot be read (logged: one damaged text must not fail a search).
pub(super) fn current_text(conn: &Connection, doc: i64) -> Result<Option<String>> {
    Ok(latest_version(conn, doc)?.and_then(|(version, _, data)| {
        decompress(doc, version, &data)
            .inspect_err(|e| tracing::warn!(doc, version, error = %e, "Cannot read a stored text for a search."))
            .ok()
    }))
}

/// The latest version of `doc`: its number, title and compressed text.
fn latest_version(conn: &Connection, doc: i64) -> Result<Option<(i64, String, Vec<u8>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT version, title, text_zstd FROM version WHERE doc_id = ?1 ORDER BY version DESC LIMIT 1",
        )?
        .query_row([doc], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}

/// Indexes every document that has no search row yet, latest version first read from its
/// compressed text. Returns how many were indexed.
pub(super) fn backfill(conn: &mut Connection) -> Result<usize> {
    if !table_exists(conn)? {
        return Ok(0);
    }
    // Looking for documents without a row reads every document: at 500,000 documents that is a
    // fifth of a second on each start. Once every document has its row, the writer keeps it so
    // (`index` runs in the transaction that writes the version), and the meta row says so; a
    // migration that rebuilds the index deletes it.
    let complete: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'search_index' AND value = 'complete')")?
        .query_row([], |row| row.get(0))?;
    if complete {
        return Ok(0);
    }
    let missing: Vec<i64> = conn
        .prepare(
            "SELECT d.id FROM document d WHERE NOT EXISTS (SELECT 1 FROM search s WHERE s.rowid = d.id) ORDER BY d.id",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if missing.is_empty() {
        mark_complete(conn)?;
        return Ok(0);
    }
    tracing::info!(documents = missing.len(), "Indexing documents for full-text search.");
    for batch in missing.chunks(BACKFILL_BATCH) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for &doc in batch {
            let Some((version, title, data)) = latest_version(&tx, doc)? else { continue };
            // One unreadable text must not stop the others from being found.
            let text = decompress(doc, version, &data).unwrap_or_default();
            index(&tx, doc, &indexed_text(&title), &indexed_text(&text))?;
        }
        tx.commit()?;
    }
    mark_complete(conn)?;
    Ok(missing.len())
}

fn mark_complete(conn: &Connection) -> Result<()> {
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('search_index', 'complete')", [])?;
    Ok(())
}

fn table_exists(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search')")?
        .query_row([], |row| row.get(0))?)
}

/// A search as the user typed it, split into terms. Terms of three or more characters go to
/// the trigram index; shorter ones (two-character Chinese words such as 人脸) can only be
/// matched by scanning, which `LIKE` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// `None` when the text holds no term at all.
    pub fn parse(text: &str) -> Option<Self> {
        let mut terms: Vec<String> = Vec::new();
        for term in text.split_whitespace() {
            let term = term.trim_matches('"');
            if !term.is_empty() && !terms.iter().any(|t| t == term) {
                terms.push(term.to_owned());
            }
        }
        // A bound on the work one query can ask for.
        terms.truncate(8);
        (!terms.is_empty()).then_some(Self { terms })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The FTS5 expression of the terms the index can find: every trigram within each term's runs
    /// (see `indexed_text`), each a quoted string (implicit AND); `None` when no term has a run of
    /// three characters. Rows holding these trigrams anywhere may still not hold the terms:
    /// `holds_every_term` decides.
    pub(super) fn fts_expression(&self) -> Option<String> {
        let mut trigrams: Vec<String> = Vec::new();
        for run in self.terms.iter().flat_map(|t| runs(t)) {
            let chars: Vec<char> = run.chars().collect();
            for window in chars.windows(3) {
                let trigram = format!("\"{}\"", window.iter().collect::<String>().replace('"', "\"\""));
                if !trigrams.contains(&trigram) {
                    trigrams.push(trigram);
                }
            }
        }
        (!trigrams.is_empty()).then(|| trigrams.join(" "))
    }

    /// Whether the title or the text holds every term, folding case as the index does.
    pub(super) fn holds_every_term(&self, title: &str, body: &str) -> bool {
        // Texts are folded only for a term with cased letters, and once: a search that reads
        // hundreds of texts for a Chinese term folds none of them.
        let (mut folded_title, mut folded_body) = (None, None);
        self.terms.iter().all(|term| {
            if title.contains(term.as_str()) || body.contains(term.as_str()) {
                return true;
            }
            if !term.chars().any(|c| c.is_lowercase() || c.is_uppercase()) {
                return false;
            }
            let term = term.to_lowercase();
            folded_title.get_or_insert_with(|| title.to_lowercase()).contains(&term)
                || folded_body.get_or_insert_with(|| body.to_lowercase()).contains(&term)
        })
    }

    /// `LIKE` patterns of every term, with `\` escaping `%` and `_`: titles matched where there
    /// is no index.
    pub(super) fn like_patterns(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|t| {
                let escaped: String = t
                    .chars()
                    .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
                    .collect();
                format!("%{escaped}%")
            })
            .collect()
    }
}

/// A piece of a snippet: text, and whether it is a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

impl Store {
    /// Whether this database has the full-text index (a database from before migration 0004,
    /// opened read-only, does not).
    pub fn has_search(&self) -> Result<bool> {
        table_exists(&self.conn())
    }
}

/// Up to [`SNIPPET_CONTEXT`] characters either side of the first hit of any term, each hit in
/// that window marked. Matching folds case like the index does (ASCII and other simple cases).
pub(crate) fn snippet(text: &str, terms: &[String]) -> Vec<Fragment> {
    let chars: Vec<char> = text.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    let folded: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let needles: Vec<Vec<char>> =
        terms.iter().map(|t| t.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()).collect();
    let hit_at = |i: usize| {
        needles
            .iter()
            .filter(|n| !n.is_empty())
            .find_map(|n| folded.get(i..i + n.len()).filter(|w| w == n).map(|_| n.len()))
    };
    let Some((first, len)) = (0..folded.len()).find_map(|i| hit_at(i).map(|len| (i, len))) else {
        let head: String = chars.iter().take(SNIPPET_CONTEXT * 2).collect();
        return vec![Fragment { text: head, hit: false }];
    };
    let start = first.saturating_sub(SNIPPET_CONTEXT);
    let end = (first + len + SNIPPET_CONTEXT).min(chars.len());
    let mut out: Vec<Fragment> = Vec::new();
    let mut push = |text: String, hit: bool| match out.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(&text),
        _ => out.push(Fragment { text, hit }),
    };
    if start > 0 {
        push("…".to_owned(), false);
    }
    let mut i = start;
    while i < end {
        if let Some(len) = hit_at(i) {
            push(chars[i..i + len].iter().collect(), true);
            i += len;
        } else {
            push(chars[i].to_string(), false);
            i += 1;
        }
    }
    if end < chars.len() {
        push("…".to_owned(), false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn marked(fragments: &[Fragment]) -> String {
        fragments.iter().map(|f| if f.hit { format!("[{}]", f.text) } else { f.text.clone() }).collect()
    }

    #[rstest]
    #[case::chinese_inside_a_sentence("使用人脸识别技术处理人脸信息", &["人脸识别"], "使用[人脸识别]技术处理人脸信息")]
    #[case::every_hit_in_the_window("人脸 and 人脸", &["人脸"], "[人脸] and [人脸]")]
    #[case::english_case_folds("Facial Recognition rules", &["facial"], "[Facial] Recognition rules")]
    #[case::no_hit_shows_the_head("abc", &["zzz"], "abc")]
    fn snippets_mark_hits(#[case] text: &str, #[case] terms: &[&str], #[case] expected: &str) {
        let terms: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(marked(&snippet(text, &terms)), expected);
    }

    #[test]
    fn long_texts_are_cut_around_the_first_hit() {
        let text = format!("{}人脸识别{}", "前".repeat(200), "后".repeat(200));
        let shown = marked(&snippet(&text, &["人脸识别".to_owned()]));
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("[人脸识别]"));
        assert!(shown.chars().count() < 140, "{}", shown.chars().count());
    }

    #[rstest]
    #[case::long_and_short("人脸识别 人脸", Some("\"人脸识\" \"脸识别\""))]
    #[case::repeated_trigrams_once("aaaa", Some("\"aaa\""))]
    #[case::cut_at_punctuation("cross-border", Some("\"cro\" \"ros\" \"oss\" \"bor\" \"ord\" \"rde\" \"der\""))]
    #[case::quotes_are_separators("a\"bcd", Some("\"bcd\""))]
    #[case::cjk_punctuation("《个人信息》", Some("\"个人信\" \"人信息\""))]
    #[case::no_run_of_three("人脸 5G GB/T", None)]
    fn queries_look_up_the_trigrams_of_their_runs(#[case] text: &str, #[case] fts: Option<&str>) {
        let query = SearchQuery::parse(text).unwrap();
        assert_eq!(query.fts_expression().as_deref(), fts);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        let query = SearchQuery::parse("5% x_ a\\b").unwrap();
        assert_eq!(query.like_patterns(), ["%5\\%%", "%x\\_%", "%a\\\\b%"]);
    }

    #[rstest]
    #[case::distinct_runs_once("the rules, the Rules; THE RULES", "the rules")]
    #[case::short_runs_dropped("第一条 本法 a to 规定。", "第一条")]
    #[case::cut_at_cjk_punctuation(
        "加强网络数据安全防护，建立健全网络数据安全管理制度，加强网络数据安全防护。",
        "加强网络数据安全防护 建立健全网络数据安全管理制度"
    )]
    #[case::ideographic_zero_is_not_punctuation("二〇二三年", "二〇二三年")]
    #[case::nothing("， 。", "")]
    fn indexed_text_keeps_distinct_runs(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(indexed_text(text), expected);
    }

    /// The trigrams FTS5 makes of a text (case folded as the index folds ASCII).
    fn trigrams(text: &str) -> HashSet<String> {
        let chars: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
        chars.windows(3).map(|w| w.iter().collect()).collect()
    }

    proptest::proptest! {
        /// The index is a prefilter: a document holding a term must hold every trigram the
        /// term is looked up by, or a search would miss it.
        #[test]
        fn a_text_holding_a_term_holds_its_lookup_trigrams(
            text in "[aAbB人脸识别〇 ,.\\-，。《》\u{3000}\u{2014}]{0,40}",
            from in 0_usize..40,
            len in 1_usize..12,
        ) {
            let chars: Vec<char> = text.chars().collect();
            let from = from.min(chars.len());
            let term: String = chars[from..(from + len).min(chars.len())].iter().collect();
            let Some(query) = SearchQuery::parse(&term) else { return Ok(()) };
            let indexed = trigrams(&indexed_text(&text));
            let looked_up = query.fts_expression().unwrap_or_default();
            for trigram in looked_up.split(' ').filter(|t| !t.is_empty()) {
                let trigram = trigram.trim_matches('"').replace("\"\"", "\"").to_ascii_lowercase();
                proptest::prop_assert!(indexed.contains(&trigram), "{trigram:?} of {term:?} not indexed for {text:?}");
            }
        }
    }

    #[rstest]
    #[case::inside_a_sentence("人脸识别", "使用人脸识别技术", true)]
    #[case::trigrams_apart_are_not_the_term("人脸识别", "人脸识 and 脸识别", false)]
    #[case::case_folds_beyond_ascii("änderung", "ÄNDERUNG DES GESETZES", true)]
    #[case::upper_case_term("PIPL", "under the pipl", true)]
    #[case::caseless_term_absent("人脸", "PIPL 个人信息", false)]
    fn rows_hold_the_term_itself(#[case] query: &str, #[case] body: &str, #[case] holds: bool) {
        let query = SearchQuery::parse(query).unwrap();
        assert_eq!(query.holds_every_term("", body), holds);
    }

    #[test]
    fn every_term_must_be_held_by_the_title_or_the_text() {
        let query = SearchQuery::parse("Cybersecurity 人脸").unwrap();
        assert!(query.holds_every_term("Cybersecurity Law", "人脸识别"));
        assert!(!query.holds_every_term("Cybersecurity Law", "识别"));
    }

    #[test]
    fn a_writer_indexes_missing_documents_once_then_records_that_none_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let complete = |conn: &Connection| -> bool {
            conn.query_row("SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'search_index')", [], |row| row.get(0))
                .unwrap()
        };
        {
            let store = Store::open(&path).unwrap();
            let conn = store.conn();
            assert!(complete(&conn), "an empty database misses nothing");
            // A document written without its row, as by a regwatch from before the index, and
            // the mark gone, as migrations 0009 and 0010 leave it.
            conn.execute_batch(
                "INSERT INTO source (id, kind, url, created_at) VALUES ('s', 'page', 'http://s/', 0);
                 INSERT INTO document (id, source_id, url, title, first_seen, last_seen, last_changed, versions)
                 VALUES (1, 's', 'http://s/1', '通知', 0, 0, 0, 1);
                 DELETE FROM meta WHERE key = 'search_index';",
            )
            .unwrap();
            conn.execute(
                "INSERT INTO version (doc_id, version, fetched_at, hash, title, text_zstd, added_lines, removed_lines)
                 VALUES (1, 1, 0, 'h', '通知', ?1, 1, 0)",
                [super::super::compress("使用人脸识别技术")],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let conn = store.conn();
        let found: Vec<i64> = conn
            .prepare("SELECT rowid FROM search WHERE search MATCH '\"人脸识\" \"脸识别\"'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(found, [1]);
        assert!(complete(&conn));
    }

    #[test]
    fn blank_queries_are_none() {
        assert_eq!(SearchQuery::parse("  \"\" "), None);
    }
}

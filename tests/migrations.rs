//! Upgrades: a database saved at every earlier schema version, with data in it, opens under
//! this regwatch, is migrated to the current schema, keeps every row readable through the store,
//! and passes SQLite's integrity check. (An empty database and a too-new one are tested beside
//! the migrations themselves.)

use regwatch::clock::{Clock, SystemClock};
use regwatch::extract::BlockText;
use regwatch::ids::{ChangeId, DocId, SourceId, VersionNo};
use regwatch::store::{DeliveryStatus, Lookup, MIGRATIONS, Recorded, Store};
use rusqlite::{Connection, params};
use sha2::Digest as _;

/// Applies the first `level` migrations, as a regwatch of that schema would have.
fn schema_at(conn: &Connection, level: usize) {
    for (index, (file, sql)) in MIGRATIONS.iter().enumerate().take(level) {
        conn.execute_batch(sql).unwrap_or_else(|e| panic!("{file}: {e}"));
        conn.pragma_update(None, "user_version", i64::try_from(index + 1).unwrap()).unwrap();
    }
}

/// Rows every schema since 0001 can hold: a source, a document with two versions, its change
/// and a delivery of it; and from 0003 on, an attachment of the document and a health state.
fn seed(conn: &Connection, level: usize) {
    let at = 1_764_000_000_000_i64;
    conn.execute(
        "INSERT INTO source (id, kind, url, created_at, baseline_at, last_polled_at, next_due, health)
         VALUES ('cac', 'html-list', 'https://www.cac.gov.cn/list.htm', ?1, ?1, ?1, ?2, 'ok')",
        params![at, at + 3_600_000],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO document (id, source_id, url, title, published, first_seen, last_seen, last_changed, versions,
         stage, deadline, topics, family_key)
         VALUES (1, 'cac', 'https://www.cac.gov.cn/a.htm', '人脸识别技术应用安全管理办法（征求意见稿）', '2026-11-20',
                 ?1, ?1, ?1, 2, 'draft', '2026-12-20', '[\"facial-recognition\"]', '人脸识别技术应用安全管理办法')",
        params![at],
    )
    .unwrap();
    for (version, text) in
        [(1, "第一条 为了规范人脸识别技术应用。"), (2, "第一条 为了规范人脸识别技术应用，保护个人信息。")]
    {
        let zstd = zstd::bulk::compress(text.as_bytes(), 3).unwrap();
        conn.execute(
            "INSERT INTO version (doc_id, version, fetched_at, hash, title, text_zstd, added_lines, removed_lines)
             VALUES (1, ?1, ?2, ?3, '人脸识别技术应用安全管理办法（征求意见稿）', ?4, 1, ?5)",
            params![version, at + version, format!("hash{version}"), zstd, version - 1],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO change (id, doc_id, event, from_doc_id, from_version, to_version, summary, articles, topics,
         added_lines, removed_lines, created_at)
         VALUES (1, 1, 'document.changed', 1, 1, 2, 'Article 1 amended', '[{\"number\":\"1\",\"kind\":\"amended\"}]',
                 '[\"facial-recognition\"]', 1, 1, ?1)",
        params![at],
    )
    .unwrap();
    if level >= 2 {
        conn.execute(
            "INSERT INTO delivery (msg_id, subscriber_id, channel, event, change_id, source_id, payload, created_at, due_at)
             VALUES ('msg_1_hook', 'hook', 'webhook', 'document.changed', 1, 'cac', '{\"type\":\"document.changed\"}', ?1, ?1)",
            params![at],
        )
        .unwrap();
    }
    if level >= 3 {
        conn.execute(
            "UPDATE source SET health = 'unhealthy', health_kind = 'empty', health_reason = 'list selector matched nothing'
             WHERE id = 'cac'",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO document (id, source_id, url, title, first_seen, last_seen, last_changed, versions, parent_id,
             format, unreadable)
             VALUES (2, 'cac', 'https://www.cac.gov.cn/a.pdf', '附件', ?1, ?1, ?1, 0, 1, 'pdf', 'no text in the file')",
            params![at],
        )
        .unwrap();
    }
}

#[test]
fn every_earlier_schema_with_data_upgrades_to_the_current_one() {
    for level in 1..=MIGRATIONS.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            schema_at(&conn, level);
            seed(&conn, level);
        }
        let store = Store::open(&path).unwrap_or_else(|e| panic!("schema {level}: {e}"));
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, i64::try_from(MIGRATIONS.len()).unwrap(), "schema {level} was not brought up to date");
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(integrity, "ok", "schema {level}");

        let draft = store.document(DocId(1)).unwrap().expect("the document survives");
        assert_eq!(draft.title, "人脸识别技术应用安全管理办法（征求意见稿）");
        assert_eq!(draft.deadline.map(|d| d.to_string()).as_deref(), Some("2026-12-20"));
        assert_eq!(draft.topics.iter().map(regwatch::ids::TopicId::as_str).collect::<Vec<_>>(), ["facial-recognition"]);
        let text = store.version(DocId(1), VersionNo(2)).unwrap().expect("version 2 survives");
        assert_eq!(text.blocks.lines(), ["第一条 为了规范人脸识别技术应用，保护个人信息。"]);
        let history = store.history(DocId(1)).unwrap();
        assert_eq!(history.len(), 2);
        // Every version carries the SHA-256 of its stored text, filled in for rows older than it.
        let stored = store.stored_text(DocId(1), VersionNo(2)).unwrap().unwrap();
        let digest = hex::encode(sha2::Sha256::digest(stored.text.as_bytes()));
        assert_eq!(history[1].sha256.as_deref(), Some(digest.as_str()), "schema {level}");
        // Stored hashes follow the current comparison key: an unchanged page is no new version.
        let lines = vec!["第一条 为了规范人脸识别技术应用，保护个人信息。".to_owned()];
        let url: url::Url = "https://www.cac.gov.cn/a.htm".parse().unwrap();
        let hash = BlockText::from_lines(lines).hash();
        let lookup = Lookup { url: &url, hash: &hash, may_have_moved: false };
        assert_eq!(
            store.lookup(&SourceId("cac".into()), &[lookup]).unwrap(),
            [Recorded::Unchanged { doc: DocId(1) }],
            "schema {level}: stored hashes were recomputed"
        );
        let change = store.change(ChangeId(1)).unwrap().expect("the change survives");
        assert_eq!(change.summary, "Article 1 amended");
        let states = store.source_states().unwrap();
        assert_eq!(states.len(), 1);
        if level >= 2 {
            let pending = store.deliveries(Some(DeliveryStatus::Pending)).unwrap();
            assert_eq!(pending.len(), 1, "schema {level}: the pending delivery survives");
        }
        if level >= 3 {
            let attachment = store.document(DocId(2)).unwrap().expect("the attachment survives");
            assert_eq!(attachment.parent_id, Some(DocId(1)));
            assert_eq!(states[0].health_kind.map(regwatch::store::HealthKind::as_str), Some("empty"));
        }
        // The upgraded database takes new writes.
        store.record_digest("tmt-team", SystemClock.now()).unwrap();
        assert!(store.last_digest_at("tmt-team").unwrap().is_some(), "schema {level}");
    }
}

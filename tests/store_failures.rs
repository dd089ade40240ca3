//! A store that fails to answer fails the poll visibly: it is not taken for a first pass (which
//! would record the change and alert nobody), it changes nothing half-way, and once the store
//! answers again the change is found and alerted as usual.

mod common;

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn page(text: &str) -> Page {
    Page::html(&format!("<html><body><article><h1>数据出境安全评估办法</h1><p>{text}</p></article></body></html>"))
}

fn sql(ws: &Workspace, statement: &str) {
    let conn = rusqlite::Connection::open(ws.path().join("regwatch.db")).unwrap();
    conn.execute_batch(statement).unwrap();
}

#[test]
fn a_source_whose_state_cannot_be_read_fails_its_poll_and_loses_nothing() {
    let site = TestSite::start();
    site.put("/rule.htm", page("第一条 为了规范数据出境活动，制定本办法。"));
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"rule\"\nkind = \"page\"\nurl = \"{}\"\n[source.article]\ncontent = \"article\"\n",
        site.url("/rule.htm")
    ));
    ws.run(&["check"]).success();
    site.put("/rule.htm", page("第一条 为了规范数据出境活动，保护个人信息权益，制定本办法。"));

    // The source's state can no longer be read (a column a newer query needs is gone).
    sql(&ws, "ALTER TABLE source RENAME COLUMN health_kind TO health_kind_moved;");
    let failed = ws.run(&["check", "--json"]);
    let report = failed.json();
    let error = report[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("reading the database failed"), "{error}");
    assert_eq!(report[0]["baseline"], false, "a failing store is no first pass");
    assert_eq!(report[0]["new_versions"], 0);
    assert!(failed.stderr.contains("ERROR"), "an operator must see it:\n{}", failed.stderr);

    sql(&ws, "ALTER TABLE source RENAME COLUMN health_kind_moved TO health_kind;");
    let conn = rusqlite::Connection::open(ws.path().join("regwatch.db")).unwrap();
    let (stored, failures): (String, i64) = conn
        .query_row("SELECT last_error, consecutive_failures FROM source WHERE id = 'rule'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(stored.contains("reading the database failed"), "{stored}");
    assert_eq!(failures, 1);
    let versions: i64 = conn.query_row("SELECT COUNT(*) FROM version", [], |r| r.get(0)).unwrap();
    assert_eq!(versions, 1, "nothing was recorded half-way");

    // Once the store answers, the edit is a change like any other, not a silent baseline.
    sql(&ws, "UPDATE source SET next_due = 0 WHERE id = 'rule';");
    let report = ws.run(&["check", "--json"]).success().json();
    assert_eq!(report[0]["error"], serde_json::Value::Null);
    assert_eq!(report[0]["new_versions"], 1);
    assert_eq!(report[0]["changes"].as_array().map(Vec::len), Some(1), "{report}");
}

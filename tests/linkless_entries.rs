//! Feed entries without a link are documents too: their identity is their guid (or a hash of
//! their title and text), their text is their own content, a followed feed reads them without
//! fetching anything, and an edit to one is a change like any other. An entry with nothing to
//! read is counted in the poll's warnings, never dropped silently.

mod common;

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn feed(guid_text: &str) -> Page {
    Page::bytes(
        "application/rss+xml",
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>NPC Observer</title><link>https://npcobserver.example/</link>
<item><title>Data Security Law passes second reading</title><link>/posts/dsl.htm</link></item>
<item><title>Draft Minor Protection Law amendment released</title><guid isPermaLink="false">npc-2026-0412</guid>
  <description>{guid_text}</description></item>
<item><title>Standing Committee session agenda</title><description>The 19th session will review the draft amendments.</description></item>
<item><category>empty</category></item>
</channel></rss>"#
        )
        .into_bytes(),
    )
}

fn site() -> TestSite {
    let site = TestSite::start();
    site.put("/feed.xml", feed("The draft extends minors' mode to all apps."));
    site.put(
        "/posts/dsl.htm",
        Page::html("<html><body><article><h1>DSL</h1><p>第一条 为了规范数据处理活动，保障数据安全。</p></article></body></html>"),
    );
    site
}

fn workspace(site: &TestSite) -> Workspace {
    Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"npc-observer\"\nkind = \"feed\"\nurl = \"{}\"\nfollow = true\n",
        site.url("/feed.xml")
    ))
}

#[test]
fn entries_without_links_are_documents_of_their_own() {
    let site = site();
    let ws = workspace(&site);

    let test = ws.run(&["sources", "test", "npc-observer", "--json"]).success().json();
    let urls: Vec<&str> = test["items"].as_array().unwrap().iter().map(|i| i["url"].as_str().unwrap()).collect();
    assert_eq!(urls.len(), 3, "{test}");
    assert!(urls[0].ends_with("/posts/dsl.htm"));
    assert_eq!(urls[1], "urn:x-regwatch:guid:npc-2026-0412");
    assert!(urls[2].starts_with("urn:x-regwatch:sha256:"), "{}", urls[2]);
    let warnings = test["warnings"].to_string();
    assert!(warnings.contains("1 of 4 feed entries skipped"), "{warnings}");

    let report = ws.run(&["check", "--json"]).success().json();
    assert_eq!(report[0]["new_documents"], 3, "{report}");
    assert!(report[0]["warnings"].to_string().contains("skipped"), "the skipped entry is reported");
    assert_eq!(site.hits("/posts/dsl.htm").len(), 1, "only the entry with a link is fetched");
    let guid_doc = ws.doc_by_url("urn:x-regwatch:guid:npc-2026-0412");
    assert_eq!(guid_doc["title"], "Draft Minor Protection Law amendment released");

    // The guid-only entry is edited: a change of the same document, found without fetching.
    site.put("/feed.xml", feed("The draft extends minors' mode to all apps and games."));
    let conn = rusqlite::Connection::open(ws.path().join("regwatch.db")).unwrap();
    conn.execute("UPDATE source SET next_due = 0", []).unwrap();
    let report = ws.run(&["check", "--json"]).success().json();
    assert_eq!(
        (report[0]["new_documents"].as_u64(), report[0]["new_versions"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
    assert_eq!(ws.doc_by_url("urn:x-regwatch:guid:npc-2026-0412")["versions"], 2);
}

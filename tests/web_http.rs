//! The reading room over HTTP: `regwatch serve` on 127.0.0.1 over a database the binary built
//! from a loopback regulator site, every route asked as a reader (or a feed reader, a scraper,
//! a Word user) would: pages, search, redlines, version texts, DOCX, feeds, metrics, health,
//! auth, and an old database without the search index.

#[path = "alert_common/mod.rs"]
mod alert_common;
mod common;
mod web_common;

use base64::Engine as _;
use sha2::Digest;
use web_common::{Answer, FACE_TITLE, HOSTILE_TITLE, Reading, Server, get};

fn ok(server: &Server, path: &str) -> Answer {
    let answer = get(&server.url(path), &[]);
    assert_eq!(answer.status, 200, "GET {path}: {}", answer.text());
    answer
}

/// The hostile title appears only escaped, never as markup.
fn assert_escaped(html: &str) {
    assert!(!html.contains("<script>alert"), "raw script in page");
    assert!(!html.contains("<img src=x"), "raw img in page");
}

#[test]
fn every_page_renders_escaped_under_a_strict_policy() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let face = reading.doc_id("/face.htm");
    let bad = reading.doc_id("/bad.htm");
    for path in [
        "/".to_owned(),
        "/documents".to_owned(),
        format!("/documents/{face}"),
        format!("/documents/{bad}"),
        format!("/documents/{bad}/diff"),
        "/sources".to_owned(),
        "/topics/facial-recognition".to_owned(),
    ] {
        let page = ok(&server, &path);
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"), "{path}");
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"), "{path}: {csp}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        let html = page.text();
        assert_escaped(&html);
        assert!(!html.contains("<script"), "{path} carries a script");
        assert!(html.contains("/style.css"), "{path}");
    }
    let home = ok(&server, "/").text();
    assert!(home.contains(FACE_TITLE), "{home}");
    assert!(home.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || home.contains("&lt;script&gt;alert(1)"));
    assert!(home.contains("2099-09-07"), "the open comment period is listed");
    let css = ok(&server, "/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.text().contains("@media print") && css.text().contains("prefers-color-scheme: dark"));
}

#[test]
fn search_finds_chinese_inside_sentences_and_english_words() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let face = reading.doc_id("/face.htm");
    let en = reading.doc_id("/en.htm");
    let search = |q: &str| get(&server.url(&format!("/documents?q={}", urlencode(q))), &[]).text();
    // Only the second version says this, in the middle of a sentence.
    let html = search("个人信息保护影响评估");
    assert!(html.contains(&format!("href=\"/documents/{face}\"")), "{html}");
    assert!(html.contains("<mark>个人信息保护影响评估</mark>"), "{html}");
    assert!(!html.contains(&format!("href=\"/documents/{en}\"")));
    // Two characters are below the trigram index: matched by scanning.
    assert!(search("人脸").contains(&format!("href=\"/documents/{face}\"")));
    let html = search("facial RECOGNITION");
    assert!(html.contains(&format!("href=\"/documents/{en}\"")), "{html}");
    assert!(html.contains("<mark>facial</mark>") || html.contains("<mark>Facial</mark>"), "{html}");
    assert!(search("区块链").contains("Nothing matches this search."));
    // Filters narrow; a bad filter is a 400 that says why.
    let drafts = get(&server.url("/documents?stage=draft"), &[]).text();
    assert!(
        drafts.contains(&format!("href=\"/documents/{face}\""))
            && !drafts.contains(&format!("href=\"/documents/{en}\""))
    );
    let bad = get(&server.url("/documents?since=yesterday"), &[]);
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("invalid `since` value `yesterday`"), "{}", bad.text());
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[test]
fn diff_page_shows_structure_article_redlines_and_both_layouts() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let face = reading.doc_id("/face.htm");
    let html = ok(&server, &format!("/documents/{face}/diff?from=1&to=2")).text();
    assert!(html.contains("Article 2 amended"), "{html}");
    assert!(html.contains("Article 3 added"), "{html}");
    assert!(html.contains("<ins>；处理不满十四周岁未成年人人脸信息的，应当取得其监护人的同意</ins>"), "{html}");
    assert!(html.contains("class=\"diff inline\""));
    let side = ok(&server, &format!("/documents/{face}/diff?from=1&to=2&view=side")).text();
    assert!(side.contains("class=\"diff side\"") && side.contains("<td class=\"removed\">"), "{side}");
    // The default is the last two versions.
    assert!(ok(&server, &format!("/documents/{face}/diff")).text().contains("Article 2 amended"));
    let missing = get(&server.url(&format!("/documents/{face}/diff?from=9&to=2")), &[]);
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains(&format!("Document {face} has no version 9")), "{}", missing.text());
    assert_eq!(get(&server.url("/documents/999999"), &[]).status, 404);
    assert_eq!(get(&server.url("/documents/abc/diff"), &[]).status, 404);
}

#[test]
fn version_texts_are_the_stored_bytes_with_their_hash() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let face = reading.doc_id("/face.htm");
    let history = reading.workspace.run(&["docs", "history", &face.to_string(), "--json"]).success().json();
    for version in history.as_array().unwrap() {
        let n = version["version"].as_i64().unwrap();
        let answer = ok(&server, &format!("/documents/{face}/versions/{n}.txt"));
        let digest = hex::encode(sha2::Sha256::digest(&answer.body));
        assert_eq!(version["sha256"].as_str(), Some(digest.as_str()), "version {n}");
        assert_eq!(answer.header("x-regwatch-hash"), Some(digest.as_str()));
        assert!(answer.header("repr-digest").is_some_and(|d| d.starts_with("sha-256=:")));
        assert_eq!(answer.header("content-type"), Some("text/plain; charset=utf-8"));
    }
    assert_eq!(get(&server.url(&format!("/documents/{face}/versions/7.txt")), &[]).status, 404);
}

/// A tracked change as a DOCX reader sees it: (author, date, text).
type Revision = (String, String, String);

/// Insertions and deletions of a DOCX as a real reader sees them.
fn revisions(bytes: &[u8]) -> (Vec<Revision>, Vec<Revision>) {
    use docx_rs::{DeleteChild, DocumentChild, InsertChild, ParagraphChild};
    let docx = docx_rs::read_docx(bytes).expect("a DOCX a reader accepts");
    let (mut inserted, mut deleted) = (Vec::new(), Vec::new());
    for child in &docx.document.children {
        let DocumentChild::Paragraph(paragraph) = child else { continue };
        for item in &paragraph.children {
            match item {
                ParagraphChild::Insert(insert) => {
                    let text: String = insert
                        .children
                        .iter()
                        .filter_map(|c| match c {
                            InsertChild::Run(run) => Some(run_text(&run.children)),
                            _ => None,
                        })
                        .collect();
                    inserted.push((insert.author.clone(), insert.date.clone(), text));
                }
                ParagraphChild::Delete(delete) => {
                    let text: String = delete
                        .children
                        .iter()
                        .filter_map(|c| match c {
                            DeleteChild::Run(run) => Some(run_text(&run.children)),
                            _ => None,
                        })
                        .collect();
                    deleted.push((delete.author.clone(), delete.date.clone(), text));
                }
                _ => {}
            }
        }
    }
    (inserted, deleted)
}

fn run_text(children: &[docx_rs::RunChild]) -> String {
    use docx_rs::RunChild;
    children
        .iter()
        .filter_map(|c| match c {
            RunChild::Text(t) => Some(t.text.clone()),
            // Its text field is private; its serde form is public.
            RunChild::DeleteText(t) => serde_json::to_value(t).ok()?["text"].as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

#[test]
fn word_redlines_carry_tracked_changes_from_the_web_and_the_cli() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let face = reading.doc_id("/face.htm");
    let answer = ok(&server, &format!("/documents/{face}/redline.docx?from=1&to=2"));
    assert_eq!(
        answer.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert!(answer.header("content-disposition").is_some_and(|d| d.contains(".docx")));
    let (inserted, deleted) = revisions(&answer.body);
    assert!(inserted.iter().all(|(author, date, _)| author == "regwatch" && date.ends_with('Z')), "{inserted:?}");
    assert!(deleted.iter().all(|(author, _, _)| author == "regwatch"), "{deleted:?}");
    let inserted_text: String = inserted.iter().map(|(_, _, t)| t.as_str()).collect();
    let deleted_text: String = deleted.iter().map(|(_, _, t)| t.as_str()).collect();
    assert!(inserted_text.contains("处理不满十四周岁未成年人人脸信息的"), "{inserted:?}");
    assert!(inserted_text.contains("人脸识别技术使用者应当事前进行个人信息保护影响评估"), "{inserted:?}");
    assert!(deleted_text.contains('三') && inserted_text.contains('五'), "renumbering: {deleted:?} {inserted:?}");

    let out = reading.workspace.path().join("redline.docx");
    let out_arg = out.to_str().unwrap();
    reading.workspace.run(&["diff", &face.to_string(), "--format", "docx", "--output", out_arg]).success();
    let (cli_inserted, cli_deleted) = revisions(&std::fs::read(&out).unwrap());
    assert_eq!((cli_inserted.len(), cli_deleted.len()), (inserted.len(), deleted.len()));
    let refused = reading.workspace.run(&["diff", &face.to_string(), "--format", "docx"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("--output FILE"), "{}", refused.stderr);
}

#[test]
fn feeds_parse_keep_their_ids_and_answer_repeat_polls_with_304() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let first = ok(&server, "/feeds/changes.atom");
    assert_eq!(first.header("content-type"), Some("application/atom+xml; charset=utf-8"));
    let feed = feed_rs::parser::parse(first.body.as_slice()).expect("a feed a real parser reads");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.entries.len(), 3, "one entry per change of the second pass");
    let ids: Vec<String> = feed.entries.iter().map(|e| e.id.clone()).collect();
    assert!(ids.iter().all(|id| id.starts_with("tag:reading.test,2026:regwatch:change:")), "{ids:?}");
    let face_entry =
        feed.entries.iter().find(|e| e.title.as_ref().is_some_and(|t| t.content.contains(FACE_TITLE))).unwrap();
    let content = face_entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
    assert!(content.contains("Article 2 amended") && content.contains("<ins"), "{content}");
    assert!(content.contains("http://reading.test/room/documents/"), "links use the public URL: {content}");
    let hostile =
        feed.entries.iter().find(|e| e.title.as_ref().is_some_and(|t| t.content.contains("alert(1)"))).unwrap();
    assert!(hostile.title.as_ref().unwrap().content.contains(HOSTILE_TITLE), "titles survive as text");

    let again = feed_rs::parser::parse(ok(&server, "/feeds/changes.atom").body.as_slice()).unwrap();
    assert_eq!(again.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids, "ids are stable");
    let etag = first.header("etag").unwrap().to_owned();
    let modified = first.header("last-modified").unwrap().to_owned();
    assert_eq!(get(&server.url("/feeds/changes.atom"), &[("if-none-match", &etag)]).status, 304);
    assert_eq!(get(&server.url("/feeds/changes.atom"), &[("if-modified-since", &modified)]).status, 304);
    assert_eq!(get(&server.url("/feeds/changes.atom"), &[("if-none-match", "\"other\"")]).status, 200);

    let topic = ok(&server, "/feeds/topics/facial-recognition.atom");
    let topic_feed = feed_rs::parser::parse(topic.body.as_slice()).unwrap();
    assert!(!topic_feed.entries.is_empty() && topic_feed.entries.len() < 3, "{}", topic_feed.entries.len());
    assert_ne!(topic.header("etag"), Some(etag.as_str()), "each feed has its own validators");
    let source = feed_rs::parser::parse(ok(&server, "/feeds/sources/reg.atom").body.as_slice()).unwrap();
    assert_eq!(source.entries.len(), 3);
    assert_eq!(get(&server.url("/feeds/topics/nope.atom"), &[]).status, 404);
    assert_eq!(get(&server.url("/feeds/sources/reg.rss"), &[]).status, 404);
}

#[test]
fn metrics_health_and_read_only_routes() {
    let reading = Reading::build("");
    let server = Server::start(&reading.workspace, &[]);
    let metrics = ok(&server, "/metrics");
    assert!(metrics.header("content-type").is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
    let text = metrics.text();
    for expected in [
        "regwatch_changes_total{event=\"document.changed\"} 3",
        "regwatch_sources{health=\"ok\"} 1",
        "regwatch_documents 3",
        "regwatch_versions 6",
        "regwatch_fetches_1h{result=\"ok\"}",
        "regwatch_fetch_duration_seconds_1h{le=\"+Inf\"}",
        "regwatch_outbox_depth 0",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let health = ok(&server, "/healthz");
    let json: serde_json::Value = serde_json::from_slice(&health.body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    assert!(json["newest_poll_age_seconds"].as_i64().is_some(), "{json}");

    web_common::install_crypto();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new().post(server.url("/documents")).body("x").send().await.unwrap().status().as_u16()
    });
    assert_eq!(status, 405, "no route changes state");
}

#[test]
fn basic_auth_guards_every_page_but_health() {
    let reading = Reading::build("");
    let config = std::fs::read_to_string(reading.workspace.config_path()).unwrap();
    let config = config.replace("[web]\n", "[web]\nusername = \"reader\"\npassword_file = \"web-password\"\n");
    reading.workspace.write("regwatch.toml", &config);
    reading.workspace.write("web-password", "open sesame\n");
    let server = Server::start(&reading.workspace, &[]);
    let denied = get(&server.url("/"), &[]);
    assert_eq!(denied.status, 401);
    assert!(denied.header("www-authenticate").is_some_and(|h| h.starts_with("Basic realm=")));
    let good = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("reader:open sesame"));
    let bad = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("reader:open"));
    assert_eq!(get(&server.url("/"), &[("authorization", &good)]).status, 200);
    assert_eq!(get(&server.url("/feeds/changes.atom"), &[("authorization", &bad)]).status, 401);
    assert_eq!(get(&server.url("/metrics"), &[]).status, 401);
    assert_eq!(get(&server.url("/healthz"), &[]).status, 200);
}

#[test]
fn serving_off_loopback_without_auth_is_refused() {
    let workspace = common::Workspace::new("[storage]\ndatabase = \"r.db\"\n");
    let run = workspace.run(&["serve", "--listen", "0.0.0.0:0"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("refusing to serve on 0.0.0.0:0 without a password"), "{}", run.stderr);
}

#[test]
fn alerts_link_to_the_redline_when_public_url_is_set() {
    alert_common::install_crypto();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let receiver = runtime.block_on(alert_common::receiver::start(alert_common::receiver::Behaviour::Accept, None));
    let extra = format!(
        r#"
[smtp]
host = "127.0.0.1"
port = 2525
tls = "none"
from = "regwatch <alerts@example.org>"

[[subscriber]]
id = "hook"
webhook = "{}"
topics = ["*"]

[[subscriber]]
id = "daily"
email = "reader@example.org"
topics = ["*"]
schedule = "daily 08:00 UTC"
"#,
        receiver.url
    );
    let reading = Reading::build(&extra);
    let face = reading.doc_id("/face.htm");
    let bodies: Vec<serde_json::Value> =
        receiver.hits().iter().map(|h| serde_json::from_slice(&h.body).unwrap()).collect();
    let face_body = bodies.iter().find(|b| b["data"]["document"]["id"] == face).expect("a webhook for the draft");
    assert_eq!(
        face_body["data"]["change"]["url"],
        format!("http://reading.test/room/documents/{face}/diff?from=1&to=2")
    );
    let preview = reading.workspace.run(&["digest", "preview", "daily", "--html"]).success().stdout;
    assert!(preview.contains("Read the full redline"), "{preview}");
    assert!(preview.contains(&format!("http://reading.test/room/documents/{face}/diff?from=1&amp;to=2")), "{preview}");
}

#[test]
fn a_database_from_before_the_search_index_is_served_then_indexed_by_a_writer() {
    let reading = Reading::build("");
    let db = reading.workspace.path().join("regwatch.db");
    {
        // Back to the schema before the reading room's migration: no search table, none of its indexes.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TABLE search; DROP INDEX change_created; DROP INDEX document_deadline; DROP INDEX fetch_log_at;
             DROP INDEX document_draft; DROP INDEX document_source_changed; DROP INDEX change_event;
             DROP INDEX delivery_channel_status; ALTER TABLE version DROP COLUMN text_sha256;
             PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    let en = reading.doc_id("/en.htm");
    let face = reading.doc_id("/face.htm");
    {
        let server = Server::start(&reading.workspace, &[]);
        let html = ok(&server, "/documents?q=Facial").text();
        assert!(html.contains("Full-text search is not available on this database yet"), "{html}");
        assert!(html.contains(&format!("href=\"/documents/{en}\"")), "titles still match: {html}");
        assert!(ok(&server, "/").text().contains(FACE_TITLE));
    }
    // A writer opening it migrates and indexes what is there.
    reading.workspace.run(&["check"]).success();
    let server = Server::start(&reading.workspace, &[]);
    let html = ok(&server, &format!("/documents?q={}", urlencode("个人信息保护影响评估"))).text();
    assert!(html.contains(&format!("href=\"/documents/{face}\"")) && html.contains("<mark>"), "{html}");
}

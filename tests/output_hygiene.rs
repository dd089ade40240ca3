//! What regwatch prints is safe to print: titles and file names a site controls reach the
//! terminal without their control or bidi characters (stripped where they enter the store,
//! escaped on the way out for data an older version stored), a closed pipe ends a listing
//! quietly, and `-v` does not write a line per link-less list item.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

/// Characters a terminal or a log reader would act on.
fn hazards(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

fn assert_clean(what: &str, text: &str) {
    assert!(hazards(text).is_empty(), "{what} prints {:?}:\n{text}", hazards(text));
}

const HOSTILE_TITLE: &str = "Draft\u{1b}]8;;https://evil.example/\u{7}Measures\u{1b}]8;;\u{7}\u{1b}[2J\u{202e}fdp.exe";

fn hostile_site() -> TestSite {
    let site = TestSite::start();
    let list = format!(
        "<html><body><ul class=\"list\"><li><a href=\"/a1.htm\" title=\"{HOSTILE_TITLE}\">short</a><span>2026-01-05</span></li></ul></body></html>"
    );
    site.put("/list.htm", Page::html(&list));
    site.put(
        "/a1.htm",
        Page::html("<html><body><div class=\"article\"><h1>x</h1><p>第一条 正文。</p><a href=\"/download?id=7\">附件下载</a></div></body></html>"),
    );
    site.put(
        "/download?id=7",
        Page::bytes("application/octet-stream", b"not really a pdf".to_vec()).with_header(
            "content-disposition",
            "attachment; filename*=UTF-8''%E9%99%84%E4%BB%B6%1B%5D0%3Bowned%07%0D%0A%E2%80%AEfdp.doc",
        ),
    );
    site
}

fn list_config(site: &TestSite) -> String {
    format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"list\"\nkind = \"html-list\"\nurl = \"{}\"\n[source.list]\nitem = \"ul.list li\"\ntitle = \"a@title\"\nlink = \"a\"\ndate = \"span\"\n[source.article]\ncontent = \"div.article\"\n",
        site.url("/list.htm")
    )
}

#[test]
fn scraped_titles_and_file_names_reach_the_terminal_clean() {
    let site = hostile_site();
    let ws = Workspace::new(&list_config(&site));
    let check = ws.run(&["check"]).success();
    assert_clean("check", &check.stdout);
    assert_clean("check's log", &check.stderr);

    let docs = ws.docs();
    assert_eq!(docs.len(), 2, "{docs:?}");
    for doc in &docs {
        assert_clean("a stored title", doc["title"].as_str().unwrap());
    }
    let article = docs.iter().find(|d| d["url"].as_str().unwrap().ends_with("/a1.htm")).unwrap();
    assert_eq!(article["title"], "Draft ]8;;https://evil.example/ Measures ]8;; [2Jfdp.exe");
    let attachment = docs.iter().find(|d| d["parent_id"].is_number()).unwrap();
    assert_eq!(attachment["title"], "]0;owned fdp", "{attachment}");

    for args in [&["docs", "list"][..], &["docs", "list", "--json"], &["docs", "show", "1"], &["sources", "list"]] {
        let run = ws.run(args).success();
        assert_clean(&args.join(" "), &run.stdout);
    }
    let tested = ws.run(&["sources", "test", "list"]).success();
    assert_clean("sources test", &tested.stdout);
    assert!(tested.stdout.contains("Draft ]8;;https://evil.example/ Measures"), "{}", tested.stdout);
}

#[test]
fn titles_an_older_version_stored_raw_are_escaped_on_output() {
    let site = hostile_site();
    let ws = Workspace::new(&list_config(&site));
    ws.run(&["check"]).success();
    site.put(
        "/a1.htm",
        Page::html("<html><body><div class=\"article\"><h1>x</h1><p>第一条 正文，改了。</p></div></body></html>"),
    );
    ws.run(&["check"]).success();
    let raw = "Old\u{1b}[2J\u{1b}]0;owned\u{7}\r\n+++ forged header\u{202e}";
    let db = rusqlite::Connection::open(ws.path().join("regwatch.db")).unwrap();
    db.execute("UPDATE document SET title = ?1", [raw]).unwrap();
    db.execute("UPDATE version SET title = ?1", [raw]).unwrap();
    drop(db);

    let id = ws.docs().iter().find(|d| d["versions"] == 2).expect("a changed document")["id"].to_string();
    let list = ws.run(&["docs", "list"]).success();
    assert_clean("docs list", &list.stdout);
    assert!(list.stdout.contains("Old\\u{1b}[2J"), "{}", list.stdout);
    let show = ws.run(&["docs", "show", &id]).success();
    assert_clean("docs show", &show.stdout);
    assert_eq!(
        show.stdout.lines().next().unwrap(),
        "Old\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\r\\n+++ forged header\\u{202e}"
    );
    let diff = ws.run(&["diff", &id]).success();
    assert_clean("diff", &diff.stdout);
    let headers: Vec<&str> = diff.stdout.lines().filter(|l| l.starts_with("---") || l.starts_with("+++")).collect();
    assert_eq!(headers.len(), 2, "one header line each, no forged one:\n{}", diff.stdout);
    let json = ws.run(&["docs", "list", "--json"]).success();
    assert_clean("docs list --json", &json.stdout);
    let parsed = json.json();
    assert!(parsed.as_array().unwrap().iter().any(|d| d["title"] == raw), "the JSON value itself is unchanged");
}

#[test]
fn a_closed_pipe_ends_a_listing_quietly() {
    let site = TestSite::start();
    let items: String = (0..3000)
        .map(|i| {
            format!(
                "<item><title>Notice {i}</title><link>{}</link><description>Text {i}.</description></item>",
                site.url(&format!("/n/{i}"))
            )
        })
        .collect();
    let feed = format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>");
    site.put("/feed.xml", Page::bytes("application/rss+xml", feed.into_bytes()));
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"many\"\nkind = \"feed\"\nurl = \"{}\"\nfollow = false\nmax_items = 5000\n",
        site.url("/feed.xml")
    ));
    ws.run(&["check"]).success();
    assert_eq!(ws.docs().len(), 3000);
    for args in [&["docs", "list"][..], &["docs", "list", "--json"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_regwatch"))
            .arg("--config")
            .arg(ws.config_path())
            .args(args)
            .current_dir(ws.path())
            .env_remove("REGWATCH_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        // The reader is gone (as `head -1` would be) with most of ~300 KB still to write.
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!first.is_empty());
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn linkless_list_items_make_one_debug_line() {
    let site = TestSite::start();
    let mut list = String::from("<html><body><ul class=\"list\">");
    // 50,000 placeholders: far more than any real list, still under the parser's node budget.
    list.push_str(&"<li><span>placeholder</span></li>".repeat(50_000));
    list.push_str("<li><a href=\"/a1.htm\">One</a></li></ul></body></html>");
    site.put("/list.htm", Page::html(&list));
    site.put("/a1.htm", Page::html("<html><body><div class=\"article\"><p>第一条 正文。</p></div></body></html>"));
    let ws = Workspace::new(&list_config(&site));
    let output = Command::new(env!("CARGO_BIN_EXE_regwatch"))
        .arg("--config")
        .arg(ws.config_path())
        .args(["-v", "check"])
        .current_dir(ws.path())
        .env_remove("REGWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let skipped: Vec<&str> = stderr.lines().filter(|l| l.contains("no usable link")).collect();
    assert_eq!(skipped.len(), 1, "{}", skipped.iter().take(3).copied().collect::<Vec<_>>().join("\n"));
    assert!(skipped[0].contains("skipped=50000"), "{}", skipped[0]);
    assert!(stderr.lines().count() < 100, "-v wrote {} lines", stderr.lines().count());
}

//! Credentials in a source URL (userinfo, an `api_key=` parameter) never come back out: not in
//! the logs, not in `sources list` or `check --json`, not in the alerts, not anywhere in the
//! database file. And text a site controls cannot forge a journal entry through an error message.

#[path = "alert_common/mod.rs"]
mod alert_common;
mod common;

use std::process::Command;

use alert_common::receiver::{self, Behaviour};
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

const PASSWORD: &str = "pa55w0rd-5f1d";
const API_KEY: &str = "SECRET-API-KEY-77c2";

/// Runs the binary with `args`, logging at debug level the way the journal would receive it.
fn run_logged(ws: &Workspace, args: &[&str], journal: bool) -> common::Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regwatch"));
    command
        .arg("--config")
        .arg(ws.config_path())
        .args(args)
        .current_dir(ws.path())
        .env_remove("REGWATCH_CONFIG")
        .env("RUST_LOG", "regwatch=debug");
    if journal {
        command.env("JOURNAL_STREAM", "8:12345");
    } else {
        command.env_remove("JOURNAL_STREAM");
    }
    let output = command.output().unwrap();
    common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [PASSWORD, API_KEY] {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

#[test]
fn a_failing_source_never_shows_its_credentials() {
    let site = TestSite::start();
    site.put("/feed?*", Page::status(500));
    let url = format!("http://reader:{PASSWORD}@{}/feed?api_key={API_KEY}&page=1", site.addr);
    let ws =
        Workspace::new(&format!("{LOOPBACK_FETCH}\n[[source]]\nid = \"paid\"\nkind = \"feed\"\nurl = \"{url}\"\n"));

    let check = run_logged(&ws, &["check", "--json"], false).success();
    assert_no_secret("check --json", &check.stdout);
    assert_no_secret("check's log", &check.stderr);
    let report = check.json();
    let error = report[0]["error"].as_str().expect("the source failed");
    assert!(error.contains("api_key=***") && error.contains("***@"), "{error}");
    assert!(error.contains("HTTP status 500"), "{error}");
    // config check warns about the inline credentials without repeating them.
    assert!(check.stderr.contains("move it to [source.auth]"), "{}", check.stderr);

    let journal = run_logged(&ws, &["check"], true).success();
    assert_no_secret("check's journal output", &journal.stderr);
    assert_no_secret("check's summary", &journal.stdout);
    assert!(journal.stdout.contains("FAILED"), "{}", journal.stdout);

    let listed = ws.run(&["sources", "list", "--json"]).success();
    assert_no_secret("sources list --json", &listed.stdout);
    let row = &listed.json()[0];
    assert_eq!(row["url"], format!("http://***@{}/feed?api_key=***&page=1", site.addr));
    assert!(row["last_error"].as_str().is_some_and(|e| e.contains("api_key=***")), "{row}");
    let table = ws.run(&["sources", "list"]).success();
    assert_no_secret("sources list", &table.stdout);

    let tested = run_logged(&ws, &["sources", "test", "paid", "--json"], false);
    assert_no_secret("sources test", &tested.stdout);
    assert_no_secret("sources test's log", &tested.stderr);

    let db = rusqlite::Connection::open(ws.path().join("regwatch.db")).unwrap();
    let (stored_url, last_error): (String, String) = db
        .query_row("SELECT url, last_error FROM source WHERE id = 'paid'", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    assert_no_secret("source.last_error", &last_error);
    assert!(last_error.contains("HTTP status 500"), "{last_error}");
    // The source row shows the URL as `sources list` does: what is fetched comes from the config.
    assert_no_secret("source.url", &stored_url);

    // The credentials were sent all the same: they are masked, not dropped.
    let hit = site.all_hits().into_iter().find(|h| h.path.starts_with("/feed")).expect("the source was fetched");
    assert!(hit.path.contains(&format!("api_key={API_KEY}")), "{}", hit.path);
}

/// Every byte of the database (its WAL folded in first), as a string search would see it.
fn database_bytes(ws: &Workspace) -> String {
    let db = ws.path().join("regwatch.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(conn);
    String::from_utf8_lossy(&std::fs::read(&db).unwrap()).into_owned()
}

#[test]
fn a_watched_page_keeps_its_credentials_out_of_the_database_and_the_alerts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = TestSite::start();
    let page = |article: &str| {
        Page::html(&format!(
            "<html><head><title>数据出境安全评估办法</title></head><body><article><h1>数据出境安全评估办法</h1>\
             <p>第一条 为了规范数据出境活动，保护个人信息权益。</p><p>{article}</p></article></body></html>"
        ))
    };
    site.put("/rules.htm?*", page("第二条 本办法自公布之日起施行。"));
    let url = format!("http://reader:{PASSWORD}@{}/rules.htm?api_key={API_KEY}", site.addr);
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"paid-page\"\nkind = \"page\"\nurl = \"{url}\"\n\
         [source.article]\ncontent = \"article\"\n\n[[subscriber]]\nid = \"newsroom\"\nwebhook = \"{}\"\n\
         topics = [\"*\"]\nevents = [\"document.new\", \"document.changed\"]\n",
        hook.url
    ));
    ws.run(&["check"]).success();
    site.put("/rules.htm?*", page("第二条 本办法自2027年1月1日起施行。"));
    let conn = rusqlite::Connection::open(ws.path().join("regwatch.db")).unwrap();
    conn.execute("UPDATE source SET next_due = 0", []).unwrap();
    drop(conn);
    let second = run_logged(&ws, &["check"], false).success();
    assert_no_secret("check's log", &second.stderr);

    let bodies: Vec<String> = hook.hits().iter().map(|h| String::from_utf8_lossy(&h.body).into_owned()).collect();
    assert!(bodies.iter().any(|b| b.contains("document.changed")), "{bodies:?}");
    for body in &bodies {
        assert_no_secret("webhook body", body);
    }
    let docs = ws.run(&["docs", "list", "--json"]).success();
    assert_no_secret("docs list --json", &docs.stdout);
    assert_eq!(docs.json().as_array().map(Vec::len), Some(1), "one document: {}", docs.stdout);
    // Not in the source row, the document, the fetch log, the HTTP cache or the outbox.
    assert_no_secret("the database file", &database_bytes(&ws));
    // Masked the same way every time: the source is not taken for one that moved.
    let listed = ws.run(&["sources", "list", "--json"]).success().json();
    assert_eq!(listed[0]["health"], "ok", "{listed}");
    // The credentials were sent all the same.
    let hits = site.all_hits();
    assert!(hits.iter().filter(|h| h.path.contains(API_KEY)).count() >= 2, "{hits:?}");
}

#[test]
fn a_parser_error_cannot_forge_a_journal_entry() {
    let site = TestSite::start();
    let feed = r#"{"version": "https://jsonfeed.org/version/9\n<3>forged: disk on fire\u001b]0;owned\u0007", "title": "x", "items": []}"#;
    site.put("/feed.json", Page::bytes("application/feed+json", feed.as_bytes().to_vec()));
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"hostile\"\nkind = \"feed\"\nurl = \"{}\"\n",
        site.url("/feed.json")
    ));
    let run = run_logged(&ws, &["check"], true).success();
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.iter().all(|l| l.starts_with("<4>") || l.starts_with("<6>") || l.starts_with("<7>")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'), "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'), "{}", run.stdout);
    // The summary prints the error on the source's own line.
    let summary: Vec<&str> = run.stdout.lines().collect();
    assert!(summary.iter().any(|l| l.starts_with("hostile") && l.contains("FAILED")), "{}", run.stdout);
    assert!(summary.iter().all(|l| !l.starts_with("<3>")), "{}", run.stdout);
    // The hostile text is there, made visible rather than obeyed.
    assert!(run.stdout.contains("\\n<3>forged") && run.stdout.contains("\\u{1b}]0;owned"), "{}", run.stdout);
}

//! Credentials in a source URL (userinfo, an `api_key=` parameter) never come back out: not in
//! the logs, not in `sources list` or `check --json`, not in the `last_error` stored in the
//! database. And text a site controls cannot forge a journal entry through an error message.

mod common;

use std::process::Command;

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
    // The URL itself is kept as configured: it is what is fetched.
    assert!(stored_url.contains(API_KEY));

    // The credentials were sent all the same: they are masked, not dropped.
    let hit = site.all_hits().into_iter().find(|h| h.path.starts_with("/feed")).expect("the source was fetched");
    assert!(hit.path.contains(&format!("api_key={API_KEY}")), "{}", hit.path);
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

//! Attachment text is read in a helper process under memory and CPU limits: a 6 KB PDF that
//! expands to gigabytes is recorded unreadable with the reason, the poll commits, and the
//! daemon lives. The helper is the real binary (`CARGO_BIN_EXE_regwatch`), as in production.

#[path = "attachment_docs/mod.rs"]
mod attachment_docs;
mod common;
#[path = "hostile_docs/mod.rs"]
mod hostile_docs;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};
use regwatch::extract::attachment::AttachmentFormat;
use regwatch::isolate::{Extractor, Failure, Limits};

const MIB: u64 = 1024 * 1024;

fn extractor(memory: u64, time: Duration) -> Extractor {
    Extractor::new(PathBuf::from(env!("CARGO_BIN_EXE_regwatch")), Limits { memory, time })
}

fn read(extractor: &Extractor, format: AttachmentFormat, body: Vec<u8>) -> Result<Vec<String>, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(extractor.extract_text(format, Bytes::from(body)))
}

#[test]
fn the_helper_reads_ordinary_files() {
    let helper = extractor(256 * MIB, Duration::from_secs(30));
    let lines = ["第一条 为了规范人脸识别技术应用，制定本办法。", "第二条 本办法自公布之日起施行。"];
    assert_eq!(
        read(&helper, AttachmentFormat::Pdf, attachment_docs::pdf(&lines)),
        Ok(lines.map(String::from).to_vec())
    );
    let paragraphs = ["起草说明", "一、起草背景"];
    let docx = attachment_docs::docx(&paragraphs);
    assert_eq!(read(&helper, AttachmentFormat::Docx, docx), Ok(paragraphs.map(String::from).to_vec()));
    let scanned = read(&helper, AttachmentFormat::Pdf, attachment_docs::pdf_without_text());
    assert_eq!(scanned, Err(Failure::Unreadable("PDF has no text layer (a scanned image?)".into())));
}

#[test]
fn a_twice_compressed_bomb_is_refused_for_the_memory_it_needs() {
    let bomb = hostile_docs::flate_bomb(4096);
    assert!(bomb.len() < 16 * 1024, "a 4 GiB bomb in {} bytes", bomb.len());
    let got = read(&extractor(256 * MIB, Duration::from_secs(30)), AttachmentFormat::Pdf, bomb);
    assert_eq!(got, Err(Failure::Unreadable("text extraction needed more than 256 MiB".into())));
}

#[test]
fn a_bomb_the_stream_check_cannot_see_hits_the_address_space_limit() {
    // Behind ASCII85 the check does not inflate it: the PDF library does, in the helper, and
    // the allocation past RLIMIT_AS kills the helper, not this process.
    let bomb = hostile_docs::ascii85_bomb(2048);
    let got = read(&extractor(128 * MIB, Duration::from_secs(30)), AttachmentFormat::Pdf, bomb);
    assert_eq!(got, Err(Failure::Unreadable("text extraction needed more than 128 MiB".into())));
}

#[test]
fn a_helper_past_its_deadline_is_killed() {
    // Starting a process and reading a page of some 18,000 glyphs takes far longer than a
    // millisecond (a one-line PDF was sometimes read within it).
    let started = Instant::now();
    let lines: Vec<String> = (1..=38).map(|n| format!("第{n}条 {}", "本条规定的内容。".repeat(60))).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let pdf = attachment_docs::pdf(&lines);
    let got = read(&extractor(256 * MIB, Duration::from_millis(1)), AttachmentFormat::Pdf, pdf);
    assert_eq!(got, Err(Failure::Unreadable("text extraction took longer than 1ms".into())));
    assert!(started.elapsed() < Duration::from_secs(10), "killed, not waited for: {:?}", started.elapsed());
}

fn site() -> TestSite {
    let site = TestSite::start();
    site.put(
        "/list.htm",
        Page::html(
            r#"<html><body><ul class="list"><li><a href="/a/1.htm">关于征求意见的通知</a></li></ul></body></html>"#,
        ),
    );
    site.put(
        "/a/1.htm",
        Page::html(
            r#"<html><body><div id="BodyLabel"><p>现向社会公开征求意见。</p>
            <p>附件1：<a href="/files/bomb.pdf">征求意见稿</a></p>
            <p>附件2：<a href="/files/draft.pdf">人脸识别技术应用安全管理办法</a></p></div></body></html>"#,
        ),
    );
    site.put("/files/bomb.pdf", Page::bytes("application/pdf", hostile_docs::flate_bomb(4096)));
    site.put(
        "/files/draft.pdf",
        Page::bytes("application/pdf", attachment_docs::pdf(&["第一条 为了规范人脸识别技术应用，制定本办法。"])),
    );
    site
}

fn config(site: &TestSite) -> String {
    format!(
        r##"{LOOPBACK_FETCH}extract_memory = "256MiB"
extract_timeout = "30s"

[[source]]
id = "cac"
kind = "html-list"
url = "{list}"
interval = "1h"

[source.list]
item = "ul.list > li"
title = "a"
link = "a"

[source.article]
content = "#BodyLabel"
"##,
        list = site.url("/list.htm")
    )
}

#[test]
fn a_hostile_pdf_is_recorded_unreadable_and_the_poll_commits() {
    let site = site();
    let ws = Workspace::new(&config(&site));
    let pass = ws.run(&["check", "--json"]).success().json();
    assert!(pass[0]["error"].is_null(), "{pass:#}");

    let bomb = ws.doc_by_url(&site.url("/files/bomb.pdf"));
    assert_eq!(bomb["format"], "pdf");
    assert_eq!(bomb["unreadable"], "text extraction needed more than 256 MiB");
    let draft = ws.doc_by_url(&site.url("/files/draft.pdf"));
    assert!(draft["unreadable"].is_null(), "the other attachment is read: {draft:#}");
    let sources = ws.run(&["sources", "list", "--json"]).success().json();
    assert_eq!(sources[0]["health"], "ok", "{sources:#}");
    assert!(sources[0]["last_error"].is_null(), "{sources:#}");
}

#[test]
fn the_daemon_lives_through_a_hostile_pdf() {
    let site = site();
    let ws = Workspace::new(&config(&site));
    let mut daemon = ws.spawn_daemon();
    let deadline = Instant::now() + Duration::from_secs(60);
    let recorded = loop {
        let docs = ws.run(&["docs", "list", "--json"]);
        let bomb = (docs.code == 0).then(|| docs.json()).and_then(|d| {
            d.as_array().and_then(|a| a.iter().find(|d| d["url"] == site.url("/files/bomb.pdf")).cloned())
        });
        if let Some(bomb) = bomb {
            break bomb;
        }
        assert!(daemon.try_wait().unwrap().is_none(), "the daemon died:\n{}", ws.daemon_log());
        assert!(Instant::now() < deadline, "no poll committed in time:\n{}", ws.daemon_log());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(recorded["unreadable"], "text extraction needed more than 256 MiB");
    assert!(daemon.try_wait().unwrap().is_none(), "the daemon is still running:\n{}", ws.daemon_log());
    // One poll, not a crash loop: the source is due again in an hour.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(site.hits("/files/bomb.pdf").len(), 1);
    let pid = i32::try_from(daemon.id()).unwrap();
    let terminated = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap();
    assert!(terminated.success());
    let status = daemon.wait().unwrap();
    assert!(status.success(), "SIGTERM drains and exits 0: {status:?}\n{}", ws.daemon_log());
}

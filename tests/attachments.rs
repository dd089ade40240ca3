//! Attachments through the binary: an article page linking a draft regulation as a PDF, its
//! explanation as a DOCX behind an extensionless CAC-style download link, and an old-format
//! .doc. Each becomes a document linked to its article; the PDF draft is classified, and when
//! the PDF is replaced under an unchanged page its new version is diffed article by article
//! and alerted.

#[path = "alert_common/mod.rs"]
mod alert_common;
#[path = "attachment_docs/mod.rs"]
mod attachment_docs;
mod common;

use alert_common::receiver::{self, Behaviour};
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

const DOWNLOAD: &str = "/cms/pub/interact/downloadfile.jsp?filepath=a8f3c2&fText=%E8%B5%B7%E8%8D%89%E8%AF%B4%E6%98%8E";

fn draft(second_article: &str) -> Vec<u8> {
    attachment_docs::pdf(&[
        "个人信息出境认证办法（征求意见稿）",
        "第一条 为了规范个人信息出境认证活动，保护个人信息权益，促进个人信息跨境安全、自由流动，制定本办法。",
        second_article,
        "第三条 个人信息处理者通过个人信息保护认证方式向境外提供个人信息的，应当取得专业机构的认证。",
    ])
}

fn site() -> TestSite {
    let site = TestSite::start();
    site.put(
        "/list.htm",
        Page::html(
            r#"<html><body><ul class="list"><li><a href="/2026-10/11/c_1.htm">关于《个人信息出境认证办法（征求意见稿）》公开征求意见的通知</a><span>2026-10-11</span></li></ul></body></html>"#,
        ),
    );
    site.put(
        "/2026-10/11/c_1.htm",
        Page::html(&format!(
            r#"<html><body><div id="BodyLabel">
            <p>为了规范个人信息出境认证活动，国家互联网信息办公室起草了《个人信息出境认证办法（征求意见稿）》，现向社会公开征求意见。</p>
            <p>附件：<a href="/files/draft.pdf">个人信息出境认证办法（征求意见稿）</a></p>
            <p><a href="{DOWNLOAD}">起草说明</a></p>
            <p><a href="/files/old-form.doc">意见反馈表</a></p>
            </div></body></html>"#
        )),
    );
    site.put(
        "/files/draft.pdf",
        Page::bytes("application/pdf", draft("第二条 在中华人民共和国境内处理个人信息并向境外提供的，适用本办法。")),
    );
    site.put(
        DOWNLOAD,
        Page::bytes(
            "application/octet-stream",
            attachment_docs::docx(&[
                "关于《个人信息出境认证办法（征求意见稿）》的起草说明",
                "一、起草背景",
                "为落实个人信息保护法关于个人信息跨境提供的规定，起草本办法。",
            ]),
        )
        .with_header("content-disposition", "attachment; filename*=UTF-8''%E8%B5%B7%E8%8D%89%E8%AF%B4%E6%98%8E.docx"),
    );
    site.put(
        "/files/old-form.doc",
        Page::bytes("application/msword", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 old".to_vec()),
    );
    site
}

#[test]
fn attachments_become_documents_and_a_replaced_pdf_is_diffed_and_alerted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = site();
    let ws = Workspace::new(&format!(
        r##"{LOOPBACK_FETCH}
[[source]]
id = "cac"
kind = "html-list"
url = "{list}"

[source.list]
item = "ul.list > li"
title = "a"
link = "a"

[source.article]
content = "#BodyLabel"

[[subscriber]]
id = "desk"
webhook = "{hook}"
topics = ["*"]
"##,
        list = site.url("/list.htm"),
        hook = hook.url,
    ));
    ws.run(&["check"]).success();

    let docs = ws.docs();
    let article = ws.doc_by_url(&site.url("/2026-10/11/c_1.htm"));
    assert_eq!(docs.len(), 4, "{docs:#?}");
    let pdf = ws.doc_by_url(&site.url("/files/draft.pdf"));
    assert_eq!(pdf["parent_id"], article["id"]);
    assert_eq!(pdf["format"], "pdf");
    assert!(pdf["unreadable"].is_null());
    assert_eq!(pdf["title"], "个人信息出境认证办法（征求意见稿）", "the link text: the file name says less");
    assert_eq!(pdf["stage"], "draft");
    let topics: Vec<&str> = pdf["topics"].as_array().unwrap().iter().filter_map(|t| t.as_str()).collect();
    assert!(topics.contains(&"cross-border-data"), "{topics:?}");

    let docx = ws.doc_by_url(&site.url(DOWNLOAD));
    assert_eq!(docx["format"], "docx");
    assert_eq!(docx["title"], "起草说明", "named by Content-Disposition");
    assert_eq!(docx["parent_id"], article["id"]);
    let shown = ws.run(&["docs", "show", docx["id"].to_string().as_str(), "--json"]).success().json();
    assert_eq!(shown["id"], docx["id"]);

    let doc = ws.doc_by_url(&site.url("/files/old-form.doc"));
    assert_eq!(doc["format"], "doc");
    let why = doc["unreadable"].as_str().unwrap();
    assert_eq!(why, "Word 97-2003 (DOC) files are not read; text not extracted");

    // The PDF text is stored line by line, so its history reads like any page's.
    let history = ws.run(&["docs", "history", pdf["id"].to_string().as_str(), "--json"]).success().json();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert!(hook.hits().is_empty(), "the baseline alerts nobody");

    // The regulator swaps the PDF; the page stays the same (it answers 304).
    site.put(
        "/files/draft.pdf",
        Page::bytes(
            "application/pdf",
            draft(
                "第二条 在中华人民共和国境内处理个人信息并向境外提供的，以及境外处理境内自然人个人信息的，适用本办法。",
            ),
        ),
    );
    ws.run(&["check"]).success();
    let article_hits = site.hits("/2026-10/11/c_1.htm");
    assert_eq!(article_hits.last().unwrap().answered, 304);
    let pdf = ws.doc_by_url(&site.url("/files/draft.pdf"));
    assert_eq!(pdf["versions"], 2);
    let diff = ws.run(&["diff", pdf["id"].to_string().as_str(), "--format", "json"]).success().json();
    let articles = diff["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 1, "{diff:#}");
    assert_eq!(articles[0]["number"], "2");
    assert_eq!(articles[0]["kind"], "amended");

    let events: Vec<serde_json::Value> = hook.hits().iter().map(|h| serde_json::from_slice(&h.body).unwrap()).collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["type"], "document.changed");
    assert_eq!(events[0]["data"]["document"]["url"], site.url("/files/draft.pdf"));
    // Unchanged attachments were asked again and answered 304: no new versions.
    assert_eq!(ws.doc_by_url(&site.url(DOWNLOAD))["versions"], 1);
    assert_eq!(site.hits(DOWNLOAD).last().unwrap().answered, 304);
}

#[test]
fn attachments_can_be_turned_off_and_capped() {
    let site = site();
    let source = |id: &str, attachments: &str| {
        format!(
            r#"
[[source]]
id = "{id}"
kind = "html-list"
url = "{list}"
[source.list]
item = "ul.list > li"
title = "a"
link = "a"
[source.attachments]
{attachments}
"#,
            list = site.url("/list.htm")
        )
    };
    let off = Workspace::new(&format!("{LOOPBACK_FETCH}{}", source("off", "max_count = 0")));
    off.run(&["check"]).success();
    assert_eq!(off.docs().len(), 1);

    let small = Workspace::new(&format!("{LOOPBACK_FETCH}{}", source("small", "max_size = 200")));
    small.run(&["check"]).success();
    let urls: Vec<String> = small.docs().iter().map(|d| d["url"].as_str().unwrap().to_owned()).collect();
    // Only the tiny .doc fits under 200 bytes; the others are refused and reported.
    assert!(urls.contains(&site.url("/files/old-form.doc")), "{urls:?}");
    assert!(!urls.contains(&site.url("/files/draft.pdf")), "{urls:?}");
    let states = small.run(&["sources", "list", "--json"]).success().json();
    let error = states[0]["last_error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("too large") || error.contains("larger"), "{states:#}");
}

/// A page source (not a list) whose page answers 304 still asks for its recorded attachments:
/// they are read with the source's state, ahead of the 304 (`pipeline::known`).
#[test]
fn a_replaced_pdf_under_an_unchanged_page_source_is_a_new_version() {
    let site = site();
    let ws = Workspace::new(&format!(
        r##"{LOOPBACK_FETCH}
[[source]]
id = "notice"
kind = "page"
url = "{page}"

[source.article]
content = "#BodyLabel"
"##,
        page = site.url("/2026-10/11/c_1.htm"),
    ));
    ws.run(&["check"]).success();
    assert_eq!(ws.doc_by_url(&site.url("/files/draft.pdf"))["versions"], 1);

    site.put("/files/draft.pdf", Page::bytes("application/pdf", draft("第二条 本办法自2027年1月1日起施行。")));
    ws.run(&["check"]).success();
    assert_eq!(site.hits("/2026-10/11/c_1.htm").last().unwrap().answered, 304);
    assert_eq!(site.hits("/files/draft.pdf").last().unwrap().answered, 200);
    assert_eq!(ws.doc_by_url(&site.url("/files/draft.pdf"))["versions"], 2);
    // The unchanged files were asked again, conditionally.
    assert_eq!(site.hits(DOWNLOAD).last().unwrap().answered, 304);
    assert_eq!(ws.doc_by_url(&site.url(DOWNLOAD))["versions"], 1);
}

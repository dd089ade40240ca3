//! The patterns real regulator sites need, through the binary against a local server: a JSON
//! list API with paged rows (NPC's flcaw), a column shell that sets a cookie its JSON endpoint
//! demands (MIIT's jpaas), per-source headers, timeouts and body caps, and deadlines the list
//! states overriding what the text says.

mod common;

use std::time::Duration;

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn json(body: &str) -> Page {
    Page::bytes("application/json;charset=UTF-8", body.as_bytes().to_vec())
}

fn npc_rows(page: usize, rows: &[(&str, &str, &str, &str)]) -> Page {
    let rows: Vec<String> = rows
        .iter()
        .map(|(title, id, start, end)| {
            format!(r#"{{"flxxmc":"{title}","flxxId":"{id}","ksrq":"{start}","jsrq":"{end}","gzyj":7,"gzrs":3}}"#)
        })
        .collect();
    json(&format!(r#"{{"per_page":2,"total":3,"page":{page},"rows":[{}]}}"#, rows.join(",")))
}

/// Two pages of NPC-style rows, each watched as its own source through `query`.
#[test]
fn a_paged_json_api_yields_documents_with_dates_and_deadlines() {
    let site = TestSite::start();
    site.put(
        "/flcaw/flca-list?flag=0&page=1&per_page=2",
        npc_rows(
            1,
            &[
                ("中华人民共和国网络安全法（修正草案）", "ff80a1", "2026-10-21 00:00:00", "2026-11-19 00:00:00"),
                ("中华人民共和国未成年人保护法（修订草案）", "ff80a2", "2026-10-10 00:00:00", "2026-11-08 00:00:00"),
            ],
        ),
    );
    site.put(
        "/flcaw/flca-list?flag=0&page=2&per_page=2",
        npc_rows(2, &[("中华人民共和国人工智能法（草案）", "ff80a3", "2026-09-01 00:00:00", "2026-09-30 00:00:00")]),
    );
    let source = |page: usize| {
        format!(
            r#"
[[source]]
id = "npc-{page}"
kind = "json-list"
url = "{base}/flcaw/flca-list"

[source.request]
query = {{ flag = "0", page = "{page}", per_page = "2" }}

[source.json]
items = "rows"
title = "flxxmc"
link_template = "{base}/flcaw/userIndex.html?lid={{flxxId}}"
date = "ksrq"
deadline = "jsrq"
"#,
            base = site.url("")
        )
    };
    let ws = Workspace::new(&format!("{LOOPBACK_FETCH}{}{}", source(1), source(2)));
    ws.run(&["check"]).success();

    let mut docs: Vec<(String, String, String, String)> = ws
        .docs()
        .iter()
        .map(|d| {
            (
                d["title"].as_str().unwrap().to_owned(),
                d["url"].as_str().unwrap().to_owned(),
                d["published"].as_str().unwrap().to_owned(),
                d["deadline"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    docs.sort();
    let url = |id: &str| site.url(&format!("/flcaw/userIndex.html?lid={id}"));
    assert_eq!(
        docs,
        [
            ("中华人民共和国人工智能法（草案）".into(), url("ff80a3"), "2026-09-01".into(), "2026-09-30".into()),
            (
                "中华人民共和国未成年人保护法（修订草案）".into(),
                url("ff80a2"),
                "2026-10-10".into(),
                "2026-11-08".into()
            ),
            ("中华人民共和国网络安全法（修正草案）".into(), url("ff80a1"), "2026-10-21".into(), "2026-11-19".into()),
        ]
    );
    // The items are their own documents: nothing was followed.
    assert!(site.hits("/flcaw/userIndex.html?lid=ff80a1").is_empty());
    // A comment counter that ticks up is no change to the document.
    site.put(
        "/flcaw/flca-list?flag=0&page=2&per_page=2",
        npc_rows(2, &[("中华人民共和国人工智能法（草案）", "ff80a3", "2026-09-01 00:00:00", "2026-09-30 00:00:00")])
            .with_header("x-count", "8"),
    );
    let body = r#"{"per_page":2,"total":3,"page":2,"rows":[{"flxxmc":"中华人民共和国人工智能法（草案）","flxxId":"ff80a3","ksrq":"2026-09-01 00:00:00","jsrq":"2026-09-30 00:00:00","gzyj":99,"gzrs":40}]}"#;
    site.put("/flcaw/flca-list?flag=0&page=2&per_page=2", json(body));
    ws.run(&["check"]).success();
    assert!(ws.docs().iter().all(|d| d["versions"] == 1), "{:#?}", ws.docs());
}

/// MIIT: the column page sets a cookie; the JSON endpoint answers 403 without it and holds the
/// list's HTML in `data.html`, with placeholder rows and the deadline as hidden epoch ms. The
/// article's text names another deadline; the list's wins.
#[test]
fn a_primed_cookie_opens_a_json_endpoint_and_the_listed_deadline_wins() {
    let site = TestSite::start();
    site.put(
        "/gzcy/yjzj/index.html",
        Page::html("<html><body><div class=\"clist_con\"><script></script></div></body></html>")
            .with_header("set-cookie", "jsessionid=s3cr3t; Path=/; HttpOnly"),
    );
    let fragment = r#"<ul><li class=\"empty\"></li><li><span class=\"fr\">2026-10-20</span><a href=\"/gzcy/yjzj/art/2026/art_8f1.html\" title=\"关于《移动互联网未成年人模式管理办法（征求意见稿）》公开征求意见的通知\">关于《移动互联网未成年人模式…</a><span class=\"endtime\" style=\"display:none\">1792339200000</span></li><li class=\"border-line\"></li></ul>"#;
    site.put(
        "/api-gateway/jpaas-publish-server/front/page/build/unit?pageId=p1&parseType=buildstatic",
        json(&format!(r#"{{"code":200,"data":{{"html":"{fragment}"}}}}"#)).requiring_cookie("jsessionid=s3cr3t"),
    );
    site.put(
        "/gzcy/yjzj/art/2026/art_8f1.html",
        Page::html(
            "<html><body><div id=\"con_con\"><p>第一条 为了保护未成年人的网络权益，制定本办法。</p>\
             <p>意见反馈截止时间为2026年12月31日。</p></div></body></html>",
        ),
    );
    let ws = Workspace::new(&format!(
        r##"{LOOPBACK_FETCH}
[[source]]
id = "miit"
kind = "html-list"
url = "{base}/api-gateway/jpaas-publish-server/front/page/build/unit"

[source.request]
prime = "{base}/gzcy/yjzj/index.html"
query = {{ parseType = "buildstatic", pageId = "p1" }}
headers = {{ Referer = "{base}/gzcy/yjzj/index.html", X-Requested-With = "XMLHttpRequest" }}
timeout = "20s"

[source.list]
json = "data.html"
item = "li:not(.empty):not(.border-line)"
title = "a@title"
link = "a"
date = "span.fr"
deadline = "span.endtime"

[source.article]
content = "#con_con"
"##,
        base = site.url("")
    ));
    ws.run(&["check"]).success();

    let api = "/api-gateway/jpaas-publish-server/front/page/build/unit?pageId=p1&parseType=buildstatic";
    let hit = &site.hits(api)[0];
    assert_eq!(hit.answered, 200, "the endpoint saw cookie {:?}", hit.cookie);
    assert_eq!(hit.referer.as_deref(), Some(site.url("/gzcy/yjzj/index.html").as_str()));
    let article_hit = &site.hits("/gzcy/yjzj/art/2026/art_8f1.html")[0];
    assert_eq!(article_hit.cookie.as_deref(), Some("jsessionid=s3cr3t"), "same host: the cookie goes along");

    let docs = ws.docs();
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    assert_eq!(doc["title"], "关于《移动互联网未成年人模式管理办法（征求意见稿）》公开征求意见的通知");
    assert_eq!(doc["published"], "2026-10-20");
    assert_eq!(doc["deadline"], "2026-10-19", "the hidden endtime beats the 12-31 in the text");
}

/// Without the cookie the endpoint refuses, and the poll fails with the status named.
#[test]
fn without_the_prime_the_endpoint_refuses() {
    let site = TestSite::start();
    site.put("/api", json(r#"{"data":{"html":"<ul></ul>"}}"#).requiring_cookie("k=v"));
    let ws = Workspace::new(&format!(
        r#"{LOOPBACK_FETCH}
[[source]]
id = "miit"
kind = "html-list"
url = "{url}"
[source.list]
json = "data.html"
item = "li"
title = "a"
link = "a"
"#,
        url = site.url("/api")
    ));
    ws.run(&["check"]).success();
    let states = ws.run(&["sources", "list", "--json"]).success().json();
    let error = states[0]["last_error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("403"), "{states:#}");
    assert!(ws.docs().is_empty());
}

/// A slow API gets its own deadline; a large body its own cap.
#[test]
fn per_source_timeouts_and_body_caps_apply() {
    let site = TestSite::start();
    let rows = r#"{"rows":[{"t":"草案","u":"/a.html"}]}"#;
    site.put("/slow", json(rows).with_delay(Duration::from_millis(1500)));
    let big = format!(r#"{{"rows":[{{"t":"{}","u":"/b.html"}}]}}"#, "长".repeat(400));
    site.put("/big", json(&big));
    let source = |id: &str, path: &str, request: &str| {
        format!(
            r#"
[[source]]
id = "{id}"
kind = "json-list"
url = "{url}"
[source.request]
{request}
[source.json]
items = "rows"
title = "t"
link = "u"
"#,
            url = site.url(path)
        )
    };
    let fetch = LOOPBACK_FETCH.replace("timeout = \"5s\"", "timeout = \"1s\"\nmax_body = 512");
    let ws = Workspace::new(&format!(
        "{fetch}{}{}{}",
        source("slow-default", "/slow", "headers = { Referer = \"x\" }"),
        source("slow-patient", "/slow", "timeout = \"4s\""),
        source("big-roomy", "/big", "max_body = \"4KiB\""),
    ));
    ws.run(&["check"]);
    let states = ws.run(&["sources", "list", "--json"]).success().json();
    let error_of = |id: &str| {
        let row = states.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap().clone();
        row["last_error"].as_str().map(str::to_owned)
    };
    assert!(error_of("slow-default").is_some_and(|e| e.contains("timed out")), "{states:#}");
    assert_eq!(error_of("slow-patient"), None, "{states:#}");
    assert_eq!(error_of("big-roomy"), None, "{states:#}");
    assert_eq!(ws.docs().len(), 2);
}

/// An article edited in place while its list stays the same (answered 304) keeps the title its
/// list gave it, not its page's `<title>`.
#[test]
fn an_article_changed_under_an_unchanged_list_keeps_its_list_title() {
    let site = TestSite::start();
    site.put(
        "/list.htm",
        Page::html(r#"<ul class="l"><li><a href="/a.htm">关于《数据出境安全评估办法（征求意见稿）》公开征求意见的通知</a></li></ul>"#),
    );
    let article =
        |text: &str| Page::html(&format!("<html><head><title>a1</title></head><body><p>{text}</p></body></html>"));
    site.put("/a.htm", article("第一条 为了规范数据出境活动，制定本办法。"));
    let ws = Workspace::new(&format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"s\"\nkind = \"html-list\"\nurl = \"{}\"\n[source.list]\nitem = \"ul.l > li\"\ntitle = \"a\"\nlink = \"a\"\n",
        site.url("/list.htm")
    ));
    ws.run(&["check"]).success();
    site.put("/a.htm", article("第一条 为了规范数据出境活动，保护个人信息权益，制定本办法。"));
    ws.run(&["check"]).success();
    assert_eq!(site.hits("/list.htm").last().unwrap().answered, 304);
    let doc = ws.doc_by_url(&site.url("/a.htm"));
    assert_eq!(doc["versions"], 2);
    assert_eq!(doc["title"], "关于《数据出境安全评估办法（征求意见稿）》公开征求意见的通知");
    assert_eq!(doc["stage"], "draft");
}

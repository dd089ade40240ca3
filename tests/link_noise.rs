//! Links that change while their documents do not raise no alert: tracking parameters are
//! dropped from document URLs, the same text at a new URL of the same source is the same
//! document, and a list whose links carry a per-request token is marked unhealthy instead of
//! flooding subscribers with `document.new` alerts (and the database with documents).

#[path = "alert_common/mod.rs"]
mod alert_common;
mod common;

use alert_common::receiver::{self, Behaviour, Receiver};
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

const TITLES: [&str; 4] = [
    "关于《网络数据安全管理条例》的说明",
    "个人信息出境认证办法（征求意见稿）",
    "人脸识别技术应用安全管理办法",
    "未成年人网络保护条例实施细则",
];

/// The list, each link written with `query` (`""` for none).
fn list(query: impl Fn(usize) -> String) -> Page {
    let items: String = TITLES
        .iter()
        .enumerate()
        .map(|(i, title)| format!("<li><a href=\"/doc{i}.htm{}\">{title}</a><span>2026-11-2{i}</span></li>", query(i)))
        .collect();
    Page::html(&format!("<html><body><ul class=\"list\">{items}</ul></body></html>"))
}

/// An article long enough that an identical copy at another URL is the same document.
fn article(i: usize, token: &str) -> Page {
    let body = "第一条 为了规范数据处理活动，保障数据安全，促进数据依法合理有效利用，保护个人、组织的合法权益，\
                维护国家主权、安全和发展利益，根据有关法律，制定本办法。第二条 在中华人民共和国境内开展数据处理活动\
                及其安全监管，适用本办法。第三条 国家网信部门负责统筹协调数据安全和相关监督管理工作。";
    Page::html(&format!(
        "<html><body><article><h1>{}</h1><p>{body}</p><p>{token}</p></article></body></html>",
        TITLES[i]
    ))
}

fn site() -> TestSite {
    let site = TestSite::start();
    site.put("/list.htm", list(|_| String::new()));
    for i in 0..TITLES.len() {
        site.put(&format!("/doc{i}.htm?*"), article(i, ""));
        site.put(&format!("/doc{i}.htm"), article(i, ""));
    }
    site
}

fn workspace(site: &TestSite, hook: &Receiver) -> Workspace {
    Workspace::new(&format!(
        r#"{LOOPBACK_FETCH}
[[source]]
id = "cac"
kind = "html-list"
url = "{list}"
[source.list]
item = "ul.list > li"
title = "a"
link = "a"
[source.article]
content = "article"

[[subscriber]]
id = "newsroom"
webhook = "{hook}"
topics = ["*"]
events = ["document.new", "document.changed", "document.final", "source.unhealthy", "source.recovered"]
"#,
        list = site.url("/list.htm"),
        hook = hook.url,
    ))
}

/// `check --json`'s row for the one source, after the next poll (the source is made due).
fn poll(ws: &Workspace) -> serde_json::Value {
    let conn = rusqlite::Connection::open(ws.path().join("regwatch.db"));
    if let Ok(conn) = conn {
        let _ = conn.execute("UPDATE source SET next_due = 0", []);
    }
    ws.run(&["check", "--json"]).success().json()[0].clone()
}

fn document_events(hook: &Receiver) -> Vec<String> {
    hook.hits()
        .iter()
        .map(|hit| serde_json::from_slice::<serde_json::Value>(&hit.body).unwrap()["type"].as_str().unwrap().to_owned())
        .filter(|kind| kind.starts_with("document."))
        .collect()
}

#[test]
fn tracking_parameters_make_no_new_documents() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = site();
    let ws = workspace(&site, &hook);
    poll(&ws);

    site.put("/list.htm", list(|_| "?from=timeline&utm_source=weixin&isappinstalled=0".to_owned()));
    let row = poll(&ws);
    assert_eq!(row["new_documents"], 0, "{row}");
    assert_eq!(ws.docs().len(), TITLES.len());
    assert!(ws.docs().iter().all(|d| !d["url"].as_str().unwrap().contains('?')), "URLs stay canonical");
    assert!(document_events(&hook).is_empty(), "no alert for a tracking parameter");
}

#[test]
fn the_same_text_at_a_new_url_is_the_same_document() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = site();
    let ws = workspace(&site, &hook);
    site.put("/list.htm", list(|i| format!("?req=a{i}")));
    poll(&ws);

    // A per-request token no list knows (not a credential: `docs list` shows it); the pages are
    // byte for byte the same.
    site.put("/list.htm", list(|i| format!("?req=b{i}")));
    let row = poll(&ws);
    assert_eq!((row["new_documents"].as_u64(), row["new_versions"].as_u64()), (Some(0), Some(0)), "{row}");
    let docs = ws.docs();
    assert_eq!(docs.len(), TITLES.len());
    assert!(docs.iter().all(|d| d["url"].as_str().unwrap().contains("req=b")), "documents follow their new URL");
    assert!(document_events(&hook).is_empty());

    // A real edit at the new URL is still a change of the same document.
    site.put("/doc0.htm?*", article(0, "第四条 本办法自2027年1月1日起施行。"));
    let row = poll(&ws);
    assert_eq!((row["new_documents"].as_u64(), row["new_versions"].as_u64()), (Some(0), Some(1)), "{row}");
    assert_eq!(document_events(&hook), ["document.changed"]);
}

#[test]
fn links_that_change_on_every_poll_make_the_source_unhealthy_not_a_flood() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = site();
    let ws = workspace(&site, &hook);
    site.put("/list.htm", list(|i| format!("?req=0-{i}")));
    for i in 0..TITLES.len() {
        site.put(&format!("/doc{i}.htm?*"), article(i, "访问令牌 0"));
    }
    poll(&ws);

    let mut fetched = Vec::new();
    for round in 1..=4 {
        // Every poll: new tokens in every link, and the token printed in every page.
        site.put("/list.htm", list(|i| format!("?req={round}-{i}")));
        for i in 0..TITLES.len() {
            site.put(&format!("/doc{i}.htm?*"), article(i, &format!("访问令牌 {round}")));
        }
        let row = poll(&ws);
        assert_eq!(row["new_documents"], 0, "round {round}: {row}");
        fetched.push(row["fetched"].as_u64().unwrap());
    }
    assert_eq!(ws.docs().len(), TITLES.len(), "no document per token");
    assert!(document_events(&hook).is_empty(), "no flood of document.new");
    assert!(fetched.windows(2).all(|w| w[1] <= w[0]), "fetches do not grow poll after poll: {fetched:?}");

    let sources = ws.run(&["sources", "list", "--json"]).success().json();
    assert_eq!(sources[0]["health"], "unhealthy");
    let reason = sources[0]["health_reason"].as_str().unwrap();
    assert!(reason.contains("every link is new on every poll"), "{reason}");
    let kinds: Vec<String> = hook
        .hits()
        .iter()
        .map(|h| serde_json::from_slice::<serde_json::Value>(&h.body).unwrap()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["source.unhealthy"], "one alert, to the operator");
}

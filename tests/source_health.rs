//! Source health through the binary: a list whose structure changes so its selector matches
//! nothing, a source that keeps failing, and a list URL that starts redirecting elsewhere are
//! each marked unhealthy in `sources list` and announced once as `source.unhealthy` to a
//! webhook subscriber that asked for it; `source.recovered` follows when they heal.

#[path = "alert_common/mod.rs"]
mod alert_common;
mod common;

use alert_common::receiver::{self, Behaviour, Receiver};
use alert_common::smtp::SmtpServer;
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn list(class: &str) -> Page {
    Page::html(&format!(
        r#"<html><body><ul class="{class}">
        <li><a href="/a.htm">关于《网络数据安全管理条例》的说明</a><span>2024-09-30</span></li>
        <li><a href="/b.htm">个人信息出境认证办法（征求意见稿）</a><span>2024-10-11</span></li>
        </ul></body></html>"#
    ))
}

fn article(text: &str) -> Page {
    Page::html(&format!("<html><body><article><h1>t</h1><p>{text}</p></article></body></html>"))
}

fn site() -> TestSite {
    let site = TestSite::start();
    site.put("/list.htm", list("list"));
    site.put("/a.htm", article("第一条 为了规范网络数据处理活动，制定本条例。"));
    site.put("/b.htm", article("第一条 为了规范个人信息出境认证活动，制定本办法。"));
    site
}

fn workspace(site: &TestSite, hook: &Receiver) -> Workspace {
    workspace_with(site, hook, "")
}

fn workspace_with(site: &TestSite, hook: &Receiver, more: &str) -> Workspace {
    Workspace::new(&format!(
        r#"{LOOPBACK_FETCH}
unhealthy_after = 2

[[source]]
id = "cac"
name = "CAC list"
kind = "html-list"
url = "{list}"

[source.list]
item = "ul.list > li"
title = "a"
link = "a"

[[subscriber]]
id = "ops"
webhook = "{hook}"
events = ["source.unhealthy", "source.recovered"]
{more}"#,
        list = site.url("/list.htm"),
        hook = hook.url,
    ))
}

/// An operator who reads email instead.
fn email_subscriber(smtp: &SmtpServer) -> String {
    format!(
        "\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"regwatch <alerts@example.org>\"\n\n\
         [[subscriber]]\nid = \"oncall\"\nemail = \"oncall@example.org\"\nevents = [\"source.unhealthy\", \"source.recovered\"]\n",
        smtp.addr.port()
    )
}

/// (health, reason) of the one source, as `sources list --json` shows it.
fn health(ws: &Workspace) -> (String, Option<String>) {
    let rows = ws.run(&["sources", "list", "--json"]).success().json();
    let row = &rows.as_array().unwrap()[0];
    (row["health"].as_str().unwrap().to_owned(), row["health_reason"].as_str().map(str::to_owned))
}

/// The (type, reason) of every webhook the receiver got, in order.
fn events(hook: &Receiver) -> Vec<(String, String)> {
    hook.hits()
        .iter()
        .map(|hit| {
            let body: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
            assert_eq!(body["data"]["source"]["id"], "cac", "{body}");
            (body["type"].as_str().unwrap().to_owned(), body["data"]["reason"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn a_list_that_matches_nothing_is_unhealthy_until_it_matches_again() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let smtp = runtime.block_on(alert_common::smtp::start(None));
    let site = site();
    let ws = workspace_with(&site, &hook, &email_subscriber(&smtp));

    ws.run(&["check"]).success();
    assert_eq!(health(&ws), ("ok".to_owned(), None));
    assert!(events(&hook).is_empty(), "a healthy baseline says nothing");
    assert!(smtp.messages().is_empty());

    // The site is redesigned: same items, another class.
    site.put("/list.htm", list("news-list"));
    ws.run(&["check"]).success();
    let (state, reason) = health(&ws);
    assert_eq!(state, "unhealthy");
    let expected = format!(
        "item count dropped to zero (was 2): list selector `ul.list > li` matched nothing at {}",
        site.url("/list.htm")
    );
    assert_eq!(reason.as_deref(), Some(expected.as_str()));
    assert_eq!(events(&hook), [("source.unhealthy".to_owned(), expected.clone())]);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1, "the email subscriber hears of it too");
    assert_eq!(mails[0].to, ["oncall@example.org"]);
    let mail = String::from_utf8_lossy(&mails[0].data).into_owned();
    assert!(mail.contains("Source unhealthy"), "{mail}");
    assert!(mail.contains("ul.list > li"), "{mail}");

    // Still broken: no second alert.
    site.put("/list.htm", list("news-list").with_header("x-poll", "2"));
    ws.run(&["check"]).success();
    assert_eq!(events(&hook).len(), 1);

    site.put("/list.htm", list("list"));
    ws.run(&["check"]).success();
    assert_eq!(health(&ws), ("ok".to_owned(), None));
    let got = events(&hook);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1], ("source.recovered".to_owned(), "healthy again (was empty)".to_owned()));
    assert_eq!(smtp.messages().len(), 2);
}

#[test]
fn failing_polls_in_a_row_make_a_source_unhealthy() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = site();
    let ws = workspace(&site, &hook);
    ws.run(&["check"]).success();

    site.put("/list.htm", Page::status(500));
    ws.run(&["check"]);
    assert_eq!(health(&ws).0, "ok", "one failure is weather");
    ws.run(&["check"]);
    let (state, reason) = health(&ws);
    assert_eq!(state, "unhealthy");
    let reason = reason.unwrap();
    assert!(reason.starts_with("failed 2 times in a row; last: "), "{reason}");
    assert!(reason.contains("500"), "{reason}");
    assert_eq!(events(&hook), [("source.unhealthy".to_owned(), reason)]);

    site.put("/list.htm", list("list"));
    ws.run(&["check"]).success();
    assert_eq!(health(&ws).0, "ok");
    assert_eq!(events(&hook)[1], ("source.recovered".to_owned(), "healthy again (was failing)".to_owned()));
}

#[test]
fn a_list_url_that_redirects_somewhere_new_is_unhealthy() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = site();
    let ws = workspace(&site, &hook);
    ws.run(&["check"]).success();

    // The column moved; the old URL now sends readers to the new one, which still lists items.
    site.put("/moved/list.htm", list("list"));
    site.put("/list.htm", Page::redirect("/moved/list.htm"));
    ws.run(&["check"]).success();
    let (state, reason) = health(&ws);
    assert_eq!(state, "unhealthy");
    let expected = format!(
        "{} now leads to {} (was {})",
        site.url("/list.htm"),
        site.url("/moved/list.htm"),
        site.url("/list.htm")
    );
    assert_eq!(reason.as_deref(), Some(expected.as_str()));
    assert_eq!(events(&hook), [("source.unhealthy".to_owned(), expected)]);

    site.put("/list.htm", list("list").with_header("x-back", "1"));
    ws.run(&["check"]).success();
    assert_eq!(health(&ws).0, "ok");
    assert_eq!(events(&hook).len(), 2);
}

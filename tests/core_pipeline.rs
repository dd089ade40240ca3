//! The core pipeline end to end through the binary: feeds with followed articles, a GBK list
//! page, noise that must not make a version, a real edit that must, the baseline pass.

mod common;

use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

fn wordpress_feed(site: &TestSite, posts: &[(&str, &str)]) -> Page {
    let items: String = posts
        .iter()
        .map(|(slug, title)| {
            format!(
                "<item><title>{title}</title><link>{}</link><guid isPermaLink=\"false\">{slug}</guid>\
                 <pubDate>Tue, 08 Aug 2023 09:00:00 +0000</pubDate><description>teaser</description></item>",
                site.url(&format!("/{slug}/"))
            )
        })
        .collect();
    Page::bytes(
        "application/rss+xml; charset=utf-8",
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Blog</title><link>{}</link>{items}</channel></rss>", site.url("/"))
            .into_bytes(),
    )
}

fn wordpress_post(title: &str, paragraphs: &[&str], views: u32) -> Page {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    Page::html(&format!(
        "<html><head><title>{title} – Blog</title><script>var x=1;</script></head><body><nav>Home | About</nav>\
         <article><h1>{title}</h1>{body}<div class=\"share\">Share on Twitter</div><p>Views: {views}</p></article>\
         <footer>Last updated: 2023-08-0{} 10:00</footer></body></html>",
        views % 9
    ))
}

fn gbk(html: &str) -> Page {
    Page::bytes("text/html", encoding_rs::GBK.encode(html).0.into_owned())
}

fn gbk_list(items: &[(&str, &str, &str)]) -> Page {
    let lis: String = items
        .iter()
        .map(|(href, title, date)| format!("<li><a href=\"{href}\">{title}</a><span>{date}</span></li>"))
        .collect();
    gbk(&format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>政策法规</title></head>\
         <body><div class=\"nav\">首页 &gt; 政策法规</div><ul class=\"list\">{lis}</ul></body></html>"
    ))
}

fn gbk_article(title: &str, paragraphs: &[&str], views: u32) -> Page {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    gbk(&format!(
        "<html><head><meta charset=\"gbk\"><title>{title}</title></head><body><div class=\"nav\">首页</div>\
         <div class=\"content\"><h1>{title}</h1><div class=\"info\">浏览次数：{views}</div>{body}</div></body></html>"
    ))
}

const CONFIG_SOURCES: &str = r#"
[[source]]
id = "blog"
name = "A WordPress blog"
kind = "feed"
url = "SITE/feed/"
follow = true
[source.article]
content = "article"
ignore = [".share"]
ignore_text = ['^Views: \d+$', '^Last updated:']

[[source]]
id = "regulator"
name = "A GBK regulator list"
kind = "html-list"
url = "SITE/zcfg/index.htm"
[source.list]
item = "ul.list li"
title = "a"
link = "a"
date = "span"
[source.article]
content = "div.content"
ignore_text = ['^浏览次数']
"#;

fn setup() -> (TestSite, Workspace) {
    let site = TestSite::start();
    site.put(
        "/feed/",
        wordpress_feed(
            &site,
            &[("minors-mode", "Minors&#8217; mode draft explained"), ("data-export", "Data export FAQ")],
        ),
    );
    site.put(
        "/minors-mode/",
        wordpress_post(
            "Minors' mode draft explained",
            &["The draft requires a minors' mode.", "Comments are due by September 2, 2023."],
            10,
        ),
    );
    site.put(
        "/data-export/",
        wordpress_post("Data export FAQ", &["Security assessments apply to important data."], 20),
    );
    site.put(
        "/zcfg/index.htm",
        gbk_list(&[
            ("2023-08/08/c_1.htm", "人脸识别技术应用安全管理规定（试行）（征求意见稿）", "2023年8月8日"),
            ("2023-08/04/c_2.htm", "关于开展移动互联网应用程序备案工作的通知", "[2023-08-04]"),
        ]),
    );
    site.put(
        "/zcfg/2023-08/08/c_1.htm",
        gbk_article(
            "人脸识别技术应用安全管理规定（试行）（征求意见稿）",
            &["第一条 为了规范人脸识别技术应用，制定本规定。", "第二条 本规定适用于境内使用人脸识别技术的活动。"],
            100,
        ),
    );
    site.put(
        "/zcfg/2023-08/04/c_2.htm",
        gbk_article("关于开展移动互联网应用程序备案工作的通知", &["各省、自治区、直辖市通信管理局："], 200),
    );
    let config = format!(
        "[storage]\ndatabase = \"state/regwatch.db\"\n{LOOPBACK_FETCH}{}",
        CONFIG_SOURCES.replace("SITE", &site.url(""))
    );
    (site, Workspace::new(&config))
}

#[test]
fn first_pass_is_a_baseline_with_every_document_and_decoded_titles() {
    let (site, ws) = setup();
    let pass = ws.run(&["check", "--json"]).success().json();
    for report in pass.as_array().unwrap() {
        assert_eq!(report["baseline"], true, "{report}");
        assert!(report["error"].is_null(), "{report}");
        assert_eq!(report["changes"].as_array().unwrap().len(), 0, "a baseline alerts nobody: {report}");
    }
    let docs = ws.docs();
    assert_eq!(docs.len(), 4, "{docs:#?}");
    let titles: Vec<&str> = docs.iter().map(|d| d["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"人脸识别技术应用安全管理规定（试行）（征求意见稿）"), "{titles:?}");
    assert!(titles.contains(&"Minors’ mode draft explained"), "{titles:?}");
    let face = ws.doc_by_url(&site.url("/zcfg/2023-08/08/c_1.htm"));
    assert_eq!(face["versions"], 1);
    assert_eq!(face["source_id"], "regulator");
}

#[test]
fn noise_makes_no_version_and_unchanged_pages_cost_a_304() {
    let (site, ws) = setup();
    ws.run(&["check"]).success();
    // Only furniture moves: view counters and "last updated" stamps.
    site.put(
        "/minors-mode/",
        wordpress_post(
            "Minors' mode draft explained",
            &["The draft requires a minors' mode.", "Comments are due by September 2, 2023."],
            11,
        ),
    );
    site.put(
        "/zcfg/2023-08/08/c_1.htm",
        gbk_article(
            "人脸识别技术应用安全管理规定（试行）（征求意见稿）",
            &["第一条 为了规范人脸识别技术应用，制定本规定。", "第二条 本规定适用于境内使用人脸识别技术的活动。"],
            101,
        ),
    );
    site.clear_hits();
    let pass = ws.run(&["check", "--json"]).success().json();
    for report in pass.as_array().unwrap() {
        assert_eq!(report["new_versions"], 0, "noise must not make a version: {report}");
    }
    assert!(ws.docs().iter().all(|d| d["versions"] == 1));
    // Unchanged list, feed and articles were asked conditionally and answered 304.
    for path in ["/feed/", "/zcfg/index.htm", "/data-export/", "/zcfg/2023-08/04/c_2.htm"] {
        let hits = site.hits(path);
        assert_eq!(hits.len(), 1, "{path}: {hits:?}");
        assert!(hits[0].if_none_match.is_some(), "{path} was not conditional");
        assert_eq!(hits[0].answered, 304, "{path}");
    }
}

#[test]
fn a_real_edit_makes_one_new_version_and_a_diff() {
    let (site, ws) = setup();
    ws.run(&["check"]).success();
    site.put(
        "/zcfg/2023-08/08/c_1.htm",
        gbk_article(
            "人脸识别技术应用安全管理规定（试行）（征求意见稿）",
            &[
                "第一条 为了规范人脸识别技术应用，保护个人信息权益，制定本规定。",
                "第二条 本规定适用于境内使用人脸识别技术的活动。",
            ],
            150,
        ),
    );
    site.put(
        "/minors-mode/",
        wordpress_post(
            "Minors' mode draft explained",
            &["The draft requires a minors' mode.", "Comments are now due by September 15, 2023."],
            30,
        ),
    );
    let pass = ws.run(&["check", "--json"]).success().json();
    let changed: usize = pass.as_array().unwrap().iter().map(|r| r["changes"].as_array().unwrap().len()).sum();
    assert_eq!(changed, 2, "{pass:#}");
    let face = ws.doc_by_url(&site.url("/zcfg/2023-08/08/c_1.htm"));
    assert_eq!(face["versions"], 2);
    assert_eq!(ws.doc_by_url(&site.url("/zcfg/2023-08/04/c_2.htm"))["versions"], 1);
    assert_eq!(ws.doc_by_url(&site.url("/data-export/"))["versions"], 1);

    let id = face["id"].to_string();
    let diff = ws.run(&["diff", &id]).success().stdout;
    assert!(diff.contains("保护个人信息权益"), "{diff}");
    let json = ws.run(&["diff", &id, "--format", "json"]).success().json();
    assert_eq!(json["from_version"], 1);
    assert_eq!(json["to_version"], 2);
    let history = ws.run(&["docs", "history", &id, "--json"]).success().json();
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[test]
fn a_new_list_item_after_the_baseline_is_a_new_document() {
    let (site, ws) = setup();
    ws.run(&["check"]).success();
    site.put(
        "/zcfg/index.htm",
        gbk_list(&[
            ("2023-08/10/c_3.htm", "个人信息出境认证办法（征求意见稿）", "2023-08-10"),
            ("2023-08/08/c_1.htm", "人脸识别技术应用安全管理规定（试行）（征求意见稿）", "2023年8月8日"),
            ("2023-08/04/c_2.htm", "关于开展移动互联网应用程序备案工作的通知", "[2023-08-04]"),
        ]),
    );
    site.put(
        "/zcfg/2023-08/10/c_3.htm",
        gbk_article("个人信息出境认证办法（征求意见稿）", &["第一条 为了规范个人信息出境认证活动，制定本办法。"], 5),
    );
    let pass = ws.run(&["check", "--json", "--source", "regulator"]).success().json();
    let report = &pass[0];
    assert_eq!(report["baseline"], false);
    assert_eq!(report["new_documents"], 1, "{report}");
    assert_eq!(report["changes"].as_array().unwrap().len(), 1);
    let doc = ws.doc_by_url(&site.url("/zcfg/2023-08/10/c_3.htm"));
    assert_eq!(doc["title"], "个人信息出境认证办法（征求意见稿）");
}

#[test]
fn an_article_edited_in_place_is_found_while_its_list_is_unchanged() {
    let (site, ws) = setup();
    ws.run(&["check"]).success();
    // The list page is byte-identical (answers 304); only the article changes.
    site.put(
        "/zcfg/2023-08/04/c_2.htm",
        gbk_article(
            "关于开展移动互联网应用程序备案工作的通知",
            &["各省、自治区、直辖市通信管理局：", "现就备案工作有关事项通知如下。"],
            200,
        ),
    );
    ws.run(&["check", "--source", "regulator"]).success();
    assert_eq!(site.hits("/zcfg/index.htm").last().unwrap().answered, 304);
    assert_eq!(ws.doc_by_url(&site.url("/zcfg/2023-08/04/c_2.htm"))["versions"], 2);
}

#[test]
fn sources_test_prints_what_extraction_sees_and_stores_nothing() {
    let (_site, ws) = setup();
    let json = ws.run(&["sources", "test", "regulator", "--json"]).success().json();
    assert_eq!(json["source"], "regulator");
    assert_eq!(json["status"], 200);
    assert_eq!(json["encoding"], "gb18030", "GB2312/GBK labels decode as GB18030: {json}");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["title"], "人脸识别技术应用安全管理规定（试行）（征求意见稿）");
    assert_eq!(items[0]["published"], "2023-08-08");
    assert_eq!(items[1]["published"], "2023-08-04");
    assert!(!ws.path().join("state/regwatch.db").exists(), "sources test must not create the database");
}

#[test]
fn a_page_that_dropped_off_its_list_is_re_checked_when_due_and_keeps_its_list_title() {
    let site = TestSite::start();
    let first = ("2023-08/08/c_1.htm", "人脸识别技术应用安全管理规定（征求意见稿）", "2023年8月8日");
    let second = ("2023-08/04/c_2.htm", "关于开展移动互联网应用程序备案工作的通知", "[2023-08-04]");
    site.put("/zcfg/index.htm", gbk_list(&[first, second]));
    site.put("/zcfg/2023-08/08/c_1.htm", gbk_article("页面标题一", &["第一条 为了规范人脸识别技术应用。"], 1));
    site.put("/zcfg/2023-08/04/c_2.htm", gbk_article("页面标题二", &["各省、自治区、直辖市通信管理局："], 2));
    let config = format!(
        "[storage]\ndatabase = \"state/regwatch.db\"\n{LOOPBACK_FETCH}\n[[source]]\nid = \"regulator\"\nkind = \"html-list\"\n\
         url = \"{}\"\nrecheck_interval = \"1s\"\n[source.list]\nitem = \"ul.list li\"\ntitle = \"a\"\nlink = \"a\"\ndate = \"span\"\n\
         [source.article]\ncontent = \"div.content\"\nignore_text = ['^浏览次数']\n",
        site.url("/zcfg/index.htm")
    );
    let ws = Workspace::new(&config);
    ws.run(&["check"]).success();
    // The second item drops off the list: this poll reads the list and only the first page.
    site.put("/zcfg/index.htm", gbk_list(&[first]));
    ws.run(&["check"]).success();
    let dropped = "/zcfg/2023-08/04/c_2.htm";
    assert_eq!(site.hits(dropped).len(), 1, "a page that just dropped off is not re-checked at once");
    // Once its re-check is due, it is asked again, conditionally, and edited in place it
    // becomes a new version under the title the list gave it, not its page's own.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    site.put(dropped, gbk_article("页面标题二", &["各省、自治区、直辖市通信管理局：", "现就有关事项通知如下。"], 3));
    ws.run(&["check"]).success();
    let hits = site.hits(dropped);
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits[1].if_none_match.is_some(), "the re-check is conditional: {hits:?}");
    let doc = ws.doc_by_url(&site.url(dropped));
    assert_eq!((doc["versions"].as_i64(), doc["title"].as_str()), (Some(2), Some(second.1)));
    // The list itself answered 304 on that poll and its one page was asked too.
    assert_eq!(site.hits("/zcfg/index.htm").last().unwrap().answered, 304);
    assert_eq!(site.hits("/zcfg/2023-08/08/c_1.htm").len(), 3);
}

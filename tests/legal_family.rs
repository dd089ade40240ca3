//! Legal-text intelligence end to end: a draft edited in place shows exactly its edits, and its
//! final, published at another URL under a changed title, is linked to it and diffed against it.

#[path = "alert_common/mod.rs"]
mod alert_common;
mod common;

use alert_common::receiver::{self, Behaviour};
use common::{LOOPBACK_FETCH, Page, TestSite, Workspace};

const DRAFT_TITLE: &str = "人脸识别技术应用安全管理规定（试行）（征求意见稿）";
const FINAL_TITLE: &str = "人脸识别技术应用安全管理办法";

fn articles(texts: &[&str]) -> Vec<String> {
    const NUMERALS: [&str; 8] = ["一", "二", "三", "四", "五", "六", "七", "八"];
    texts.iter().zip(NUMERALS).map(|(t, n)| format!("第{n}条 {t}")).collect()
}

fn page(title: &str, lead: &str, articles: &[String]) -> Page {
    let body: String = articles.iter().map(|a| format!("<p>{a}</p>")).collect();
    Page::html(&format!("<html><body><div class=\"main\"><h1>{title}</h1><p>{lead}</p>{body}</div></body></html>"))
}

fn list(items: &[(&str, &str, &str)]) -> Page {
    let lis: String = items
        .iter()
        .map(|(href, title, date)| format!("<li><a href=\"{href}\">{title}</a><span>{date}</span></li>"))
        .collect();
    Page::html(&format!("<html><body><ul class=\"list\">{lis}</ul></body></html>"))
}

const BASE: [&str; 6] = [
    "为了规范人脸识别技术应用，保护个人信息权益，根据《中华人民共和国个人信息保护法》等法律，制定本规定。",
    "在中华人民共和国境内使用人脸识别技术处理人脸信息的，适用本规定。",
    "使用人脸识别技术处理人脸信息，应当具有特定的目的和充分的必要性。",
    "使用人脸识别技术处理人脸信息，应当取得个人的单独同意。",
    "在公共场所安装人脸识别设备，应当设置显著提示标识。",
    "本规定自公布之日起施行。",
];

#[test]
fn draft_edited_in_place_then_final_elsewhere_is_linked_and_diffed() {
    alert_common::install_crypto();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime.block_on(receiver::start(Behaviour::Accept, None));
    let site = TestSite::start();
    let lead = "现向社会公开征求意见。意见反馈截止时间为2023年9月7日。";
    site.put("/list.htm", list(&[("/draft.htm", DRAFT_TITLE, "2023-08-08")]));
    site.put("/draft.htm", page(DRAFT_TITLE, lead, &articles(&BASE)));
    let config = format!(
        "{LOOPBACK_FETCH}\n[[source]]\nid = \"cac\"\nname = \"CAC\"\nkind = \"html-list\"\nurl = \"{}\"\n[source.list]\nitem = \"ul.list li\"\n\
         title = \"a\"\nlink = \"a\"\ndate = \"span\"\n[source.article]\ncontent = \"div.main\"\n\n\
         [[subscriber]]\nid = \"hook\"\nwebhook = \"{}\"\ntopics = [\"facial-recognition\"]\nschedule = \"immediate\"\n",
        site.url("/list.htm"),
        hook.url
    );
    let ws = Workspace::new(&config);
    ws.run(&["check"]).success();
    let draft = ws.doc_by_url(&site.url("/draft.htm"));
    assert_eq!(draft["stage"], "draft");
    assert_eq!(draft["deadline"], "2023-09-07");
    assert!(draft["topics"].as_array().unwrap().contains(&"facial-recognition".into()), "{draft}");

    // Edited in place: article 4 amended, a new article inserted after it.
    let mut edited: Vec<&str> = BASE.to_vec();
    edited[3] = "使用人脸识别技术处理人脸信息，应当取得个人的单独同意或者书面同意。";
    edited.insert(4, "处理不满十四周岁未成年人人脸信息的，应当取得其监护人的同意。");
    site.put("/draft.htm", page(DRAFT_TITLE, lead, &articles(&edited)));
    ws.run(&["check"]).success();
    let id = draft["id"].to_string();
    let diff = ws.run(&["diff", &id, "--format", "json"]).success().json();
    assert_eq!(diff["summary"], "Article 4 amended; Article 5 added; Articles 5–6 renumbered 6–7", "{diff:#}");
    let kinds: Vec<(&str, &str)> = diff["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["number"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("4", "amended"), ("5", "added"), ("6", "renumbered"), ("7", "renumbered")]);

    // The final: another URL, no stage marker, 规定 became 办法, the fine text changed.
    let mut final_text = edited.clone();
    final_text[4] = "处理不满十四周岁未成年人人脸信息的，应当取得未成年人的父母或者其他监护人的同意。";
    site.put(
        "/list.htm",
        list(&[("/final.htm", FINAL_TITLE, "2025-03-21"), ("/draft.htm", DRAFT_TITLE, "2023-08-08")]),
    );
    site.put("/final.htm", page(FINAL_TITLE, "现予公布，自2025年6月1日起施行。", &articles(&final_text)));
    ws.run(&["check"]).success();

    let final_doc = ws.doc_by_url(&site.url("/final.htm"));
    assert_eq!(final_doc["stage"], "final");
    let final_id = final_doc["id"].to_string();
    let shown = ws.run(&["docs", "show", &final_id]).success().stdout;
    assert!(shown.contains("final of draft"), "{shown}");
    let diff = ws.run(&["diff", &final_id, "--format", "json"]).success().json();
    assert_eq!(diff["from_document"], draft["id"], "a final's first version is diffed against its draft");
    assert_eq!(diff["summary"], "Preamble amended; Article 5 amended", "{diff:#}");

    let finals: Vec<serde_json::Value> = hook
        .hits()
        .iter()
        .map(|h| serde_json::from_slice::<serde_json::Value>(&h.body).unwrap())
        .filter(|b| b["type"] == "document.final")
        .collect();
    assert_eq!(finals.len(), 1, "{:?}", hook.hits().len());
    assert_eq!(finals[0]["data"]["draft"]["id"], draft["id"]);
    assert_eq!(finals[0]["data"]["draft"]["title"], DRAFT_TITLE);
    assert_eq!(finals[0]["data"]["change"]["from_version"], 2, "the draft's last version");
}

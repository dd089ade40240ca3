//! Article and list pages end to end (bytes → decode → extract → hash): page furniture must not
//! change a document's hash, a real edit must, and a GBK list page must yield its Chinese titles
//! and dates.

use std::fs;
use std::path::Path;

use encoding_rs::GB18030;
use jiff::civil::date;
use regex::Regex;
use regwatch::config::model::{ArticleSpec, CssSelector, ListSpec};
use regwatch::extract::{ContentKind, Decoded, html_list, page};
use regwatch::fetch::charset::decode;
use url::Url;

fn fixture(name: &str) -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages").join(name)).unwrap()
}

/// A selector as config validation builds it: `sel` or `sel@attr`.
fn css(source: &str) -> CssSelector {
    let (selector, attribute) = match source.rsplit_once('@') {
        Some((sel, attr)) => (sel, Some(attr.to_owned())),
        None => (source, None),
    };
    CssSelector::new(source, scraper::Selector::parse(selector).unwrap(), attribute)
}

fn cac_spec() -> ArticleSpec {
    ArticleSpec {
        title: None,
        content: Some(css("div.article")),
        ignore: vec![css("div.share")],
        ignore_text: vec![Regex::new("^浏览次数").unwrap(), Regex::new("Last updated: .*").unwrap()],
    }
}

fn html(name: &str) -> Decoded {
    let url = Url::parse("https://www.cac.gov.cn/2024-09/30/c_1729384452307680.htm").unwrap();
    decode(&fixture(name), Some("text/html; charset=utf-8"), None, url)
}

#[test]
fn article_is_read_as_block_text() {
    let article = page::article(&html("article-v1.html"), &cac_spec()).unwrap();
    assert_eq!(article.title.as_deref(), Some("网络数据安全管理条例"));
    assert_eq!(article.published, Some(date(2024, 9, 30)));
    assert_eq!(
        article.blocks.lines(),
        [
            "网络数据安全管理条例",
            "2024年09月30日 17:35 来源：新华社",
            "第一章 总 则",
            "第一条 为了规范网络数据处理活动，保障网络数据安全，促进网络数据依法合理有效利用，保护个人、组织的合法权益，维护国家安全和公共利益，根据《中华人民共和国网络安全法》、《中华人民共和国数据安全法》、《中华人民共和国个人信息保护法》等法律，制定本条例。",
            "第二条 在中华人民共和国境内开展网络数据处理活动及其安全监督管理，适用本条例。",
            "条款 | 主要内容",
            "第九条 | 网络数据处理者应当依照法律、行政法规的规定和国家标准的强制性要求，采取加密、备份等措施。",
            "第六十四条 本条例自2025年1月1日起施行。",
        ]
    );
}

#[test]
fn furniture_does_not_change_the_hash() {
    let spec = cac_spec();
    let v1 = page::article(&html("article-v1.html"), &spec).unwrap();
    let v2 = page::article(&html("article-v2-furniture.html"), &spec).unwrap();
    assert_eq!(v1.blocks, v2.blocks);
    assert_eq!(v1.blocks.hash(), v2.blocks.hash());

    // The ignore rules are what keep it stable: without them the two differ.
    let bare = ArticleSpec { content: spec.content.clone(), ..ArticleSpec::default() };
    let v1 = page::article(&html("article-v1.html"), &bare).unwrap();
    let v2 = page::article(&html("article-v2-furniture.html"), &bare).unwrap();
    assert_ne!(v1.blocks.hash(), v2.blocks.hash());
}

#[test]
fn a_real_edit_changes_the_hash() {
    let spec = cac_spec();
    let v1 = page::article(&html("article-v1.html"), &spec).unwrap();
    let v3 = page::article(&html("article-v3-edited.html"), &spec).unwrap();
    assert_ne!(v1.blocks.hash(), v3.blocks.hash());
    let changed: Vec<_> = v3.blocks.lines().iter().filter(|l| !v1.blocks.lines().contains(l)).collect();
    assert_eq!(
        changed,
        [
            "第二条 在中华人民共和国境内开展网络数据处理活动及其安全监督管理，适用本条例；法律、行政法规另有规定的，从其规定。"
        ]
    );
}

#[test]
fn without_a_content_selector_furniture_still_goes() {
    let spec = ArticleSpec { content: None, ..cac_spec() };
    let article = page::article(&html("article-v1.html"), &spec).unwrap();
    let text = article.blocks.text();
    assert!(text.contains("第一条 为了规范网络数据处理活动"));
    // Semantic furniture (nav, aside, footer), scripts and the ignore rules' targets go ...
    for furniture in ["网信政务", "相关文章", "版权所有", "访问统计", "分享到", "浏览次数"] {
        assert!(!text.contains(furniture), "{furniture} in:\n{text}");
    }
    assert_eq!(article.title.as_deref(), Some("网络数据安全管理条例"));
    // ... but unmarked chrome stays: the breadcrumb, and a top bar with today's date, which
    // is why real sources name their content region.
    assert!(text.contains("当前位置：首页 > 政策法规 > 正文"));
    let v2 = page::article(&html("article-v2-furniture.html"), &spec).unwrap();
    assert_ne!(article.blocks.hash(), v2.blocks.hash());
}

fn miit_list() -> ListSpec {
    ListSpec {
        item: css("ul.page-content > li"),
        title: css("a@title"),
        link: Some(css("a")),
        date: Some(css("span")),
        deadline: None,
        json: None,
        own_text: None,
    }
}

fn gbk_list(content_type: &str, host: &str) -> Decoded {
    let source = String::from_utf8(fixture("list-gbk.html")).unwrap();
    let (bytes, _, unmappable) = GB18030.encode(&source);
    assert!(!unmappable);
    let url = Url::parse(&format!("https://{host}/zwgk/zcfg/list/index.html")).unwrap();
    decode(&bytes, Some(content_type), None, url)
}

#[test]
fn gbk_list_page() {
    let doc = gbk_list("text/html", "www.miit.gov.cn");
    assert_eq!(doc.encoding, GB18030);
    assert_eq!(doc.kind, ContentKind::Html);
    let items = html_list::items(&doc, &miit_list()).unwrap();
    let got: Vec<_> = items.iter().map(|i| (i.url.as_str(), i.title.as_str(), i.published)).collect();
    assert_eq!(
        got,
        [
            (
                "https://www.miit.gov.cn/zwgk/art/2023/art_1a.html",
                "工业和信息化部关于《工业和信息化领域数据安全管理办法（试行）》的实施细则",
                Some(date(2023, 8, 8)),
            ),
            (
                "https://www.miit.gov.cn/zwgk/art/2023/art_2b.html",
                "关于公开征求《汽车数据出境安全指引（征求意见稿）》意见的通知",
                Some(date(2023, 7, 21)),
            ),
            (
                "https://www.miit.gov.cn/zwgk/zcfg/art/2023/art_3c.html",
                "电信和互联网用户个人信息保护规定（修订）",
                Some(date(2023, 6, 30)),
            ),
        ]
    );
}

#[test]
fn gbk_list_page_mislabelled_utf8_still_reads() {
    // The server says UTF-8 (a global nginx default), the page says gb2312: the page wins.
    let doc = gbk_list("text/html; charset=utf-8", "www.miit.gov.cn");
    assert_eq!(doc.encoding, GB18030);
    let items = html_list::items(&doc, &miit_list()).unwrap();
    assert_eq!(items[1].title, "关于公开征求《汽车数据出境安全指引（征求意见稿）》意见的通知");
}

#[test]
fn gbk_without_any_declaration_is_sniffed() {
    let source = String::from_utf8(fixture("list-gbk.html")).unwrap();
    let source = source.replace(r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />"#, "");
    let (bytes, _, _) = GB18030.encode(&source);
    let url = Url::parse("https://www.miit.gov.cn/zwgk/zcfg/list/index.html").unwrap();
    let doc = decode(&bytes, Some("text/html"), None, url);
    assert_eq!(doc.encoding, GB18030);
    let items = html_list::items(&doc, &miit_list()).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2].title, "电信和互联网用户个人信息保护规定（修订）");
}

#[test]
fn real_pages_pass_the_guard() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut pages = vec![
        dir.join("feeds/chardet-gb2312/_chromium_gb18030_with_no_encoding_specified.html.xml"),
        dir.join("feeds/chardet-gb2312/_mozilla_bug171813_text.html"),
    ];
    pages.extend(fs::read_dir(dir.join("pages")).unwrap().map(|e| e.unwrap().path()));
    for path in pages {
        let doc = decode(&fs::read(&path).unwrap(), None, None, Url::parse("http://192.0.2.1/").unwrap());
        assert_eq!(regwatch::extract::guard::check(&doc.text), Ok(()), "{}", path.display());
        let article = page::article(&doc, &ArticleSpec::default()).unwrap();
        assert!(!article.blocks.is_empty(), "{}", path.display());
    }
}

#[test]
fn hostile_page_is_refused_before_parsing() {
    // 500 KB of nested <div>s: html5ever alone would take tens of seconds.
    let hostile = "<div>".repeat(100_000);
    let doc = decode(hostile.as_bytes(), Some("text/html"), None, Url::parse("http://192.0.2.1/").unwrap());
    let started = std::time::Instant::now();
    let got = page::article(&doc, &ArticleSpec::default());
    assert!(matches!(got, Err(regwatch::extract::ExtractError::TooDeep { .. })), "{got:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

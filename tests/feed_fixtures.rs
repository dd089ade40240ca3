//! `extract::feed` against real feeds: feed-rs's own fixtures with their `.serde.json` goldens,
//! chardet's GB2312 feeds, a truncated Reuters feed and feedparser's ill-formed cases. Bytes go
//! through `fetch::charset::decode` first, as in the pipeline.

use std::fs;
use std::path::{Path, PathBuf};

use regwatch::extract::blocks::normalise_line;
use regwatch::extract::feed::{self, FeedEntries, SkipReason, Skipped};
use regwatch::extract::{ContentKind, ExtractError};
use regwatch::fetch::charset::decode;
use serde_json::Value;
use url::Url;

const FEED_URL: &str = "https://feeds.example.org/dir/feed.xml";

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds").join(dir)
}

fn read(path: &Path, content_type: Option<&str>) -> Result<FeedEntries, ExtractError> {
    let body = fs::read(path).unwrap();
    feed::read(&decode(&body, content_type, None, Url::parse(FEED_URL).unwrap()))
}

/// The link feed-rs's golden gives an entry, by the rule `feed` uses (alternate, else first).
fn golden_link(entry: &Value) -> Option<&str> {
    let links = entry["links"].as_array()?;
    links.iter().find(|l| l["rel"].is_null() || l["rel"] == "alternate").or_else(|| links.first())?["href"].as_str()
}

/// A golden title simple enough to be its own plain text.
fn golden_title(entry: &Value) -> Option<&str> {
    let title = &entry["title"];
    let text = title["content"].as_str()?;
    (title["content_type"] == "text/plain" && !text.contains(['<', '&'])).then_some(text)
}

#[test]
fn feed_rs_goldens() {
    let mut feeds = 0;
    let mut links_checked = 0;
    let mut titles_checked = 0;
    let mut dates_checked = 0;
    for dir in ["atom", "rss0", "rss1", "rss2", "jsonfeed"] {
        let mut paths: Vec<_> = fs::read_dir(fixtures("feed-rs").join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".serde.json"))
            .collect();
        paths.sort();
        for golden_path in paths {
            let stem = golden_path.to_string_lossy().replace(".serde.json", "");
            let input = [format!("{stem}.xml"), format!("{stem}.json")]
                .into_iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
                .unwrap();
            let golden: Value = serde_json::from_slice(&fs::read(&golden_path).unwrap()).unwrap();
            let got = read(&input, None).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
            let entries = golden["entries"].as_array().unwrap();
            assert!(got.items.len() + got.skipped.len() <= entries.len(), "{}", input.display());
            for entry in entries {
                let Some(href) = golden_link(entry).filter(|h| h.starts_with("http")) else {
                    continue;
                };
                let expected = Url::parse(href.trim()).unwrap();
                let item = got
                    .items
                    .iter()
                    .find(|i| i.url == expected)
                    .unwrap_or_else(|| panic!("{}: no item for {expected}", input.display()));
                links_checked += 1;
                let golden_date = [&entry["published"], &entry["updated"]]
                    .into_iter()
                    .find_map(|d| d.as_str()?.get(..10)?.parse::<jiff::civil::Date>().ok());
                if let Some(utc) = golden_date {
                    // The golden is in UTC, ours in the feed's own offset: at most a day apart.
                    let ours = item.published.unwrap_or_else(|| panic!("{}: no date", input.display()));
                    let apart = (ours - utc).get_days().abs();
                    assert!(apart <= 1, "{}: {ours} vs {utc}", input.display());
                    dates_checked += 1;
                }
                if let Some(title) = golden_title(entry).filter(|t| !t.trim().is_empty()) {
                    let first_with_url = got.items.iter().position(|i| i.url == expected);
                    // A repeated URL keeps the first entry's title.
                    if first_with_url == got.items.iter().position(|i| std::ptr::eq(i, item)) {
                        assert_eq!(item.title, normalise_line(title), "{}", input.display());
                        titles_checked += 1;
                    }
                }
            }
            feeds += 1;
        }
    }
    assert_eq!(feeds, 64);
    // Every golden entry with an absolute link, every plain title and every date among them.
    assert_eq!((links_checked, titles_checked, dates_checked), (88, 83, 79));
}

#[test]
fn relative_links_resolve_against_the_feed() {
    let got = read(&fixtures("feed-rs/atom/atom_relative.xml"), None).unwrap();
    let urls: Vec<_> = got.items.iter().map(|i| i.url.as_str()).collect();
    assert_eq!(urls, ["https://feeds.example.org/blog/2003/12/13/atom03"]);
}

#[test]
fn gb2312_feeds_have_chinese_titles() {
    let mut paths: Vec<_> = fs::read_dir(fixtures("chardet-gb2312"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml") && !p.to_string_lossy().contains(".html"))
        .collect();
    paths.sort();
    let (mut feeds, mut titles, mut chinese_titles) = (0, 0, 0);
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let got = read(path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!got.items.is_empty(), "{name}");
        for item in &got.items {
            assert!(!item.title.contains('\u{FFFD}'), "{name}: {}", item.title);
        }
        let text = |i: &regwatch::extract::ListItem| {
            i.content.as_ref().map(regwatch::extract::BlockText::text).unwrap_or_default() + &i.title
        };
        assert!(got.items.iter().any(|i| text(i).chars().any(is_han)), "{name}");
        titles += got.items.len();
        chinese_titles += got.items.iter().filter(|i| i.title.chars().any(is_han)).count();
        feeds += 1;
    }
    // Blogger's Atom 0.3 (eighthday.blogspot.com) included.
    assert_eq!(feeds, 18);
    assert!(chinese_titles * 10 >= titles * 6, "{chinese_titles} of {titles}");
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[test]
fn gb2312_wordpress_feed_reads_exactly() {
    // cappuccinos.3322.org: WordPress 1.2.1, RSS 2.0 in GB2312 with content:encoded.
    let got = read(&fixtures("chardet-gb2312/cappuccinos.3322.org.xml"), None).unwrap();
    assert_eq!(got.items.len(), 10);
    let first = &got.items[0];
    assert_eq!(first.title, "雨");
    assert_eq!(first.url.as_str(), "http://cappuccinos.3322.org/index.php?p=135");
    assert_eq!(first.published, Some(jiff::civil::date(2005, 12, 27)));
    let content = first.content.as_ref().unwrap().text();
    // The source breaks the line between 很久 and 终于: Chinese joins it without a space.
    assert!(content.starts_with("很久，很久终于下雨了"), "{content}");
    assert_eq!(got.items[2].title, "圣诞晚餐好失败");
}

#[test]
fn truncated_reuters_feed_is_an_error() {
    // The server died mid-feed: no `</channel></rss>`. quick-xml reports the unclosed tag.
    let got = read(&fixtures("feed-rs/rss2/rss_2.0_invalid_1.xml"), Some("application/rss+xml"));
    let Err(ExtractError::Feed { reason }) = got else { panic!("{got:?}") };
    assert!(reason.contains("not found before end of input"), "{reason}");
}

/// What regwatch makes of each of feedparser's ill-formed feeds: a clear error where nothing
/// can be read, the complete entries of a feed that breaks off, and never a panic.
#[test]
fn feedparser_illformed() {
    let cases: [(&str, Option<&str>, Result<usize, &str>); 8] = [
        ("aaa_illformed.xml", None, Err("not found before end of input")),
        // An XHTML doctype before `<rss>` without a version: read as RSS 2.0, no items.
        ("always_strip_doctype.xml", None, Ok(0)),
        ("http_high_bit_date.xml", Some("text/xml"), Ok(0)),
        // Cut off after its item: the complete item is read, and the break reported.
        ("rdf_channel_empty_textinput.xml", None, Ok(1)),
        ("rss_empty_document.xml", None, Err("no root element")),
        ("rss_incomplete_cdata.xml", None, Err("CDATA not closed")),
        ("rss_item_link_corrupted_ampersands.xml", None, Ok(1)),
        ("undeclared_namespace.xml", None, Ok(0)),
    ];
    for (file, content_type, expected) in cases {
        let got = read(&fixtures("feedparser/illformed").join(file), content_type);
        match (got, expected) {
            (Ok(read), Ok(n)) => assert_eq!(read.items.len(), n, "{file}"),
            (Err(ExtractError::Feed { reason }), Err(part)) => {
                assert!(reason.contains(part), "{file}: {reason}");
            }
            (got, expected) => panic!("{file}: got {got:?}, expected {expected:?}"),
        }
    }
    let got = read(&fixtures("feedparser/illformed/rss_item_link_corrupted_ampersands.xml"), None);
    assert_eq!(got.unwrap().items[0].url.as_str(), "http://link/get?a=1&b=2");
}

#[test]
fn html_where_a_feed_was_expected() {
    let body = fs::read(fixtures("chardet-gb2312/_chromium_gb18030_with_no_encoding_specified.html.xml")).unwrap();
    let doc = decode(&body, Some("application/rss+xml"), None, Url::parse(FEED_URL).unwrap());
    assert_eq!(doc.kind, ContentKind::Html);
    assert_eq!(feed::entries(&doc), Err(ExtractError::WrongKind { expected: "feed", got: "html" }));
}

/// Every case of feedparser's corpus where feedparser finds titled entries, with what
/// feedparser read (`feedparser/titled.json`, written by `scripts/feed-compare/run.sh
/// --golden`): regwatch reads as many entries with the same plain-text titles, except in the
/// two cases `scripts/feed-compare/known-disagreements.tsv` explains, pinned here.
#[test]
fn feedparser_titled_cases_agree() {
    let golden: std::collections::BTreeMap<String, Value> =
        serde_json::from_slice(&fs::read(fixtures("feedparser/titled.json")).unwrap()).unwrap();
    let mut agree = 0;
    for (case, expected) in &golden {
        let headers = expected["headers"].as_array().unwrap();
        let content_type = headers
            .iter()
            .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case("content-type")))
            .and_then(|h| h[1].as_str());
        let got = read(&fixtures("feedparser").join(case), content_type);
        match case.as_str() {
            // Microsoft CDF is no feed format regwatch reads.
            "wellformed/base/cdf_item_abstract_xml_base.xml" => {
                let Err(ExtractError::Feed { reason }) = got else { panic!("{case}: {got:?}") };
                assert!(reason.contains("no root element"), "{reason}");
                continue;
            }
            // feedparser titles the item with a <title> nested in <category><image>; the item
            // has nothing of its own, so regwatch skips it and says so.
            "wellformed/rss/item_category_image.xml" => {
                let got = got.unwrap();
                assert!(got.items.is_empty());
                assert_eq!(got.skipped, [Skipped { position: 1, reason: SkipReason::Empty }]);
                continue;
            }
            _ => {}
        }
        let got = got.unwrap_or_else(|e| panic!("{case}: {e}"));
        let count = usize::try_from(expected["count"].as_u64().unwrap()).unwrap();
        assert_eq!(got.items.len(), count, "{case}: {:?}", got.items);
        let theirs = expected["titles"].as_array().unwrap().iter().map(|t| t.as_str().unwrap());
        for (item, title) in got.items.iter().zip(theirs) {
            if !title.is_empty() {
                assert_eq!(item.title, title, "{case}");
            }
        }
        agree += 1;
    }
    assert_eq!((agree, golden.len()), (137, 139));
}

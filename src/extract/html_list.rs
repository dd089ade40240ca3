//! Reads a list page (a regulator's 政策法规 list, a blog index) through the source's CSS
//! selectors into `ListItem`s: title, absolute link and date per item; or, for a source that
//! does not follow its links, each item with its own text as its document (`own_text`).
//!
//! Not the linked articles (the pipeline fetches those and hands them to `page`).

mod own_text;

use std::collections::HashSet;

use scraper::ElementRef;
use url::Url;

use crate::config::model::{CssSelector, ListSpec};
use crate::extract::blocks::{line_key, normalise_line, plain_text};
use crate::extract::date::{parse_date, parse_deadline, parse_published};
use crate::extract::links::{ANCHOR, base_url};
use crate::extract::{Decoded, ExtractError, ListItem, guard};

/// The items of a list page in page order. Items without an http(s) link are skipped, and so
/// are repeats of a URL already seen. An item selector that matches nothing gives no items.
pub fn items(doc: &Decoded, spec: &ListSpec) -> Result<Vec<ListItem>, ExtractError> {
    let fragment;
    // A jpaas column endpoint: the list is an HTML string inside a JSON envelope.
    let html = if let Some(path) = &spec.json {
        fragment = crate::extract::json_list::fragment(doc, path)?;
        fragment.as_str()
    } else {
        doc.expect_html()?;
        doc.text.as_str()
    };
    guard::check(html)?;
    let page = crate::extract::html::parse_document(html)?;
    let base = base_url(&page, &doc.url);
    if let Some(own) = &spec.own_text {
        return Ok(own_text::items(&page, &base, &doc.url, spec, own));
    }
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut linkless = crate::extract::linkless::Linkless::default();
    for item in page.select(&spec.item.selector) {
        let Some((url, link_el)) = spec.link.as_ref().and_then(|l| link(item, l, &base)) else {
            linkless.note(|| plain_text(item));
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title = read(item, &spec.title)
            .filter(|t| !t.is_empty())
            .or_else(|| Some(plain_text(link_el)).filter(|t| !t.is_empty()))
            .map(|t| uncut(t, link_el))
            .or_else(|| link_el.attr("title").map(normalise_line))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| url.to_string());
        let deadline_text = spec.deadline.as_ref().and_then(|d| read(item, d));
        let published = if let Some(date) = &spec.date {
            read(item, date).and_then(|t| parse_published(&t))
        } else {
            // Without a date selector, the item's text minus its title (which may name a date of
            // its own, as in 关于2023年8月8日会议的通知) and minus its deadline (TC260's
            // [截至日期:…] is no publication date).
            let mut rest = plain_text(item).replacen(&title, " ", 1);
            if let Some(deadline) = deadline_text.as_deref().filter(|d| !d.is_empty()) {
                rest = rest.replacen(deadline, " ", 1);
            }
            parse_date(&rest)
        };
        let deadline = deadline_text.and_then(|t| parse_deadline(&t));
        items.push(ListItem {
            link: Some(url.clone()),
            url,
            title,
            published,
            content: None,
            deadline,
            attachment: None,
        });
    }
    linkless.log("List items have no usable link; skipped.");
    Ok(items)
}

/// A title cut short with an ellipsis (`关于《移动互联网未成年人模式…`) is completed from the
/// link's `title` attribute when that attribute begins with what the text shows; a whole title
/// is kept as the text has it (the attribute may keep the site's line breaks).
fn uncut(title: String, link_el: ElementRef<'_>) -> String {
    let Some(shown) = title.strip_suffix('…').or_else(|| title.strip_suffix("...")) else { return title };
    let Some(full) = link_el.attr("title").map(normalise_line) else { return title };
    let shown = line_key(shown);
    if !shown.is_empty() && line_key(&full).starts_with(&shown) && full.len() > title.len() { full } else { title }
}

/// The first element the selector picks: the item itself if it matches, else a descendant.
fn pick<'a>(item: ElementRef<'a>, selector: &CssSelector) -> Option<ElementRef<'a>> {
    if selector.selector.matches(&item) {
        return Some(item);
    }
    item.select(&selector.selector).next()
}

/// The selector's text, or its `@attr`, trimmed and normalised.
fn read(item: ElementRef<'_>, selector: &CssSelector) -> Option<String> {
    let el = pick(item, selector)?;
    Some(match &selector.attribute {
        Some(attr) => normalise_line(el.attr(attr)?),
        None => plain_text(el),
    })
}

/// The item's link (`href` unless `@attr` is given) resolved against `base`, with the element
/// it came from. `#…`, `javascript:`, `mailto:` and other non-web links give nothing.
fn link<'a>(item: ElementRef<'a>, selector: &CssSelector, base: &Url) -> Option<(Url, ElementRef<'a>)> {
    let el = pick(item, selector)?;
    let (href, from) = match &selector.attribute {
        Some(attr) => (el.attr(attr)?, el),
        None => {
            if let Some(href) = el.attr("href") {
                (href, el)
            } else {
                let a = el.select(&ANCHOR).next()?;
                (a.attr("href")?, a)
            }
        }
    };
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some((url, from))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::extract::ContentKind;
    use scraper::Selector;

    fn css(s: &str) -> CssSelector {
        let (sel, attribute) = match s.rsplit_once('@') {
            Some((sel, attr)) => (sel, Some(attr.to_owned())),
            None => (s, None),
        };
        CssSelector::new(s, Selector::parse(sel).unwrap(), attribute)
    }

    fn spec(item: &str, title: &str, link: &str, date: Option<&str>) -> ListSpec {
        ListSpec {
            item: css(item),
            title: css(title),
            link: Some(css(link)),
            date: date.map(css),
            deadline: None,
            json: None,
            own_text: None,
        }
    }

    fn doc(text: &str, kind: ContentKind) -> Decoded {
        Decoded {
            url: Url::parse("https://www.example.gov.cn/zcfg/index.html").unwrap(),
            text: text.to_owned(),
            encoding: encoding_rs::UTF_8,
            kind,
        }
    }

    const LIST: &str = r##"<html><body><ul class="list">
      <li><a href="./2023-08/08/c_1.htm" title="Full title one">标题 一</a><span class="date">[2023-08-08]</span></li>
      <li><a href="/zcfg/c_2.htm">标题二</a><span class="date">2023年8月9日</span></li>
      <li><a href="javascript:void(0)">脚本</a><span class="date">2023-08-10</span></li>
      <li><a href="#">锚点</a></li>
      <li><span>无链接</span></li>
      <li><a href="https://www.example.gov.cn/zcfg/c_2.htm">重复</a></li>
      <li><a href="mailto:x@example.org">mail</a></li>
      <li><a href=" https://other.example.org/x.html "></a><span class="date">Aug 1, 2023</span></li>
    </ul></body></html>"##;

    #[test]
    fn reads_items() {
        let got = items(&doc(LIST, ContentKind::Html), &spec("ul.list > li", "a", "a", Some("span.date"))).unwrap();
        let urls: Vec<&str> = got.iter().map(|i| i.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://www.example.gov.cn/zcfg/2023-08/08/c_1.htm",
                "https://www.example.gov.cn/zcfg/c_2.htm",
                "https://other.example.org/x.html",
            ]
        );
        let titles: Vec<&str> = got.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["标题 一", "标题二", "https://other.example.org/x.html"]);
        let dates: Vec<_> = got.iter().map(|i| i.published).collect();
        assert_eq!(dates, [Some(date(2023, 8, 8)), Some(date(2023, 8, 9)), Some(date(2023, 8, 1))]);
        assert!(got.iter().all(|i| i.content.is_none()));
    }

    #[test]
    fn attributes_base_and_self_match() {
        let html = r#"<head><base href="https://cdn.example.org/site/"></head>
            <a class="item" href="a.htm" title="属性标题">短</a>
            <a class="item" data-url="b.htm" href="c.htm">第二项 2024年1月2日</a>"#;
        let got = items(&doc(html, ContentKind::Html), &spec("a.item", "a@title", "a@data-url", None)).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].url.as_str(), "https://cdn.example.org/site/b.htm");
        let got = items(&doc(html, ContentKind::Html), &spec("a.item", "a@title", "a", None)).unwrap();
        assert_eq!(got[0].title, "属性标题");
        assert_eq!(got[1].url.as_str(), "https://cdn.example.org/site/c.htm");
        // No title attribute: the link's text; no date selector: a date found beside the title.
        assert_eq!(got[1].title, "第二项 2024年1月2日");
        assert_eq!(got[1].published, None);
    }

    #[test]
    fn date_without_selector_skips_the_title() {
        let html = r#"<li><a href="/n.htm">关于2023年8月8日会议的通知</a> 2023-08-20</li>"#;
        let got = items(&doc(html, ContentKind::Html), &spec("li", "a", "a", None)).unwrap();
        assert_eq!(got[0].published, Some(date(2023, 8, 20)));
    }

    #[test]
    fn refuses_json_and_xml() {
        let s = spec("li", "a", "a", None);
        assert_eq!(
            items(&doc("{\"a\":1}", ContentKind::Json), &s),
            Err(ExtractError::WrongKind { expected: "html", got: "json" })
        );
        assert_eq!(
            items(&doc("<rss/>", ContentKind::Xml), &s),
            Err(ExtractError::WrongKind { expected: "html", got: "xml" })
        );
    }

    /// MIIT's jpaas endpoint: the list is HTML inside JSON, with placeholder rows and the
    /// deadline as hidden epoch milliseconds.
    #[test]
    fn reads_lists_inside_json_with_deadlines() {
        let json = r#"{"code":200,"data":{"html":"<ul><li class=\"empty\"></li><li><span class=\"fr\">2026-10-20</span><a href=\"/gzcy/yjzj/art/2026/art_0123.html\" title=\"关于《移动互联网未成年人模式管理办法（征求意见稿）》公开征求意见的通知\">关于《移动互联网未成年人模式…</a><span class=\"endtime\" style=\"display:none\">1792339200000</span></li><li class=\"border-line\"></li></ul>"}}"#;
        let mut list = spec("li:not(.empty):not(.border-line)", "a@title", "a", Some("span.fr"));
        list.deadline = Some(css("span.endtime"));
        list.json = Some(crate::json_path::JsonPath::parse("data.html").unwrap());
        let got = items(&doc(json, ContentKind::Json), &list).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].url.as_str(), "https://www.example.gov.cn/gzcy/yjzj/art/2026/art_0123.html");
        assert!(got[0].title.ends_with("公开征求意见的通知"), "{}", got[0].title);
        assert_eq!(got[0].published, Some(date(2026, 10, 20)));
        assert_eq!(got[0].deadline, Some(date(2026, 10, 19)));
    }

    /// SAMR rows carry the comment period; the date is its start, the deadline its end.
    #[test]
    fn a_period_gives_date_and_deadline() {
        let html = r#"<ul><li><a href="/hd/zjdc/art/1.html">征求意见</a><span class="time">2025-01-01至2025-02-01</span></li></ul>"#;
        let mut list = spec("li", "a", "a", Some("span.time"));
        list.deadline = Some(css("span.time"));
        let got = items(&doc(html, ContentKind::Html), &list).unwrap();
        assert_eq!((got[0].published, got[0].deadline), (Some(date(2025, 1, 1)), Some(date(2025, 2, 1))));
    }

    /// SAMR's jpaas rows (as the live endpoint answers): the `title` attribute keeps the line
    /// breaks of the site's editor, the link text is whole; a header row has no link.
    const SAMR_ROWS: &str = "<ul class=\"Three_zhnlist_02\"><li class=\"zjnav04Left02_content\"><div class=\"doctitle\">标题</div><div class=\"doctime tim\">征集期</div></li><li class=\"zjnav04Left02_content\">\n\t<div class=\"doctitle\"><a href=\"/hd/zjdc/art/2026/art_1.html\" target=\"_blank\" title=\"市场监管总局关于公开征求《关于出口\n转内销产品强制性产品认证便利化试点的通知\n（征求意见稿）》意见的通知\">市场监管总局关于公开征求《关于出口转内销产品强制性产品认证便利化试点的通知（征求意见稿）》意见的通知</a></div>\n\t<div class=\"doctime tim\">2026-12-03至2027-01-02</div>\n\t<div class=\"docstatus stu\">(进行中)</div></li><li class=\"zjnav04Left02_content\"><div class=\"doctitle\"><a href=\"/hd/zjdc/art/2026/art_2.html\" title=\"市场监管总局关于公开征求《网络交易平台规则监督管理办法（征求意见稿）》意见的公告\">市场监管总局关于公开征求《网络交易平台规则…</a></div><div class=\"doctime tim\">2026-11-10至2026-12-10</div></li></ul>";

    #[rstest::rstest]
    #[case::link_text(".doctitle a")]
    #[case::title_attribute(".doctitle a@title")]
    fn samr_rows_give_whole_titles_and_periods(#[case] title: &str) {
        let mut list = spec("li.zjnav04Left02_content", title, ".doctitle a", Some("div.doctime"));
        list.deadline = Some(css("div.doctime"));
        let got = items(&doc(SAMR_ROWS, ContentKind::Html), &list).unwrap();
        assert_eq!(got.len(), 2, "the header row has no link");
        assert_eq!(
            got[0].title,
            "市场监管总局关于公开征求《关于出口转内销产品强制性产品认证便利化试点的通知（征求意见稿）》意见的通知"
        );
        assert_eq!((got[0].published, got[0].deadline), (Some(date(2026, 12, 3)), Some(date(2027, 1, 2))));
        assert_eq!(
            got[1].title, "市场监管总局关于公开征求《网络交易平台规则监督管理办法（征求意见稿）》意见的公告",
            "a cut link text is completed"
        );
    }

    /// TC260 lists only a deadline: it is no publication date.
    #[test]
    fn a_deadline_is_not_taken_for_the_date() {
        let html = r#"<ul><li class="item"><a href="/d?id=1">关于国家标准征求意见的通知</a><span class="list_time">[截至日期:2026-12-15]</span></li></ul>"#;
        let mut list = spec("li.item", "a", "a", None);
        list.deadline = Some(css(".list_time"));
        let got = items(&doc(html, ContentKind::Html), &list).unwrap();
        assert_eq!((got[0].published, got[0].deadline), (None, Some(date(2026, 12, 15))));
    }

    fn own(mut list: ListSpec, extent: crate::config::model::ItemExtent, ignore_text: &[&str]) -> ListSpec {
        list.own_text = Some(crate::config::model::ItemText {
            extent,
            ignore: Vec::new(),
            ignore_text: ignore_text.iter().map(|r| regex::Regex::new(r).unwrap()).collect(),
        });
        list
    }

    /// A newsletter as CMSs serve it: one flat rich-text body, theme headings, each item a
    /// numbered heading (linking the official text, or not) followed by its paragraphs.
    const NEWSLETTER: &str = r##"<html><body><div class="rich-text">
      <p>This newsletter summarises the latest developments.</p>
      <h2>Legislative Developments</h2>
      <h3>1. Comments Sought on the Draft Revision</h3>
      <p>On 21 October, a draft was submitted.</p>
      <p>It has six chapters.</p>
      <p><a href="#top">Back to top</a></p>
      <h3><a href="http://www.npc.gov.cn/npc/c2/c30834/202310/t20231024_1.html">2. MIIT Issued Opinions</a></h3>
      <p>On 7 October, the MIIT issued opinions.</p>
      <h2>Enforcement Developments</h2>
      <h3><a href="http://www.npc.gov.cn/npc/c2/c30834/202310/t20231024_1.html">3. A Second Item Citing the Same Text</a></h3>
      <p>On 25 September, the court issued guidance.</p>
      <div class="note"><h3>4. Wrapped Heading</h3></div>
      <p>Closing words.</p>
    </div></body></html>"##;

    #[test]
    fn flat_newsletter_items_run_to_the_next_heading() {
        let list = own(
            spec("div.rich-text h3", "h3", "a", None),
            crate::config::model::ItemExtent::Until(css("h2")),
            &["^Back to top$"],
        );
        let got = items(&doc(NEWSLETTER, ContentKind::Html), &list).unwrap();
        let titles: Vec<&str> = got.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Comments Sought on the Draft Revision",
                "MIIT Issued Opinions",
                "A Second Item Citing the Same Text",
                "Wrapped Heading"
            ]
        );
        let text = |i: usize| got[i].content.as_ref().unwrap().lines().to_vec();
        assert_eq!(
            text(0),
            ["Comments Sought on the Draft Revision", "On 21 October, a draft was submitted.", "It has six chapters."]
        );
        assert_eq!(
            text(1),
            ["MIIT Issued Opinions", "On 7 October, the MIIT issued opinions."],
            "stops at the theme heading"
        );
        assert_eq!(
            text(2),
            ["A Second Item Citing the Same Text", "On 25 September, the court issued guidance."],
            "stops at a wrapper holding the next item"
        );
        // Known by its own link; without one, by the page and its title.
        assert!(got[0].link.is_none());
        assert!(
            got[0]
                .url
                .as_str()
                .starts_with("https://www.example.gov.cn/zcfg/index.html#item-comments-sought-on-the-draft-revision-"),
            "{}",
            got[0].url
        );
        assert_eq!(
            got[1].link.as_ref().map(Url::as_str),
            Some("http://www.npc.gov.cn/npc/c2/c30834/202310/t20231024_1.html")
        );
        assert_eq!(got[1].url, got[1].link.clone().unwrap());
        assert!(got[2].link.is_none(), "a link an earlier item already holds is no identity");
        assert!(got[2].url.fragment().unwrap().starts_with("item-a-second-item-citing-the-same-text-"));
        assert!(got.iter().all(|i| i.published.is_none()), "dates in prose are no item dates");
    }

    #[test]
    fn ignore_rules_clean_items() {
        let html = r##"<h3>1. First</h3><p>a</p><p class="top"><a href="#top">Back to top</a></p><div>b <span class="share">Share</span></div><h3>2. Second</h3><p>c</p>"##;
        let mut list = own(spec("h3", "h3", "a", None), crate::config::model::ItemExtent::Until(css("h2")), &[]);
        if let Some(own) = &mut list.own_text {
            own.ignore = vec![css("p.top"), css(".share")];
        }
        let got = items(&doc(html, ContentKind::Html), &list).unwrap();
        assert_eq!(got[0].content.as_ref().unwrap().lines(), ["First", "a", "b"]);
    }

    #[test]
    fn renumbering_changes_neither_identity_nor_text() {
        let list = own(spec("h3", "h3", "a", None), crate::config::model::ItemExtent::Until(css("h2")), &[]);
        let before =
            items(&doc("<h3>1. First</h3><p>a</p><h3>2. Second</h3><p>b</p>", ContentKind::Html), &list).unwrap();
        let after = items(
            &doc("<h3>1. New</h3><p>n</p><h3>2. First</h3><p>a</p><h3>3. Second</h3><p>b</p>", ContentKind::Html),
            &list,
        )
        .unwrap();
        assert_eq!(after.len(), 3);
        for (old, new) in before.iter().zip(&after[1..]) {
            assert_eq!(old.url, new.url);
            assert_eq!(old.content.as_ref().unwrap().hash(), new.content.as_ref().unwrap().hash());
        }
    }

    #[test]
    fn container_items_are_their_element_or_its_text_region() {
        let html = r#"<ul class="notices">
          <li><h4>（一）关于数据出境的通知</h4><span class="date">2026-11-20</span><p>正文第一段。</p><p>正文第二段。</p></li>
          <li><h4>（二）关于未成年人模式的通知</h4><span class="date">2026-11-21</span><p>另一条。</p></li>
          <li><span class="date">2026-11-22</span></li>
        </ul>"#;
        let mut list = own(
            spec("ul.notices > li", "h4", "a", Some("span.date")),
            crate::config::model::ItemExtent::Within(None),
            &[],
        );
        list.link = None;
        let got = items(&doc(html, ContentKind::Html), &list).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].title, "关于数据出境的通知");
        assert_eq!(
            got[0].content.as_ref().unwrap().lines(),
            ["关于数据出境的通知", "2026-11-20", "正文第一段。", "正文第二段。"]
        );
        assert_eq!(got[0].published, Some(date(2026, 11, 20)));
        assert_eq!(got[2].title, "2026-11-22", "no heading: the first line names it");
        let list = own(
            spec("ul.notices > li", "h4", "a", None),
            crate::config::model::ItemExtent::Within(Some(css("p"))),
            &[],
        );
        let got = items(&doc(html, ContentKind::Html), &list).unwrap();
        assert_eq!(got[1].content.as_ref().unwrap().lines(), ["关于未成年人模式的通知", "另一条。"]);
        assert_eq!(got.len(), 2, "an item with no title and no text is skipped");
    }

    #[test]
    fn titles_lose_control_and_bidi_characters() {
        let html = "<ul><li><a href=\"/a.htm\" title=\"Draft\u{1b}]8;;https://evil.example/\u{7}Measures\u{202e}txt.exe\"></a></li>\
            <li><a href=\"/b.htm\">\u{9b}2J标题\r\n二</a></li></ul>";
        let got = items(&doc(html, ContentKind::Html), &spec("li", "a@title", "a", None)).unwrap();
        let titles: Vec<&str> = got.iter().map(|i| i.title.as_str()).collect();
        // A line break between two Han characters joins them (`blocks::normalise_line`).
        assert_eq!(titles, ["Draft ]8;;https://evil.example/ Measurestxt.exe", "›2J标题二"]);
        let got = items(&doc(html, ContentKind::Html), &spec("li", "span", "a", None)).unwrap();
        assert_eq!(got[0].title, "Draft ]8;;https://evil.example/ Measurestxt.exe", "the link's own title attribute");
    }

    /// `-v` on a page of 100,000 link-less items: one debug line with the count, not one each.
    #[test]
    fn linkless_items_are_logged_once_with_a_count() {
        let html = format!("<ul>{}<li><a href=\"/x.htm\">x</a></li></ul>", "<li>placeholder</li>".repeat(100_000));
        let out = crate::telemetry::captured(crate::telemetry::Style::Plain, || {
            let got = items(&doc(&html, ContentKind::Html), &spec("li", "a", "a", None)).unwrap();
            assert_eq!(got.len(), 1);
        });
        assert_eq!(out.lines().count(), 1, "{}", out.chars().take(500).collect::<String>());
        assert!(out.contains("skipped=100000") && out.contains("first=placeholder"), "{out}");
    }

    #[test]
    fn hostile_page_is_refused() {
        let hostile = "<div>".repeat(50_000);
        let got = items(&doc(&hostile, ContentKind::Html), &spec("li", "a", "a", None));
        assert!(matches!(got, Err(ExtractError::TooDeep { .. })));
    }
}

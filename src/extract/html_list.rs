//! Reads a list page (a regulator's 政策法规 list, a blog index) through the source's CSS
//! selectors into `ListItem`s: title, absolute link and date per item.
//!
//! Not the linked articles (the pipeline fetches those and hands them to `page`).

use std::collections::HashSet;

use scraper::ElementRef;
use url::Url;

use crate::config::model::{CssSelector, ListSpec};
use crate::extract::blocks::plain_text;
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
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for item in page.select(&spec.item.selector) {
        let Some((url, link_el)) = link(item, &spec.link, &base) else {
            tracing::debug!(item = %plain_text(item), "List item has no usable link; skipped.");
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title = read(item, &spec.title)
            .filter(|t| !t.is_empty())
            .or_else(|| Some(plain_text(link_el)).filter(|t| !t.is_empty()))
            .or_else(|| link_el.attr("title").map(str::trim).map(str::to_owned))
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
    Ok(items)
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
        Some(attr) => crate::extract::blocks::normalise_line(el.attr(attr)?),
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
        CssSelector { source: s.to_owned(), selector: Selector::parse(sel).unwrap(), attribute }
    }

    fn spec(item: &str, title: &str, link: &str, date: Option<&str>) -> ListSpec {
        ListSpec {
            item: css(item),
            title: css(title),
            link: css(link),
            date: date.map(css),
            deadline: None,
            json: None,
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

    /// TC260 lists only a deadline: it is no publication date.
    #[test]
    fn a_deadline_is_not_taken_for_the_date() {
        let html = r#"<ul><li class="item"><a href="/d?id=1">关于国家标准征求意见的通知</a><span class="list_time">[截至日期:2026-12-15]</span></li></ul>"#;
        let mut list = spec("li.item", "a", "a", None);
        list.deadline = Some(css(".list_time"));
        let got = items(&doc(html, ContentKind::Html), &list).unwrap();
        assert_eq!((got[0].published, got[0].deadline), (None, Some(date(2026, 12, 15))));
    }

    #[test]
    fn hostile_page_is_refused() {
        let hostile = "<div>".repeat(50_000);
        let got = items(&doc(&hostile, ContentKind::Html), &spec("li", "a", "a", None));
        assert!(matches!(got, Err(ExtractError::TooDeep { .. })));
    }
}

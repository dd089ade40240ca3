//! Reads one article page through an `ArticleSpec`: the content region as block text, its title
//! and its publication date.
//!
//! Not the line rules (that is `blocks`) nor list pages (`html_list`).

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use crate::config::model::{ArticleSpec, CssSelector};
use crate::extract::blocks::{self, Furniture, plain_text};
use crate::extract::date::parse_date;
use crate::extract::{Article, BlockText, Decoded, ExtractError, guard};

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector")
}

static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector("main, [role=main]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static OG_TITLE: LazyLock<Selector> = LazyLock::new(|| selector(r#"meta[property="og:title"][content]"#));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
/// Where CMSs put the publication date, most specific first. `PubDate` is the TRS/WCM
/// convention of Chinese government sites.
static PUBLISHED: LazyLock<[Selector; 5]> = LazyLock::new(|| {
    [
        selector(r#"meta[name="pubdate" i][content]"#),
        selector(r#"meta[name="publishdate" i][content]"#),
        selector(r#"meta[property="article:published_time"][content]"#),
        selector(r#"meta[itemprop="datePublished"][content]"#),
        selector("time[datetime]"),
    ]
});

/// Site names that `<title>` carries after the page's own title.
const TITLE_SEPARATORS: [&str; 6] = ["_", " - ", " | ", "|", " – ", " — "];

/// The article on `doc`: the content selector's first match (else `<article>`, `<main>`,
/// `<body>`), `ignore` selectors and `ignore_text` lines removed.
pub fn article(doc: &Decoded, spec: &ArticleSpec) -> Result<Article, ExtractError> {
    article_with_attachments(doc, spec, None)
}

/// `article`, with the attachment links found within `scope` (every link on the page when
/// `None`).
pub fn article_with_attachments(
    doc: &Decoded,
    spec: &ArticleSpec,
    scope: Option<&CssSelector>,
) -> Result<Article, ExtractError> {
    doc.expect_html()?;
    guard::check(&doc.text)?;
    let page = crate::extract::html::parse_document(&doc.text)?;
    let (region, furniture) = region(&page, spec.content.as_ref())?;
    let blocks = blocks::from_region(region, &spec.ignore, &spec.ignore_text, furniture);
    let title = match &spec.title {
        Some(selector) => named_title(&page, selector),
        None => title(&page, region, furniture, &spec.ignore),
    };
    let attachments = crate::extract::links::attachment_links(&page, &doc.url, scope);
    let published = published(&page, region).or_else(|| labelled_date(&blocks));
    Ok(Article { title, published, blocks, attachments })
}

/// The region whose text is the document, and whether page furniture in it is content.
fn region<'a>(page: &'a Html, content: Option<&CssSelector>) -> Result<(ElementRef<'a>, Furniture), ExtractError> {
    if let Some(content) = content {
        return page
            .select(&content.selector)
            .next()
            .map(|el| (el, Furniture::Keep))
            .ok_or_else(|| ExtractError::ContentNotFound { selector: content.source.clone() });
    }
    let guessed = the_article(page)
        .or_else(|| [&*MAIN, &*BODY].into_iter().find_map(|s| page.select(s).next()))
        .unwrap_or_else(|| page.root_element());
    Ok((guessed, Furniture::Drop))
}

/// The page's one `<article>`; of several (related-story cards beside the story), the first
/// with an `<h1>`; else none.
fn the_article(page: &Html) -> Option<ElementRef<'_>> {
    let mut articles = page.select(&ARTICLE);
    let first = articles.next()?;
    let mut rest = articles.peekable();
    if rest.peek().is_none() {
        return Some(first);
    }
    std::iter::once(first).chain(rest).find(|a| a.select(&H1).next().is_some())
}

/// The region's `<h1>` (outside page furniture and `ignore`d elements), else `og:title`, else
/// `<title>` without its site name.
fn title(page: &Html, region: ElementRef<'_>, furniture: Furniture, ignore: &[CssSelector]) -> Option<String> {
    let h1 = region
        .select(&H1)
        .filter(|h| furniture == Furniture::Keep || !in_furniture(*h, region))
        .filter(|h| !ignored(*h, ignore))
        .map(plain_text)
        .find(|t| !t.is_empty());
    h1.or_else(|| {
        page.select(&OG_TITLE).filter_map(|m| m.attr("content")).map(blocks::normalise_line).find(|t| !t.is_empty())
    })
    .or_else(|| page.select(&TITLE).map(|t| without_site_name(&plain_text(t))).find(|t| !t.is_empty()))
}

/// The text (or `@attr`) of the first non-empty match of the source's title selector.
fn named_title(page: &Html, selector: &CssSelector) -> Option<String> {
    page.select(&selector.selector)
        .map(|el| match &selector.attribute {
            Some(attr) => el.attr(attr).map(blocks::normalise_line).unwrap_or_default(),
            None => plain_text(el),
        })
        .find(|t| !t.is_empty())
}

/// Whether an `ignore` selector matches the element or one of its ancestors.
fn ignored(el: ElementRef<'_>, ignore: &[CssSelector]) -> bool {
    if ignore.is_empty() {
        return false;
    }
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .any(|a| ignore.iter().any(|s| s.selector.matches(&a)))
}

fn in_furniture(el: ElementRef<'_>, region: ElementRef<'_>) -> bool {
    el.ancestors()
        .take_while(|a| a.id() != region.id())
        .filter_map(ElementRef::wrap)
        .any(|a| matches!(a.value().name(), "header" | "footer" | "aside" | "nav"))
}

/// `数据出境安全评估办法_中国人大网` → `数据出境安全评估办法`: of the parts between separators,
/// the longest, which is the page's own title far more often than the site's name.
pub fn without_site_name(title: &str) -> String {
    let mut parts = vec![title];
    for sep in TITLE_SEPARATORS {
        parts = parts.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    parts
        .into_iter()
        .map(str::trim)
        .fold("", |best, p| if p.chars().count() > best.chars().count() { p } else { best })
        .to_owned()
}

/// The publication date from the page's metadata, else the first `<time datetime>` (in the
/// region first).
fn published(page: &Html, region: ElementRef<'_>) -> Option<jiff::civil::Date> {
    let [metas @ .., time] = &*PUBLISHED;
    metas
        .iter()
        .find_map(|s| page.select(s).find_map(|m| parse_date(m.attr("content")?)))
        .or_else(|| region.select(time).find_map(|t| parse_date(t.attr("datetime")?)))
        .or_else(|| page.select(time).find_map(|t| parse_date(t.attr("datetime")?)))
}

/// Labels that introduce a page's publication date in its text.
const DATE_LABELS: [&str; 7] = ["发布时间", "发布日期", "印发日期", "成文日期", "Published", "Posted on", "Date:"];

/// A date the first lines of the text announce (TC260: `发布时间：2026-11-20`), when the page
/// has no date in its metadata.
fn labelled_date(blocks: &BlockText) -> Option<jiff::civil::Date> {
    blocks
        .lines()
        .iter()
        .take(8)
        .filter(|l| DATE_LABELS.iter().any(|label| l.contains(label)))
        .find_map(|l| parse_date(l))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rstest::rstest;
    use url::Url;

    use crate::extract::ContentKind;

    use super::*;

    fn doc(text: &str) -> Decoded {
        Decoded {
            url: Url::parse("https://www.example.gov.cn/a.htm").unwrap(),
            text: text.to_owned(),
            encoding: encoding_rs::UTF_8,
            kind: ContentKind::Html,
        }
    }

    fn css(s: &str) -> CssSelector {
        CssSelector::new(s, selector(s), None)
    }

    #[rstest]
    #[case("数据出境安全评估办法_中国人大网", "数据出境安全评估办法")]
    #[case(
        "国务院关于印发《新一代人工智能发展规划》的通知 - 中国政府网",
        "国务院关于印发《新一代人工智能发展规划》的通知"
    )]
    #[case("中华人民共和国网络安全法_法律法规_中国人大网", "中华人民共和国网络安全法")]
    #[case("China's new data rules | NPC Observer", "China's new data rules")]
    #[case("No separator here", "No separator here")]
    #[case("", "")]
    fn site_name(#[case] title: &str, #[case] expected: &str) {
        assert_eq!(without_site_name(title), expected);
    }

    const PAGE: &str = r#"<html><head><title>办法_中国人大网</title>
        <meta property="og:title" content="OG 标题"><meta name="PubDate" content="2023-08-08 10:30">
        </head><body><header><h1>网站标志</h1><nav>首页</nav></header>
        <div class="content"><h1>数据出境安全评估办法</h1><p>第一条　正文</p></div>
        <footer>版权所有</footer></body></html>"#;

    #[test]
    fn guessed_region_drops_furniture() {
        let a = article(&doc(PAGE), &ArticleSpec::default()).unwrap();
        assert_eq!(a.blocks.lines(), ["数据出境安全评估办法", "第一条 正文"]);
        assert_eq!(a.title.as_deref(), Some("数据出境安全评估办法"));
        assert_eq!(a.published, Some(date(2023, 8, 8)));
    }

    #[test]
    fn content_selector_is_the_region() {
        let spec = ArticleSpec { content: Some(css("div.content p")), ..ArticleSpec::default() };
        let a = article(&doc(PAGE), &spec).unwrap();
        assert_eq!(a.blocks.lines(), ["第一条 正文"]);
        assert_eq!(a.title.as_deref(), Some("OG 标题"));
    }

    #[test]
    fn ignored_heading_is_no_title() {
        let html = "<div class=c><div class=banner><h1>网站</h1></div><h1>正题</h1><p>x</p></div>";
        let spec = ArticleSpec { content: Some(css("div.c")), ignore: vec![css(".banner")], ..ArticleSpec::default() };
        let a = article(&doc(html), &spec).unwrap();
        assert_eq!(a.title.as_deref(), Some("正题"));
        assert_eq!(a.blocks.lines(), ["正题", "x"]);
    }

    #[test]
    fn content_selector_must_match() {
        let spec = ArticleSpec { content: Some(css("#missing")), ..ArticleSpec::default() };
        assert_eq!(article(&doc(PAGE), &spec), Err(ExtractError::ContentNotFound { selector: "#missing".into() }));
    }

    #[rstest]
    #[case("<title>标题_网站</title><main><p>x</p></main>", Some("标题"), None)]
    #[case(
        "<article><h1>A</h1><time datetime='2024-01-02T08:00:00+08:00'>Jan 2</time></article>",
        Some("A"),
        Some(date(2024, 1, 2))
    )]
    #[case(
        "<meta property='article:published_time' content='2023-08-08T23:00:00-04:00'><p>x</p>",
        None,
        Some(date(2023, 8, 8))
    )]
    #[case("<meta name='publishdate' content='2023年08月08日'><p>x</p>", None, Some(date(2023, 8, 8)))]
    fn title_and_date(#[case] html: &str, #[case] title: Option<&str>, #[case] published: Option<jiff::civil::Date>) {
        let a = article(&doc(html), &ArticleSpec::default()).unwrap();
        assert_eq!(a.title.as_deref(), title);
        assert_eq!(a.published, published);
    }

    #[rstest]
    #[case("<article><p>only</p></article><p>outside</p>", &["only"])]
    #[case("<main><article><p>card</p></article><article><h1>T</h1><p>story</p></article></main>", &["T", "story"])]
    #[case("<main><article><p>a</p></article><article><p>b</p></article></main><p>c</p>", &["a", "b"])]
    #[case("<article><p>a</p></article><article><p>b</p></article><p>c</p>", &["a", "b", "c"])]
    fn guessed_article(#[case] html: &str, #[case] lines: &[&str]) {
        assert_eq!(article(&doc(html), &ArticleSpec::default()).unwrap().blocks.lines(), lines);
    }

    #[test]
    fn refuses_xml() {
        let mut d = doc("<rss/>");
        d.kind = ContentKind::Xml;
        assert_eq!(article(&d, &ArticleSpec::default()), Err(ExtractError::WrongKind { expected: "html", got: "xml" }));
    }

    #[test]
    fn a_labelled_date_in_the_first_lines_is_the_publication_date() {
        let html = "<html><body><div class=\"news_end\"><p>发布时间：2026-11-20</p><p>截至日期：2026-12-15</p></div></body></html>";
        let spec = ArticleSpec { content: Some(css("div.news_end")), ..ArticleSpec::default() };
        let got = article(&doc(html), &spec).unwrap();
        assert_eq!(got.published, Some(date(2026, 11, 20)));
        let html = "<html><body><div class=\"c\"><p>第一条 自2027年1月1日起施行。</p></div></body></html>";
        let spec = ArticleSpec { content: Some(css("div.c")), ..ArticleSpec::default() };
        assert_eq!(article(&doc(html), &spec).unwrap().published, None, "an unlabelled date is no publication date");
    }
}

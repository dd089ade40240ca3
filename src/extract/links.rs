//! Links on a page: the base they resolve against, and the ones on an article page that may lead
//! to attachments (a known file extension in the path or a query value, or a download-like link
//! whose response will decide).

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::config::model::CssSelector;
use crate::extract::AttachmentLink;
use crate::extract::attachment::candidate;
use crate::extract::blocks::plain_text;

static BASE: LazyLock<Selector> = LazyLock::new(|| Selector::parse("base[href]").expect("static selector"));
pub(crate) static ANCHOR: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a[href]").expect("static selector"));

/// `<base href>` resolved against the page's URL, else the page's URL.
pub(crate) fn base_url(page: &Html, url: &Url) -> Url {
    page.select(&BASE)
        .next()
        .and_then(|b| b.attr("href"))
        .and_then(|href| url.join(href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| url.clone())
}

/// Attachment candidates in page order, each URL once, never the page itself. `scope` limits
/// the search to the links it matches or contains (SAMR's attachments box, say).
pub fn attachment_links(page: &Html, page_url: &Url, scope: Option<&CssSelector>) -> Vec<AttachmentLink> {
    let base = base_url(page, page_url);
    let anchors: Vec<ElementRef<'_>> = match scope {
        None => page.select(&ANCHOR).collect(),
        Some(scope) => page
            .select(&scope.selector)
            .flat_map(|el| {
                let own = (el.value().name() == "a" && el.attr("href").is_some()).then_some(el);
                own.into_iter().chain(el.select(&ANCHOR))
            })
            .collect(),
    };
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for anchor in anchors {
        let Some(href) = anchor.attr("href").map(str::trim).filter(|h| !h.is_empty() && !h.starts_with('#')) else {
            continue;
        };
        let Ok(mut url) = base.join(href) else { continue };
        url.set_fragment(None);
        if !matches!(url.scheme(), "http" | "https") || url == *page_url {
            continue;
        }
        let label = plain_text(anchor);
        if candidate(&url, &label).is_some() && seen.insert(url.clone()) {
            links.push(AttachmentLink { url, label });
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use scraper::Selector;

    use super::*;

    fn links(html: &str, scope: Option<&str>) -> Vec<(String, String)> {
        let page = Html::parse_document(html);
        let url = Url::parse("https://www.cac.gov.cn/2024-09/30/c_1729384452307680.htm").unwrap();
        let scope = scope.map(|s| CssSelector::new(s, Selector::parse(s).unwrap(), None));
        attachment_links(&page, &url, scope.as_ref()).into_iter().map(|l| (l.url.to_string(), l.label)).collect()
    }

    const PAGE: &str = r#"<html><body>
        <div id="BodyLabel"><p>正文</p>
          <a href="/cms/pub/interact/downloadfile.jsp?filepath=abc&fText=征求意见稿.pdf">附件：征求意见稿</a>
          <a href="files/说明.docx">起草说明</a>
          <a href="files/说明.docx#page=2">起草说明（重复）</a>
        </div>
        <ul class="box"><li><a href="/upload/2026-10-01/1234.wps">附件2</a></li></ul>
        <a href="/2024-09/30/c_1729384452307680.htm">本页</a>
        <a href="/2024-09/29/c_1.htm">相关新闻</a>
        <a href="mailto:x@cac.gov.cn">信箱</a>
        <img src="/logo.png">
    </body></html>"#;

    #[test]
    fn finds_files_and_download_links_once_each() {
        let got = links(PAGE, None);
        let urls: Vec<&str> = got.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://www.cac.gov.cn/cms/pub/interact/downloadfile.jsp?filepath=abc&fText=%E5%BE%81%E6%B1%82%E6%84%8F%E8%A7%81%E7%A8%BF.pdf",
                "https://www.cac.gov.cn/2024-09/30/files/%E8%AF%B4%E6%98%8E.docx",
                "https://www.cac.gov.cn/upload/2026-10-01/1234.wps",
            ]
        );
        assert_eq!(got[0].1, "附件：征求意见稿");
    }

    #[test]
    fn a_scope_limits_the_search() {
        let got = links(PAGE, Some("ul.box"));
        assert_eq!(got.len(), 1);
        assert!(got[0].0.ends_with("1234.wps"));
        let got = links(PAGE, Some("#BodyLabel a"));
        assert_eq!(got.len(), 2);
    }
}

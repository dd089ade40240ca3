//! Reads RSS 0.9x/1.0/2.0, Atom and JSON Feed (through feed-rs) into `ListItem`s.
//!
//! Not fetching the entries' pages (the pipeline follows links) nor the feed's own metadata.
//! Titles become plain text, links absolute http(s) URLs, dates the calendar date in the feed's
//! own offset, and content (else summary) block text.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;
use url::Url;

use crate::extract::blocks::{self, BlockText};
use crate::extract::date::parse_date;
use crate::extract::page::kind_name;
use crate::extract::{ContentKind, Decoded, ExtractError, ListItem};

/// Longest title made up from an entry's text when it has no title of its own, in characters.
const MADE_UP_TITLE: usize = 100;

/// A feed's entries, and how many had no usable link.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntries {
    pub items: Vec<ListItem>,
    /// Entries with neither an http(s) link nor an http(s) id.
    pub skipped: usize,
}

/// The entries of a feed, in feed order, duplicates (by URL) dropped.
pub fn entries(doc: &Decoded) -> Result<Vec<ListItem>, ExtractError> {
    read(doc).map(|read| read.items)
}

/// `entries`, also counting the entries skipped for want of a link.
pub fn read(doc: &Decoded) -> Result<FeedEntries, ExtractError> {
    if doc.kind == ContentKind::Html {
        return Err(ExtractError::WrongKind { expected: "feed", got: kind_name(doc.kind) });
    }
    let parser =
        feed_rs::parser::Builder::new().base_uri(Some(doc.url.as_str())).timestamp_parser(civil_timestamp).build();
    let feed =
        parser.parse(for_parser(&doc.text).as_bytes()).map_err(|e| ExtractError::Feed { reason: e.to_string() })?;
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    let mut skipped = 0;
    for entry in &feed.entries {
        let Some(url) = link(entry, &doc.url) else {
            skipped += 1;
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let content = content(entry);
        let title = entry
            .title
            .as_ref()
            .map(|t| blocks::plain_text_of(&t.content))
            .filter(|t| !t.is_empty())
            .or_else(|| content.as_ref().and_then(made_up_title))
            .unwrap_or_else(|| url.to_string());
        let published = entry.published.or(entry.updated).and_then(|ts| {
            // The parser below stored the feed's own calendar date at midnight UTC.
            ts.date_naive().to_string().parse::<Date>().ok()
        });
        items.push(ListItem { url, title, published, content, deadline: None, attachment: None });
    }
    if feed.entries.is_empty() && has_entry_elements(&doc.text) {
        return Err(ExtractError::Feed {
            reason: "no entries recognised although the document has <entry> or <item> \
                     elements (an unsupported dialect such as Atom 0.3)"
                .to_owned(),
        });
    }
    Ok(FeedEntries { items, skipped })
}

/// Whether the text has elements that look like entries, so that reading none is a failure to
/// report, not an empty feed.
fn has_entry_elements(text: &str) -> bool {
    ["<entry>", "<entry ", "<item>", "<item "].iter().any(|tag| text.contains(tag))
}

/// feed-rs turns every timestamp into UTC, which moves `Tue, 08 Aug 2023 07:00 +0800` to
/// 7 August. Reading the date in the timestamp's own offset and handing feed-rs midnight UTC of
/// that date keeps the day a reader of the feed saw.
fn civil_timestamp<T: std::str::FromStr>(text: &str) -> Option<T> {
    let date = parse_date(text)?;
    format!("{date}T00:00:00Z").parse().ok()
}

/// The text as feed-rs must see it. The text is already UTF-8, so every XML declaration goes:
/// feed-rs obeys `encoding="gb2312"` by switching its decoder, which decodes the text a second
/// time at the start of a document and panics anywhere after its first few hundred bytes (a
/// second declaration, or one behind leading NULs). A UTF-8 byte order mark in front stops its
/// sniffer from taking `<\0?\0` for UTF-16. Declarations inside CDATA sections and comments are
/// content, and stay.
fn for_parser(text: &str) -> Cow<'_, str> {
    // A JSON Feed is sniffed by its first character: it must stay first.
    if text.trim_start().starts_with(['{', '[']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 3);
    out.push('\u{feff}');
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        let skip_to = |end: &str| tail.find(end).map_or(tail.len(), |i| i + end.len());
        let taken = if tail.starts_with("<![CDATA[") {
            skip_to("]]>")
        } else if tail.starts_with("<!--") {
            skip_to("-->")
        } else if is_declaration(tail) {
            let end = skip_to("?>");
            rest = &tail[end..];
            continue;
        } else {
            1
        };
        out.push_str(&tail[..taken]);
        rest = &tail[taken..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `<?xml` followed by white space or `?`: not `<?xml-stylesheet`.
fn is_declaration(tail: &str) -> bool {
    tail.strip_prefix("<?xml").is_some_and(|after| after.starts_with(|c: char| c.is_ascii_whitespace() || c == '?'))
}

/// The alternate link (else the first), else the id when it is a URL; http(s) only.
fn link(entry: &feed_rs::model::Entry, base: &Url) -> Option<Url> {
    let preferred = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| entry.links.first());
    preferred.and_then(|l| resolve(base, &l.href)).or_else(|| Url::parse(entry.id.trim()).ok().filter(is_web))
}

fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    base.join(href).ok().filter(is_web)
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// Block text of the entry's content, else of its summary.
fn content(entry: &feed_rs::model::Entry) -> Option<BlockText> {
    let body = entry.content.as_ref().and_then(|c| Some((c.body.as_deref()?, c.content_type.to_string())));
    let summary = entry.summary.as_ref().map(|s| (s.content.as_str(), s.content_type.to_string()));
    [body, summary].into_iter().flatten().filter_map(|(text, media)| to_blocks(text, &media)).find(|b| !b.is_empty())
}

fn to_blocks(text: &str, media: &str) -> Option<BlockText> {
    // feed-rs calls RSS 1.0 descriptions text/plain, but RSS carries HTML by custom.
    if media.contains("html") || looks_like_html(text) {
        // A hostile entry loses its content, not the whole feed.
        blocks::from_fragment(text).ok()
    } else {
        Some(BlockText::from_text(text))
    }
}

/// A tag (`<p`, `</p`, `<br/>`) or an entity (`&nbsp;`, `&#8230;`) somewhere in the text.
fn looks_like_html(text: &str) -> bool {
    static MARKUP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"</?[A-Za-z][A-Za-z0-9]*[\s/>]|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);")
            .expect("static regex")
    });
    MARKUP.is_match(text)
}

fn made_up_title(content: &BlockText) -> Option<String> {
    let first = content.lines().first()?;
    Some(first.chars().take(MADE_UP_TITLE).collect())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rstest::rstest;

    use super::*;

    fn decoded(text: &str, kind: ContentKind) -> Decoded {
        Decoded {
            url: Url::parse("https://example.org/feed/").unwrap(),
            text: text.to_owned(),
            encoding: encoding_rs::UTF_8,
            kind,
        }
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0"><channel><title>t</title>
<item><title>关于&lt;b&gt;数据&lt;/b&gt;出境 &amp;amp; 安全</title><link>/2023/08/a.html</link>
<pubDate>Tue, 08 Aug 2023 07:00:00 +0800</pubDate>
<description>&lt;p&gt;第一段&lt;/p&gt;&lt;p&gt;第二段&lt;/p&gt;</description></item>
<item><title>no link</title><guid isPermaLink="false">abc-123</guid></item>
<item><title>guid link</title><guid>https://example.org/b</guid></item>
<item><title>dup</title><link>https://example.org/2023/08/a.html</link></item>
<item><link>javascript:alert(1)</link><title>js</title></item>
</channel></rss>"#;

    #[test]
    fn reads_rss() {
        let read = read(&decoded(RSS, ContentKind::Xml)).unwrap();
        assert_eq!(read.skipped, 2);
        let [a, b] = read.items.as_slice() else { panic!("{:?}", read.items) };
        assert_eq!(a.url.as_str(), "https://example.org/2023/08/a.html");
        assert_eq!(a.title, "关于数据出境 & 安全");
        // 07:00 in Beijing is still 8 August there (23:00 on the 7th in UTC).
        assert_eq!(a.published, Some(date(2023, 8, 8)));
        assert_eq!(a.content.as_ref().unwrap().lines(), ["第一段", "第二段"]);
        assert_eq!(b.url.as_str(), "https://example.org/b");
        assert_eq!(b.published, None);
    }

    #[test]
    fn xml_base_applies() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.net/blog/">
            <title>t</title><id>urn:f</id>
            <entry xml:base="2023/"><title>a</title><id>urn:a</id><link href="post.html"/></entry>
            <entry><title>b</title><id>urn:b</id><link rel="enclosure" href="b.mp3"/><link href="/b"/></entry>
            <entry><title>c</title><id>urn:c</id><link rel="related" href="c"/></entry></feed>"#;
        let urls: Vec<_> =
            entries(&decoded(atom, ContentKind::Xml)).unwrap().into_iter().map(|i| i.url.to_string()).collect();
        assert_eq!(
            urls,
            ["http://example.net/blog/2023/post.html", "http://example.net/b", "http://example.net/blog/c",]
        );
    }

    #[test]
    fn declaration_would_make_feed_rs_decode_twice() {
        let xml = "<?xml version='1.0' encoding='gb2312'?><rss version='2.0'><channel>\
            <item><title>数据出境</title><link>http://a.example/</link></item></channel></rss>";
        // feed-rs obeys the declaration even though the text is already UTF-8 ...
        let raw = feed_rs::parser::parse(xml.as_bytes()).unwrap();
        let raw_title = &raw.entries[0].title.as_ref().unwrap().content;
        assert_ne!(raw_title, "数据出境");
        // ... so `read` hands it the text without one.
        assert_eq!(entries(&decoded(xml, ContentKind::Xml)).unwrap()[0].title, "数据出境");
    }

    #[test]
    fn html_is_the_wrong_kind() {
        let got = entries(&decoded("<html><body>x</body></html>", ContentKind::Html));
        assert_eq!(got, Err(ExtractError::WrongKind { expected: "feed", got: "html" }));
    }

    #[test]
    fn malformed_xml_names_the_reason() {
        let Err(ExtractError::Feed { reason }) =
            entries(&decoded("<rss version='2.0'><channel><item></chan", ContentKind::Xml))
        else {
            panic!("expected a feed error");
        };
        assert!(!reason.is_empty());
    }

    #[rstest]
    #[case("<?xml version='1.0' encoding='gb2312'?><rss/>", "<rss/>")]
    #[case("\n  <?xml version=\"1.0\"?>\n<rss/>", "\n  \n<rss/>")]
    #[case("<?xml-stylesheet href='a'?><rss/>", "<?xml-stylesheet href='a'?><rss/>")]
    #[case("<rss/>", "<rss/>")]
    #[case("<rss><?xml version='1.0' encoding='gbk'?></rss>", "<rss></rss>")]
    #[case(
        "<rss><![CDATA[<?xml version='1.0'?>]]><!-- <?xml ?> --></rss>",
        "<rss><![CDATA[<?xml version='1.0'?>]]><!-- <?xml ?> --></rss>"
    )]
    #[case("<rss><![CDATA[unclosed <?xml ?>", "<rss><![CDATA[unclosed <?xml ?>")]
    #[case("a < b <?xml", "a < b <?xml")]
    fn declarations_are_dropped(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(for_parser(text), format!("\u{feff}{expected}"));
    }

    /// Found by the feed fuzzer: feed-rs switched its decoder on a declaration it met after the
    /// first bytes (here behind a NUL that made its sniffer read UTF-16) and panicked.
    #[rstest]
    #[case(
        "\0<\0?\0x\0m\0l\0 \0v\0e\0r\0s\0i\0o\0n\0=\0\"\x001\0.\x000\0\"\0 \0e\0n\0c\0o\0d\0i\0n\0g\0=\0\"\0u\0t\0f\0-\x001\x006\0\"\0?\0>\0\n\0<\0!\0-\0-\0"
    )]
    #[case(&format!("<rss version='2.0'><channel>{}<?xml version='1.0' encoding='gb2312'?></channel></rss>", " ".repeat(4096)))]
    #[case(&format!("{}<?xml version='1.0' encoding='utf-16'?><rss/>", "\0".repeat(300)))]
    fn late_declarations_do_not_panic(#[case] text: &str) {
        let _ = entries(&decoded(text, ContentKind::Xml));
    }

    #[rstest]
    #[case("plain words & more", false)]
    #[case("a < b > c", false)]
    #[case("line<br>line", true)]
    #[case("<p class=x>para</p>", true)]
    #[case("x &nbsp; y", true)]
    #[case("&#8230;", true)]
    fn markup_is_recognised(#[case] text: &str, #[case] html: bool) {
        assert_eq!(looks_like_html(text), html);
    }

    #[test]
    fn unrecognised_entries_are_an_error() {
        let atom03 = r#"<feed xmlns="http://purl.org/atom/ns#" version="0.3"><title>t</title>
            <entry><title>e</title><link rel="alternate" href="http://a.example/1"/></entry></feed>"#;
        assert!(matches!(entries(&decoded(atom03, ContentKind::Xml)), Err(ExtractError::Feed { .. })));
        let empty = "<rss version='2.0'><channel><title>t</title></channel></rss>";
        assert_eq!(entries(&decoded(empty, ContentKind::Xml)), Ok(vec![]));
    }

    #[test]
    fn json_feed() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
            {"id":"1","url":"https://example.org/1","title":"One","content_html":"<p>a</p>","date_published":"2023-08-08T23:30:00-05:00"},
            {"id":"2","title":"Two","content_text":"b"}]}"#;
        let read = read(&decoded(json, ContentKind::Json)).unwrap();
        assert_eq!(read.skipped, 1);
        assert_eq!(read.items[0].title, "One");
        assert_eq!(read.items[0].published, Some(date(2023, 8, 8)));
    }
}

//! Reads RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed (through feed-rs) into `ListItem`s.
//!
//! Not fetching the entries' pages (the pipeline follows links) nor the feed's own metadata.
//! Titles become plain text, links absolute http(s) URLs, dates the calendar date in the feed's
//! own offset, and content (else summary) block text. Every entry that can be told apart from
//! the others is an item, link or no link (`identity`); `dialect` brings what feed-rs refuses
//! (Atom 0.3, MIME-typed Atom text, old RSS namespaces) into a form it reads.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;
use url::Url;

use crate::extract::blocks::{self, BlockText};
use crate::extract::date::parse_date;
use crate::extract::{ContentKind, Decoded, ExtractError, ListItem};

mod dialect;
mod identity;

/// Longest title made up from an entry's text when it has no title of its own, in characters.
const MADE_UP_TITLE: usize = 100;

/// A feed's entries, and the ones left out with why: what the pipeline warns about.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntries {
    pub items: Vec<ListItem>,
    pub skipped: Vec<Skipped>,
    /// Set when the document breaks off (or breaks) and only the complete entries before the
    /// break were read: where and how it breaks.
    pub broken: Option<String>,
}

impl FeedEntries {
    /// One line for the poll's warnings, when anything was left out or the feed was cut short.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.skipped.is_empty() {
            let empty = self.skipped.iter().filter(|s| s.reason == SkipReason::Empty).count();
            let repeated = self.skipped.len() - empty;
            let mut why = Vec::new();
            if empty > 0 {
                why.push(format!("{empty} with no link, id, title or text"));
            }
            if repeated > 0 {
                why.push(format!("{repeated} repeating an earlier entry"));
            }
            let total = self.items.len() + self.skipped.len();
            parts.push(format!("{} of {total} feed entries skipped: {}", self.skipped.len(), why.join(", ")));
        }
        if let Some(broken) = &self.broken {
            parts.push(format!("feed breaks off after {} complete entries ({broken})", self.items.len()));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// An entry left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// 1-based position among the feed's entries.
    pub position: usize,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// No link, id, title or text: nothing to know it by, nothing to read.
    Empty,
    /// The same identity as an earlier entry (`url` names it): the first one is kept.
    Repeated { url: Url },
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            SkipReason::Empty => write!(f, "entry {} has no link, id, title or text", self.position),
            SkipReason::Repeated { url } => write!(f, "entry {} repeats {url}", self.position),
        }
    }
}

/// The entries of a feed, in feed order, repeats (by identity) dropped.
pub fn entries(doc: &Decoded) -> Result<Vec<ListItem>, ExtractError> {
    read(doc).map(|read| read.items)
}

/// `entries`, also saying which entries were left out and whether the feed was cut short.
pub fn read(doc: &Decoded) -> Result<FeedEntries, ExtractError> {
    if doc.kind == ContentKind::Html {
        return Err(ExtractError::WrongKind { expected: "feed", got: doc.kind.name() });
    }
    let (feed, broken) = parse(doc)?;
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    let mut skipped = Vec::new();
    for (i, entry) in feed.entries.iter().enumerate() {
        let position = i + 1;
        let content = content(entry);
        let title = entry.title.as_ref().map(|t| title_text(t, &feed.feed_type)).unwrap_or_default();
        let Some(found) = identity::identify(link(entry, &doc.url), &entry.id, &title, content.as_ref()) else {
            skipped.push(Skipped { position, reason: SkipReason::Empty });
            continue;
        };
        if !seen.insert(found.url.clone()) {
            skipped.push(Skipped { position, reason: SkipReason::Repeated { url: found.url } });
            continue;
        }
        let title = Some(title)
            .filter(|t| !t.is_empty())
            .or_else(|| content.as_ref().and_then(made_up_title))
            .or_else(|| found.link.as_ref().map(ToString::to_string))
            .unwrap_or_else(|| blocks::normalise_line(&entry.id));
        let published = entry.published.or(entry.updated).and_then(|ts| {
            // The parser below stored the feed's own calendar date at midnight UTC.
            ts.date_naive().to_string().parse::<Date>().ok()
        });
        items.push(ListItem {
            url: found.url,
            link: found.link,
            title,
            published,
            content,
            deadline: None,
            attachment: None,
        });
    }
    if feed.entries.is_empty() && has_entry_elements(&doc.text) {
        return Err(ExtractError::Feed {
            reason: "no entries recognised although the document has <entry> or <item> \
                     elements (an unsupported dialect)"
                .to_owned(),
        });
    }
    Ok(FeedEntries { items, skipped, broken })
}

/// The feed as feed-rs reads it, after `dialect`'s rewrites. A document that will not parse
/// whole but breaks after some complete entries yields those, and says where it breaks.
fn parse(doc: &Decoded) -> Result<(feed_rs::model::Feed, Option<String>), ExtractError> {
    // A fresh parser for each attempt: one that failed mid-entry keeps state that makes the
    // next parse panic.
    let parser = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(doc.url.as_str()))
            .timestamp_parser(civil_timestamp)
            // feed-rs makes up ids (a hash, else a random UUID) for entries without one; an
            // identity must be the feed's own or one we can make again on the next poll.
            .id_generator(|_, _, _| String::new())
            .build()
    };
    let text = without_declarations(&doc.text);
    let prepared = if text.trim_start().starts_with('<') {
        dialect::prepare(&text)
    } else {
        dialect::Prepared { text: text.as_ref().into(), cut: None }
    };
    let error = match parser().parse(for_feed_rs(&prepared.text).as_bytes()) {
        Ok(feed) => return Ok((feed, None)),
        Err(e) => ExtractError::Feed { reason: e.to_string() },
    };
    let Some(cut) = prepared.cut else { return Err(error) };
    match parser().parse(for_feed_rs(&cut.text).as_bytes()) {
        Ok(feed) if feed.entries.len() == cut.entries => Ok((feed, Some(cut.reason))),
        _ => Err(error),
    }
}

/// A title as plain text. Atom says whether a title is text or markup, and JSON Feed titles
/// are text: their `<` is a character ("History of the <blink> tag"). RSS titles carry HTML
/// by custom, whatever feed-rs calls them, so they are read as HTML.
fn title_text(title: &feed_rs::model::Text, kind: &feed_rs::model::FeedType) -> String {
    use feed_rs::model::FeedType;
    let declared_text = title.content_type.to_string() == "text/plain";
    if declared_text && matches!(kind, FeedType::Atom | FeedType::JSON) {
        blocks::normalise_line(&undeclared_entities(&title.content))
    } else {
        blocks::plain_text_of(&title.content)
    }
}

/// HTML named entities feed-rs left as they were (`&hellip;` in XML without a DTD), decoded
/// as feed readers do. The five XML ones are already resolved, so a `&lt;` still here is text.
fn undeclared_entities(text: &str) -> std::borrow::Cow<'_, str> {
    static ENTITY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"&([A-Za-z][A-Za-z0-9]{1,31});").expect("static regex"));
    ENTITY.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        match caps.get(1).map(|m| m.as_str()) {
            Some("lt" | "gt" | "amp" | "quot" | "apos") | None => whole.to_owned(),
            Some(_) => blocks::plain_text_of(whole),
        }
    })
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

/// The text without any XML declaration. The text is already UTF-8, so every declaration goes:
/// feed-rs obeys `encoding="gb2312"` by switching its decoder, which decodes the text a second
/// time at the start of a document and panics anywhere after its first few hundred bytes (a
/// second declaration, or one behind leading NULs). Every one goes, wherever it stands: a
/// scanner of our own that kept those inside CDATA sections or comments would have to agree
/// with quick-xml's on where those begin in broken markup, and the fuzzer found inputs where
/// it did not. A literal declaration quoted inside an entry's CDATA is lost; nothing else is.
fn without_declarations(text: &str) -> Cow<'_, str> {
    if !text.contains("<?xml") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<?xml") {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        if is_declaration(tail) {
            let end = tail.find("?>").map_or(tail.len(), |i| i + 2);
            rest = &tail[end..];
        } else {
            out.push_str("<?xml");
            rest = &tail["<?xml".len()..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The text as feed-rs reads it: a UTF-8 byte order mark in front stops its sniffer from taking
/// `<\0?\0` for UTF-16. A JSON Feed is sniffed by its first character, which must stay first.
fn for_feed_rs(text: &str) -> Cow<'_, str> {
    let text = spaced_emails(text);
    if text.trim_start().starts_with(['{', '[']) {
        return text;
    }
    Cow::Owned(format!("\u{feff}{text}"))
}

/// An e-mail address set off by a space from a non-ASCII neighbour (`联系人：a@b.cn` becomes
/// `联系人： a@b.cn`). feed-rs splits an author, a `managingEditor` or a `dc:creator` into name
/// and address by cutting one byte before or after the address it finds, and panics when that
/// byte is inside a character, as it is after a full-width colon or bracket: real Chinese feeds
/// write contacts that way. The neighbour may be written as a character reference (`&#xff1a;`)
/// or a JSON escape (`\uff1a`), which feed-rs decodes before it cuts. A space next to the
/// address changes no entry's text as regwatch compares it (`blocks::key` drops spaces next to
/// CJK text).
fn spaced_emails(text: &str) -> Cow<'_, str> {
    const NEIGHBOUR: &str = r"(?:[^\x00-\x7F]|&#?[A-Za-z0-9]+;|\\u[0-9A-Fa-f]{4})";
    const ADDRESS: &str = r"(?:<\[\()?(?:mailto:)?[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:>\]\))?";
    static BEFORE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!("({NEIGHBOUR})({ADDRESS})")).expect("static regex"));
    static AFTER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!("({ADDRESS})({NEIGHBOUR})")).expect("static regex"));
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    match BEFORE.replace_all(text, "$1 $2") {
        Cow::Borrowed(text) => AFTER.replace_all(text, "$1 $2"),
        Cow::Owned(spaced) => Cow::Owned(AFTER.replace_all(&spaced, "$1 $2").into_owned()),
    }
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
        assert_eq!(
            read.skipped,
            [Skipped { position: 4, reason: SkipReason::Repeated { url: url("https://example.org/2023/08/a.html") } }]
        );
        let [a, guid, b, js] = read.items.as_slice() else { panic!("{:?}", read.items) };
        assert_eq!(a.url.as_str(), "https://example.org/2023/08/a.html");
        assert_eq!(a.link.as_ref(), Some(&a.url));
        assert_eq!(a.title, "关于数据出境 & 安全");
        // 07:00 in Beijing is still 8 August there (23:00 on the 7th in UTC).
        assert_eq!(a.published, Some(date(2023, 8, 8)));
        assert_eq!(a.content.as_ref().unwrap().lines(), ["第一段", "第二段"]);
        // No link: the guid is the identity, and there is nothing to follow.
        assert_eq!(
            (guid.url.as_str(), guid.link.as_ref(), guid.title.as_str()),
            ("urn:x-regwatch:guid:abc-123", None, "no link")
        );
        assert_eq!(b.url.as_str(), "https://example.org/b");
        assert_eq!(b.link.as_ref(), Some(&b.url));
        assert_eq!(b.published, None);
        // A javascript: link is no link; with no guid either, the title and text are hashed.
        assert!(js.url.as_str().starts_with("urn:x-regwatch:sha256:"), "{}", js.url);
        assert_eq!((js.link.as_ref(), js.title.as_str()), (None, "js"));
        assert_eq!(read.warning().as_deref(), Some("1 of 5 feed entries skipped: 1 repeating an earlier entry"));
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn entries_without_links_are_documents() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
            <entry><id>tag:example.org,2024:1</id><title>Only an id</title><content>Its text.</content></entry>
            <entry><title>Only a title</title></entry>
            <entry><summary type="html">&lt;p&gt;Only a summary.&lt;/p&gt;</summary></entry>
            <entry><updated>2024-01-01T00:00:00Z</updated></entry></feed>"#;
        let read = read(&decoded(atom, ContentKind::Xml)).unwrap();
        let got: Vec<_> =
            read.items.iter().map(|i| (i.url.scheme().to_owned(), i.link.is_none(), i.title.as_str())).collect();
        assert_eq!(
            got,
            [
                ("tag".to_owned(), true, "Only an id"),
                ("urn".to_owned(), true, "Only a title"),
                ("urn".to_owned(), true, "Only a summary."),
            ]
        );
        assert_eq!(read.items[0].content.as_ref().unwrap().lines(), ["Its text."]);
        assert_eq!(read.skipped, [Skipped { position: 4, reason: SkipReason::Empty }]);
        assert_eq!(read.skipped[0].to_string(), "entry 4 has no link, id, title or text");
        // The same feed read again names the same documents.
        let again = super::read(&decoded(atom, ContentKind::Xml)).unwrap();
        assert_eq!(again.items, read.items);
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
    #[case("<rss><![CDATA[<?xml version='1.0'?>]]><!-- <?xml ?> --></rss>", "<rss><![CDATA[]]><!--  --></rss>")]
    #[case("<rss><![CDATA[unclosed <?xml ?>", "<rss><![CDATA[unclosed ")]
    #[case("<x a=\"<!--\"/><?xml version='1.0' encoding='euc-kr'?>", "<x a=\"<!--\"/>")]
    #[case("a < b <?xml", "a < b <?xml")]
    fn declarations_are_dropped_everywhere(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(without_declarations(text), expected);
    }

    /// Found by the feed fuzzer, and written so by real Chinese feeds: a contact whose address
    /// follows a full-width colon or bracket made feed-rs cut inside a character and panic.
    #[rstest]
    #[case("<managingEditor>联系人：editor@example.cn</managingEditor>")]
    #[case("<managingEditor>编辑部（editor@example.cn）</managingEditor>")]
    #[case("<managingEditor>编辑部&#xff08;editor@example.cn&#xff09;</managingEditor>")]
    #[case("<managingEditor>mailto:editor@example.cn：编辑部</managingEditor>")]
    fn contacts_beside_full_width_punctuation_are_read(#[case] contact: &str) {
        let text = format!(
            "<rss version=\"2.0\"><channel><title>部门</title>{contact}<item><title>通知</title>\
             <link>https://www.example.cn/a.htm</link><author>作者：a@example.cn</author></item></channel></rss>"
        );
        let items = entries(&decoded(&text, ContentKind::Xml)).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "通知");
    }

    #[test]
    fn json_feed_authors_beside_full_width_punctuation_are_read() {
        let text = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "部门",
            "authors": [{"name": "编辑部：editor@example.cn"}],
            "items": [{"id": "1", "url": "https://www.example.cn/a.htm", "title": "通知",
                       "authors": [{"name": "作者\uff1aa@example.cn"}]}]}"#;
        let items = entries(&decoded(text, ContentKind::Json)).unwrap();
        assert_eq!(items.len(), 1);
    }

    #[rstest]
    #[case("联系人：a@b.cn", "联系人： a@b.cn")]
    #[case("（a@b.cn）", "（ a@b.cn ）")]
    #[case("&#xff1a;a@b.cn", "&#xff1a; a@b.cn")]
    #[case("Contact: a@b.cn.", "Contact: a@b.cn.")]
    #[case("no address here：", "no address here：")]
    fn addresses_are_set_off_from_non_ascii_neighbours(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(spaced_emails(text), expected);
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
    fn atom_03_and_root_entries_are_read() {
        let atom03 = r#"<feed xmlns="http://purl.org/atom/ns#" version="0.3"><title>t</title>
            <entry><title type="text/html" mode="escaped">e &amp;amp; f</title><link rel="alternate" href="http://a.example/1"/>
            <issued>2004-05-06T07:00:00+08:00</issued><content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content></entry></feed>"#;
        let items = entries(&decoded(atom03, ContentKind::Xml)).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!((items[0].title.as_str(), items[0].url.as_str()), ("e & f", "http://a.example/1"));
        assert_eq!(items[0].published, Some(date(2004, 5, 6)));
        assert_eq!(items[0].content.as_ref().unwrap().lines(), ["x"]);
        let entry = r#"<entry xmlns="http://www.w3.org/2005/Atom"><id>urn:e</id><title>Alone</title></entry>"#;
        let items = entries(&decoded(entry, ContentKind::Text)).unwrap();
        assert_eq!((items[0].title.as_str(), items[0].url.as_str()), ("Alone", "urn:e"));
        let empty = "<rss version='2.0'><channel><title>t</title></channel></rss>";
        assert_eq!(entries(&decoded(empty, ContentKind::Xml)), Ok(vec![]));
    }

    #[test]
    fn atom_text_titles_are_text() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:a</id>
            <title type="text">History of the &lt;blink&gt; tag &amp;amp; &hellip;</title></entry>
            <entry><id>urn:b</id><title type="html">History of the &lt;blink&gt; tag</title></entry></feed>"#;
        let titles: Vec<String> =
            entries(&decoded(atom, ContentKind::Xml)).unwrap().into_iter().map(|i| i.title).collect();
        assert_eq!(titles, ["History of the <blink> tag &amp; \u{2026}", "History of the tag"]);
    }

    #[test]
    fn a_feed_that_breaks_off_yields_its_complete_entries() {
        let cut = "<rss version='2.0'><channel><item><title>a</title><link>http://a.example/1</link></item>\
            <item><title>b</title></item><!-- Exception rendering module --><item><title>c";
        let read = read(&decoded(cut, ContentKind::Xml)).unwrap();
        assert_eq!(read.items.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(
            read.warning().unwrap().starts_with("feed breaks off after 2 complete entries ("),
            "{:?}",
            read.warning()
        );
        // Nothing complete before the break: the parser's error.
        let none = "<rss version='2.0'><channel><item><title>a</title>";
        assert!(matches!(super::read(&decoded(none, ContentKind::Xml)), Err(ExtractError::Feed { .. })));
    }

    #[test]
    fn hostile_feeds_stay_cheap() {
        // Billion laughs: no DTD entity is ever expanded.
        let laughs = "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'>\
            <!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>\
            <rss version='2.0'><channel><item><title>&c;</title></item></channel></rss>";
        let items = entries(&decoded(laughs, ContentKind::Xml)).unwrap();
        assert!(items[0].title.len() < 10, "{}", items[0].title);
        // Many entry-like elements deep inside unknown ones, cut off: finding the cut costs one
        // more pass, not a copy of the open elements per entry. They are no RSS items, so
        // nothing is read and the parser's error stands.
        let deep = format!(
            "<rss version='2.0'><channel>{}{}<item><title>cut",
            "<x>".repeat(5_000),
            "<item><title>a</title></item>".repeat(5_000)
        );
        assert!(matches!(read(&decoded(&deep, ContentKind::Xml)), Err(ExtractError::Feed { .. })));
    }

    #[test]
    fn json_feed() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
            {"id":"1","url":"https://example.org/1","title":"One","content_html":"<p>a</p>","date_published":"2023-08-08T23:30:00-05:00"},
            {"id":"2","title":"Two","content_text":"b"}]}"#;
        let read = read(&decoded(json, ContentKind::Json)).unwrap();
        assert!(read.skipped.is_empty());
        assert_eq!(read.items[0].title, "One");
        assert_eq!(read.items[0].published, Some(date(2023, 8, 8)));
        assert_eq!((read.items[1].url.as_str(), read.items[1].link.as_ref()), ("urn:x-regwatch:guid:2", None));
    }
}

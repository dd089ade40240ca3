//! Brings the XML that feed-rs refuses into a form it reads, without parsing feeds ourselves.
//!
//! - Atom 0.3: its namespace becomes Atom 1.0's, `modified`/`issued`/`tagline`/`copyright`
//!   become `updated`/`published`/`subtitle`/`rights`, and its `mode`/MIME `type` text
//!   constructs become `text`/`html`/`xhtml` (base64 ones decoded).
//! - Atom 1.0 text constructs typed with a MIME type (`text/plain`, `application/xhtml+xml`,
//!   `""`, a base64 `application/octet-stream`), on which feed-rs fails the whole feed.
//! - RSS in the UserLand (`backend.userland.com/rss2`) or Netscape 0.90 namespaces, which
//!   feed-rs ignores, is put in the RSS 1.0 namespace it knows; `<rss>` without a version it
//!   reads (`0.91`, `0.92`, `2.0`) reads as 2.0.
//! - RSS 1.0 (and 0.90) items without a `<link>`, which feed-rs drops, get their `rdf:about`
//!   as link, or a `urn:` placeholder that `feed` reads as no link; RSS items titled only by
//!   `dc:title` get it as their title.
//! - `&#X41;` (upper-case X, which quick-xml rejects) becomes `&#x41;`.
//!
//! It also notes where the last complete entry of a document that breaks off (or breaks) ends,
//! so that `feed` can read the entries before the break when the whole will not parse.
//!
//! Edits are spliced into the original text, so everything else stays byte for byte, entities
//! unexpanded (no DTD entity is ever expanded here: billion laughs stay one line of text). Not
//! a feed reader: which element means what is feed-rs's business.

use std::borrow::Cow;
use std::ops::Range;

use base64::Engine;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";
const RSS_10: &str = "http://purl.org/rss/1.0/";
const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";
/// The link given to an RSS 1.0 item that has none, so that feed-rs keeps it; `feed` reads it
/// as no link (it is not http).
pub(super) const NO_LINK: &str = "urn:x-regwatch:no-link";
/// RSS namespaces feed-rs does not know, read as RSS 1.0's (whose element names they share).
const RSS_ALIASES: [&str; 3] =
    ["http://backend.userland.com/rss2", "http://backend.userland.com/rss", "http://my.netscape.com/rdf/simple/0.9/"];
/// Atom 0.3 element names and their Atom 1.0 equivalents.
const ATOM_03_RENAMES: [(&str, &str); 4] =
    [("modified", "updated"), ("issued", "published"), ("tagline", "subtitle"), ("copyright", "rights")];
/// Atom text constructs (0.3 and 1.0 names), whose `type` feed-rs checks.
const TEXT_CONSTRUCTS: [&str; 8] =
    ["title", "subtitle", "tagline", "summary", "content", "rights", "copyright", "info"];

/// The text to hand feed-rs, and a fallback for when it cannot read it whole.
#[derive(Debug)]
pub(super) struct Prepared<'a> {
    pub(super) text: Cow<'a, str>,
    pub(super) cut: Option<Cut>,
}

/// A document that breaks off (or breaks) after some complete entries, cut after the last of
/// them with its open elements closed.
#[derive(Debug)]
pub(super) struct Cut {
    pub(super) text: String,
    pub(super) entries: usize,
    /// Where and how the document breaks.
    pub(super) reason: String,
}

/// Which namespace an element is in, as far as this module cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Atom03,
    Atom10,
    /// RSS 1.0's namespace or one read as it.
    Rss1,
    DublinCore,
    /// No namespace (RSS 0.9x/2.0), or one this module does not care about.
    Other,
}

fn ns_of(resolved: &ResolveResult<'_>) -> Ns {
    let ResolveResult::Bound(ns) = resolved else { return Ns::Other };
    match ns.as_ref() {
        ATOM_03 => Ns::Atom03,
        ATOM_10 => Ns::Atom10,
        DUBLIN_CORE => Ns::DublinCore,
        uri if uri == RSS_10 || RSS_ALIASES.contains(&uri) => Ns::Rss1,
        _ => Ns::Other,
    }
}

fn alias(uri: &str) -> Option<&'static str> {
    let uri = uri.trim();
    if uri == ATOM_03 {
        Some(ATOM_10)
    } else if RSS_ALIASES.contains(&uri) {
        Some(RSS_10)
    } else {
        None
    }
}

/// An element still open, with what its end tag needs.
#[derive(Debug)]
struct Open {
    name: String,
    /// The end tag's new name, for a renamed Atom 0.3 element.
    renamed: Option<String>,
    /// Where the element's content starts (after its start tag).
    content_from: usize,
    /// A base64 text construct, decoded at its end.
    base64: bool,
    /// An Atom `<link>` without `href`: its start tag and that tag's inside (name and
    /// attributes, rewritten if need be), given the text content as `href` at its end.
    link_text: Option<(Range<usize>, String)>,
    /// For an RSS item: what its children were.
    item: Option<Item>,
}

/// What an RSS item held, for the fixes made at its end.
#[derive(Debug, Default)]
struct Item {
    /// The item's prefix (`rss:` or empty), for elements added to it.
    prefix: String,
    /// An RSS 1.0 item, whose link feed-rs requires.
    rdf: bool,
    about: Option<String>,
    has_link: bool,
    has_title: bool,
    /// The start and end tags of a `dc:title` child.
    dc_title: Option<(Range<usize>, Option<Range<usize>>)>,
}

/// The text with the edits above, and where to cut it should it not parse.
pub(super) fn prepare(text: &str) -> Prepared<'_> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut pass = Pass::default();
    let broken = loop {
        let start = offset(reader.buffer_position());
        let (ns, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => (ns_of(&resolved), event),
            Err(e) => break Some(format!("{e} (byte {})", reader.error_position())),
        };
        let at = start..offset(reader.buffer_position());
        match event {
            Event::Eof => break (!pass.stack.is_empty()).then(|| "the document ends inside an element".to_owned()),
            Event::Start(tag) => pass.start(&tag, ns, at),
            Event::Empty(tag) => {
                note_child(pass.stack.last_mut(), &tag, ns, at.clone());
                if let (Some(rewritten), _) = start_tag(&tag, ns, pass.stack.is_empty(), at.end) {
                    pass.edits.push((at, format!("<{rewritten}/>")));
                }
            }
            Event::End(tag) => pass.end(text, tag.local_name().as_ref(), at),
            Event::GeneralRef(reference) => {
                if let Some(hex) = reference.strip_prefix("#X") {
                    pass.edits.push((at, format!("&#x{hex};")));
                }
            }
            _ => {}
        }
    };
    let Pass { mut edits, last_entry, entries, channel_added, .. } = pass;
    edits.sort_by_key(|(range, _)| range.start);
    let cut = broken.zip(last_entry).map(|(reason, at)| {
        let head = text.get(..at).unwrap_or_default();
        let open = open_elements(head);
        let mut text = splice(head, &edits);
        for (depth, name) in open.iter().enumerate().rev() {
            if depth == 0 && channel_added {
                text.push_str("</channel>");
            }
            text.push_str(&format!("</{name}>"));
        }
        Cut { text, entries, reason }
    });
    let text = if edits.is_empty() { Cow::Borrowed(text) } else { Cow::Owned(splice(text, &edits)) };
    Prepared { text, cut }
}

/// The state of one pass over a document.
#[derive(Debug, Default)]
struct Pass {
    edits: Vec<(Range<usize>, String)>,
    stack: Vec<Open>,
    /// Where the last complete entry ends. Only the offset: the open elements there are found
    /// again if needed, since copying the stack at every entry would cost depth × entries.
    last_entry: Option<usize>,
    entries: usize,
    root_is_rdf: bool,
    /// `<rss>` with items straight under it: a `<channel>` was put around them.
    channel_added: bool,
    rss_has_channel: bool,
}

impl Pass {
    fn start(&mut self, tag: &BytesStart<'_>, ns: Ns, at: Range<usize>) {
        note_child(self.stack.last_mut(), tag, ns, at.clone());
        let local = tag.local_name().as_ref().to_owned();
        if self.stack.len() == 1 && self.stack.first().is_some_and(|root| root.name.ends_with("rss")) {
            self.rss_has_channel |= local == "channel";
            if local == "item" && !self.rss_has_channel && !self.channel_added {
                self.edits.push((at.start..at.start, "<channel>".to_owned()));
                self.channel_added = true;
            }
        }
        let (rewritten, mut open) = start_tag(tag, ns, self.stack.is_empty(), at.end);
        match rewritten {
            // An Atom link that holds its URL as text instead of `href`: decided at its end.
            _ if open.link_text.is_some() => {
                open.link_text = Some((at.clone(), rewritten.unwrap_or_else(|| tag_inside(tag))));
            }
            Some(rewritten) => self.edits.push((at, format!("<{rewritten}>"))),
            None => {}
        }
        open.item = item(tag, ns, self.stack.len(), self.root_is_rdf);
        self.root_is_rdf |= self.stack.is_empty() && local == "RDF";
        self.stack.push(open);
    }

    fn end(&mut self, text: &str, local: &str, at: Range<usize>) {
        let Some(open) = self.stack.pop() else { return };
        if let Some(name) = &open.renamed {
            self.edits.push((at.clone(), format!("</{name}>")));
        }
        if let Some(Item { dc_title: Some((_, end_tag @ None)), .. }) =
            self.stack.last_mut().and_then(|o| o.item.as_mut())
            && local == "title"
        {
            *end_tag = Some(at.clone());
        }
        if let Some(item) = &open.item {
            self.edits.extend(item_fixes(item, at.start));
        }
        let content = text.get(open.content_from..at.start).unwrap_or_default();
        if open.base64
            && let Some(decoded) = decode_base64(content)
        {
            let escaped = quick_xml::escape::escape(decoded.as_str()).into_owned();
            self.edits.push((open.content_from..at.start, escaped));
        }
        if let Some((start_tag, inside)) = open.link_text {
            let href = content.trim();
            let usable = !href.is_empty() && !href.contains(['<', '"', '&']);
            let tag = if usable { format!("<{inside} href=\"{href}\">") } else { format!("<{inside}>") };
            self.edits.push((start_tag, tag));
        }
        if self.stack.is_empty() && self.channel_added {
            self.edits.push((at.start..at.start, "</channel>".to_owned()));
        }
        if matches!(local, "item" | "entry") && !self.stack.is_empty() {
            self.entries += 1;
            self.last_entry = Some(at.end);
        }
    }
}

/// A start tag's name and attributes as written.
fn tag_inside(tag: &BytesStart<'_>) -> String {
    let mut inside = tag.name().as_ref().to_owned();
    let attributes = tag.attributes_raw();
    if !attributes.trim().is_empty() {
        inside.push(' ');
        inside.push_str(attributes.trim().trim_end_matches('/'));
    }
    inside
}

/// The names of the elements still open at the end of `head` (which reads without error).
fn open_elements(head: &str) -> Vec<String> {
    let mut reader = NsReader::from_str(head);
    let mut open = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(tag)) => open.push(tag.name().as_ref().to_owned()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) | Err(_) => return open,
            Ok(_) => {}
        }
    }
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// `text` with the edits that lie wholly inside it applied; overlapping edits after the first
/// are left out (none are made, but a splice must never panic).
fn splice(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at || range.end > text.len() {
            continue;
        }
        let (Some(before), true) = (text.get(at..range.start), text.is_char_boundary(range.end)) else { continue };
        out.push_str(before);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// A start tag's rewritten inside (name and attributes, without `<` and `>`), if it needs one,
/// and what its end tag will need.
fn start_tag(tag: &BytesStart<'_>, ns: Ns, is_root: bool, content_from: usize) -> (Option<String>, Open) {
    let name = tag.name().as_ref().to_owned();
    let local = tag.local_name().as_ref().to_owned();
    let prefix = name.strip_suffix(local.as_str()).unwrap_or_default().to_owned();
    let mut open = Open { name: name.clone(), renamed: None, content_from, base64: false, link_text: None, item: None };
    let mut attributes: Vec<(String, String)> =
        tag.attributes().flatten().map(|a| (a.key.as_ref().to_owned(), a.value.into_owned())).collect();
    let mut changed = false;
    for (key, value) in &mut attributes {
        if (key == "xmlns" || key.starts_with("xmlns:"))
            && let Some(to) = alias(value)
        {
            *value = to.to_owned();
            changed = true;
        }
    }
    let mut new_name = name.clone();
    if ns == Ns::Atom03
        && let Some((_, to)) = ATOM_03_RENAMES.iter().find(|(from, _)| *from == local)
    {
        new_name = format!("{prefix}{to}");
        open.renamed = Some(new_name.clone());
        changed = true;
    }
    if matches!(ns, Ns::Atom03 | Ns::Atom10) && TEXT_CONSTRUCTS.contains(&local.as_str()) {
        let construct = text_construct(&attributes, ns, local == "content");
        if let Some(construct) = construct {
            attributes.retain(|(k, _)| k != "type" && k != "mode");
            if let Some(kind) = construct.kind {
                attributes.push(("type".to_owned(), kind.to_owned()));
            }
            open.base64 = construct.base64;
            changed = true;
        }
    }
    if matches!(ns, Ns::Atom03 | Ns::Atom10) && local == "link" && !attributes.iter().any(|(k, _)| k == "href") {
        // A placeholder: `Pass::start` fills in the tag, `Pass::end` the href.
        open.link_text = Some((0..0, String::new()));
    }
    if is_root && local == "rss" {
        let version = attributes.iter_mut().find(|(k, _)| k == "version");
        let readable = version.as_ref().is_some_and(|(_, v)| matches!(v.trim(), "0.91" | "0.92" | "2.0"));
        if !readable {
            attributes.retain(|(k, _)| k != "version");
            attributes.push(("version".to_owned(), "2.0".to_owned()));
            changed = true;
        }
    }
    if !changed {
        return (None, open);
    }
    let mut inside = new_name;
    for (key, value) in &attributes {
        let quote = if value.contains('"') { '\'' } else { '"' };
        inside.push_str(&format!(" {key}={quote}{value}{quote}"));
    }
    (Some(inside), open)
}

/// The state to keep for an RSS item element (none for anything else).
fn item(tag: &BytesStart<'_>, ns: Ns, depth: usize, root_is_rdf: bool) -> Option<Item> {
    let local = tag.local_name().as_ref().to_owned();
    if local != "item" || matches!(ns, Ns::Atom03 | Ns::Atom10 | Ns::DublinCore) || depth == 0 {
        return None;
    }
    let name = tag.name().as_ref().to_owned();
    let about = tag.attributes().flatten().find_map(|a| {
        let key = a.key.as_ref();
        (key == "rdf:about" || key.ends_with(":about") || key == "about").then(|| a.value.into_owned())
    });
    Some(Item {
        prefix: name.strip_suffix("item").unwrap_or_default().to_owned(),
        rdf: root_is_rdf && ns == Ns::Rss1,
        about,
        ..Item::default()
    })
}

/// Records what a child of an RSS item is (a title, a link, a `dc:title`).
fn note_child(parent: Option<&mut Open>, tag: &BytesStart<'_>, ns: Ns, range: Range<usize>) {
    let Some(item) = parent.and_then(|p| p.item.as_mut()) else { return };
    match (ns, tag.local_name().as_ref()) {
        (Ns::DublinCore, "title") if item.dc_title.is_none() => item.dc_title = Some((range, None)),
        (Ns::Rss1 | Ns::Other, "title") => item.has_title = true,
        (Ns::Rss1 | Ns::Other, "link") => item.has_link = true,
        _ => {}
    }
}

/// The edits an RSS item needs at its end tag (which starts at `end_tag`): a link for an RSS
/// 1.0 item without one, its `dc:title` as title when it has no other.
fn item_fixes(item: &Item, end_tag: usize) -> Vec<(Range<usize>, String)> {
    let mut edits = Vec::new();
    let prefix = &item.prefix;
    if let (false, Some((start, Some(end)))) = (item.has_title, &item.dc_title) {
        edits.push((start.clone(), format!("<{prefix}title>")));
        edits.push((end.clone(), format!("</{prefix}title>")));
    }
    if item.rdf && !item.has_link {
        let about = item.about.as_deref().filter(|a| !a.trim().is_empty()).unwrap_or(NO_LINK);
        edits.push((end_tag..end_tag, format!("<{prefix}link>{about}</{prefix}link>")));
    }
    edits
}

/// How a text construct is to be typed for feed-rs.
struct Construct {
    /// `text`, `html` or `xhtml`; `None` keeps the element untyped (Atom's default, text).
    kind: Option<&'static str>,
    base64: bool,
}

/// The Atom 1.0 typing of a text construct, or `None` when feed-rs reads it as it is.
fn text_construct(attributes: &[(String, String)], ns: Ns, is_content: bool) -> Option<Construct> {
    let get = |name: &str| attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_ascii_lowercase());
    let media = get("type");
    let mode = get("mode");
    if attributes.iter().any(|(k, _)| k == "src") {
        return None;
    }
    if ns == Ns::Atom10 && mode.is_none() {
        match media.as_deref() {
            None | Some("text" | "html" | "xhtml") => return None,
            // feed-rs reads content of any XML or text type itself; text constructs it refuses.
            Some(m) if is_content && (m.starts_with("text/") || m.ends_with("+xml") || m.ends_with("/xml")) => {
                return None;
            }
            _ => {}
        }
    }
    let media = media.unwrap_or_else(|| "text/plain".to_owned());
    let html = media == "html" || media.contains("html") && !media.contains("xhtml");
    let xhtml = media == "xhtml" || media.contains("xhtml");
    let textual = html || xhtml || media == "text" || media.is_empty() || media.starts_with("text/");
    let kind = match mode.as_deref() {
        Some("escaped") if html || xhtml => "html",
        Some("escaped") => "text",
        Some("base64") => {
            return Some(Construct { kind: Some(if html { "html" } else { "text" }), base64: true });
        }
        // RFC 4287 §4.1.3.3: a type that is neither text nor XML means base64.
        None if ns == Ns::Atom10 && !textual && !media.ends_with("xml") => {
            return Some(Construct { kind: Some("text"), base64: true });
        }
        _ if xhtml => "xhtml",
        _ if html => "html",
        _ => "text",
    };
    Some(Construct { kind: Some(kind), base64: false })
}

/// Base64 text (whitespace allowed) that decodes to UTF-8.
fn decode_base64(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(compact).ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    // Atom 0.3: namespace, renamed elements, escaped HTML and inline XHTML titles.
    #[case(
        r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title type="text/html" mode="escaped">a &amp;lt;b&amp;gt;</title><modified>2003-12-13T18:30:02Z</modified></entry></feed>"#,
        r#"<feed version="0.3" xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">a &amp;lt;b&amp;gt;</title><updated>2003-12-13T18:30:02Z</updated></entry></feed>"#
    )]
    #[case(
        r#"<a:feed xmlns:a="http://purl.org/atom/ns#"><a:entry><a:title type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></a:title><a:issued>2003</a:issued></a:entry></a:feed>"#,
        r#"<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry><a:title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></a:title><a:published>2003</a:published></a:entry></a:feed>"#
    )]
    #[case(
        r#"<feed xmlns="http://purl.org/atom/ns#"><entry><content type="text/html" mode="base64">PGI+YjwvYj4=</content></entry></feed>"#,
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">&lt;b&gt;b&lt;/b&gt;</content></entry></feed>"#
    )]
    // Atom 1.0 titles typed with MIME types.
    #[case(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="application/octet-stream"> RXhhbXBsZQ== </title><title type="">e</title><title type="text/plain">p</title></entry></feed>"#,
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">Example</title><title type="text">e</title><title type="text">p</title></entry></feed>"#
    )]
    // Old RSS namespaces and versions.
    #[case(
        r#"<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"><r:channel/></r:rss>"#,
        r#"<r:rss version="2.0" xmlns:r="http://purl.org/rss/1.0/"><r:channel/></r:rss>"#
    )]
    #[case(
        "<rss><channel><item><title>t</title></item></channel></rss>",
        r#"<rss version="2.0"><channel><item><title>t</title></item></channel></rss>"#
    )]
    #[case("<rss version='2.0.1' a='x\"y'/>", r#"<rss a='x"y' version="2.0"/>"#)]
    #[case("<p>&#X41;&#x42;&amp;</p>", "<p>&#x41;&#x42;&amp;</p>")]
    // Items straight under <rss>; an Atom link holding its URL as text.
    #[case(
        "<rss version='2.0'><title>t</title><item><title>a</title></item><item/></rss>",
        "<rss version='2.0'><title>t</title><channel><item><title>a</title></item><item/></channel></rss>"
    )]
    #[case(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" type="text/html">http://e.example/a</link><link rel="self"/></entry></feed>"#,
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" type="text/html" href="http://e.example/a">http://e.example/a</link><link rel="self"/></entry></feed>"#
    )]
    // RSS 1.0 and 0.90 items without links; an RSS item titled by dc:title.
    #[case(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item rdf:about="http://e.example/1"><title>a</title></item><item><title>b</title><link>http://e.example/2</link></item></rdf:RDF>"#,
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item rdf:about="http://e.example/1"><title>a</title><link>http://e.example/1</link></item><item><title>b</title><link>http://e.example/2</link></item></rdf:RDF>"#
    )]
    #[case(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/"><item><title>a</title></item></rdf:RDF>"#,
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item><title>a</title><link>urn:x-regwatch:no-link</link></item></rdf:RDF>"#
    )]
    #[case(
        r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><dc:title>a</dc:title></item><item><title>b</title><dc:title>c</dc:title></item></channel></rss>"#,
        r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><title>a</title></item><item><title>b</title><dc:title>c</dc:title></item></channel></rss>"#
    )]
    fn rewrites(#[case] input: &str, #[case] expected: &str) {
        let prepared = prepare(input);
        assert_eq!(prepared.text, expected);
        assert!(prepared.cut.is_none());
    }

    #[rstest]
    #[case("<rss version='2.0'><channel><item><title>a</title></item></channel></rss>")]
    #[case("<feed xmlns='http://www.w3.org/2005/Atom'><entry><title type='html'>&lt;b&gt;</title></entry></feed>")]
    #[case(
        "<!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]><rss version='2.0'><channel><title>&b;</title></channel></rss>"
    )]
    #[case("{\"version\": \"https://jsonfeed.org/version/1.1\"}")]
    fn leaves_what_feed_rs_reads(#[case] input: &str) {
        assert!(matches!(prepare(input).text, Cow::Borrowed(_)));
    }

    #[test]
    fn a_document_that_breaks_off_is_cut_after_its_last_complete_entry() {
        let text = "<rss version='2.0'><channel><title>t</title><item><title>a</title></item>\
                    <item><title>b</title></item><item><title>c</tit";
        let cut = prepare(text).cut.unwrap();
        assert_eq!(cut.entries, 2);
        assert_eq!(
            cut.text,
            "<rss version='2.0'><channel><title>t</title><item><title>a</title></item>\
             <item><title>b</title></item></channel></rss>"
        );
        // An entry cut off before it ends, with nothing complete before it: nothing to keep.
        assert!(prepare("<rss version='2.0'><channel><item><title>a</title>").cut.is_none());
        assert!(prepare("<rss version='2.0'><channel><item/></channel></rss>").cut.is_none());
    }
}

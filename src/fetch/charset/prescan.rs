//! The first bytes of a body: the encoding it declares (`<meta>`, `<?xml encoding?>`) and
//! what kind of document it starts like. Byte-level and ASCII-only, so it works before the
//! encoding is known; not the resolution order (that is `charset`).

use encoding_rs::Encoding;

use super::from_label;

/// How far into the body the `<meta>` prescan looks.
const META_PRESCAN: usize = 4096;
/// How far into the body the XML declaration may end.
const XML_DECL_PRESCAN: usize = 1024;

/// `encoding="…"` of an XML declaration at the very start of the body.
pub(super) fn xml_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let head = body.get(..XML_DECL_PRESCAN).unwrap_or(body);
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let decl = &head[..find(head, b"?>")?];
    let after = &decl[find(decl, b"encoding")? + b"encoding".len()..];
    let after = trim_start(after).strip_prefix(b"=")?;
    let after = trim_start(after);
    let quote = *after.first().filter(|q| matches!(q, b'"' | b'\''))?;
    let value = &after[1..];
    from_label(&value[..value.iter().position(|b| *b == quote)?])
}

/// The charset of the first `<meta>` that names a known one, per the WHATWG prescan (simplified:
/// comments and other tags are skipped, attributes of `<meta>` read with their quoting).
pub(super) fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = body.get(..META_PRESCAN).unwrap_or(body);
    let mut at = 0;
    while let Some(lt) = head.get(at..).and_then(|rest| rest.iter().position(|b| *b == b'<')) {
        let rest = &head[at + lt..];
        if rest.starts_with(b"<!--") {
            at += lt + find(rest, b"-->").map_or(rest.len(), |end| end + 3);
            continue;
        }
        if rest.len() > 5
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && matches!(rest[5], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/')
        {
            let (attrs, used) = attributes(&rest[5..]);
            if let Some(enc) = meta_encoding(&attrs) {
                return Some(enc);
            }
            at += lt + 5 + used;
            continue;
        }
        at += lt + 1;
    }
    None
}

fn meta_encoding(attrs: &[(Vec<u8>, Vec<u8>)]) -> Option<&'static Encoding> {
    let get = |name: &[u8]| attrs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice());
    let label = if let Some(charset) = get(b"charset") {
        charset
    } else {
        let is_content_type = get(b"http-equiv").is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"content-type"));
        charset_in_content(get(b"content").filter(|_| is_content_type)?)?
    };
    from_label(label.trim_ascii())
}

/// `charset=x` inside a `content="text/html; charset=x"` value.
fn charset_in_content(content: &[u8]) -> Option<&[u8]> {
    let lower = content.to_ascii_lowercase();
    let after = &content[find(&lower, b"charset")? + b"charset".len()..];
    let after = trim_start(trim_start(after).strip_prefix(b"=")?);
    match after.first() {
        Some(q @ (b'"' | b'\'')) => {
            let value = &after[1..];
            Some(&value[..value.iter().position(|b| b == q)?])
        }
        _ => Some(&after[..after.iter().position(|b| *b == b';' || b.is_ascii_whitespace()).unwrap_or(after.len())]),
    }
}

/// A tag's attributes as (name, value) byte strings.
type Attributes = Vec<(Vec<u8>, Vec<u8>)>;

/// Attributes of a tag up to its `>`, and how many bytes that took.
fn attributes(tag: &[u8]) -> (Attributes, usize) {
    let mut attrs = Vec::new();
    let mut i = 0;
    loop {
        while tag.get(i).is_some_and(|b| b.is_ascii_whitespace() || *b == b'/') {
            i += 1;
        }
        match tag.get(i) {
            None => return (attrs, i),
            Some(b'>') => return (attrs, i + 1),
            Some(_) => {}
        }
        let start = i;
        while tag.get(i).is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/')) {
            i += 1;
        }
        let name = tag[start..i].to_vec();
        while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let mut value = Vec::new();
        if tag.get(i) == Some(&b'=') {
            i += 1;
            while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            let quote = tag.get(i).copied().filter(|q| matches!(q, b'"' | b'\''));
            if quote.is_some() {
                i += 1;
            }
            let vstart = i;
            while tag.get(i).is_some_and(|b| match quote {
                Some(q) => *b != q,
                None => !b.is_ascii_whitespace() && *b != b'>',
            }) {
                i += 1;
            }
            value = tag[vstart..i.min(tag.len())].to_vec();
            if quote.is_some() && i < tag.len() {
                i += 1;
            }
        }
        attrs.push((name, value));
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii_start()
}

/// What the start of a body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sniffed {
    /// Root element `rss`, `feed` or `rdf:RDF`.
    Feed,
    /// An XML declaration before some other root element.
    Xml,
    Html,
    Json,
}

/// Looks at the first element of a body, past its prolog (declaration, comments, doctype).
pub(super) fn sniff(body: &[u8]) -> Option<Sniffed> {
    let mut rest = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut xml_decl = false;
    let mut html_doctype = false;
    for _ in 0..64 {
        rest = rest.trim_ascii_start();
        match rest.first()? {
            b'{' | b'[' => return Some(Sniffed::Json),
            b'<' => {}
            _ => return None,
        }
        if rest.starts_with(b"<?") {
            xml_decl |= rest.starts_with(b"<?xml");
            rest = &rest[find(rest, b"?>")? + 2..];
        } else if rest.starts_with(b"<!--") {
            rest = &rest[find(rest, b"-->")? + 3..];
        } else if rest.starts_with(b"<!") {
            let end = rest.iter().position(|b| *b == b'>')?;
            // An HTML doctype decides only if the root is not a feed's (some CMSs put one
            // in front of their RSS).
            html_doctype |= rest[..end].to_ascii_lowercase().starts_with(b"<!doctype html");
            rest = &rest[end + 1..];
        } else {
            return match root_kind(&rest[1..], xml_decl) {
                Some(Sniffed::Feed) => Some(Sniffed::Feed),
                _ if html_doctype => Some(Sniffed::Html),
                other => other,
            };
        }
    }
    None
}

fn root_kind(tag: &[u8], xml_decl: bool) -> Option<Sniffed> {
    const HTML_STARTS: [&[u8]; 9] = [b"html", b"head", b"body", b"meta", b"title", b"div", b"table", b"p", b"script"];
    let end = tag.iter().position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/')).unwrap_or(tag.len());
    let name = &tag[..end];
    if matches!(name, b"rss" | b"feed" | b"rdf:RDF") {
        return Some(Sniffed::Feed);
    }
    if HTML_STARTS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
        return Some(Sniffed::Html);
    }
    xml_decl.then_some(Sniffed::Xml)
}

//! Bytes → `Decoded`: which encoding a response body is in, its text, and what kind of body it is.
//!
//! Not the fetching (that is `fetch::client`) nor any parsing beyond a prescan of the first bytes.
//!
//! The encoding is the first of:
//! 1. the source's `encoding` override (the operator knows better than the site);
//! 2. a byte order mark: it beats the HTTP charset for every content type, as in WHATWG
//!    Encoding ("BOM sniff" runs before the transport label) and RFC 7303 §3 for XML;
//! 3. the HTTP `Content-Type` charset. When it says UTF-8 but the body is not UTF-8 and the
//!    document declares something else, the declaration wins: Chinese servers often label every
//!    page UTF-8 while legacy pages are GBK with a `<meta charset=gb2312>`;
//! 4. UTF-16 without a BOM, from the `<?` byte pattern (XML 1.0 appendix F);
//! 5. the document's own declaration: `<meta charset>` / `<meta http-equiv>` in the first
//!    4 KiB for HTML, the `<?xml encoding=…?>` declaration for XML (each tried after the other
//!    when the type does not say which);
//! 6. detection: UTF-8 if the bytes are UTF-8, else chardetng with the URL's top-level domain.
//!
//! `text/xml` without a charset is NOT read as US-ASCII (RFC 3023): RFC 7303 replaced that rule,
//! and browsers and feed readers use the XML declaration, as here. GB2312 and GBK labels decode
//! as GB18030, their superset. UTF-32 is not supported: WHATWG dropped it and `encoding_rs` has no
//! decoder for it. Decoding never fails: bad bytes become U+FFFD.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, GB18030, GBK, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE};
use url::{Host, Url};

use crate::extract::{ContentKind, Decoded};

mod prescan;

use prescan::{Sniffed, meta_charset, sniff, xml_encoding};

/// How much of the body chardetng reads: enough for any page, bounded for huge bodies.
const DETECT_LIMIT: usize = 1 << 20;

/// Reads a response body as text. Never fails: undecodable bytes become U+FFFD.
pub fn decode(body: &[u8], content_type: Option<&str>, override_: Option<&'static Encoding>, url: Url) -> Decoded {
    let (mime, http_charset) = content_type.map(parse_content_type).unwrap_or_default();
    let declared_kind = kind_from_mime(&mime);
    let encoding = override_
        .map(superset)
        .or_else(|| Encoding::for_bom(body).map(|(enc, _)| enc))
        .or_else(|| from_http(http_charset.as_deref(), body, declared_kind))
        .or_else(|| utf16_pattern(body))
        .or_else(|| declared(body, declared_kind))
        .unwrap_or_else(|| detect(body, &url));
    let text = encoding.decode_with_bom_removal(body).0.into_owned();
    let kind = resolve_kind(declared_kind, sniff(text.as_bytes()));
    Decoded { url, text, encoding, kind }
}

/// The lower-cased MIME type and the charset parameter, quotes removed.
fn parse_content_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let charset = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        // Real servers send `charset='us-ascii'` and `charset= "x"`: strip both quote kinds.
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!value.is_empty()).then(|| value.to_owned())
    });
    (mime, charset)
}

/// The encoding a label names, GB2312/GBK widened to GB18030; `None` for unknown labels and for
/// `replacement` (which would turn the whole page into one U+FFFD).
fn from_label(label: &[u8]) -> Option<&'static Encoding> {
    Encoding::for_label(label).filter(|enc| *enc != REPLACEMENT).map(superset)
}

fn superset(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == GBK { GB18030 } else { encoding }
}

fn from_http(charset: Option<&str>, body: &[u8], kind: Option<ContentKind>) -> Option<&'static Encoding> {
    let encoding = from_label(charset?.as_bytes())?;
    if encoding == UTF_8
        && !is_utf8(body)
        && let Some(own) = declared(body, kind).filter(|own| *own != UTF_8)
    {
        return Some(own);
    }
    Some(encoding)
}

/// UTF-8 apart from, at most, a sequence cut off at the end (a body cap can cut one in half).
fn is_utf8(body: &[u8]) -> bool {
    match std::str::from_utf8(body) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

fn utf16_pattern(body: &[u8]) -> Option<&'static Encoding> {
    match body.get(..4)? {
        [0, b'<', 0, b'?'] => Some(UTF_16BE),
        [b'<', 0, b'?', 0] => Some(UTF_16LE),
        _ => None,
    }
}

/// The document's own declaration, in the order its kind suggests.
fn declared(body: &[u8], kind: Option<ContentKind>) -> Option<&'static Encoding> {
    let sniffed = kind.or_else(|| match sniff(body) {
        Some(Sniffed::Html) => Some(ContentKind::Html),
        Some(Sniffed::Feed | Sniffed::Xml) => Some(ContentKind::Xml),
        _ => None,
    });
    let found = match sniffed {
        Some(ContentKind::Html) => meta_charset(body).or_else(|| xml_encoding(body)),
        Some(ContentKind::Xml) => xml_encoding(body),
        _ => xml_encoding(body).or_else(|| meta_charset(body)),
    }?;
    // Bytes that spelled an ASCII declaration cannot be UTF-16 (WHATWG: use UTF-8).
    Some(if found == UTF_16BE || found == UTF_16LE { UTF_8 } else { found })
}

fn detect(body: &[u8], url: &Url) -> &'static Encoding {
    let sample = body.get(..DETECT_LIMIT).unwrap_or(body);
    if is_utf8(sample) {
        return UTF_8;
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() == body.len());
    superset(detector.guess(tld(url).as_deref(), Utf8Detection::Allow))
}

/// The last DNS label, in the form chardetng accepts (it panics on anything else).
fn tld(url: &Url) -> Option<Vec<u8>> {
    let Some(Host::Domain(host)) = url.host() else {
        return None;
    };
    let label = host.trim_end_matches('.').rsplit('.').next()?;
    let ok = !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| label.as_bytes().to_vec())
}

fn kind_from_mime(mime: &str) -> Option<ContentKind> {
    match mime {
        "text/html" | "application/xhtml+xml" => Some(ContentKind::Html),
        "application/json" | "text/json" => Some(ContentKind::Json),
        m if m.ends_with("+json") => Some(ContentKind::Json),
        m if m.ends_with("/xml")
            || m.ends_with("+xml")
            || m.ends_with("/xml-dtd")
            || m.ends_with("/xml-external-parsed-entity") =>
        {
            Some(ContentKind::Xml)
        }
        // text/plain, application/octet-stream and the like say nothing: sniff.
        _ => None,
    }
}

/// The declared kind, corrected where the body plainly says otherwise: a feed served as
/// text/html is a feed (WHATWG MIME Sniffing §7.3), an HTML page served under a feed's or JSON
/// type is HTML (an error page, usually).
fn resolve_kind(declared: Option<ContentKind>, sniffed: Option<Sniffed>) -> ContentKind {
    match (declared, sniffed) {
        (Some(ContentKind::Xml | ContentKind::Json) | None, Some(Sniffed::Html)) => ContentKind::Html,
        (Some(ContentKind::Html) | None, Some(Sniffed::Feed)) | (None, Some(Sniffed::Xml)) => ContentKind::Xml,
        (Some(kind), _) => kind,
        (None, Some(Sniffed::Json)) => ContentKind::Json,
        (None, None) => ContentKind::Text,
    }
}

#[cfg(test)]
mod tests {
    use encoding_rs::{BIG5, EUC_KR, SHIFT_JIS};
    use rstest::rstest;

    use super::*;

    fn url() -> Url {
        Url::parse("https://www.example.cn/list.html").unwrap()
    }

    #[rstest]
    #[case("text/html; charset=gb2312", "text/html", Some("gb2312"))]
    #[case("application/atom+xml;charset='us-ascii'", "application/atom+xml", Some("us-ascii"))]
    #[case("application/rss+xml;charset= \"us-ascii\"", "application/rss+xml", Some("us-ascii"))]
    #[case("text/xml;charset = us-ascii", "text/xml", Some("us-ascii"))]
    #[case("text/xml; charset:iso-8859-1", "text/xml", None)]
    #[case("text/xml;", "text/xml", None)]
    #[case("text/xml; qs=0.9", "text/xml", None)]
    #[case("Text/HTML", "text/html", None)]
    fn content_type_parts(#[case] value: &str, #[case] mime: &str, #[case] charset: Option<&str>) {
        let (m, c) = parse_content_type(value);
        assert_eq!((m.as_str(), c.as_deref()), (mime, charset));
    }

    #[rstest]
    // The operator's override beats everything, the BOM included.
    #[case(b"\xEF\xBB\xBF<p>x</p>".as_slice(), Some("text/html; charset=utf-8"), Some(GB18030), GB18030)]
    // A BOM beats the HTTP charset.
    #[case(b"\xEF\xBB\xBF<p>x</p>".as_slice(), Some("text/html; charset=gbk"), None, UTF_8)]
    #[case(b"\xFF\xFE<\0p\0>\0".as_slice(), Some("text/html; charset=utf-8"), None, UTF_16LE)]
    // The HTTP charset beats the document's declaration.
    #[case(b"<meta charset=big5><p>x</p>".as_slice(), Some("text/html; charset=euc-kr"), None, EUC_KR)]
    // ... except a UTF-8 label on bytes that are not UTF-8 when the page says otherwise.
    #[case(b"<meta charset=gb2312><p>\xD6\xD0\xCE\xC4</p>".as_slice(), Some("text/html; charset=utf-8"), None, GB18030)]
    #[case(b"<p>\xD6\xD0\xCE\xC4</p>".as_slice(), Some("text/html; charset=utf-8"), None, UTF_8)]
    // An unknown label is skipped, not fatal.
    #[case(b"<meta charset=big5>".as_slice(), Some("text/html; charset=bogus"), None, BIG5)]
    #[case(b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\">".as_slice(), None, None, GB18030)]
    #[case(b"<!-- <meta charset=big5> --><META HTTP-EQUIV='content-type' CONTENT='text/html;charset=shift_jis'>".as_slice(), None, None, SHIFT_JIS)]
    #[case(b"<meta name=\"x\" content=\"charset=big5\">".as_slice(), Some("text/html"), None, UTF_8)]
    // A meta that claims UTF-16 in ASCII bytes means UTF-8.
    #[case(b"<meta charset=utf-16>".as_slice(), None, None, UTF_8)]
    #[case(b"<?xml version='1.0' encoding='GB2312'?><rss/>".as_slice(), Some("application/rss+xml"), None, GB18030)]
    #[case(b"<?xml version=\"1.0\" encoding = \"bogus\"?><rss/>".as_slice(), None, None, UTF_8)]
    // text/xml without charset follows the declaration (RFC 7303), not US-ASCII (RFC 3023).
    #[case(b"<?xml version=\"1.0\" encoding=\"euc-kr\"?><rss/>".as_slice(), Some("text/xml"), None, EUC_KR)]
    #[case(b"<\0?\0x\0m\0l\0".as_slice(), None, None, UTF_16LE)]
    #[case(b"\0<\0?\0x\0m\0l".as_slice(), None, None, UTF_16BE)]
    // A UTF-8 character cut in half by the body cap still reads as UTF-8.
    #[case(b"<p>\xE4\xB8\xAD\xE6".as_slice(), None, None, UTF_8)]
    fn resolution(
        #[case] body: &[u8],
        #[case] content_type: Option<&str>,
        #[case] override_: Option<&'static Encoding>,
        #[case] expected: &'static Encoding,
    ) {
        let decoded = decode(body, content_type, override_, url());
        assert_eq!(decoded.encoding, expected, "{}", decoded.text);
    }

    #[test]
    fn detection_uses_the_tld() {
        // Bytes chardetng cannot place without the TLD: short GBK text.
        let body = "<p>中华人民共和国网络安全法</p>".as_bytes();
        let (gbk, _, _) = GB18030.encode(std::str::from_utf8(body).unwrap());
        let decoded = decode(&gbk, Some("text/html"), None, url());
        assert_eq!(decoded.encoding, GB18030);
        assert_eq!(decoded.text, "<p>中华人民共和国网络安全法</p>");
    }

    #[rstest]
    #[case("https://www.gov.cn/", Some("cn"))]
    #[case("https://xn--fiqs8s.xn--fiqs8s./", Some("xn--fiqs8s"))]
    #[case("http://127.0.0.1:8080/", None)]
    #[case("http://[::1]/", None)]
    #[case("http://localhost/", Some("localhost"))]
    fn tld_is_safe_for_chardetng(#[case] url: &str, #[case] expected: Option<&str>) {
        let got = tld(&Url::parse(url).unwrap());
        assert_eq!(got.as_deref(), expected.map(str::as_bytes));
    }

    #[rstest]
    #[case(b"<?xml version='1.0'?>\n<rss version='2.0'>".as_slice(), Some("text/html"), ContentKind::Xml)]
    #[case(b"<!-- x --><feed xmlns='http://www.w3.org/2005/Atom'>".as_slice(), None, ContentKind::Xml)]
    #[case(b"<rdf:RDF>".as_slice(), Some("text/plain"), ContentKind::Xml)]
    #[case(b"<!DOCTYPE html><html>".as_slice(), Some("application/rss+xml"), ContentKind::Html)]
    #[case(b"<html><body>oops".as_slice(), Some("application/json"), ContentKind::Html)]
    #[case(b"  {\"version\": \"https://jsonfeed.org/version/1.1\"}".as_slice(), None, ContentKind::Json)]
    #[case(b"{}".as_slice(), Some("application/feed+json"), ContentKind::Json)]
    #[case(b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>".as_slice(), None, ContentKind::Html)]
    #[case(b"<?xml version='1.0'?><urlset>".as_slice(), None, ContentKind::Xml)]
    #[case(b"<?xml version='1.0'?><!DOCTYPE html PUBLIC 'x'><rss>".as_slice(), None, ContentKind::Xml)]
    #[case(b"<!DOCTYPE html><!-- x --><section>".as_slice(), None, ContentKind::Html)]
    #[case(b"<td>x</td>".as_slice(), Some("text/html; charset=gbk"), ContentKind::Html)]
    #[case(b"plain words".as_slice(), None, ContentKind::Text)]
    #[case(b"plain words".as_slice(), Some("text/plain"), ContentKind::Text)]
    fn kind(#[case] body: &[u8], #[case] content_type: Option<&str>, #[case] expected: ContentKind) {
        assert_eq!(decode(body, content_type, None, url()).kind, expected);
    }

    #[test]
    fn decoding_never_fails() {
        let decoded = decode(b"<p>\xFF\xFE\xFD ok</p>", Some("text/html; charset=utf-8"), None, url());
        assert!(decoded.text.contains('\u{FFFD}'));
        assert!(decoded.text.ends_with(" ok</p>"));
    }

    #[test]
    fn bom_is_not_part_of_the_text() {
        let decoded = decode(b"\xEF\xBB\xBF<rss/>", None, None, url());
        assert_eq!(decoded.text, "<rss/>");
    }
}

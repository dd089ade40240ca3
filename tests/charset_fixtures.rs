//! Charset resolution against real fixtures: feedparser's encoding cases (their `Header:` lines
//! are fed as the HTTP Content-Type, their `encoding == '…'` expectations checked), feedparser's
//! undeclared legacy feeds, and chardet's GB2312 feeds and pages.

use std::fs;
use std::path::{Path, PathBuf};

use encoding_rs::{
    BIG5, EUC_JP, EUC_KR, Encoding, GB18030, KOI8_R, KOI8_U, SHIFT_JIS, UTF_8, WINDOWS_874, WINDOWS_1255,
};
use regwatch::extract::{ContentKind, feed};
use regwatch::fetch::charset::decode;
use url::Url;

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds").join(dir)
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(fixtures(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// A `Name:` line of the test's header comment. UTF-16/32 cases spell it with NULs between
/// the letters, so those are dropped first.
fn meta(body: &[u8], name: &str) -> Option<String> {
    let ascii: String = body.iter().filter(|b| **b != 0).map(|b| char::from(*b)).collect();
    let comment_end = ascii.find("-->")?;
    ascii[..comment_end].lines().find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_owned()))
}

/// The encoding named by an `encoding == 'x'` expectation.
fn expected_label(expect: &str) -> Option<String> {
    let start = expect.find("encoding == '")? + "encoding == '".len();
    let rest = &expect[start..];
    Some(rest[..rest.find('\'')?].to_owned())
}

fn url() -> Url {
    Url::parse("http://feeds.example.org/feed.xml").unwrap()
}

/// Where regwatch deliberately differs from feedparser, and why.
const DEVIATIONS: [(&str, &str, &str); 7] = [
    // RFC 3023 made text/* without a charset US-ASCII whatever the document said; RFC 7303
    // replaced it, and browsers and feed readers read the XML declaration, else UTF-8.
    ("http_text_atom_xml_default.xml", "utf-8", "RFC 7303: no charset, no declaration"),
    ("http_text_rss_xml_default.xml", "utf-8", "RFC 7303: no charset, no declaration"),
    ("http_text_xml_default.xml", "utf-8", "RFC 7303: no charset, no declaration"),
    ("http_text_xml_epe_default.xml", "utf-8", "RFC 7303: no charset, no declaration"),
    ("http_text_xml_bogus_charset.xml", "utf-8", "RFC 7303: empty parameter list"),
    ("http_text_xml_bogus_param.xml", "utf-8", "RFC 7303: `charset:` is no charset"),
    ("http_text_xml_qs.xml", "utf-8", "RFC 7303: only a qs parameter"),
];

/// UTF-32: `encoding_rs` (WHATWG) has no decoder for it, so these are read as whatever the bytes
/// look like (the UTF-32LE BOM starts like UTF-16LE's). Decoding them must not panic; that is all.
const UNSUPPORTED: [&str; 7] = [
    "utf_32.xml",
    "utf-32be-bom.xml",
    "utf-32le-bom.xml",
    "utf-32be-autodetect.xml",
    "utf-32be.xml",
    "utf-32le-autodetect.xml",
    "utf-32le.xml",
];

#[test]
fn feedparser_encoding_cases() {
    let mut checked = 0;
    for path in files("feedparser/encoding", "xml") {
        let name = path.file_name().unwrap().to_str().unwrap();
        let body = fs::read(&path).unwrap();
        let content_type = meta(&body, "Header:").map(|h| h.trim_start_matches("Content-type:").trim().to_owned());
        let decoded = decode(&body, content_type.as_deref(), None, url());
        let Some(expect) = meta(&body, "Expect:") else {
            continue;
        };
        let Some(label) = expected_label(&expect) else {
            continue;
        };
        if UNSUPPORTED.contains(&name) {
            continue;
        }
        let label = DEVIATIONS.iter().find(|(file, _, _)| *file == name).map_or(label.as_str(), |(_, ours, _)| ours);
        let expected = Encoding::for_label(label.as_bytes()).unwrap_or_else(|| panic!("{name}: unknown label {label}"));
        assert_eq!(decoded.encoding, expected, "{name}: expected {label} ({expect})");
        if !expect.contains("bozo and") || expect.contains("not bozo") {
            assert!(!decoded.text.contains('\u{FFFD}'), "{name}: replacement characters");
        }
        checked += 1;
    }
    // Every case with an encoding expectation is checked or listed as unsupported.
    assert_eq!(checked + UNSUPPORTED.len(), 62);
}

#[test]
fn feedparser_undeclared_legacy_feeds_are_sniffed() {
    // chardetng picks KOI8-U for the KOI8-R feed: a superset that reads Russian identically,
    // so the text is compared as KOI8-R.
    let cases: [(&str, &'static Encoding, &'static Encoding); 8] = [
        ("big5.xml", BIG5, BIG5),
        ("eucjp.xml", EUC_JP, EUC_JP),
        ("euckr.xml", EUC_KR, EUC_KR),
        ("gb2312.xml", GB18030, GB18030),
        ("koi8r.xml", KOI8_U, KOI8_R),
        ("shiftjis.xml", SHIFT_JIS, SHIFT_JIS),
        ("tis620.xml", WINDOWS_874, WINDOWS_874),
        ("windows1255.xml", WINDOWS_1255, WINDOWS_1255),
    ];
    for (file, expected, reads_as) in cases {
        let body = fs::read(fixtures("feedparser/illformed/chardet").join(file)).unwrap();
        let decoded = decode(&body, None, None, url());
        assert_eq!(decoded.encoding, expected, "{file}");
        assert_eq!(decoded.text, reads_as.decode(&body).0, "{file}");
        assert!(!decoded.text.contains('\u{FFFD}'), "{file}");
    }
}

#[test]
fn text_as_feedparser_expects() {
    let cases = [
        ("http_text_xml_charset_2.xml", "This is a \u{a3}\u{201c}test.\u{201d}"),
        ("http_text_xml_charset_overrides_encoding_2.xml", "This is a \u{a3}\u{201c}test.\u{201d}"),
        ("euc-kr-item.xml", "\u{b144}"),
        // C1 controls (UTF-8 U+0092, `&#146;`) read as the windows-1252 quotes they were meant as.
        ("demoronize-1.xml", "don\u{2019}t"),
        ("demoronize-2.xml", "don\u{2019}t"),
        // `&amp;#146;` is HTML inside the description: HTML maps the reference to U+2019 too.
        ("demoronize-3.xml", "don\u{2019}t"),
    ];
    for (file, expected) in cases {
        let body = fs::read(fixtures("feedparser/encoding").join(file)).unwrap();
        let content_type = meta(&body, "Header:").map(|h| h.trim_start_matches("Content-type:").trim().to_owned());
        let decoded = decode(&body, content_type.as_deref(), None, url());
        // These items have no link: each is a document of its own text.
        let items = feed::entries(&decoded).unwrap();
        let content = items[0].content.as_ref().unwrap().text();
        assert_eq!(content, expected, "{file}");
    }
}

#[test]
fn chardet_gb2312_feeds_decode_as_gb18030() {
    let feeds = files("chardet-gb2312", "xml");
    let feeds: Vec<_> = feeds.iter().filter(|p| !p.to_string_lossy().contains(".html")).collect();
    assert_eq!(feeds.len(), 18);
    for path in feeds {
        let body = fs::read(path).unwrap();
        let decoded = decode(&body, Some("application/rss+xml"), None, url());
        assert_eq!(decoded.encoding, GB18030, "{}", path.display());
        assert_eq!(decoded.kind, ContentKind::Xml);
        assert!(!decoded.text.contains('\u{FFFD}'), "{}", path.display());
    }
}

#[test]
fn undeclared_gb_pages_are_sniffed() {
    let cases = [
        // Saved from www.sina.com.cn: the .cn hint is what a real fetch would give.
        ("_chromium_gb18030_with_no_encoding_specified.html.xml", "http://www.sina.com.cn/", "中国制造的领军者3名"),
        ("_mozilla_bug171813_text.html", "http://www.sohu.com/", "搜狐在线国庆免费大酬宾"),
        // Without any hint (an IP address), the bytes alone must do.
        (
            "_chromium_gb18030_with_no_encoding_specified.html.xml",
            "http://192.0.2.1/",
            "马兴瑞，中国航天科技集团公司总经理",
        ),
        ("_mozilla_bug171813_text.html", "http://192.0.2.1/", "搜狐在线"),
    ];
    for (file, url, expected) in cases {
        let body = fs::read(fixtures("chardet-gb2312").join(file)).unwrap();
        let decoded = decode(&body, Some("text/html"), None, Url::parse(url).unwrap());
        assert_eq!(decoded.encoding, GB18030, "{file} from {url}");
        assert!(decoded.text.contains(expected), "{file} from {url}");
        assert!(!decoded.text.contains('\u{FFFD}'), "{file} from {url}");
    }
}

#[test]
fn utf8_is_never_second_guessed() {
    let body = "<p>中文 text, 日本語, 한국어</p>".as_bytes();
    assert_eq!(decode(body, None, None, url()).encoding, UTF_8);
}

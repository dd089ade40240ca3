//! The entry points regwatch exposes to bytes from the web and from config files, each driven
//! from one input and checked for what must hold whatever the input: no panic, and the
//! invariants named in each function. Shared by the cargo-fuzz targets (`fuzz_targets/`) and
//! by the stable property test (`tests/fuzz_entry_points.rs`), which includes this file.
//!
//! Inputs are split with `parts`: the first byte picks options, `\0` separates fields.

#![allow(dead_code, unreachable_pub, clippy::missing_panics_doc)]

use std::path::Path;

use regwatch::extract::sanitize::is_hazard;
use regwatch::extract::{ContentKind, Decoded, blocks, date, feed, html_list, json_list, page};
use url::Url;

/// The page URL every parse resolves against.
fn base() -> Url {
    Url::parse("https://www.example.gov.cn/zcfg/list/index.html").expect("static URL")
}

/// The input's first byte (options) and the rest split at `\0` into at least `n` fields.
fn parts(data: &[u8], n: usize) -> (u8, Vec<&[u8]>) {
    let Some((&options, rest)) = data.split_first() else { return (0, vec![&[][..]; n]) };
    let mut fields: Vec<&[u8]> = rest.splitn(n, |&b| b == 0).collect();
    fields.resize(n, &[]);
    (options, fields)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_clean(what: &str, value: &str) {
    assert!(!value.chars().any(is_hazard), "{what} keeps a control or bidi character: {value:?}");
}

/// Charset detection and decoding (`fetch::charset::decode`) under every content type:
/// decoding never fails, and decoding again with the encoding found as an override gives the
/// same text.
pub fn charset_decode(data: &[u8]) {
    const TYPES: [Option<&str>; 8] = [
        None,
        Some("text/html"),
        Some("text/html; charset=utf-8"),
        Some("text/html; charset=gb2312"),
        Some("application/xml"),
        Some("application/json"),
        Some("text/plain; charset=\"utf-16\""),
        Some("application/rss+xml; charset=big5"),
    ];
    let (options, fields) = parts(data, 1);
    let body = fields[0];
    let content_type = TYPES[usize::from(options) % TYPES.len()];
    let decoded = regwatch::fetch::charset::decode(body, content_type, None, base());
    let again = regwatch::fetch::charset::decode(body, content_type, Some(decoded.encoding), base());
    assert_eq!(decoded.encoding, again.encoding);
    assert_eq!(decoded.text, again.text);
}

/// Feed reading (`extract::feed`, RSS/Atom/JSON Feed through feed-rs): entries have distinct
/// identities (a link, an id that is an absolute URI of any scheme such as `tag:`, or a
/// `urn:x-regwatch:` name); links to follow are http(s); titles are free of control and bidi
/// characters.
pub fn feed_extract(data: &[u8]) {
    let (options, fields) = parts(data, 1);
    let kind = if options % 2 == 0 { ContentKind::Xml } else { ContentKind::Json };
    let doc = Decoded { url: base(), text: text(fields[0]), encoding: encoding_rs::UTF_8, kind };
    if let Ok(read) = feed::read(&doc) {
        let mut seen = std::collections::HashSet::new();
        for item in &read.items {
            if let Some(link) = &item.link {
                assert!(matches!(link.scheme(), "http" | "https"), "{link}");
            }
            assert!(seen.insert(item.url.clone()), "repeated {}", item.url);
            assert_clean("feed title", &item.title);
            if let Some(content) = &item.content {
                check_lines(content.lines());
            }
        }
    }
}

/// Block text (`extract::blocks`, `extract::page`, `extract::html_list`): every line is
/// non-empty, normalised (normalising again changes nothing) and free of control and bidi
/// characters; the scraped-value sanitiser, the output escaper and URL redaction keep their
/// promises on the same text.
pub fn block_text(data: &[u8]) {
    let (options, fields) = parts(data, 1);
    let html = text(fields[0]);
    if let Ok(fragment) = blocks::from_fragment(&html) {
        check_lines(fragment.lines());
    }
    let title = blocks::plain_text_of(&html);
    assert_clean("plain text", &title);
    let doc = Decoded { url: base(), text: html.clone(), encoding: encoding_rs::UTF_8, kind: ContentKind::Html };
    if options % 2 == 0 {
        if let Ok(article) = page::article(&doc, &regwatch::config::model::ArticleSpec::default()) {
            check_lines(article.blocks.lines());
            if let Some(title) = &article.title {
                assert_clean("article title", title);
            }
        }
    } else if let Ok(items) = html_list::items(&doc, &list_spec()) {
        for item in &items {
            assert_clean("list title", &item.title);
        }
    }
    let scraped = regwatch::extract::sanitize::scraped(&html);
    assert_clean("scraped value", &scraped);
    assert_clean("escaped text", &regwatch::escape::controls(&html));
    let redacted = regwatch::redact::text(&html);
    assert_eq!(regwatch::redact::text(&redacted), redacted, "redaction is not idempotent");
}

fn list_spec() -> regwatch::config::model::ListSpec {
    let css = |s: &str| regwatch::config::compile_selector(s).expect("static selector");
    regwatch::config::model::ListSpec {
        item: css("li"),
        title: css("a@title"),
        link: Some(css("a")),
        date: Some(css("span")),
        deadline: None,
        json: None,
        own_text: None,
    }
}

fn check_lines(lines: &[String]) {
    for line in lines {
        assert!(!line.is_empty(), "empty block line");
        assert_eq!(&blocks::normalise_line(line), line, "line not normalised");
        assert_clean("block line", line);
    }
}

/// JSON paths and link templates (`json_path`) and the json-list reader: a parsed
/// path written out parses to the same path, and lookups on any JSON value do not panic.
pub fn json_paths(data: &[u8]) {
    use regwatch::json_path::{JsonPath, LinkTemplate};
    let (_, fields) = parts(data, 3);
    let (path, template, json) = (text(fields[0]), text(fields[1]), text(fields[2]));
    let value: Option<serde_json::Value> = serde_json::from_str(&json).ok();
    if let Ok(parsed) = JsonPath::parse(&path) {
        // `""` and `"."` both name the root: compare what the paths say, written out.
        let again = JsonPath::parse(&parsed.to_string()).map(|p| p.to_string());
        assert_eq!(again, Ok(parsed.to_string()), "path does not round-trip");
        if let Some(value) = &value {
            let _ = parsed.lookup(value);
            let _ = parsed.text(value);
        }
    }
    if let Ok(template) = LinkTemplate::parse(&template) {
        let _ = template.example();
        if let Some(value) = &value {
            let _ = template.fill(value);
        }
    }
    let spec = regwatch::config::model::JsonListSpec {
        items: JsonPath::parse("rows").expect("static path"),
        title: JsonPath::parse("title").expect("static path"),
        link: regwatch::config::model::JsonLink::Field(JsonPath::parse("url").expect("static path")),
        date: JsonPath::parse("date").ok(),
        deadline: JsonPath::parse("end").ok(),
        text: vec![JsonPath::parse("body").expect("static path")],
        attachment: LinkTemplate::parse("/files/{id}.pdf").ok(),
    };
    let doc = Decoded { url: base(), text: json, encoding: encoding_rs::UTF_8, kind: ContentKind::Json };
    if let Ok(items) = json_list::items(&doc, &spec) {
        for item in &items {
            assert_clean("json-list title", &item.title);
        }
    }
}

/// Legal segmentation and diff (`diff::compare`, its renderings): a text compared with itself
/// has no changes, and any two texts compare and render.
pub fn legal_diff(data: &[u8]) {
    let (_, fields) = parts(data, 2);
    let old = regwatch::BlockText::from_text(&text(fields[0]));
    let new = regwatch::BlockText::from_text(&text(fields[1]));
    let same = regwatch::diff::compare(old.lines(), old.lines());
    assert!(same.hunks.is_empty() && same.articles.is_empty(), "a text differs from itself");
    assert!(regwatch::diff::is_identical(old.lines(), old.lines()));
    let comparison = regwatch::diff::compare(old.lines(), new.lines());
    let _ = regwatch::diff::render::unified(&comparison, "old", "new");
    let _ = regwatch::diff::render::html(&comparison, "title");
}

/// Dates and deadlines (`extract::date`, `classify::find_deadline`, stage detection): no
/// panic on any text, and a period never ends before it starts.
pub fn dates(data: &[u8]) {
    let (options, fields) = parts(data, 2);
    let (title, body) = (text(fields[0]), text(fields[1]));
    let _ = date::parse_date(&title);
    let _ = date::parse_published(&title);
    let _ = date::parse_deadline(&title);
    if let Some((start, Some(end))) = date::parse_period(&title) {
        assert!(start <= end, "period {start} to {end} ends before it starts");
    }
    let reference = (options % 2 == 0).then(|| jiff::civil::date(2024, 5, 6));
    let _ = regwatch::classify::find_deadline(&title, &body, reference);
    let _ = regwatch::classify::detect_stage(&title, &body);
}

/// Topic tagging (`classify::TopicPack`, the built-in pack) on any title and body, as
/// documents and as changes: every topic tagged is one of the pack's, and every term explained
/// has a first occurrence on character boundaries of the part it names, so its snippet shows.
pub fn topics(data: &[u8]) {
    let (_, fields) = parts(data, 2);
    let (title, body) = (text(fields[0]), text(fields[1]));
    let pack = regwatch::classify::TopicPack::builtin();
    let ids: Vec<&str> = pack.ids().collect();
    let document = pack.classify_topics(&title, &body);
    let change = pack.classify_change_topics(&title, &body);
    for tagged in document.iter().chain(&change) {
        assert!(ids.contains(&tagged.id.as_str()), "{} is not a topic of the pack", tagged.id);
    }
    for evidence in pack.explain(&title, &body) {
        for term in &evidence.terms {
            let Some(first) = term.first else { continue };
            let part = match first.part {
                regwatch::classify::Part::Title => &title,
                regwatch::classify::Part::Body => &body,
            };
            assert!(
                first.start < first.end && part.get(first.start..first.end).is_some(),
                "{:?} found at {}..{} of the {}",
                term.term,
                first.start,
                first.end,
                first.part.as_str()
            );
            assert!(term.snippet(&title, &body).is_some(), "no snippet for {:?}", term.term);
        }
        let _ = evidence.summary();
    }
}

/// Config loading from a string (`config::load_from_str`): every problem names a line inside
/// the file, and no message repeats a secret's value.
pub fn config_load(data: &[u8]) {
    const SECRET: &str = "fuzz-secret-value-7f3a";
    let toml = text(data);
    // A secret the input spells out itself is no leak (and libFuzzer learns the string from
    // the comparisons below, so it will spell it out).
    let typed = toml.contains(SECRET);
    let lines = toml.lines().count().max(1);
    let path = Path::new("/nonexistent-regwatch-fuzz/regwatch.toml");
    let env = |_: &str| Some(SECRET.to_owned());
    let issues = match regwatch::config::load_from_str(path, toml, &env, &[]) {
        Ok(loaded) => {
            let debug = format!("{:?}", loaded.config);
            assert!(typed || !debug.contains(SECRET), "a secret reached Debug output");
            loaded.warnings
        }
        Err(errors) => errors.0,
    };
    for issue in &issues {
        let shown = issue.to_string();
        assert!(typed || !shown.contains(SECRET), "a secret reached a message: {shown}");
        if issue.file == path {
            assert!(issue.line.is_none_or(|line| line >= 1 && line <= lines + 1), "line out of range: {shown}");
        }
    }
}

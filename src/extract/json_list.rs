//! Reads a JSON list API (NPC's flcaw `rows[]`, search endpoints) through a source's
//! `[source.json]` paths into `ListItem`s: title, link (a field or a template), date,
//! deadline, the item's own text, and an attachment URL.
//!
//! Not the HTML-in-JSON of jpaas column endpoints: `html_list` reads those with selectors.

use std::collections::HashSet;

use serde_json::Value;
use url::Url;

use crate::config::model::{JsonLink, JsonListSpec};
use crate::extract::blocks::{self, BlockText, plain_text_of};
use crate::extract::date::{parse_deadline, parse_published};
use crate::extract::{ContentKind, Decoded, ExtractError, ListItem};

/// The items of a JSON list in response order. An item without a usable link is skipped, as
/// is a repeat of a URL already seen; a missing item array gives no items (source health
/// reports that), an item array that is not an array is an error.
pub fn items(doc: &Decoded, spec: &JsonListSpec) -> Result<Vec<ListItem>, ExtractError> {
    let value = parse(doc)?;
    let Some(found) = spec.items.lookup(&value) else { return Ok(Vec::new()) };
    let Value::Array(rows) = found else {
        return Err(ExtractError::JsonShape {
            path: spec.items.to_string(),
            found: json_kind(found),
            expected: "an array",
        });
    };
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut linkless = crate::extract::linkless::Linkless::default();
    for row in rows {
        let Some(url) = link(row, &spec.link, &doc.url) else {
            linkless.note(|| row.to_string());
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }
        let title = spec
            .title
            .text(row)
            .map(|t| plain_text_of(&t))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| url.to_string());
        let published = spec.date.as_ref().and_then(|p| p.text(row)).and_then(|t| parse_published(&t));
        // A period in the date field (`A至B`) ends at the deadline when no field names one.
        let deadline = match &spec.deadline {
            Some(path) => path.text(row).and_then(|t| parse_deadline(&t)),
            None => spec
                .date
                .as_ref()
                .and_then(|p| p.text(row))
                .and_then(|t| crate::extract::date::parse_period(&t))
                .and_then(|(_, end)| end),
        };
        let attachment = spec.attachment.as_ref().and_then(|t| t.fill(row)).and_then(|u| resolve(&doc.url, &u));
        items.push(ListItem {
            content: Some(content(row, spec, &title)),
            link: Some(url.clone()),
            url,
            title,
            published,
            deadline,
            attachment,
        });
    }
    linkless.log("JSON items have no usable link; skipped.");
    Ok(items)
}

fn parse(doc: &Decoded) -> Result<Value, ExtractError> {
    if matches!(doc.kind, ContentKind::Html | ContentKind::Xml) {
        return Err(ExtractError::WrongKind { expected: "json", got: doc.kind.name() });
    }
    serde_json::from_str(doc.text.trim_start_matches('\u{feff}'))
        .map_err(|e| ExtractError::Json { reason: e.to_string() })
}

/// The string a JSON path names inside a response: the HTML fragment of a jpaas column
/// endpoint (`{"data":{"html":"<ul>…</ul>"}}`).
pub fn fragment(doc: &Decoded, path: &crate::json_path::JsonPath) -> Result<String, ExtractError> {
    let value = parse(doc)?;
    match path.lookup(&value) {
        Some(Value::String(html)) => Ok(html.clone()),
        Some(other) => {
            Err(ExtractError::JsonShape { path: path.to_string(), found: json_kind(other), expected: "a string" })
        }
        // No fragment is an empty list: source health says so.
        None => Ok(String::new()),
    }
}

fn link(row: &Value, spec: &JsonLink, base: &Url) -> Option<Url> {
    let raw = match spec {
        JsonLink::Field(path) => path.text(row)?,
        JsonLink::Template(template) => template.fill(row)?,
    };
    resolve(base, &raw)
}

fn resolve(base: &Url, raw: &str) -> Option<Url> {
    let url = base.join(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The item as a document of its own: its title, then each text field's lines. Counters such
/// as the number of comments received are left out unless named, so they raise no changes.
fn content(row: &Value, spec: &JsonListSpec, title: &str) -> BlockText {
    let mut lines = vec![title.to_owned()];
    for path in &spec.text {
        let Some(text) = path.text(row) else { continue };
        match blocks::from_fragment(&text) {
            Ok(block) => lines.extend(block.lines().iter().cloned()),
            Err(_) => lines.push(blocks::normalise_line(&text)),
        }
    }
    BlockText::from_lines(lines)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::json_path::{JsonPath, LinkTemplate};

    fn npc_spec() -> JsonListSpec {
        JsonListSpec {
            items: JsonPath::parse("rows").unwrap(),
            title: JsonPath::parse("flxxmc").unwrap(),
            link: JsonLink::Template(
                LinkTemplate::parse("http://www.npc.gov.cn/flcaw/userIndex.html?lid={flxxId}").unwrap(),
            ),
            date: Some(JsonPath::parse("ksrq").unwrap()),
            deadline: Some(JsonPath::parse("jsrq").unwrap()),
            text: Vec::new(),
            attachment: Some(LinkTemplate::parse("/flcaw/flca/{flxxId}/attachment.pdf").unwrap()),
        }
    }

    fn doc(text: &str) -> Decoded {
        Decoded {
            url: Url::parse("http://www.npc.gov.cn/flcaw/flca-list?flag=0&page=1").unwrap(),
            text: text.to_owned(),
            encoding: encoding_rs::UTF_8,
            kind: ContentKind::Json,
        }
    }

    const NPC: &str = r#"{"per_page":100,"total":2,"page":1,"rows":[
        {"flxxmc":"中华人民共和国网络安全法（修正草案）","flxxId":"ff8080819264b2f2019287c3c0a20b7c",
         "ksrq":"2026-10-21 00:00:00","jsrq":"2026-11-19 00:00:00","gzyj":1523,"gzrs":402},
        {"flxxmc":"中华人民共和国未成年人保护法（修订草案）","flxxId":"ff8080819264b2f2019287c3c0a20b7d",
         "ksrq":"2026-09-01 00:00:00","jsrq":"2026-09-30 00:00:00","gzyj":12,"gzrs":9},
        {"flxxmc":"no id","flxxId":""}]}"#;

    #[test]
    fn reads_npc_draft_laws() {
        let items = items(&doc(NPC), &npc_spec()).unwrap();
        assert_eq!(items.len(), 2, "the item without an id has no link");
        let first = &items[0];
        assert_eq!(first.title, "中华人民共和国网络安全法（修正草案）");
        assert_eq!(
            first.url.as_str(),
            "http://www.npc.gov.cn/flcaw/userIndex.html?lid=ff8080819264b2f2019287c3c0a20b7c"
        );
        assert_eq!(first.published, Some(date(2026, 10, 21)));
        assert_eq!(first.deadline, Some(date(2026, 11, 19)));
        assert_eq!(
            first.attachment.as_ref().unwrap().as_str(),
            "http://www.npc.gov.cn/flcaw/flca/ff8080819264b2f2019287c3c0a20b7c/attachment.pdf"
        );
        // The comment counters are not part of the document.
        assert_eq!(first.content.as_ref().unwrap().lines(), ["中华人民共和国网络安全法（修正草案）"]);
    }

    #[test]
    fn a_period_in_the_date_field_gives_the_deadline() {
        let mut spec = npc_spec();
        spec.deadline = None;
        let text = r#"{"rows":[{"flxxmc":"t","flxxId":"a","ksrq":"2025-01-01至2025-02-01"}]}"#;
        let items = items(&doc(text), &spec).unwrap();
        assert_eq!(items[0].published, Some(date(2025, 1, 1)));
        assert_eq!(items[0].deadline, Some(date(2025, 2, 1)));
    }

    #[test]
    fn links_from_a_field_resolve_against_the_list_and_text_fields_are_read() {
        let spec = JsonListSpec {
            items: JsonPath::parse("data.list").unwrap(),
            title: JsonPath::parse("title").unwrap(),
            link: JsonLink::Field(JsonPath::parse("url").unwrap()),
            date: Some(JsonPath::parse("time").unwrap()),
            deadline: None,
            text: vec![JsonPath::parse("body").unwrap()],
            attachment: None,
        };
        let text = r#"{"data":{"list":[{"title":"A &amp; B","url":"/a/1.html","time":1792339200000,
            "body":"<p>第一条 为了规范。</p><p>第二条 本办法。</p>"}]}}"#;
        let items = items(&doc(text), &spec).unwrap();
        assert_eq!(items[0].url.as_str(), "http://www.npc.gov.cn/a/1.html");
        assert_eq!(items[0].title, "A & B");
        assert_eq!(items[0].published, Some(date(2026, 10, 19)));
        assert_eq!(items[0].content.as_ref().unwrap().lines(), ["A & B", "第一条 为了规范。", "第二条 本办法。"]);
    }

    #[test]
    fn a_missing_array_is_no_items_and_a_wrong_shape_is_an_error() {
        assert!(items(&doc(r#"{"total":0}"#), &npc_spec()).unwrap().is_empty());
        let err = items(&doc(r#"{"rows":{"a":1}}"#), &npc_spec()).unwrap_err();
        assert_eq!(err.to_string(), "JSON path `rows` holds an object, not an array");
        let err = items(&doc("<html>blocked</html>"), &npc_spec()).unwrap_err();
        assert!(matches!(err, ExtractError::Json { .. }), "{err}");
    }

    #[test]
    fn fragments_come_out_of_jpaas_envelopes() {
        let path = JsonPath::parse("data.html").unwrap();
        let html = fragment(&doc(r#"{"code":200,"data":{"html":"<ul><li>x</li></ul>"}}"#), &path).unwrap();
        assert_eq!(html, "<ul><li>x</li></ul>");
        assert_eq!(fragment(&doc(r#"{"code":200}"#), &path).unwrap(), "");
    }
}

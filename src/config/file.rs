//! Reading one config file into raw tables: TOML syntax, unknown keys (every one, each with its
//! line), then serde one top-level table or array element at a time, so that one bad
//! `[[source]]` does not hide the problems of the next.
//!
//! Not the place for value checks (durations, selectors, ids): `validate` does those.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, Deserializer};

use crate::config::issue::{ConfigIssue, Report};
pub(crate) use crate::config::keys::Role;
use crate::config::keys::{ArrayBases, join, strip_unknown};
use crate::config::raw::{RawFetch, RawFile, RawSmtp, RawSource, RawStorage, RawSubscriber, RawTopic, RawWeb};

/// Top-level keys written as arrays of tables, read one element at a time.
const ARRAY_KEYS: [&str; 3] = ["source", "topic", "subscriber"];

/// One file, read as far as it could be.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) tables: Tables,
}

/// The tables of one file that deserialized.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub(crate) include: Vec<Spanned<String>>,
    pub(crate) storage: Option<RawStorage>,
    pub(crate) fetch: Option<RawFetch>,
    pub(crate) smtp: Option<Spanned<RawSmtp>>,
    pub(crate) web: Option<Spanned<RawWeb>>,
    pub(crate) topics: Vec<Entry<RawTopic>>,
    pub(crate) subscribers: Vec<Entry<RawSubscriber>>,
    /// Ids of sources and topics that could not be read: already reported, so references
    /// to them must not be reported again as unknown.
    pub(crate) unread_source_ids: Vec<String>,
    pub(crate) unread_topic_ids: Vec<String>,
}

/// One element of an array of tables, with its 0-based position in the file's array.
#[derive(Debug)]
pub(crate) struct Entry<T> {
    pub(crate) position: usize,
    /// Spans count from the first byte of the element's chunk: the `Report` it is handed with
    /// (`SourceSink`) or checked with (the first chunk's, for every other table) knows where.
    pub(crate) raw: Spanned<T>,
}

impl<T> Entry<T> {
    /// `source[2]`: the key prefix used in messages about this element.
    pub(crate) fn key(&self, section: &str) -> String {
        format!("{section}[{}]", self.position)
    }
}

/// Where each `[[source]]` that deserialized goes, as soon as it did, with the report of its
/// file. Sources are handed on one by one, not kept in `Tables`: at 50,000 sources, every raw
/// source held at once beside the checked ones was most of loading's peak memory.
pub(crate) type SourceSink<'s> = &'s mut dyn FnMut(&mut Report<'_>, Entry<RawSource>);

/// Where what a chunk holds goes.
struct Out<'t, 's> {
    tables: &'t mut Tables,
    sources: SourceSink<'s>,
}

/// Parses `text` (the contents of `path`), reporting every problem found to `issues`, and
/// handing each source to `sources`.
pub(crate) fn parse(
    path: PathBuf,
    text: String,
    role: Role,
    issues: &mut Vec<ConfigIssue>,
    sources: SourceSink<'_>,
) -> ParsedFile {
    let mut report = Report::new(&path, &text, issues);
    let tables = read_tables(&text, role, &mut report, sources);
    ParsedFile { path, text, tables }
}

fn read_tables(text: &str, role: Role, report: &mut Report<'_>, sources: SourceSink<'_>) -> Tables {
    let mut tables = Tables::default();
    let mut before = ArrayBases::default();
    let chunks = chunks(text);
    if let [whole] = chunks.as_slice()
        && whole.len() == text.len()
    {
        read_chunk(text, role, report, &mut Out { tables: &mut tables, sources }, &mut before);
        return tables;
    }
    for range in chunks {
        report.set_base(range.start);
        read_chunk(&text[range], role, report, &mut Out { tables: &mut tables, sources: &mut *sources }, &mut before);
    }
    report.set_base(0);
    tables
}

/// A file with twice this many `[[source]]` headers or more is parsed in chunks of this many
/// sources: the TOML library's spanned tree costs about 3 KB per source, 150 MB for 50,000 at
/// once.
const SOURCES_PER_CHUNK: usize = 1000;

/// Byte ranges that are TOML documents of their own: the file cut before every
/// `SOURCES_PER_CHUNK`th `[[source]]` header (a source's `[source.*]` tables follow its header,
/// so a source is never cut). The whole file when it is small, when it has multi-line strings (in
/// which a line could merely look like a header), or when a table other than a source's comes
/// after the first cut: every chunk after the first holds sources only, so only sources have
/// spans counted from a chunk other than the first.
pub(crate) fn chunks(text: &str) -> Vec<std::ops::Range<usize>> {
    let whole = std::iter::once(0..text.len()).collect();
    if text.contains(r#"""""#) || text.contains("'''") {
        return whole;
    }
    let mut headers = Vec::new();
    let mut offset = 0;
    let mut foreign = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let rest = trimmed.strip_prefix("[[source]]").map(str::trim_start);
        if rest.is_some_and(|r| r.is_empty() || r.starts_with('#')) {
            headers.push(offset);
        } else if trimmed.starts_with('[') && !trimmed.starts_with("[source.") {
            foreign.push(offset);
        }
        offset += line.len();
    }
    if headers.len() < 2 * SOURCES_PER_CHUNK || foreign.last().is_some_and(|at| *at > headers[SOURCES_PER_CHUNK]) {
        return whole;
    }
    let mut cuts: Vec<usize> = headers.iter().copied().step_by(SOURCES_PER_CHUNK).skip(1).collect();
    cuts.insert(0, 0);
    cuts.push(text.len());
    cuts.windows(2).map(|w| w[0]..w[1]).collect()
}

fn read_chunk(text: &str, role: Role, report: &mut Report<'_>, out: &mut Out<'_, '_>, before: &mut ArrayBases) {
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    let root = root.into_inner();
    if !syntax_errors.is_empty() {
        for error in &syntax_errors {
            report.error(error.span(), "", format!("invalid TOML: {}", error.message()));
        }
        salvage(root, role, out.tables);
        return;
    }
    let mut root = root;
    strip_unknown(&mut root, "", "", role, report, before);
    let mut counts = Vec::new();
    for (key, value) in root {
        if ARRAY_KEYS.contains(&key.get_ref().as_ref()) {
            if let DeValue::Array(items) = value.get_ref() {
                counts.push((key.get_ref().to_string(), items.len()));
            }
            read_array(&key, value, before.of(key.get_ref()), out, report);
        } else {
            read_one(&key, value, 0, out, report);
        }
    }
    for (key, n) in counts {
        before.add(key, n);
    }
}

/// From a file with syntax errors, keep only what stops the errors from multiplying: its
/// include list (other files still get checked) and the ids it defines.
fn salvage(root: DeTable<'_>, role: Role, tables: &mut Tables) {
    for (key, value) in root {
        match key.get_ref().as_ref() {
            "include" if role == Role::Main => {
                if let Ok(part) = deserialize_part(&key, value) {
                    tables.include = part.include;
                }
            }
            "source" => tables.unread_source_ids.extend(ids_in(value.get_ref())),
            "topic" => tables.unread_topic_ids.extend(ids_in(value.get_ref())),
            _ => {}
        }
    }
}

fn ids_in(value: &DeValue<'_>) -> Vec<String> {
    match value {
        DeValue::Array(items) => items.iter().filter_map(|item| id_of(item.get_ref())).collect(),
        other => id_of(other).into_iter().collect(),
    }
}

fn id_of(value: &DeValue<'_>) -> Option<String> {
    let id = value.as_table()?.get("id")?;
    id.get_ref().as_str().map(str::to_owned)
}

fn read_array(
    key: &Spanned<Cow<'_, str>>,
    value: Spanned<DeValue<'_>>,
    first: usize,
    out: &mut Out<'_, '_>,
    report: &mut Report<'_>,
) {
    let name = key.get_ref().as_ref();
    let span = value.span();
    match value.into_inner() {
        DeValue::Array(items) => {
            for (position, item) in items.into_iter().enumerate() {
                let element_span = item.span();
                let single: DeArray<'_> = std::iter::once(item).collect();
                let wrapped = Spanned::new(element_span, DeValue::Array(single));
                read_one(key, wrapped, first + position, out, report);
            }
        }
        _ => {
            report.error(
                Some(span),
                name,
                format!("`{name}` must be an array of tables: write each one as [[{name}]]"),
            );
        }
    }
}

/// Deserializes one top-level key (for arrays: a one-element array) and files the result.
fn read_one(
    key: &Spanned<Cow<'_, str>>,
    value: Spanned<DeValue<'_>>,
    position: usize,
    out: &mut Out<'_, '_>,
    report: &mut Report<'_>,
) {
    let located = value.clone();
    match deserialize_part(key, value) {
        Ok(part) => absorb(out, report, part, position),
        Err(error) => {
            let name = key.get_ref().as_ref();
            // An array element arrives wrapped in a one-element array; look inside it.
            let (prefix, inner) = match located.get_ref() {
                DeValue::Array(items) if ARRAY_KEYS.contains(&name) => {
                    (format!("{name}[{position}]"), items.first().map(Spanned::get_ref))
                }
                other => (name.to_owned(), Some(other)),
            };
            let key_path = error
                .span()
                .and_then(|span| inner.and_then(|value| key_at(value, span.start, &prefix)))
                .unwrap_or_else(|| prefix.clone());
            report.error(error.span(), &key_path, in_toml_terms(error.message()));
            match name {
                "source" => out.tables.unread_source_ids.extend(inner.and_then(id_of)),
                "topic" => out.tables.unread_topic_ids.extend(inner.and_then(id_of)),
                _ => {}
            }
        }
    }
}

/// serde speaks of Rust types (`expected struct RawSource`, `a sequence`); users wrote TOML.
fn in_toml_terms(message: &str) -> String {
    let message = message.replace("expected a sequence", "expected an array");
    match message.find("expected struct Raw") {
        Some(at) => format!("{}expected a table", message.get(..at).unwrap_or_default()),
        None => message,
    }
}

/// Serde on a file holding only `key = value`, so `RawFile` stays the one deserialization target.
fn deserialize_part<'i>(key: &Spanned<Cow<'i, str>>, value: Spanned<DeValue<'i>>) -> Result<RawFile, toml::de::Error> {
    let span = value.span();
    let mut table = DeTable::new();
    table.insert(key.clone(), value);
    RawFile::deserialize(Deserializer::from(Spanned::new(span, table)))
}

fn absorb(out: &mut Out<'_, '_>, report: &mut Report<'_>, part: RawFile, position: usize) {
    for raw in part.source {
        (out.sources)(report, Entry { position, raw });
    }
    let tables = &mut *out.tables;
    tables.include.extend(part.include);
    tables.storage = part.storage.or(tables.storage.take());
    tables.fetch = part.fetch.or(tables.fetch.take());
    tables.smtp = part.smtp.or(tables.smtp.take());
    tables.web = part.web.or(tables.web.take());
    tables.topics.extend(part.topic.into_iter().map(|raw| Entry { position, raw }));
    tables.subscribers.extend(part.subscriber.into_iter().map(|raw| Entry { position, raw }));
}

/// The dotted key under `offset`: the deepest key, or scalar value, whose span holds it.
fn key_at(value: &DeValue<'_>, offset: usize, path: &str) -> Option<String> {
    match value {
        DeValue::Table(table) => table.iter().find_map(|(key, inner)| {
            let here = join(path, key.get_ref());
            key_at(inner.get_ref(), offset, &here)
                .or_else(|| (key.span().contains(&offset) || inner.span().contains(&offset)).then_some(here))
        }),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let here = format!("{path}[{i}]");
            key_at(item.get_ref(), offset, &here).or_else(|| item.span().contains(&offset).then_some(here))
        }),
        _ => None,
    }
}

/// Reads and parses the file at `path`; an unreadable file is reported and yields `None`.
pub(crate) fn read(
    path: PathBuf,
    role: Role,
    issues: &mut Vec<ConfigIssue>,
    sources: SourceSink<'_>,
) -> Option<ParsedFile> {
    let text = read_text(&path, role, issues)?;
    Some(parse(path, text, role, issues, sources))
}

/// `read`, parsing only the file's first chunk (`chunks`): every table but the sources of a
/// file cut in chunks is in its first, so this is all a command that only needs `[storage]`
/// reads of a file of 50,000 sources.
pub(crate) fn read_head(path: PathBuf, role: Role, issues: &mut Vec<ConfigIssue>) -> Option<ParsedFile> {
    let text = read_text(&path, role, issues)?;
    let mut report = Report::new(&path, &text, issues);
    let mut tables = Tables::default();
    let head = chunks(&text).into_iter().next().unwrap_or(0..text.len());
    let mut ignored = |_: &mut Report<'_>, _: Entry<RawSource>| {};
    let mut out = Out { tables: &mut tables, sources: &mut ignored };
    read_chunk(&text[head], role, &mut report, &mut out, &mut ArrayBases::default());
    Some(ParsedFile { path, text, tables })
}

fn read_text(path: &Path, role: Role, issues: &mut Vec<ConfigIssue>) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) => {
            let what = match role {
                Role::Main => "config file",
                Role::Include => "included file",
            };
            issues.push(ConfigIssue {
                line: None,
                key: String::new(),
                message: format!("cannot read {what} {}: {error}", path.display()),
                severity: crate::config::issue::Severity::Error,
                file: path.to_path_buf(),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("invalid type: string \"x\", expected struct RawStorage", "invalid type: string \"x\", expected a table")]
    #[case("invalid type: string \"x\", expected a sequence", "invalid type: string \"x\", expected an array")]
    #[case("invalid type: string \"x\", expected i64", "invalid type: string \"x\", expected i64")]
    fn serde_messages_speak_toml(#[case] serde: &str, #[case] shown: &str) {
        assert_eq!(in_toml_terms(serde), shown);
    }

    #[test]
    fn keys_are_found_under_an_offset() {
        let text = "[[source]]\nid = \"a\"\n[source.list]\nitem = 5\nignore = [\"x\", 3]\n";
        let root = DeTable::parse(text).unwrap().into_inner();
        let value = DeValue::Table(root);
        let at = |needle: &str| text.find(needle).unwrap();
        assert_eq!(key_at(&value, at("5"), "").as_deref(), Some("source[0].list.item"));
        assert_eq!(key_at(&value, at("3]"), "").as_deref(), Some("source[0].list.ignore[1]"));
        assert_eq!(key_at(&value, at("\"a\""), "").as_deref(), Some("source[0].id"));
    }

    /// A config of 2,500 sources, with three mistakes past the first chunk.
    fn large(extra_table: bool) -> (String, usize, usize) {
        let mut text = String::from("[storage]\ndatabase = \"x.db\"\n");
        let (mut bad_url_line, mut unknown_line) = (0, 0);
        for i in 0..2500 {
            // Source 2400 repeats source 7's id.
            let id = if i == 2400 { 7 } else { i };
            text.push_str(&format!("[[source]]\nid = \"s-{id}\"\nkind = \"page\"\n"));
            if i == 2100 {
                bad_url_line = text.lines().count() + 1;
                text.push_str("url = \"ftp://example.org/\"\n");
            } else {
                text.push_str(&format!("url = \"https://example.org/{i}\"\n"));
            }
            if i == 1500 {
                unknown_line = text.lines().count() + 2;
                text.push_str("[source.article]\ncontnet = \"div\"\n");
            }
        }
        if extra_table {
            text.push_str("[fetch]\nmax_concurrency = 4\n");
        }
        (text, bad_url_line, unknown_line)
    }

    fn issues_of(text: &str) -> Vec<(Option<usize>, String)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regwatch.toml");
        std::fs::write(&path, text).unwrap();
        let errors = crate::config::load_with(&path, &|_| None, &[]).unwrap_err();
        errors.0.iter().map(|i| (i.line, i.key.clone())).collect()
    }

    #[test]
    fn a_large_file_is_read_in_chunks_with_exact_lines_and_positions() {
        let (text, bad_url_line, unknown_line) = large(false);
        assert!(chunks(&text).len() > 1, "2,500 sources are read in chunks");
        let issues = issues_of(&text);
        assert!(issues.contains(&(Some(bad_url_line), "source[2100].url".to_owned())), "{issues:?}");
        assert!(issues.contains(&(Some(unknown_line), "source[1500].article.contnet".to_owned())), "{issues:?}");
        assert!(issues.iter().any(|(_, key)| key == "source[2400].id"), "{issues:?}");
        // The same file read whole (a table after the sources forbids chunks) says the same.
        let (whole, _, _) = large(true);
        assert_eq!(chunks(&whole).len(), 1);
        assert_eq!(issues_of(&whole), issues);
    }
}

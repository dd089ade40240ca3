//! Reading one config file into raw tables: TOML syntax, unknown keys (every one, each with its
//! line), then serde one top-level table or array element at a time, so that one bad
//! `[[source]]` does not hide the problems of the next.
//!
//! Not the place for value checks (durations, selectors, ids): `validate` does those.

use std::borrow::Cow;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, Deserializer};

use crate::config::issue::{ConfigIssue, Report};
pub(crate) use crate::config::keys::Role;
use crate::config::keys::{join, strip_unknown};
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
    pub(crate) sources: Vec<Entry<RawSource>>,
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
    pub(crate) raw: Spanned<T>,
}

impl<T> Entry<T> {
    /// `source[2]`: the key prefix used in messages about this element.
    pub(crate) fn key(&self, section: &str) -> String {
        format!("{section}[{}]", self.position)
    }
}

/// Parses `text` (the contents of `path`), reporting every problem found to `issues`.
pub(crate) fn parse(path: PathBuf, text: String, role: Role, issues: &mut Vec<ConfigIssue>) -> ParsedFile {
    let mut report = Report::new(&path, &text, issues);
    let tables = read_tables(&text, role, &mut report);
    ParsedFile { path, text, tables }
}

fn read_tables(text: &str, role: Role, report: &mut Report<'_>) -> Tables {
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    let root = root.into_inner();
    if !syntax_errors.is_empty() {
        for error in &syntax_errors {
            report.error(error.span(), "", format!("invalid TOML: {}", error.message()));
        }
        return salvage(root, role);
    }
    let mut root = root;
    strip_unknown(&mut root, "", "", role, report);
    let mut tables = Tables::default();
    for (key, value) in root {
        if ARRAY_KEYS.contains(&key.get_ref().as_ref()) {
            read_array(&key, value, &mut tables, report);
        } else {
            read_one(&key, value, 0, &mut tables, report);
        }
    }
    tables
}

/// From a file with syntax errors, keep only what stops the errors from multiplying: its
/// include list (other files still get checked) and the ids it defines.
fn salvage(root: DeTable<'_>, role: Role) -> Tables {
    let mut tables = Tables::default();
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
    tables
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

fn read_array(key: &Spanned<Cow<'_, str>>, value: Spanned<DeValue<'_>>, tables: &mut Tables, report: &mut Report<'_>) {
    let name = key.get_ref().as_ref();
    let span = value.span();
    match value.into_inner() {
        DeValue::Array(items) => {
            for (position, item) in items.into_iter().enumerate() {
                let element_span = item.span();
                let single: DeArray<'_> = std::iter::once(item).collect();
                let wrapped = Spanned::new(element_span, DeValue::Array(single));
                read_one(key, wrapped, position, tables, report);
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
    tables: &mut Tables,
    report: &mut Report<'_>,
) {
    let located = value.clone();
    match deserialize_part(key, value) {
        Ok(part) => absorb(tables, part, position),
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
                "source" => tables.unread_source_ids.extend(inner.and_then(id_of)),
                "topic" => tables.unread_topic_ids.extend(inner.and_then(id_of)),
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

fn absorb(tables: &mut Tables, part: RawFile, position: usize) {
    tables.include.extend(part.include);
    tables.storage = part.storage.or(tables.storage.take());
    tables.fetch = part.fetch.or(tables.fetch.take());
    tables.smtp = part.smtp.or(tables.smtp.take());
    tables.web = part.web.or(tables.web.take());
    tables.sources.extend(part.source.into_iter().map(|raw| Entry { position, raw }));
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
pub(crate) fn read(path: PathBuf, role: Role, issues: &mut Vec<ConfigIssue>) -> Option<ParsedFile> {
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(parse(path, text, role, issues)),
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
                file: path,
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
}

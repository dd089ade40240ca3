//! One-value checks shared by the validators: ids and their uniqueness across files, required
//! keys, durations, sizes, counts, URLs; each records its problem in the `Report`.
//!
//! Knows nothing of which table a value sits in beyond the key it is given.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use crate::config::defaults;
use crate::config::issue::{Report, Reported};
use crate::config::raw::RawSize;
use crate::config::units::{parse_duration, parse_size};

/// The first line of a regex error that says what is wrong, without the multi-line caret art.
pub(crate) fn regex_problem(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .map_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "), str::to_owned)
}

/// Remembers where each id was first defined, across files.
pub(crate) struct FirstSeen {
    what: &'static str,
    /// Id → (index in `files`, line): one path per file, not one per id.
    seen: HashMap<String, (usize, usize)>,
    files: Vec<PathBuf>,
}

impl FirstSeen {
    pub(crate) fn new(what: &'static str) -> Self {
        Self { what, seen: HashMap::new(), files: Vec::new() }
    }

    /// Accepts `id` unless an earlier table took it.
    pub(crate) fn claim(
        &mut self,
        report: &mut Report<'_>,
        key: &str,
        id: Spanned<String>,
    ) -> Result<String, Reported> {
        if let Some(&(file, line)) = self.seen.get(id.get_ref()) {
            let file = self.files.get(file).map_or_else(String::new, |path| path.display().to_string());
            let message = format!("duplicate {} id `{}`; first defined at {file}:{line}", self.what, id.get_ref());
            return Err(report.error(Some(id.span()), &format!("{key}.id"), message));
        }
        if self.files.last().is_none_or(|last| last != report.file()) {
            self.files.push(report.file().to_path_buf());
        }
        let at = (self.files.len() - 1, report.line_of(&id.span()));
        self.seen.insert(id.get_ref().clone(), at);
        Ok(id.into_inner())
    }

    /// Whether `id` was claimed.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.seen.contains_key(id)
    }

    /// Every id claimed.
    pub(crate) fn into_ids(self) -> impl Iterator<Item = String> {
        self.seen.into_keys()
    }
}

/// A present, well-formed id (`[a-z0-9-]+`), still carrying its span.
pub(crate) fn id(
    report: &mut Report<'_>,
    table: &Range<usize>,
    key: &str,
    raw: Option<&Spanned<String>>,
) -> Result<Spanned<String>, Reported> {
    let id = required(report, table, key, "id", raw)?;
    let text = id.get_ref();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        let message = format!("invalid id `{text}`: use lowercase letters, digits and `-`");
        return Err(report.error(Some(id.span()), &format!("{key}.id"), message));
    }
    Ok(id.clone())
}

/// The value of a required key, or an error at the table's header naming the key.
pub(crate) fn required<'r, T>(
    report: &mut Report<'_>,
    table: &Range<usize>,
    key: &str,
    name: &str,
    value: Option<&'r Spanned<T>>,
) -> Result<&'r Spanned<T>, Reported> {
    value.ok_or_else(|| report.error(Some(table.clone()), &format!("{key}.{name}"), format!("missing key `{name}`")))
}

pub(crate) fn non_empty(report: &mut Report<'_>, key: &str, value: &Spanned<String>) -> Result<String, Reported> {
    let text = value.get_ref().trim();
    if text.is_empty() {
        return Err(report.error(Some(value.span()), key, "must not be empty"));
    }
    Ok(text.to_owned())
}

pub(crate) fn duration(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&Spanned<String>>,
    default: Duration,
) -> Result<Duration, Reported> {
    let Some(raw) = raw else { return Ok(default) };
    parse_duration(raw.get_ref()).map_err(|e| report.error(Some(raw.span()), key, e.to_string()))
}

/// A duration that must be at least `defaults::MIN_INTERVAL`.
pub(crate) fn positive_duration(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&Spanned<String>>,
    default: Duration,
) -> Result<Duration, Reported> {
    let value = duration(report, key, raw, default)?;
    match raw {
        Some(raw) if value < defaults::MIN_INTERVAL => {
            let message = format!("`{}` is too short: at least 1s", raw.get_ref());
            Err(report.error(Some(raw.span()), key, message))
        }
        _ => Ok(value),
    }
}

pub(crate) fn size(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&Spanned<RawSize>>,
    default: u64,
) -> Result<u64, Reported> {
    let Some(raw) = raw else { return Ok(default) };
    let bytes = match raw.get_ref() {
        RawSize::Text(text) => parse_size(text).map_err(|e| e.to_string()),
        RawSize::Bytes(n) => u64::try_from(*n).map_err(|_| format!("invalid size `{n}`: must not be negative")),
    };
    match bytes {
        Ok(0) => Err(report.error(Some(raw.span()), key, "size must be more than 0 bytes")),
        Ok(bytes) => Ok(bytes),
        Err(message) => Err(report.error(Some(raw.span()), key, message)),
    }
}

/// A count of at least 1.
pub(crate) fn count(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&Spanned<i64>>,
    default: usize,
) -> Result<usize, Reported> {
    let Some(raw) = raw else { return Ok(default) };
    match usize::try_from(*raw.get_ref()) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(report.error(Some(raw.span()), key, format!("must be at least 1, not {}", raw.get_ref()))),
    }
}

/// An absolute `http`/`https` URL with a host.
pub(crate) fn http_url(report: &mut Report<'_>, key: &str, raw: &Spanned<String>) -> Result<Url, Reported> {
    let text = raw.get_ref().trim();
    let problem = match Url::parse(text) {
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            format!("scheme `{}` is not http or https", url.scheme())
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => "no host".to_owned(),
        Ok(url) => return Ok(url),
        Err(error) => error.to_string(),
    };
    let shown = crate::escape::controls(&crate::redact::text(text)).into_owned();
    let message = format!("invalid URL `{shown}`: {problem}; expected an absolute http or https URL");
    Err(report.error(Some(raw.span()), key, message))
}

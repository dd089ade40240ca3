//! `[[source]]` → `SourceSpec`: kind, URL, timings, charset override, and the CSS selectors and
//! regexes of `[source.list]` / `[source.article]`, compiled once here.
//!
//! Only checks that selectors compile; what they match on a real page is `sources test`'s job.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Arc;

use encoding_rs::Encoding;
use scraper::error::SelectorErrorKind;
use toml::Spanned;

use crate::config::check::{
    FirstSeen, count, duration, http_url, id, positive_duration, regex_problem, required, size,
};
use crate::config::defaults;
use crate::config::file::{Entry, ParsedFile};
use crate::config::issue::{ConfigIssue, Report, Reported};
use crate::config::json_list::{json_list, path as json_path};
use crate::config::model::{ArticleSpec, AttachmentSpec, CssSelector, ListSpec, SourceKind, SourceSpec};
use crate::config::raw::{RawArticle, RawAttachments, RawJson, RawList, RawSource};
use crate::config::request::{request, with_query};
use crate::config::units::format_duration;
use crate::ids::SourceId;

/// Every valid source, and every source id written (valid or not), for subscribers' references.
pub(crate) fn sources(
    files: &[&ParsedFile],
    issues: &mut Vec<ConfigIssue>,
) -> (Vec<Arc<SourceSpec>>, BTreeSet<String>) {
    let mut seen = FirstSeen::new("source");
    let mut specs = Vec::new();
    let mut ids = BTreeSet::new();
    for file in files {
        let mut report = Report::new(&file.path, &file.text, issues);
        for entry in &file.tables.sources {
            if let Some(id) = &entry.raw.get_ref().id {
                ids.insert(id.get_ref().clone());
            }
            report.set_base(entry.base);
            if let Ok(spec) = source(&mut report, entry, &mut seen) {
                specs.push(Arc::new(spec));
            }
        }
        report.set_base(0);
        ids.extend(file.tables.unread_source_ids.iter().cloned());
    }
    (specs, ids)
}

fn source(report: &mut Report<'_>, entry: &Entry<RawSource>, seen: &mut FirstSeen) -> Result<SourceSpec, Reported> {
    let key = entry.key("source");
    let at = entry.raw.span();
    let raw = entry.raw.get_ref();
    let id = id(report, &at, &key, raw.id.as_ref()).and_then(|id| seen.claim(report, &key, id));
    let kind = required(report, &at, &key, "kind", raw.kind.as_ref()).and_then(|k| kind(report, &key, k));
    let url = required(report, &at, &key, "url", raw.url.as_ref())
        .and_then(|url| http_url(report, &format!("{key}.url"), url))
        .and_then(|url| with_query(report, &key, url, raw.request.as_ref().map(|r| &**r.get_ref())));
    let name = match &raw.name {
        Some(name) if name.get_ref().trim().is_empty() => {
            Err(report.error(Some(name.span()), &format!("{key}.name"), "must not be empty"))
        }
        other => Ok(other.as_ref().map(|name| name.get_ref().trim().to_owned())),
    };
    let interval = interval(report, &key, raw.interval.as_ref());
    let encoding = raw.encoding.as_ref().map(|e| encoding(report, &format!("{key}.encoding"), e)).transpose();
    let max_items = count(report, &format!("{key}.max_items"), raw.max_items.as_ref(), defaults::MAX_ITEMS);
    let recheck_window =
        duration(report, &format!("{key}.recheck_window"), raw.recheck_window.as_ref(), defaults::RECHECK_WINDOW);
    let recheck_interval = positive_duration(
        report,
        &format!("{key}.recheck_interval"),
        raw.recheck_interval.as_ref(),
        defaults::RECHECK_INTERVAL,
    );
    let strip_params = strip_params(report, &key, raw.strip_params.as_ref());
    let request = raw.request.as_ref().map(|r| request(report, &key, r.get_ref())).transpose();
    let list = list(report, &key, &at, kind.ok(), raw.list.as_ref());
    let json = json(report, &key, &at, kind.ok(), url.as_ref().ok(), raw.json.as_ref());
    let article = raw.article.as_ref().map(|a| article(report, &key, a.get_ref())).transpose();
    let attachments = raw.attachments.as_ref().map(|a| attachments(report, &key, a.get_ref())).transpose();
    let follow = follow(report, &key, kind.ok(), raw);
    let id = id?;
    Ok(SourceSpec {
        name: name?.unwrap_or_else(|| id.clone()),
        id: SourceId(id),
        kind: kind?,
        url: url?,
        enabled: raw.enabled.unwrap_or(defaults::ENABLED),
        interval: interval?,
        follow,
        encoding: encoding?,
        max_items: max_items?,
        recheck_window: recheck_window?,
        recheck_interval: recheck_interval?,
        strip_params: strip_params?,
        request: request?.unwrap_or_default(),
        list: list?.map(Box::new),
        json: json?.map(Box::new),
        article: article?.unwrap_or_default(),
        attachments: attachments?.unwrap_or_default(),
    })
}

/// `strip_params`: parameter names or `prefix*` patterns.
fn strip_params(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&Spanned<Vec<Spanned<String>>>>,
) -> Result<Vec<String>, Reported> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let mut patterns = Vec::new();
    let mut failed = None;
    for (index, pattern) in raw.get_ref().iter().enumerate() {
        let text = pattern.get_ref().trim();
        if is_param_pattern(text) {
            patterns.push(text.to_owned());
        } else {
            let message =
                format!("`{text}` is not a query parameter name (letters, digits, `_-.[]`, optionally ending in `*`)");
            failed = Some(report.error(Some(pattern.span()), &format!("{key}.strip_params[{index}]"), &message));
        }
    }
    failed.map_or(Ok(patterns), Err)
}

/// A query parameter name, or a prefix ending in `*`, as `extract::canonical` matches them.
fn is_param_pattern(pattern: &str) -> bool {
    let name = pattern.strip_suffix('*').unwrap_or(pattern);
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
}

fn kind(report: &mut Report<'_>, key: &str, raw: &Spanned<String>) -> Result<SourceKind, Reported> {
    match raw.get_ref().as_str() {
        "feed" => Ok(SourceKind::Feed),
        "html-list" => Ok(SourceKind::HtmlList),
        "json-list" => Ok(SourceKind::JsonList),
        "page" => Ok(SourceKind::Page),
        other => {
            let message = format!("unknown kind `{other}`: expected feed, html-list, json-list or page");
            Err(report.error(Some(raw.span()), &format!("{key}.kind"), message))
        }
    }
}

/// At least 1s; under a minute is allowed with a warning.
fn interval(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&Spanned<String>>,
) -> Result<std::time::Duration, Reported> {
    let key = format!("{key}.interval");
    let value = positive_duration(report, &key, raw, defaults::INTERVAL)?;
    if let Some(raw) = raw
        && value < defaults::POLITE_INTERVAL
    {
        let message = format!(
            "interval {} is under a minute: regulators do not publish that fast, and sites may block you",
            format_duration(value)
        );
        report.warn(Some(raw.span()), &key, message);
    }
    Ok(value)
}

/// A charset label as browsers read them; GBK and GB2312 decode as their superset GB18030.
fn encoding(report: &mut Report<'_>, key: &str, raw: &Spanned<String>) -> Result<&'static Encoding, Reported> {
    let label = raw.get_ref().trim();
    match Encoding::for_label(label.as_bytes()) {
        Some(enc) if enc == encoding_rs::GBK => Ok(encoding_rs::GB18030),
        Some(enc) if enc != encoding_rs::REPLACEMENT => Ok(enc),
        _ => Err(report.error(
            Some(raw.span()),
            key,
            format!("unknown encoding `{label}`: expected a label such as utf-8, gb18030, gbk or big5"),
        )),
    }
}

fn follow(report: &mut Report<'_>, key: &str, kind: Option<SourceKind>, raw: &RawSource) -> bool {
    let given = raw.follow.as_ref();
    let fkey = format!("{key}.follow");
    match (kind, given) {
        (Some(SourceKind::HtmlList), Some(f)) if !*f.get_ref() => {
            report.warn(
                Some(f.span()),
                &fkey,
                "html-list sources always follow their links; `follow = false` is ignored",
            );
            true
        }
        (Some(SourceKind::HtmlList), _) => true,
        (Some(SourceKind::Page), Some(f)) if *f.get_ref() => {
            report.warn(Some(f.span()), &fkey, "`follow` applies to feed sources; a page source is its own article");
            false
        }
        (Some(kind @ (SourceKind::Feed | SourceKind::JsonList)), _) => {
            let follow = given.map_or(defaults::FOLLOW, |f| *f.get_ref());
            if let (false, Some(article)) = (follow, &raw.article) {
                let message = format!(
                    "[source.article] applies to followed articles, and this {} has follow = false",
                    kind.as_str()
                );
                report.warn(Some(article.span()), &format!("{key}.article"), message);
            }
            follow
        }
        _ => false,
    }
}

fn list(
    report: &mut Report<'_>,
    key: &str,
    at: &Range<usize>,
    kind: Option<SourceKind>,
    raw: Option<&Spanned<Box<RawList>>>,
) -> Result<Option<ListSpec>, Reported> {
    let key = format!("{key}.list");
    let raw = match (kind, raw) {
        (Some(SourceKind::HtmlList), None) => {
            let message = "html-list sources need a [source.list] table with item, title and link selectors";
            return Err(report.error(Some(at.clone()), &key, message));
        }
        (_, None) => return Ok(None),
        (Some(other @ (SourceKind::Feed | SourceKind::Page)), Some(raw)) => {
            let message =
                format!("[source.list] applies to html-list sources only; this source is `{}`", other.as_str());
            return Err(report.error(Some(raw.span()), &key, message));
        }
        (Some(SourceKind::JsonList), Some(raw)) => {
            let message = "[source.list] applies to html-list sources; a json-list's fields go in [source.json]";
            return Err(report.error(Some(raw.span()), &key, message));
        }
        (_, Some(raw)) => raw,
    };
    let at = raw.span();
    let list = raw.get_ref();
    let mut required_selector = |name: &str, value: Option<&Spanned<String>>, attribute: bool| {
        let value = required(report, &at, &key, name, value)?;
        selector(report, &format!("{key}.{name}"), value, attribute)
    };
    let item = required_selector("item", list.item.as_ref(), false);
    let title = required_selector("title", list.title.as_ref(), true);
    let link = required_selector("link", list.link.as_ref(), true);
    let date = list.date.as_ref().map(|d| selector(report, &format!("{key}.date"), d, true)).transpose();
    let deadline = list.deadline.as_ref().map(|d| selector(report, &format!("{key}.deadline"), d, true)).transpose();
    let json = list.json.as_ref().map(|p| json_path(report, &format!("{key}.json"), p)).transpose();
    Ok(Some(ListSpec { item: item?, title: title?, link: link?, date: date?, deadline: deadline?, json: json? }))
}

fn json(
    report: &mut Report<'_>,
    key: &str,
    at: &Range<usize>,
    kind: Option<SourceKind>,
    base: Option<&url::Url>,
    raw: Option<&Spanned<Box<RawJson>>>,
) -> Result<Option<crate::config::model::JsonListSpec>, Reported> {
    match (kind, raw) {
        (Some(SourceKind::JsonList), None) => {
            let message = "json-list sources need a [source.json] table with items, title and link (or link_template)";
            Err(report.error(Some(at.clone()), &format!("{key}.json"), message))
        }
        (Some(SourceKind::JsonList), Some(raw)) => json_list(report, key, &raw.span(), base, raw.get_ref()).map(Some),
        (Some(other), Some(raw)) => {
            let message =
                format!("[source.json] applies to json-list sources only; this source is `{}`", other.as_str());
            Err(report.error(Some(raw.span()), &format!("{key}.json"), message))
        }
        (_, _) => Ok(None),
    }
}

fn attachments(report: &mut Report<'_>, key: &str, raw: &RawAttachments) -> Result<AttachmentSpec, Reported> {
    let key = format!("{key}.attachments");
    let max_count = match &raw.max_count {
        None => Ok(defaults::MAX_ATTACHMENTS),
        Some(n) => usize::try_from(*n.get_ref()).map_err(|_| {
            report.error(Some(n.span()), &format!("{key}.max_count"), format!("must be 0 or more, not {}", n.get_ref()))
        }),
    };
    let max_size = raw.max_size.as_ref().map(|m| size(report, &format!("{key}.max_size"), Some(m), 0)).transpose();
    let selector = raw.selector.as_ref().map(|s| selector(report, &format!("{key}.selector"), s, false)).transpose();
    Ok(AttachmentSpec { max_count: max_count?, max_size: max_size?, selector: selector? })
}

fn article(report: &mut Report<'_>, key: &str, raw: &RawArticle) -> Result<ArticleSpec, Reported> {
    let key = format!("{key}.article");
    let title = raw.title.as_ref().map(|c| selector(report, &format!("{key}.title"), c, true)).transpose();
    let content = raw.content.as_ref().map(|c| selector(report, &format!("{key}.content"), c, false)).transpose();
    let mut ignore = Ok(Vec::new());
    for (i, raw) in raw.ignore.iter().enumerate() {
        let compiled = selector(report, &format!("{key}.ignore[{i}]"), raw, false);
        collect(&mut ignore, compiled);
    }
    let mut ignore_text = Ok(Vec::new());
    for (i, raw) in raw.ignore_text.iter().enumerate() {
        let compiled = regex::Regex::new(raw.get_ref()).map_err(|error| {
            let message = format!("invalid regex `{}`: {}", raw.get_ref(), regex_problem(&error));
            report.error(Some(raw.span()), &format!("{key}.ignore_text[{i}]"), message)
        });
        collect(&mut ignore_text, compiled);
    }
    Ok(ArticleSpec { title: title?, content: content?, ignore: ignore?, ignore_text: ignore_text? })
}

/// Keeps every good value, or the fact that one was bad.
fn collect<T>(all: &mut Result<Vec<T>, Reported>, one: Result<T, Reported>) {
    match (all, one) {
        (Ok(list), Ok(value)) => list.push(value),
        (all, Err(reported)) => *all = Err(reported),
        (Err(_), Ok(_)) => {}
    }
}

fn selector(
    report: &mut Report<'_>,
    key: &str,
    raw: &Spanned<String>,
    attribute_allowed: bool,
) -> Result<CssSelector, Reported> {
    let compiled = compile_selector(raw.get_ref()).and_then(|selector| match &selector.attribute {
        Some(attribute) if !attribute_allowed => Err(format!(
            "`@{attribute}` reads an attribute, which only title, link, date and deadline selectors can use"
        )),
        _ => Ok(selector),
    });
    compiled.map_err(|message| report.error(Some(raw.span()), key, message))
}

/// Compiles `css` or `css@attribute` (`a@title`: read the `title` attribute of the match).
pub(crate) fn compile_selector(text: &str) -> Result<CssSelector, String> {
    let (css, attribute) = split_attribute(text);
    if css.trim().is_empty() {
        return Err(format!("invalid CSS selector `{text}`: empty"));
    }
    let selector = scraper::Selector::parse(css)
        .map_err(|e| format!("invalid CSS selector `{text}`: {}", selector_problem(&e)))?;
    Ok(CssSelector { source: text.to_owned(), selector, attribute: attribute.map(str::to_owned) })
}

/// Splits off a trailing `@name`; an `@` inside an attribute test (`a[href^="mailto:x@y"]`)
/// is left alone because what follows it is not a bare attribute name.
fn split_attribute(text: &str) -> (&str, Option<&str>) {
    let trimmed = text.trim();
    match trimmed.rsplit_once('@') {
        Some((css, name))
            if !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')) =>
        {
            (css, Some(name))
        }
        _ => (trimmed, None),
    }
}

fn selector_problem(error: &SelectorErrorKind) -> String {
    match error {
        // scraper's own text for this one asks to be reported upstream, over several lines.
        SelectorErrorKind::UnexpectedSelectorParseError(kind) => {
            format!("unsupported selector ({kind:?})")
        }
        other => other.to_string().to_lowercase(),
    }
}

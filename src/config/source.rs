//! `[[source]]` → `SourceSpec`: kind, URL, timings, charset override, and the CSS selectors and
//! regexes of `[source.list]` / `[source.article]`, compiled once here.
//!
//! Only checks that selectors compile; what they match on a real page is `sources test`'s job.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use encoding_rs::Encoding;
use scraper::error::SelectorErrorKind;
use toml::Spanned;

use crate::config::EnvLookup;
use crate::config::check::{
    FirstSeen, count, duration, http_url, id, positive_duration, regex_problem, required, size,
};
use crate::config::defaults;
use crate::config::file::{Entry, ParsedFile};
use crate::config::issue::{Report, Reported};
use crate::config::json_list::{json_list, path as json_path};
use crate::config::model::{
    ArticleSpec, AttachmentSpec, CssParts, CssSelector, ItemExtent, ItemText, ListSpec, RequestSpec, SourceKind,
    SourceSpec,
};
use crate::config::raw::{RawArticle, RawAttachments, RawJson, RawList, RawSource};
use crate::config::request::{request, warn_inline_credentials, with_query};
use crate::config::shared::Shared;
use crate::config::units::format_duration;
use crate::ids::SourceId;

/// Checks each source as its file is read (`file::SourceSink`), so that a config's raw sources
/// are never all held at once: the checked spec is built and the raw form dropped.
pub(crate) struct SourceChecker<'e> {
    env: EnvLookup<'e>,
    seen: FirstSeen,
    specs: Vec<Arc<SourceSpec>>,
    /// Ids written but not claimed (malformed ones): still known to subscribers' references.
    unclaimed: Vec<String>,
}

impl<'e> SourceChecker<'e> {
    pub(crate) fn new(env: EnvLookup<'e>) -> Self {
        Self { env, seen: FirstSeen::new("source"), specs: Vec::new(), unclaimed: Vec::new() }
    }

    #[expect(clippy::needless_pass_by_value, reason = "taken to be dropped here, as soon as its spec is built")]
    pub(crate) fn check(&mut self, report: &mut Report<'_>, entry: Entry<RawSource>) {
        let written = entry.raw.get_ref().id.as_ref().map(|id| id.get_ref().as_str());
        match source(report, &entry, &mut self.seen, self.env) {
            Ok(spec) => self.specs.push(Arc::new(spec)),
            Err(Reported) => {
                if let Some(id) = written.filter(|id| !self.seen.has(id)) {
                    self.unclaimed.push(id.to_owned());
                }
            }
        }
    }

    /// Every valid source, and every source id written (valid or not, read or not), for
    /// subscribers' references.
    pub(crate) fn finish(self, files: &[&ParsedFile]) -> (Vec<Arc<SourceSpec>>, BTreeSet<String>) {
        let mut ids: BTreeSet<String> = self.seen.into_ids().collect();
        ids.extend(self.unclaimed);
        for file in files {
            ids.extend(file.tables.unread_source_ids.iter().cloned());
        }
        let mut specs = self.specs;
        specs.shrink_to_fit();
        (specs, ids)
    }
}

/// The request spec of every source that sets no request options. Its `origins` stay empty:
/// they only say where headers may go, and it has none.
static PLAIN_REQUEST: LazyLock<Arc<RequestSpec>> = LazyLock::new(Arc::default);

fn source(
    report: &mut Report<'_>,
    entry: &Entry<RawSource>,
    seen: &mut FirstSeen,
    env: EnvLookup<'_>,
) -> Result<SourceSpec, Reported> {
    let key = entry.key("source");
    let at = entry.raw.span();
    let raw = entry.raw.get_ref();
    let enabled = raw.enabled.unwrap_or(defaults::ENABLED);
    let id = id(report, &at, &key, raw.id.as_ref()).and_then(|id| seen.claim(report, &key, id));
    let kind = required(report, &at, &key, "kind", raw.kind.as_ref()).and_then(|k| kind(report, &key, k));
    let raw_request = raw.request.as_ref().map(|r| &**r.get_ref());
    let request = request(report, &key, raw_request, raw.auth.as_ref(), env, enabled);
    let url = required(report, &at, &key, "url", raw.url.as_ref()).and_then(|text| {
        let url = http_url(report, &format!("{key}.url"), text)?;
        warn_inline_credentials(report, &format!("{key}.url"), text, &url);
        let has_userinfo = !url.username().is_empty() || url.password().is_some();
        let secret = request.as_ref().map_or(&[][..], |r| r.secret_query.as_slice());
        let url = with_query(report, &key, url, raw_request, secret)?;
        if has_userinfo && raw.auth.is_some() {
            let message = "the URL holds credentials and [source.auth] sets others: keep only [source.auth]";
            return Err(report.error(Some(text.span()), &format!("{key}.url"), message));
        }
        Ok(url)
    });
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
    let follow = follow(report, &key, kind.ok(), raw);
    let raw_article = raw.article.as_ref().map(|a| &**a.get_ref());
    let article = article(report, &key, raw_article);
    let list = {
        let place = Place { report: &mut *report, key: &key, at: &at };
        list(place, (kind.ok(), follow), raw.list.as_ref(), article.as_ref().ok().map(|a| (a, raw_article)))
    };
    let json = json(report, &key, &at, kind.ok(), url.as_ref().ok(), raw.json.as_ref());
    let attachments = attachments(report, &key, raw.attachments.as_ref().map(|a| &**a.get_ref()));
    let id = id?;
    let article = article?;
    let list = list?;
    let url = url?;
    let mut request = request?.spec;
    let request = if request.is_plain() {
        Arc::clone(&PLAIN_REQUEST)
    } else {
        request.origins = std::iter::once(&url).chain(&request.prime).map(url::Url::origin).collect();
        Arc::new(request)
    };
    Ok(SourceSpec {
        name: name?.unwrap_or_else(|| id.clone()),
        id: SourceId(id),
        kind: kind?,
        url,
        enabled,
        interval: interval?,
        follow,
        encoding: encoding?,
        max_items: max_items?,
        recheck_window: recheck_window?,
        recheck_interval: recheck_interval?,
        strip_params: strip_params?,
        request,
        list,
        json: json?.map(Box::new),
        article,
        attachments: attachments?,
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
            // Each item is its own document: an article's region and title have nothing to read.
            if let Some(article) =
                raw.article.as_ref().filter(|a| a.get_ref().content.is_some() || a.get_ref().title.is_some())
            {
                let message = "with follow = false the list items are the documents: [source.article] content and \
                               title apply to followed articles (ignore and ignore_text still clean the items)";
                report.warn(Some(article.span()), &format!("{key}.article"), message);
            }
            false
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

/// Where in the config a table is checked: its report, the source's key and span.
struct Place<'p, 'r> {
    report: &'p mut Report<'r>,
    key: &'p str,
    at: &'p Range<usize>,
}

/// `[source.list]`, shared by the sources that write the same list (and, for items read as
/// their own documents, the same article rules, which clean them). `article` is `None` when
/// the source's article rules are wrong: the list is then checked but not shared.
fn list(
    place: Place<'_, '_>,
    (kind, follow): (Option<SourceKind>, bool),
    raw: Option<&Spanned<Box<RawList>>>,
    article: Option<(&Arc<ArticleSpec>, Option<&RawArticle>)>,
) -> Result<Option<Arc<ListSpec>>, Reported> {
    static LISTS: LazyLock<Shared<ListSpec>> = LazyLock::new(Shared::new);
    let Place { report, key, at } = place;
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
    let Some((article, raw_article)) = article else {
        return list_of(report, &key, &at, follow, list).map(|spec| Some(Arc::new(spec)));
    };
    let selectors =
        [&list.item, &list.title, &list.link, &list.date, &list.deadline, &list.json, &list.text, &list.until];
    let written = selectors.map(|s| text_of(s.as_ref()));
    let cleaned_by = if follow { String::new() } else { article_written(raw_article) };
    LISTS
        .get_or_try(&format!("{follow} {written:?} {cleaned_by}"), || {
            let mut spec = list_of(report, &key, &at, follow, list)?;
            // Items read as their own documents are cleaned by the article's rules.
            if let Some(own) = &mut spec.own_text {
                own.ignore.clone_from(&article.ignore);
                own.ignore_text.clone_from(&article.ignore_text);
            }
            Ok(spec)
        })
        .map(Some)
}

fn list_of(
    report: &mut Report<'_>,
    key: &str,
    at: &Range<usize>,
    follow: bool,
    list: &RawList,
) -> Result<ListSpec, Reported> {
    let mut required_selector = |name: &str, value: Option<&Spanned<String>>, attribute: bool| {
        let value = required(report, at, key, name, value)?;
        selector(report, &format!("{key}.{name}"), value, attribute)
    };
    let item = required_selector("item", list.item.as_ref(), false);
    let title = required_selector("title", list.title.as_ref(), true);
    // Items that are their own documents are known by their link when they have one, else by
    // their title; followed items need a page to follow.
    let link = if follow {
        required_selector("link", list.link.as_ref(), true).map(Some)
    } else {
        list.link.as_ref().map(|l| selector(report, &format!("{key}.link"), l, true)).transpose()
    };
    let date = list.date.as_ref().map(|d| selector(report, &format!("{key}.date"), d, true)).transpose();
    let deadline = list.deadline.as_ref().map(|d| selector(report, &format!("{key}.deadline"), d, true)).transpose();
    let json = list.json.as_ref().map(|p| json_path(report, &format!("{key}.json"), p)).transpose();
    let own_text = own_text(report, key, follow, list);
    Ok(ListSpec {
        item: item?,
        title: title?,
        link: link?,
        date: date?,
        deadline: deadline?,
        json: json?,
        own_text: own_text?,
    })
}

/// `text` / `until`: where a non-followed item's document is. `None` for followed lists, which
/// take neither.
fn own_text(report: &mut Report<'_>, key: &str, follow: bool, list: &RawList) -> Result<Option<ItemText>, Reported> {
    if follow {
        let mut refused = Ok(None);
        for (name, given) in [("text", &list.text), ("until", &list.until)] {
            if let Some(given) = given {
                let message = format!(
                    "`{name}` says where an item's own text is, for html-list sources with follow = false; \
                     this list's items are followed"
                );
                refused = Err(report.error(Some(given.span()), &format!("{key}.{name}"), message));
            }
        }
        return refused;
    }
    let extent = match (&list.text, &list.until) {
        (Some(_), Some(until)) => {
            let message = "`text` (a region inside each item) and `until` (an item running over the elements after it) \
                           exclude each other";
            return Err(report.error(Some(until.span()), &format!("{key}.until"), message));
        }
        (None, Some(until)) => ItemExtent::Until(selector(report, &format!("{key}.until"), until, false)?),
        (Some(text), None) => ItemExtent::Within(Some(selector(report, &format!("{key}.text"), text, false)?)),
        (None, None) => ItemExtent::Within(None),
    };
    Ok(Some(ItemText { extent, ignore: Vec::new(), ignore_text: Vec::new() }))
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

/// `[source.attachments]`, or the defaults where there is none; shared by the sources that
/// write the same table.
fn attachments(
    report: &mut Report<'_>,
    key: &str,
    raw: Option<&RawAttachments>,
) -> Result<Arc<AttachmentSpec>, Reported> {
    static ATTACHMENTS: LazyLock<Shared<AttachmentSpec>> = LazyLock::new(Shared::new);
    let written = raw.map(|raw| {
        (
            raw.max_count.as_ref().map(Spanned::get_ref),
            raw.max_size.as_ref().map(Spanned::get_ref),
            text_of(raw.selector.as_ref()),
        )
    });
    ATTACHMENTS.get_or_try(&format!("{written:?}"), || match raw {
        Some(raw) => attachments_of(report, key, raw),
        None => Ok(AttachmentSpec::default()),
    })
}

fn attachments_of(report: &mut Report<'_>, key: &str, raw: &RawAttachments) -> Result<AttachmentSpec, Reported> {
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

/// `[source.article]`, or no rules where there is none; shared by the sources that write the
/// same rules.
fn article(report: &mut Report<'_>, key: &str, raw: Option<&RawArticle>) -> Result<Arc<ArticleSpec>, Reported> {
    static ARTICLES: LazyLock<Shared<ArticleSpec>> = LazyLock::new(Shared::new);
    ARTICLES.get_or_try(&article_written(raw), || match raw {
        Some(raw) => article_of(report, key, raw),
        None => Ok(ArticleSpec::default()),
    })
}

/// What decides an `ArticleSpec`: the texts its rules were written with.
fn article_written(raw: Option<&RawArticle>) -> String {
    let written = raw.map(|raw| {
        (text_of(raw.title.as_ref()), text_of(raw.content.as_ref()), texts(&raw.ignore), texts(&raw.ignore_text))
    });
    format!("{written:?}")
}

fn text_of(value: Option<&Spanned<String>>) -> Option<&str> {
    value.map(|text| text.get_ref().as_str())
}

fn texts(values: &[Spanned<String>]) -> Vec<&str> {
    values.iter().map(|text| text.get_ref().as_str()).collect()
}

fn article_of(report: &mut Report<'_>, key: &str, raw: &RawArticle) -> Result<ArticleSpec, Reported> {
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

/// Compiles `css` or `css@attribute` (`a@title`: read the `title` attribute of the match),
/// shared with every live selector of the same text.
pub fn compile_selector(text: &str) -> Result<CssSelector, String> {
    static SELECTORS: LazyLock<Shared<CssParts>> = LazyLock::new(Shared::new);
    SELECTORS
        .get_or_try(text, || {
            let (css, attribute) = split_attribute(text);
            if css.trim().is_empty() {
                return Err(format!("invalid CSS selector `{text}`: empty"));
            }
            let selector = scraper::Selector::parse(css)
                .map_err(|e| format!("invalid CSS selector `{text}`: {}", selector_problem(&e)))?;
            Ok(CssParts { source: text.to_owned(), selector, attribute: attribute.map(str::to_owned) })
        })
        .map(CssSelector::from)
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

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use crate::config::model::ItemExtent;

    const HEAD: &str = "[[source]]\nid = \"n\"\nkind = \"html-list\"\nurl = \"https://example.org/news\"\n";

    #[test]
    fn sources_writing_the_same_selector_share_its_compiled_form() {
        let one = super::compile_selector("ul.shared-selector-test > li").unwrap();
        let two = super::compile_selector("ul.shared-selector-test > li").unwrap();
        let attribute = super::compile_selector("ul.shared-selector-test > li@title").unwrap();
        let other = super::compile_selector("ul.shared-selector-test > li > a").unwrap();
        assert!(one.is_same(&two));
        assert!(!one.is_same(&other) && !one.is_same(&attribute));
        assert_eq!((one.attribute.as_deref(), attribute.attribute.as_deref()), (None, Some("title")));
    }

    #[test]
    fn sources_with_the_same_rules_share_them_and_bad_rules_are_reported_for_each() {
        let page = |id: &str, article: &str| {
            format!("[[source]]\nid = \"{id}\"\nkind = \"page\"\nurl = \"https://example.org/{id}\"\n{article}")
        };
        let good = "[source.article]\ncontent = \"div.shared-rules-test\"\nignore = [\".share\"]\n";
        let text = [page("a", good), page("b", good), page("c", ""), page("d", "")].concat();
        let path = std::path::Path::new("/etc/regwatch.toml");
        let config = crate::config::load_from_str(path, text, &|_| None, &[]).unwrap().config;
        let [a, b, c, d] = &config.sources[..] else { panic!("four sources") };
        assert!(std::sync::Arc::ptr_eq(&a.article, &b.article));
        assert!(std::sync::Arc::ptr_eq(&c.article, &d.article) && !std::sync::Arc::ptr_eq(&a.article, &c.article));
        assert!(std::sync::Arc::ptr_eq(&a.attachments, &d.attachments));
        assert_eq!(a.article.content.as_ref().map(|c| c.source.as_str()), Some("div.shared-rules-test"));
        assert!(c.article.content.is_none());

        // Lists too; items read as their own documents are cleaned by the article's rules, so a
        // list under other article rules is a list of its own.
        let list = |id: &str, follow: bool, ignore: &str| {
            format!(
                "[[source]]\nid = \"{id}\"\nkind = \"html-list\"\nurl = \"https://example.org/{id}\"\nfollow = {follow}\n\
                 [source.list]\nitem = \"li.shared-list-test\"\ntitle = \"a\"\nlink = \"a\"\n\
                 [source.article]\nignore_text = ['{ignore}']\n"
            )
        };
        let text = [list("a", true, "x"), list("b", true, "y"), list("c", false, "x"), list("d", false, "y")].concat();
        let config = crate::config::load_from_str(path, text, &|_| None, &[]).unwrap().config;
        let lists: Vec<_> = config.sources.iter().map(|s| std::sync::Arc::clone(s.list.as_ref().unwrap())).collect();
        assert!(std::sync::Arc::ptr_eq(&lists[0], &lists[1]), "followed: the article's rules do not matter");
        assert!(!std::sync::Arc::ptr_eq(&lists[2], &lists[3]) && !std::sync::Arc::ptr_eq(&lists[0], &lists[2]));
        let cleaned = |i: usize| lists[i].own_text.as_ref().unwrap().ignore_text[0].as_str().to_owned();
        assert_eq!((cleaned(2), cleaned(3)), ("x".to_owned(), "y".to_owned()));

        let bad = "[source.article]\ncontent = \"div[\"\n";
        let text = [page("a", bad), page("b", bad)].concat();
        let errors = crate::config::load_from_str(path, text, &|_| None, &[]).unwrap_err().0;
        let keys: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
        assert_eq!(keys, [(Some(6), "source[0].article.content"), (Some(12), "source[1].article.content")]);
    }

    /// Loads a config holding `source` and returns its issues as `line: key: message`, or the
    /// one source it validated.
    fn load(source: &str) -> Result<(crate::config::model::SourceSpec, Vec<String>), Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regwatch.toml");
        std::fs::write(&path, format!("{HEAD}{source}")).unwrap();
        let shown = |issues: &[crate::config::ConfigIssue]| {
            issues.iter().map(|i| format!("{}: {}: {}", i.line.unwrap_or(0), i.key, i.message)).collect()
        };
        match crate::config::load_with(&path, &|_| None, &[]) {
            Ok(loaded) => Ok(((*loaded.config.sources[0]).clone(), shown(&loaded.warnings))),
            Err(errors) => Err(shown(&errors.0)),
        }
    }

    #[test]
    fn an_unfollowed_list_reads_items_as_documents() {
        let (spec, warnings) = load(
            "follow = false\n[source.list]\nitem = \"h3\"\ntitle = \"h3\"\nuntil = \"h2\"\n[source.article]\nignore_text = ['^Back to top$']\n",
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(!spec.follow);
        let list = spec.list.unwrap();
        assert!(list.link.is_none(), "no link needed: items are known by their titles");
        let own = list.own_text.as_ref().unwrap();
        assert!(matches!(&own.extent, ItemExtent::Until(u) if u.source == "h2"));
        assert_eq!(own.ignore_text.len(), 1, "the article's rules clean the items");
        let (spec, _) = load("[source.list]\nitem = \"li\"\ntitle = \"a\"\nlink = \"a\"\n").unwrap();
        assert!(spec.follow, "html-lists follow by default");
        assert!(spec.list.unwrap().own_text.is_none());
    }

    #[rstest]
    #[case::text_on_a_followed_list(
        "[source.list]\nitem = \"li\"\ntitle = \"a\"\nlink = \"a\"\ntext = \"p\"\n",
        "9: source[0].list.text: `text` says where an item's own text is"
    )]
    #[case::both_extents(
        "follow = false\n[source.list]\nitem = \"h3\"\ntitle = \"h3\"\ntext = \"p\"\nuntil = \"h2\"\n",
        "10: source[0].list.until: `text` (a region inside each item) and `until`"
    )]
    #[case::followed_needs_a_link("[source.list]\nitem = \"li\"\ntitle = \"a\"\n", "source[0].list.link")]
    #[case::attribute_in_until(
        "follow = false\n[source.list]\nitem = \"h3\"\ntitle = \"h3\"\nuntil = \"h2@id\"\n",
        "9: source[0].list.until: `@id` reads an attribute"
    )]
    fn misplaced_item_keys_are_named(#[case] source: &str, #[case] expected: &str) {
        let errors = load(source).unwrap_err();
        assert!(errors.iter().any(|e| e.contains(expected)), "{errors:#?}");
    }

    #[test]
    fn article_regions_on_an_unfollowed_list_warn() {
        let (_, warnings) =
            load("follow = false\n[source.list]\nitem = \"li\"\ntitle = \"a\"\n[source.article]\ncontent = \"#x\"\n")
                .unwrap();
        assert!(warnings.iter().any(|w| w.contains("source[0].article: with follow = false")), "{warnings:?}");
    }
}

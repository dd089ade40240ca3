//! Atom feeds (RFC 4287) of changes: all of them, a topic's, a source's. One entry per change,
//! with its summary and HTML redline, an id that never changes (a `tag:` URI on the public
//! URL's host, else a `urn:`), and validators: `ETag` from the newest change and the feed, and
//! `Last-Modified` from its time, so a feed reader's repeat poll costs one indexed query and a
//! `304`.
//!
//! Changes never change once recorded, so an entry's rendered redline is cached by change id.
//! Not here: which changes match (`store::reading`), diff rendering (`diff::render`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use url::Url;

use super::WebState;
use super::reply::{Reply, WebError};
use super::view::{change_diff_href, encode, event_label};
use crate::diff;
use crate::ids::{DocId, VersionNo};
use crate::store::{ChangeEntry, ChangeFilter, Store, StoreError};

/// Entries per feed: a week of a busy regulator, and a bounded response.
const ENTRIES: usize = 30;
/// Diff lines shown in an entry; the rest is one click away on the diff page.
const ENTRY_DIFF_LINES: usize = 80;
/// Rendered entries kept in memory.
const CACHE_ENTRIES: usize = 2_000;

/// Rendered entry contents by change id.
#[derive(Debug, Default)]
pub(crate) struct EntryCache {
    entries: Mutex<HashMap<i64, String>>,
}

impl EntryCache {
    fn get(&self, id: i64) -> Option<String> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&id).cloned()
    }

    fn put(&self, id: i64, html: String) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= CACHE_ENTRIES {
            // Crude but bounded: feeds ask for the newest changes, which come right back.
            entries.clear();
        }
        entries.insert(id, html);
    }
}

/// What a feed covers: its title, path and filter.
struct Scope {
    title: String,
    path: String,
    filter: ChangeFilter,
}

pub(crate) async fn all_changes(State(state): State<WebState>, headers: HeaderMap) -> Reply {
    let scope = Scope {
        title: "regwatch: all changes".into(),
        path: "feeds/changes.atom".into(),
        filter: ChangeFilter::default(),
    };
    feed(&state, &headers, scope).await
}

pub(crate) async fn topic_changes(
    State(state): State<WebState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let id = feed_name(&file)?;
    let Some((id, label)) = state.topics.iter().find(|(t, _)| t == id).cloned() else {
        return Err(WebError::NotFound(format!("There is no topic `{id}`.")));
    };
    let scope = Scope {
        title: format!("regwatch: {label}"),
        path: format!("feeds/topics/{}.atom", encode(&id)),
        filter: ChangeFilter { topic: Some(id), ..ChangeFilter::default() },
    };
    feed(&state, &headers, scope).await
}

pub(crate) async fn source_changes(
    State(state): State<WebState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let id = feed_name(&file)?.to_owned();
    let known = {
        let id = id.clone();
        state.db.read(move |store| Ok(store.source_state(&crate::ids::SourceId(id))?.is_some())).await?
    };
    if !known && !state.sources.contains_key(&id) {
        return Err(WebError::NotFound(format!("There is no source `{id}`.")));
    }
    let scope = Scope {
        title: format!("regwatch: {}", state.source_name(&id)),
        path: format!("feeds/sources/{}.atom", encode(&id)),
        filter: ChangeFilter { source: Some(id), ..ChangeFilter::default() },
    };
    feed(&state, &headers, scope).await
}

fn feed_name(file: &str) -> Result<&str, WebError> {
    file.strip_suffix(".atom")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| WebError::NotFound(format!("There is no feed `{file}`: feeds end in .atom.")))
}

async fn feed(state: &WebState, request: &HeaderMap, scope: Scope) -> Reply {
    let filter = scope.filter.clone();
    let latest = state.db.read(move |store| store.latest_change(&filter)).await?;
    let etag = etag(&scope, latest.map(|(id, _)| id));
    let modified = latest.map(|(_, at)| at);
    if not_modified(request, &etag, modified) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        validators(response.headers_mut(), &etag, modified);
        return Ok(response);
    }
    let filter = scope.filter.clone();
    let changes = state.db.read(move |store| store.recent_changes(&filter, ENTRIES)).await?;
    let mut contents = Vec::with_capacity(changes.len());
    for change in &changes {
        if let Some(html) = state.feed_cache.get(change.id) {
            contents.push(html);
            continue;
        }
        let (db, entry) = (std::sync::Arc::clone(&state.db), change.clone());
        let html = db.read(move |store| entry_html(store, &entry)).await?;
        state.feed_cache.put(change.id, html.clone());
        contents.push(html);
    }
    let body = atom(state, request, &scope, &changes, &contents);
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"))], body)
            .into_response();
    validators(response.headers_mut(), &etag, modified);
    Ok(response)
}

/// The feed and its newest change: a different feed, or a new change, is a different tag.
fn etag(scope: &Scope, latest: Option<i64>) -> String {
    let digest = Sha256::digest(scope.path.as_bytes());
    let latest = latest.map_or_else(|| "empty".to_owned(), |id| id.to_string());
    format!("\"{}-{latest}\"", hex::encode(&digest[..6]))
}

fn validators(headers: &mut HeaderMap, etag: &str, modified: Option<Timestamp>) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(value) = modified.and_then(|at| HeaderValue::from_str(&http_date(at)).ok()) {
        headers.insert(header::LAST_MODIFIED, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// `If-None-Match` decides when present (RFC 9110 §13.2.2); else `If-Modified-Since`.
fn not_modified(request: &HeaderMap, etag: &str, modified: Option<Timestamp>) -> bool {
    if let Some(tags) = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return tags.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == etag || t == "*");
    }
    let since = request.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).and_then(parse_http_date);
    match (since, modified) {
        // HTTP dates have whole seconds.
        (Some(since), Some(modified)) => modified.as_second() <= since.as_second(),
        _ => false,
    }
}

/// An HTTP date (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(at: Timestamp) -> String {
    at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(text: &str) -> Option<Timestamp> {
    let text = text.trim().strip_suffix(" GMT")?;
    jiff::civil::DateTime::strptime("%a, %d %b %Y %H:%M:%S", text)
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Where links in the feed point: the public URL, else the host the reader asked.
fn base_url(state: &WebState, request: &HeaderMap) -> Url {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let host = request
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    Url::parse(&format!("http://{host}/")).unwrap_or_else(|_| Url::parse("http://localhost/").expect("literal URL"))
}

/// `tag:` URIs when the public URL names a host (stable as long as it does), else `urn:`s.
fn id_of(state: &WebState, what: &str) -> String {
    match state.public_url.as_ref().and_then(Url::host_str) {
        Some(host) => format!("tag:{host},2026:regwatch:{what}"),
        None => format!("urn:regwatch:{what}"),
    }
}

fn atom(state: &WebState, request: &HeaderMap, scope: &Scope, changes: &[ChangeEntry], contents: &[String]) -> String {
    let base = base_url(state, request);
    let join = |path: &str| base.join(path).map_or_else(|_| path.to_owned(), |u| u.to_string());
    let updated = changes.first().map_or(Timestamp::UNIX_EPOCH, |c| c.created_at);
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(out, "<id>{}</id>", xml(&id_of(state, &format!("feed:{}", scope.path))));
    let _ = writeln!(out, "<title>{}</title>", xml(&scope.title));
    let _ = writeln!(out, "<updated>{}</updated>", rfc3339(updated));
    let _ = writeln!(out, "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>", xml(&join(&scope.path)));
    let _ = writeln!(out, "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", xml(&join("")));
    out.push_str("<author><name>regwatch</name></author>\n<generator>regwatch</generator>\n");
    for (change, content) in changes.iter().zip(contents) {
        let (event, _) = event_label(&change.event);
        let page = change_diff_href(change).unwrap_or_else(|| format!("/documents/{}", change.doc_id));
        out.push_str("<entry>\n");
        let _ = writeln!(out, "<id>{}</id>", xml(&id_of(state, &format!("change:{}", change.id))));
        let _ = writeln!(out, "<title>{}</title>", xml(&format!("{event}: {}", change.title)));
        let _ = writeln!(out, "<updated>{}</updated>", rfc3339(change.created_at));
        let _ = writeln!(out, "<published>{}</published>", rfc3339(change.created_at));
        let _ = writeln!(
            out,
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml(&join(page.trim_start_matches('/')))
        );
        if let Some(href) = super::view::external_href(&change.url) {
            let _ = writeln!(out, "<link rel=\"related\" href=\"{}\"/>", xml(&href));
        }
        for topic in &change.topics {
            let _ = writeln!(out, "<category term=\"{}\" label=\"{}\"/>", xml(topic), xml(state.topic_label(topic)));
        }
        let summary = if change.summary.is_empty() { event.to_owned() } else { change.summary.clone() };
        let _ = writeln!(out, "<summary type=\"text\">{}</summary>", xml(&summary));
        let html = format!(
            "<p><strong>{}</strong></p><p><a href=\"{}\">Read the full redline</a></p>{content}",
            diff::render::escape(&summary),
            diff::render::escape(&join(page.trim_start_matches('/')))
        );
        let _ = writeln!(out, "<content type=\"html\">{}</content>", xml(&html));
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The entry's redline: the structural changes and the diff (cut at [`ENTRY_DIFF_LINES`]
/// lines), every scraped string escaped by `diff::render::html`. Empty for a new document.
fn entry_html(store: &Store, change: &ChangeEntry) -> Result<String, StoreError> {
    let Some(from_version) = change.from_version else { return Ok(String::new()) };
    let from_doc = change.from_doc_id.unwrap_or(change.doc_id);
    let old = store.version(DocId(from_doc), VersionNo(from_version))?;
    let new = store.version(DocId(change.doc_id), VersionNo(change.to_version))?;
    let (Some(old), Some(new)) = (old, new) else { return Ok(String::new()) };
    let mut comparison = diff::compare(old.blocks.lines(), new.blocks.lines());
    let cut = cut_hunks(&mut comparison);
    let mut html = diff::render::html(&comparison, &change.title);
    if cut > 0 {
        let _ = write!(html, "<p>… {cut} more lines in the full redline.</p>");
    }
    Ok(html)
}

/// Keeps the first [`ENTRY_DIFF_LINES`] diff lines; returns how many were dropped.
fn cut_hunks(comparison: &mut diff::Comparison) -> usize {
    let mut kept = 0;
    let mut dropped = 0;
    for hunk in &mut comparison.hunks {
        let room = ENTRY_DIFF_LINES.saturating_sub(kept);
        if hunk.lines.len() > room {
            dropped += hunk.lines.len() - room;
            hunk.lines.truncate(room);
        }
        kept += hunk.lines.len();
    }
    comparison.hunks.retain(|h| !h.lines.is_empty());
    dropped
}

/// Text for XML content and attributes: escaped, and without the characters XML 1.0 forbids.
fn xml(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect();
    diff::render::escape(&cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap())).collect()
    }

    #[test]
    fn validators_decide_304() {
        let at: Timestamp = "2026-11-22T08:00:00.250Z".parse().unwrap();
        let tag = "\"abc-7\"";
        assert!(not_modified(&headers(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc-7\"")]), tag, Some(at)));
        assert!(!not_modified(&headers(&[(header::IF_NONE_MATCH, "\"abc-6\"")]), tag, Some(at)));
        let since = http_date(at);
        assert_eq!(since, "Sun, 22 Nov 2026 08:00:00 GMT");
        assert!(not_modified(&headers(&[(header::IF_MODIFIED_SINCE, &since)]), tag, Some(at)));
        let earlier = http_date(at - jiff::SignedDuration::from_secs(1));
        assert!(!not_modified(&headers(&[(header::IF_MODIFIED_SINCE, &earlier)]), tag, Some(at)));
        assert!(!not_modified(&HeaderMap::new(), tag, Some(at)));
    }

    #[test]
    fn xml_drops_forbidden_characters() {
        assert_eq!(xml("a\u{1}<b>&"), "a&lt;b&gt;&amp;");
    }
}

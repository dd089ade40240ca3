//! The pages' templates (askama, in `templates/`, checked at compile time and auto-escaping
//! every value) and the plain view models they show: strings already formatted, links already
//! built, so templates hold no logic beyond loops and conditions.
//!
//! Not here: reading the store (`pages`, `redline`) or serving (`reply`).

use askama::Template;
use jiff::Timestamp;

use super::WebState;
use crate::store::{ChangeEntry, DocumentRow, Fragment};

/// What the frame of every page needs.
pub(crate) struct Frame {
    pub title: String,
    /// `home`, `documents`, `sources` or `` (none).
    pub active: &'static str,
}

pub(crate) struct Link {
    pub href: String,
    pub label: String,
}

pub(crate) struct ChangeItem {
    pub event: &'static str,
    pub event_class: &'static str,
    pub title: String,
    pub doc_href: String,
    pub diff_href: Option<String>,
    pub summary: String,
    pub when: String,
    pub source: String,
    pub topics: Vec<Link>,
    pub added: i64,
    pub removed: i64,
}

pub(crate) struct DocItem {
    pub href: String,
    pub title: String,
    pub stage: String,
    pub deadline: Option<String>,
    pub topics: Vec<Link>,
    pub versions: i64,
    pub last_changed: String,
    pub source: String,
    pub snippet: Vec<Fragment>,
    /// For an attachment: its format.
    pub format: Option<String>,
}

pub(crate) struct DeadlineItem {
    pub href: String,
    pub title: String,
    pub deadline: String,
    pub when: String,
}

pub(crate) struct SourceItem {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub url_href: Option<String>,
    pub enabled: bool,
    pub health: &'static str,
    pub reason: Option<String>,
    pub last_error: Option<String>,
    pub last_polled: String,
    pub next_due: String,
    pub documents: u64,
    pub docs_href: String,
    pub feed_href: String,
}

/// A select's option.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomePage {
    pub frame: Frame,
    pub changes: Vec<ChangeItem>,
    pub deadlines: Vec<DeadlineItem>,
    pub unhealthy: Vec<SourceItem>,
    pub documents: u64,
    pub sources: usize,
}

#[derive(Template)]
#[template(path = "documents.html")]
pub(crate) struct DocumentsPage {
    pub frame: Frame,
    pub q: String,
    pub since: String,
    pub topics: Vec<Choice>,
    pub stages: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub notice: Option<String>,
    pub rows: Vec<DocItem>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub searching: bool,
}

pub(crate) struct VersionItem {
    pub number: i64,
    pub fetched_at: String,
    pub hash: String,
    pub added: i64,
    pub removed: i64,
    pub text_href: String,
    pub diff_href: Option<String>,
    pub event: Option<String>,
}

pub(crate) struct Fact {
    pub name: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "document.html")]
pub(crate) struct DocumentPage {
    pub frame: Frame,
    pub title: String,
    pub url: String,
    pub url_href: Option<String>,
    pub facts: Vec<Fact>,
    pub topics: Vec<Link>,
    pub unreadable: Option<String>,
    pub versions: Vec<VersionItem>,
    pub latest_diff_href: Option<String>,
    pub draft: Option<Link>,
    pub finals: Vec<Link>,
    pub parent: Option<Link>,
    pub attachments: Vec<Link>,
    pub source_feed_href: String,
}

/// A piece of a redline: text and `eq`, `ins` or `del`.
pub(crate) struct Piece {
    pub class: &'static str,
    pub text: String,
}

pub(crate) struct ArticleItem {
    pub title: String,
    pub class: &'static str,
    pub pieces: Vec<Piece>,
}

pub(crate) struct LineRow {
    pub sign: &'static str,
    pub class: &'static str,
    pub old_no: Option<usize>,
    pub new_no: Option<usize>,
    pub pieces: Vec<Piece>,
}

pub(crate) struct SideCell {
    pub no: usize,
    pub class: &'static str,
    pub pieces: Vec<Piece>,
}

pub(crate) struct SideRow {
    pub left: Option<SideCell>,
    pub right: Option<SideCell>,
}

pub(crate) struct HunkView {
    pub header: String,
    pub rows: Vec<LineRow>,
    pub side: Vec<SideRow>,
}

#[derive(Template)]
#[template(path = "diff.html")]
pub(crate) struct DiffPage {
    pub frame: Frame,
    pub title: String,
    pub doc_href: String,
    pub from_label: String,
    pub to_label: String,
    pub summary: String,
    pub added: usize,
    pub removed: usize,
    pub headings: Vec<String>,
    pub articles: Vec<ArticleItem>,
    pub hunks: Vec<HunkView>,
    pub side_by_side: bool,
    pub inline_href: String,
    pub side_href: String,
    pub docx_href: String,
    pub from_text_href: String,
    pub to_text_href: String,
    pub from_choices: Vec<Choice>,
    pub to_choices: Vec<Choice>,
    pub from_doc: Option<i64>,
}

#[derive(Template)]
#[template(path = "sources.html")]
pub(crate) struct SourcesPage {
    pub frame: Frame,
    pub sources: Vec<SourceItem>,
}

#[derive(Template)]
#[template(path = "topic.html")]
pub(crate) struct TopicPage {
    pub frame: Frame,
    pub id: String,
    pub label: String,
    pub changes: Vec<ChangeItem>,
    pub documents: Vec<DocItem>,
    pub more_href: String,
    pub feed_href: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub frame: Frame,
    pub status: u16,
    pub message: String,
}

/// `2026-11-22 08:00 UTC`.
pub(crate) fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// An `href` for a scraped URL: only http(s), so a `javascript:` URL never becomes a link.
pub(crate) fn external_href(url: &str) -> Option<String> {
    url::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https")).map(|u| u.to_string())
}

pub(crate) fn topic_links(state: &WebState, topics: &[impl AsRef<str>]) -> Vec<Link> {
    topics
        .iter()
        .map(|t| Link {
            href: format!("/topics/{}", encode(t.as_ref())),
            label: state.topic_label(t.as_ref()).to_owned(),
        })
        .collect()
}

/// What stays as it is in a path segment or query value: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A path segment or query value, percent-encoded.
pub(crate) fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}

pub(crate) fn event_label(event: &str) -> (&'static str, &'static str) {
    match event {
        "document.new" => ("New", "new"),
        "document.final" => ("Final", "final"),
        _ => ("Changed", "changed"),
    }
}

/// The diff page's path for a change.
pub(crate) fn change_diff_href(change: &ChangeEntry) -> Option<String> {
    let from = change.from_version?;
    let mut href = format!("/documents/{}/diff?from={from}&to={}", change.doc_id, change.to_version);
    if let Some(from_doc) = change.from_doc_id.filter(|d| *d != change.doc_id) {
        href.push_str(&format!("&from_doc={from_doc}"));
    }
    Some(href)
}

pub(crate) fn change_item(state: &WebState, change: &ChangeEntry) -> ChangeItem {
    let (event, event_class) = event_label(&change.event);
    let summary = if change.summary.trim().is_empty() {
        if change.event == "document.new" { "New document".to_owned() } else { "Text changed".to_owned() }
    } else {
        change.summary.clone()
    };
    ChangeItem {
        event,
        event_class,
        title: change.title.clone(),
        doc_href: format!("/documents/{}", change.doc_id),
        diff_href: change_diff_href(change),
        summary,
        when: when(change.created_at),
        source: state.source_name(&change.source_id).to_owned(),
        topics: topic_links(state, &change.topics),
        added: change.added_lines,
        removed: change.removed_lines,
    }
}

pub(crate) fn doc_item(state: &WebState, doc: &DocumentRow, snippet: Vec<Fragment>) -> DocItem {
    DocItem {
        href: format!("/documents/{}", doc.id),
        title: doc.title.clone(),
        stage: doc.stage.as_str().to_owned(),
        deadline: doc.deadline.map(|d| d.to_string()),
        topics: topic_links(state, &doc.topics),
        versions: doc.versions,
        last_changed: when(doc.last_changed),
        source: state.source_name(doc.source_id.as_str()).to_owned(),
        snippet,
        format: doc.format.clone(),
    }
}

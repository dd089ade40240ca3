//! The reading pages: recent changes (`/`), documents with filters and search (`/documents`),
//! one document (`/documents/{id}`), sources (`/sources`) and a topic (`/topics/{id}`).
//!
//! Each handler reads the store through the pool, builds view models and renders a template.
//! Not here: redlines and downloads (`redline`), feeds, metrics.

use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::WebState;
use super::reply::{Reply, WebError, page};
use super::view::{
    Choice, DeadlineItem, DocumentPage, DocumentsPage, Fact, Frame, HomePage, Link, SourceItem, SourcesPage, TopicPage,
    VersionItem, change_diff_href, change_item, doc_item, encode, event_label, external_href, topic_links, when,
};
use crate::ids::DocId;
use crate::store::{ChangeFilter, DocQuery, DocumentRow, Health, SearchQuery, SourceState, Store};

/// Changes on the front page and a topic's page.
const RECENT: usize = 30;
/// Documents per page of `/documents`.
const PAGE_SIZE: usize = 50;
/// Comment deadlines listed on the front page.
const DEADLINES: usize = 10;

pub(crate) async fn home(State(state): State<WebState>) -> Reply {
    let today = crate::clock::Clock::now(&crate::clock::SystemClock).to_zoned(TimeZone::UTC).date();
    let (changes, deadlines, sources, documents) = state
        .db
        .read(move |store| {
            Ok((
                store.recent_changes(&ChangeFilter::default(), RECENT)?,
                store.upcoming_deadlines(today, DEADLINES)?,
                store.source_states()?,
                store.document_count()?,
            ))
        })
        .await?;
    let deadlines = deadlines
        .iter()
        .filter_map(|d| {
            let deadline: jiff::civil::Date = d.deadline?;
            Some(DeadlineItem {
                href: format!("/documents/{}", d.id),
                title: d.title.clone(),
                deadline: deadline.to_string(),
                when: days_until(deadline, today),
            })
        })
        .collect();
    let unhealthy = sources
        .iter()
        .filter(|s| matches!(s.health, Health::Unhealthy { .. }))
        .map(|s| source_item(&state, s))
        .collect();
    page(&HomePage {
        frame: Frame { title: "Recent changes".into(), active: "home" },
        changes: changes.iter().map(|c| change_item(&state, c)).collect(),
        deadlines,
        unhealthy,
        documents,
        sources: sources.len(),
    })
}

/// `/documents` query parameters, as typed: empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DocumentsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    page: Option<usize>,
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

const STAGES: [&str; 4] = ["draft", "trial", "final", "unknown"];

pub(crate) async fn documents(State(state): State<WebState>, Query(query): Query<DocumentsQuery>) -> Reply {
    let since = match some(&query.since) {
        None => None,
        Some(text) => Some(parse_since(&text)?),
    };
    if let Some(stage) = some(&query.stage).filter(|s| !STAGES.contains(&s.as_str())) {
        return Err(WebError::BadRequest(format!("unknown stage `{stage}`: expected draft, trial, final or unknown")));
    }
    let page_no = query.page.unwrap_or(1).max(1);
    let doc_query = DocQuery {
        topic: some(&query.topic),
        stage: some(&query.stage),
        source: some(&query.source),
        since,
        search: SearchQuery::parse(&query.q),
        offset: (page_no - 1).saturating_mul(PAGE_SIZE),
        limit: PAGE_SIZE,
    };
    let searching = doc_query.search.is_some();
    let found = state.db.read(move |store| store.document_page(&doc_query)).await?;
    let notice = found.titles_only.then(|| {
        "Full-text search is not available on this database yet: it predates regwatch's search index. \
         Titles were searched instead; the index is built the next time `regwatch check` or `regwatch run` opens it."
            .to_owned()
    });
    let rows = found.rows.iter().zip(found.snippets).map(|(d, s)| doc_item(&state, d, s)).collect();
    let link = |page_no: usize| documents_href(&query, page_no);
    page(&DocumentsPage {
        frame: Frame { title: "Documents".into(), active: "documents" },
        q: query.q.clone(),
        since: query.since.clone(),
        topics: choices(state.topics.iter().map(|(id, label)| (id.as_str(), label.as_str())), &query.topic),
        stages: choices(STAGES.iter().map(|s| (*s, *s)), &query.stage),
        sources: choices(
            {
                let mut sources: Vec<(&str, &str)> =
                    state.sources.values().map(|s| (s.id.as_str(), s.name.as_str())).collect();
                sources.sort_unstable();
                sources
            }
            .into_iter(),
            &query.source,
        ),
        notice,
        rows,
        prev_href: (page_no > 1).then(|| link(page_no - 1)),
        next_href: found.has_more.then(|| link(page_no + 1)),
        searching,
    })
}

/// "today", "tomorrow", "in 9 days".
fn days_until(deadline: jiff::civil::Date, today: jiff::civil::Date) -> String {
    match today.until(deadline).map_or(0, |span| span.get_days()) {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        d => format!("in {d} days"),
    }
}

/// `since` as a date (`2026-11-01`, midnight UTC) or a timestamp.
fn parse_since(text: &str) -> Result<Timestamp, WebError> {
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date.to_zoned(TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| WebError::BadRequest(e.to_string()));
    }
    text.parse::<Timestamp>().map_err(|_| {
        WebError::BadRequest(format!("invalid `since` value `{text}`: expected a date such as 2026-11-01"))
    })
}

fn documents_href(query: &DocumentsQuery, page_no: usize) -> String {
    let mut href = String::from("/documents?");
    for (name, value) in [
        ("q", &query.q),
        ("topic", &query.topic),
        ("stage", &query.stage),
        ("source", &query.source),
        ("since", &query.since),
    ] {
        if !value.trim().is_empty() {
            href.push_str(&format!("{name}={}&", encode(value.trim())));
        }
    }
    href.push_str(&format!("page={page_no}"));
    href
}

fn choices<'a>(options: impl Iterator<Item = (&'a str, &'a str)>, current: &str) -> Vec<Choice> {
    options
        .map(|(value, label)| Choice { value: value.to_owned(), label: label.to_owned(), selected: value == current })
        .collect()
}

pub(crate) async fn document(State(state): State<WebState>, Path(id): Path<String>) -> Reply {
    let id = doc_id(&id)?;
    let found = state
        .db
        .read(move |store| {
            let Some(doc) = store.document(id)? else { return Ok(None) };
            let history = store.history(id)?;
            let changes = store.changes_of(id)?;
            let related = |other: Option<DocId>| -> crate::store::Result<Option<DocumentRow>> {
                match other {
                    Some(other) => store.document(other),
                    None => Ok(None),
                }
            };
            let draft = related(doc.draft_id)?;
            let parent = related(doc.parent_id)?;
            let finals = store.finals_of(id)?;
            let attachments = store.attachments(id)?;
            Ok(Some((doc, history, changes, draft, parent, finals, attachments)))
        })
        .await?;
    let Some((doc, history, changes, draft, parent, finals, attachments)) = found else {
        return Err(WebError::NotFound(format!("There is no document {}.", id.0)));
    };
    let versions = history
        .iter()
        .map(|v| {
            let change = changes.iter().find(|c| c.to_version == v.version.0);
            let diff_href = change.and_then(change_diff_href).or_else(|| {
                (v.version.0 > 1)
                    .then(|| format!("/documents/{}/diff?from={}&to={}", doc.id, v.version.0 - 1, v.version))
            });
            VersionItem {
                number: v.version.0,
                fetched_at: when(v.fetched_at),
                hash: v.hash.clone(),
                added: v.added_lines,
                removed: v.removed_lines,
                text_href: format!("/documents/{}/versions/{}.txt", doc.id, v.version),
                diff_href,
                event: change.map(|c| event_label(&c.event).0.to_owned()),
            }
        })
        .collect::<Vec<_>>();
    let latest_diff_href = versions.last().and_then(|v| v.diff_href.clone());
    let link = |d: &DocumentRow| Link { href: format!("/documents/{}", d.id), label: d.title.clone() };
    page(&DocumentPage {
        frame: Frame { title: doc.title.clone(), active: "documents" },
        title: doc.title.clone(),
        url: doc.url.clone(),
        url_href: external_href(&doc.url),
        facts: facts(&state, &doc),
        topics: topic_links(&state, &doc.topics),
        unreadable: doc.unreadable.clone(),
        versions,
        latest_diff_href,
        draft: draft.as_ref().map(link),
        finals: finals.iter().map(link).collect(),
        parent: parent.as_ref().map(link),
        attachments: attachments
            .iter()
            .map(|a| Link {
                href: format!("/documents/{}", a.id),
                label: format!("{} ({})", a.title, a.format.as_deref().unwrap_or("file")),
            })
            .collect(),
        source_feed_href: format!("/feeds/sources/{}.atom", encode(doc.source_id.as_str())),
    })
}

fn facts(state: &WebState, doc: &DocumentRow) -> Vec<Fact> {
    let mut facts = vec![
        Fact { name: "Source", value: state.source_name(doc.source_id.as_str()).to_owned() },
        Fact { name: "Stage", value: doc.stage.as_str().to_owned() },
    ];
    if let Some(deadline) = &doc.deadline {
        facts.push(Fact { name: "Comment deadline", value: deadline.to_string() });
    }
    if let Some(published) = &doc.published {
        facts.push(Fact { name: "Published", value: published.to_string() });
    }
    facts.push(Fact { name: "First seen", value: when(doc.first_seen) });
    facts.push(Fact { name: "Last changed", value: when(doc.last_changed) });
    facts.push(Fact { name: "Versions", value: doc.versions.to_string() });
    if let Some(format) = &doc.format {
        facts.push(Fact { name: "Format", value: format.clone() });
    }
    facts
}

/// A document id from a path segment; anything else is a 404, not a 500.
pub(crate) fn doc_id(text: &str) -> Result<DocId, WebError> {
    text.parse::<i64>().map(DocId).map_err(|_| WebError::NotFound(format!("There is no document `{text}`.")))
}

pub(crate) async fn sources(State(state): State<WebState>) -> Reply {
    let states = state.db.read(Store::source_states).await?;
    let mut items: Vec<SourceItem> = states.iter().map(|s| source_item(&state, s)).collect();
    // Unhealthy first: they are what an operator opens this page for.
    items.sort_by_key(|s| (s.health != "unhealthy", s.id.clone()));
    page(&SourcesPage { frame: Frame { title: "Sources".into(), active: "sources" }, sources: items })
}

fn source_item(state: &WebState, s: &SourceState) -> SourceItem {
    let spec = state.sources.get(s.id.as_str());
    let url = spec.map_or_else(String::new, |spec| spec.url.to_string());
    let never = |t: Option<Timestamp>, none: &str| t.map_or_else(|| none.to_owned(), when);
    SourceItem {
        id: s.id.as_str().to_owned(),
        name: state.source_name(s.id.as_str()).to_owned(),
        kind: spec.map_or("unconfigured", |spec| spec.kind.as_str()).to_owned(),
        url_href: external_href(&url),
        url,
        enabled: spec.is_some_and(|spec| spec.enabled),
        health: s.health.as_str(),
        reason: match &s.health {
            Health::Unhealthy { reason } => Some(reason.clone()),
            _ => None,
        },
        last_error: s.last_error.clone(),
        last_polled: never(s.last_polled_at, "never"),
        next_due: never(s.next_due, "now"),
        documents: s.documents,
        docs_href: format!("/documents?source={}", encode(s.id.as_str())),
        feed_href: format!("/feeds/sources/{}.atom", encode(s.id.as_str())),
    }
}

pub(crate) async fn topic(State(state): State<WebState>, Path(id): Path<String>) -> Reply {
    let Some((id, label)) = state.topics.iter().find(|(t, _)| *t == id).cloned() else {
        return Err(WebError::NotFound(format!("There is no topic `{id}`.")));
    };
    let filter = ChangeFilter { topic: Some(id.clone()), ..ChangeFilter::default() };
    let query = DocQuery { topic: Some(id.clone()), limit: RECENT, ..DocQuery::default() };
    let (changes, docs) =
        state.db.read(move |store| Ok((store.recent_changes(&filter, RECENT)?, store.document_page(&query)?))).await?;
    page(&TopicPage {
        frame: Frame { title: label.clone(), active: "" },
        more_href: format!("/documents?topic={}", encode(&id)),
        feed_href: format!("/feeds/topics/{}.atom", encode(&id)),
        changes: changes.iter().map(|c| change_item(&state, c)).collect(),
        documents: docs.rows.iter().map(|d| doc_item(&state, d, Vec::new())).collect(),
        id,
        label,
    })
}

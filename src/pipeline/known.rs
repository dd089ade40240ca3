//! What the store knows about the pages a poll is going to ask for: a followed list's pages
//! (those it showed when last read, when it answered 304 now), the dropped-off ones due a
//! re-check, the titles and dates the list gave them, their validators and their recorded
//! attachments. All of it is read in one store call (`read`).
//!
//! Each store call is a hop to the blocking pool and back, and on a loaded machine a hop is
//! mostly waiting to be scheduled: an unchanged html-list poll made three, in a row (the
//! source's state, its pages, their attachments), nearly a third of its time. A poll that can
//! expect a 304 (it asks conditionally and has validators to send) reads all of it with its
//! state instead (`ReadAhead`), and an unchanged poll makes one.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use url::Url;

use super::request::page_url;
use crate::config::model::{SourceKind, SourceSpec};
use crate::fetch::Validators;
use crate::ids::SourceId;
use crate::store::{Reads, Result};

/// What the store knows about a followed list's pages.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The pages the list showed when last read, when it answered 304 this time. Parsed once,
    /// here: they are both looked up and fetched, and parsing a URL was 3% of an unchanged
    /// html-list pass.
    pub listed: Vec<Url>,
    /// Dropped-off documents due a re-check: at most a list's worth, soonest due first; the
    /// rest stay due and are taken by the next polls, so a flood of dropped documents never
    /// makes one poll endless.
    pub due: Vec<String>,
    /// Title and date the list last gave the pages above.
    pub titles: HashMap<String, (String, Option<Date>)>,
    /// Validators of every page to fetch, when the poll may ask conditionally.
    pub validators: HashMap<String, Validators>,
    /// The recorded attachments of every page to fetch.
    pub attachments: KnownAttachments,
}

/// The attachments recorded for some pages: `(parent, url, title)` rows.
#[derive(Debug, Default)]
pub(super) struct KnownAttachments {
    /// The pages asked about, whether they have attachments or not.
    pages: HashSet<String>,
    rows: Vec<(String, String, String)>,
}

impl KnownAttachments {
    /// Reads the attachments of `pages`.
    pub(super) fn read(reads: &Reads<'_>, source: &SourceId, pages: Vec<String>) -> Result<Self> {
        let rows = reads.attachments_of(source, &pages)?;
        Ok(Self { pages: pages.into_iter().collect(), rows })
    }

    /// The rows read (the caller picks each page's by its parent), when every one of `pages` was
    /// asked about.
    pub(super) fn of<'p>(&self, mut pages: impl Iterator<Item = &'p str>) -> Option<&[(String, String, String)]> {
        pages.all(|p| self.pages.contains(p)).then_some(self.rows.as_slice())
    }
}

/// What a poll's pages are looked up with.
#[derive(Debug, Clone)]
pub(super) struct Ask {
    source: SourceId,
    now: Timestamp,
    max_items: usize,
    /// Whether validators are read (the poll may ask conditionally).
    conditional: bool,
    /// Whether attachments are read (the source fetches any).
    attachments: bool,
}

impl Ask {
    pub(super) fn new(spec: &SourceSpec, now: Timestamp, conditional: bool) -> Self {
        Self {
            source: spec.id.clone(),
            now,
            max_items: spec.max_items,
            conditional,
            attachments: spec.attachments.max_count > 0,
        }
    }
}

/// What the store knows about a followed list's pages: those it `shows` now, those it showed
/// before (when it answered 304: `not_modified`), and those due a re-check.
pub(super) fn read(reads: &Reads<'_>, ask: &Ask, shown: &[String], not_modified: bool) -> Result<Known> {
    let mut listed = Vec::new();
    let mut titles = HashMap::new();
    if not_modified {
        for (url, title, published) in reads.listed_pages(&ask.source)? {
            if let Some(url) = fetchable(&url) {
                titles.insert(url.as_str().to_owned(), (title, published));
                listed.push(url);
            }
        }
    }
    let mut due = reads.due_rechecks(&ask.source, ask.now)?;
    due.truncate(ask.max_items);
    let unnamed: Vec<String> = listed
        .iter()
        .map(|u| u.as_str().to_owned())
        .chain(due.iter().filter_map(|u| fetchable(u)).map(String::from))
        .filter(|u| !shown.contains(u))
        .collect();
    let untitled: Vec<String> = unnamed.iter().filter(|u| !titles.contains_key(*u)).cloned().collect();
    titles.extend(reads.known_titles(&ask.source, &untitled)?);
    let pages = [shown, &unnamed].concat();
    let validators = if ask.conditional { reads.validators_for(&pages)? } else { HashMap::new() };
    let attachments =
        if ask.attachments { KnownAttachments::read(reads, &ask.source, pages)? } else { KnownAttachments::default() };
    Ok(Known { listed, due, titles, validators, attachments })
}

/// What a poll that can expect a 304 reads with its source's state: what the stages that follow
/// a 304 would each have asked the store for.
#[derive(Debug, Default)]
pub(super) struct ReadAhead {
    /// A followed list's pages, as `read` finds them for a list that answered 304.
    pub list: Option<Known>,
    /// The attachments of a page source's page.
    pub page_attachments: Option<KnownAttachments>,
}

impl ReadAhead {
    /// Reads ahead for `spec`'s 304, when its poll may get one: it asks conditionally, with
    /// validators to send.
    pub(super) fn read(reads: &Reads<'_>, spec: &SourceSpec, ask: &Ask, own: &Validators) -> Result<Self> {
        if !ask.conditional || own.is_empty() {
            return Ok(Self::default());
        }
        match spec.kind {
            SourceKind::Feed | SourceKind::HtmlList | SourceKind::JsonList if spec.follow => {
                Ok(Self { list: Some(read(reads, ask, &[], true)?), page_attachments: None })
            }
            SourceKind::Page if ask.attachments => {
                let page = vec![page_url(spec).to_string()];
                Ok(Self { list: None, page_attachments: Some(KnownAttachments::read(reads, &ask.source, page)?) })
            }
            _ => Ok(Self::default()),
        }
    }
}

/// A stored document URL that names a page to fetch (not a feed entry's `urn:` identity).
pub(super) fn fetchable(url: &str) -> Option<Url> {
    Url::parse(url).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_answered_only_for_pages_asked_about() {
        let known = KnownAttachments {
            pages: ["https://a.example/1", "https://a.example/2"].map(String::from).into_iter().collect(),
            rows: vec![("https://a.example/1".into(), "https://a.example/1.pdf".into(), "draft".into())],
        };
        assert!(known.of(["https://a.example/2", "https://a.example/1"].into_iter()).is_some());
        // A page asked about that has no attachments is known to have none.
        assert!(known.of(["https://a.example/2"].into_iter()).is_some());
        assert!(known.of(["https://a.example/1", "https://a.example/3"].into_iter()).is_none());
        assert!(KnownAttachments::default().of(["https://a.example/1"].into_iter()).is_none());
    }
}

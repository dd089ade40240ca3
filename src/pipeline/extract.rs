//! The extract stage: the source's own response, read. A page becomes its document; feed,
//! json-list and html-list entries that are not followed become documents from their own text
//! (a newsletter read item by item); a list whose entries are followed becomes the pages to
//! fetch (what it shows now, plus what dropped off it and is due a re-check). A response
//! answered 304 yields the pages whose attachments must still be asked about.

use std::collections::HashMap;

use url::Url;

use super::attach::Parent;
use super::context::{Poll, PollFailure};
use super::known::{self, Ask, Known, fetchable};
use super::read::{read_article, read_list};
use super::request::{Target, canonical, page_url};
use crate::config::model::SourceKind;
use crate::extract::{AttachmentLink, BlockText, Observation};
use crate::fetch::{FetchOutcome, Validators};

/// What reading the source's own response yielded.
#[derive(Debug, Default)]
pub(super) struct Extracted {
    /// 304, or the status the response was read with.
    pub status: Option<u16>,
    /// How many items the list showed (1 for a page); `None` when it was not read.
    pub items: Option<usize>,
    /// URLs the list shows now; `None` when the list was not read or is not tracked.
    pub listed: Option<Vec<String>>,
    /// Documents read from the response itself: the page, entries that are not followed.
    pub observations: Vec<Observation>,
    /// Pages to fetch and read: followed entries and due re-checks.
    pub to_follow: Vec<Target>,
    /// Documents with attachment links to fetch.
    pub parents: Vec<(Parent, Vec<AttachmentLink>)>,
    /// Documents that answered 304: their known attachments are asked again.
    pub unchanged: Vec<Target>,
    /// Dropped-off documents whose re-check this poll makes.
    pub rechecked: Vec<String>,
    /// Stored validators of the pages in `to_follow` (none when the poll may not ask
    /// conditionally), read with the rest of what the store knows about them.
    pub validators: HashMap<String, Validators>,
}

/// Reads the source's response the way its kind says.
pub(super) async fn extract(poll: &mut Poll<'_>, response: FetchOutcome) -> Result<Extracted, PollFailure> {
    match poll.spec.kind {
        SourceKind::Page => page(poll, response).await,
        SourceKind::Feed | SourceKind::JsonList | SourceKind::HtmlList if !poll.spec.follow => {
            entries(poll, response).await
        }
        SourceKind::Feed | SourceKind::HtmlList | SourceKind::JsonList => followed(poll, response).await,
    }
}

async fn page(poll: &mut Poll<'_>, response: FetchOutcome) -> Result<Extracted, PollFailure> {
    let spec = poll.spec;
    let FetchOutcome::Fetched(fetched) = response else {
        let page = Target::bare(page_url(spec));
        poll.attachments = poll.ahead.page_attachments.take();
        return Ok(Extracted { status: Some(304), unchanged: vec![page], ..Extracted::default() });
    };
    let status = Some(fetched.status);
    let mut article = read_article(poll.deps, spec, fetched).await.map_err(PollFailure::new)?;
    let title = article.title.clone().unwrap_or_else(|| spec.name.clone());
    let links = std::mem::take(&mut article.attachments);
    let observation = Observation::new(page_url(spec), title, article.published, article.blocks);
    let parents = if links.is_empty() { Vec::new() } else { vec![(Parent::of(&observation), links)] };
    Ok(Extracted { status, items: Some(1), observations: vec![observation], parents, ..Extracted::default() })
}

/// Feed, json-list and html-list entries read as documents of their own (the source does not
/// follow).
async fn entries(poll: &mut Poll<'_>, response: FetchOutcome) -> Result<Extracted, PollFailure> {
    let spec = poll.spec;
    let FetchOutcome::Fetched(fetched) = response else {
        let mut extracted = Extracted { status: Some(304), ..Extracted::default() };
        // An unchanged list can still hide a replaced attachment (NPC's draft PDFs).
        if spec.json.as_ref().is_some_and(|j| j.attachment.is_some()) {
            extracted.unchanged = listed_targets(poll).await?;
        }
        return Ok(extracted);
    };
    let status = Some(fetched.status);
    let listing = read_list(poll.deps, spec, fetched).await.map_err(PollFailure::new)?;
    poll.log.page_errors.extend(listing.warning);
    let items = listing.items;
    let mut extracted = Extracted { status, items: Some(items.len()), ..Extracted::default() };
    // `max_items` bounds the requests a poll makes; an html-list's items are read from the page
    // itself and cost none, and a newsletter item left out would never be watched.
    let limit = if spec.kind == SourceKind::HtmlList { items.len() } else { spec.max_items };
    for item in items.iter().take(limit) {
        let observation = own_text(spec, item);
        if let Some(url) = &item.attachment {
            let link = AttachmentLink { url: url.clone(), label: item.title.clone() };
            extracted.parents.push((Parent::of(&observation), vec![link]));
        }
        extracted.observations.push(observation);
    }
    Ok(extracted)
}

/// Lists whose entries are followed: every page the list shows is re-checked (conditionally,
/// so an unchanged article costs a 304) and, more slowly, what dropped off it.
async fn followed(poll: &mut Poll<'_>, response: FetchOutcome) -> Result<Extracted, PollFailure> {
    let spec = poll.spec;
    let mut extracted = Extracted::default();
    let mut targets: Vec<Target> = match response {
        FetchOutcome::Fetched(fetched) => {
            extracted.status = Some(fetched.status);
            let listing = read_list(poll.deps, spec, fetched).await.map_err(PollFailure::new)?;
            poll.log.page_errors.extend(listing.warning);
            extracted.items = Some(listing.items.len());
            let mut listed = Vec::new();
            let mut shown = Vec::new();
            for item in listing.items.into_iter().take(spec.max_items) {
                // An entry without a page of its own (a feed item with only a guid) is its own text.
                let Some(link) = &item.link else {
                    let observation = own_text(spec, &item);
                    listed.push(observation.doc_url.to_string());
                    extracted.observations.push(observation);
                    continue;
                };
                let url = canonical(spec, link);
                listed.push(url.to_string());
                shown.push(Target {
                    url,
                    title: Some(item.title),
                    published: item.published,
                    deadline: item.deadline,
                    attachment: item.attachment,
                });
            }
            extracted.listed = Some(listed);
            shown
        }
        FetchOutcome::NotModified { .. } => {
            extracted.status = Some(304);
            Vec::new()
        }
    };
    let stored = stored_for(poll, &targets, extracted.status == Some(304)).await?;
    targets.extend(stored.listed.into_iter().map(Target::bare));
    for url in stored.due.iter().filter_map(|u| fetchable(u)) {
        if !targets.iter().any(|t| t.url == url) {
            targets.push(Target::bare(url));
        }
    }
    // Targets the list did not name this time (a 304 list, dropped items) keep the title and
    // date their list gave them before: a page's `<title>` is no substitute, and a changed title
    // would change its stage and topics.
    for target in targets.iter_mut().filter(|t| t.title.is_none()) {
        if let Some((title, published)) = stored.titles.get(target.url.as_str()) {
            target.title = Some(title.clone());
            target.published = target.published.or(*published);
        }
    }
    extracted.rechecked = stored.due;
    extracted.validators = stored.validators;
    extracted.to_follow = targets;
    poll.attachments = Some(stored.attachments);
    Ok(extracted)
}

/// What the store knows about the list's pages: read ahead with the source's state when the
/// poll expected this 304, else now.
async fn stored_for(poll: &mut Poll<'_>, shown: &[Target], not_modified: bool) -> Result<Known, PollFailure> {
    if not_modified && let Some(known) = poll.ahead.list.take() {
        return Ok(known);
    }
    let ask = Ask::new(poll.spec, poll.deps.clock.now(), poll.conditional);
    let shown: Vec<String> = shown.iter().map(|t| t.url.to_string()).collect();
    Ok(poll.deps.store.call(move |s| known::read(&s.snapshot()?, &ask, &shown, not_modified)).await?)
}

/// The pages the list showed when it was last read (it answered 304 this time).
async fn listed_targets(poll: &Poll<'_>) -> Result<Vec<Target>, PollFailure> {
    let id = poll.spec.id.clone();
    let urls = poll.deps.store.call(move |s| s.listed_urls(&id)).await?;
    Ok(bare_targets(&urls).collect())
}

/// Stored document URLs as pages to fetch, known by their URL alone.
fn bare_targets(urls: &[String]) -> impl Iterator<Item = Target> + '_ {
    urls.iter().filter_map(|u| fetchable(u)).map(Target::bare)
}

/// A list item read as a document of its own: the entry's content (else its title) is its text.
fn own_text(spec: &crate::config::model::SourceSpec, item: &crate::extract::ListItem) -> Observation {
    let blocks = item.content.clone().unwrap_or_else(|| BlockText::from_lines(vec![item.title.clone()]));
    let mut observation = Observation::new(identity(spec, item), item.title.clone(), item.published, blocks);
    observation.deadline = item.deadline;
    observation
}

/// What an entry read as its own document is known by. A feed entry: its URL (link, else guid),
/// canonical. An html-list item: its own link, canonical; else the source's page, canonical,
/// with the fragment `html_list` derived from the item's title (`#item-<words>-<hash>`).
///
/// That fragment must not go through `canonical`, which drops fragments (the same page linked
/// as `a.htm#top` is one document): the page part is made canonical here and the fragment put
/// back, so the identity is a URL a reader can open (it lands on the newsletter) and stays the
/// same whatever page URL the site redirected to.
fn identity(spec: &crate::config::model::SourceSpec, item: &crate::extract::ListItem) -> Url {
    match (&item.link, item.url.fragment()) {
        (None, Some(fragment)) if spec.kind == SourceKind::HtmlList => {
            let mut url = canonical(spec, &page_url(spec));
            url.set_fragment(Some(fragment));
            url
        }
        _ => canonical(spec, &item.url),
    }
}

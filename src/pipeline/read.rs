//! Reading responses on the parse pool: a list response (feed, html-list, json-list) into
//! items, an article page into block text and attachment links. Decoding and parsing are CPU
//! work with a time budget, so they never run on the async workers.

use std::sync::Arc;

use super::Deps;
use super::request::decode;
use crate::config::model::{SourceKind, SourceSpec};
use crate::extract::{self, Article, Decoded, ListItem};
use crate::fetch::Fetched;

/// Decodes and reads an article page.
pub(super) async fn read_article(deps: &Deps, spec: &Arc<SourceSpec>, fetched: Fetched) -> Result<Article, String> {
    let spec = Arc::clone(spec);
    let parsed = deps
        .parser
        .run(move || {
            let decoded = decode(&spec, &fetched);
            extract::guard::check(&decoded.text)?;
            let mut article =
                extract::page::article_with_attachments(&decoded, &spec.article, spec.attachments.selector.as_ref())?;
            // Attachments turned off: no parent to describe, nothing to fetch.
            if spec.attachments.max_count == 0 {
                article.attachments.clear();
            }
            Ok::<_, extract::ExtractError>(article)
        })
        .await;
    match parsed {
        Ok(Ok(article)) => Ok(article),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// A list response, read: its items, and what of it could not be read (feed entries with
/// nothing to read, a feed that breaks off), to report rather than drop silently.
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub items: Vec<ListItem>,
    pub warning: Option<String>,
}

/// Decodes and reads a list response; the error names the URL.
pub(super) async fn read_list(deps: &Deps, spec: &Arc<SourceSpec>, fetched: Fetched) -> Result<Listing, String> {
    let url = fetched.final_url.clone();
    let spec = Arc::clone(spec);
    let parsed = deps
        .parser
        .run(move || {
            let decoded = decode(&spec, &fetched);
            list_items(&spec, &decoded)
        })
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    parsed.map_err(|e| format!("{url}: {e}"))
}

/// The items of a list response as the source reads them.
pub(super) fn list_items(spec: &SourceSpec, decoded: &Decoded) -> Result<Listing, extract::ExtractError> {
    let items = match (&spec.kind, &spec.list, &spec.json) {
        (SourceKind::HtmlList, Some(list), _) => extract::html_list::items(decoded, list)?,
        (SourceKind::JsonList, _, Some(json)) => extract::json_list::items(decoded, json)?,
        _ => {
            let feed = extract::feed::read(decoded)?;
            let warning = feed.warning().map(|w| format!("{}: {w}", decoded.url));
            return Ok(Listing { items: feed.items, warning });
        }
    };
    Ok(Listing { items, warning: None })
}

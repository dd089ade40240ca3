//! The dry run behind `sources test`: fetch a source once and show what extraction sees. Stores
//! nothing and sends no validators, so the answer is always the page as it is now.

use std::sync::Arc;

use serde::Serialize;

use super::Deps;
use super::context::Poll;
use super::read::{list_items, read_article};
use super::request::{decode, fetch_page, page_url};
use crate::config::model::{SourceKind, SourceSpec};
use crate::fetch::{FetchOutcome, Validators};

/// The contract's `sources test --json` document.
#[derive(Debug, Clone, Serialize)]
pub struct SourceTest {
    pub source: String,
    pub url: String,
    pub status: Option<u16>,
    pub encoding: Option<String>,
    pub items: Vec<TestItem>,
    pub error: Option<String>,
    /// For a page: the block text it would store (not part of the contract's required fields).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
    /// What could not be read (feed entries with nothing to read, a feed that breaks off).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestItem {
    pub url: String,
    pub title: String,
    pub published: Option<String>,
    /// The comment deadline the list states, if it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

pub async fn test_source(deps: &Deps, spec: Arc<SourceSpec>) -> SourceTest {
    let mut report = SourceTest {
        source: spec.id.to_string(),
        url: spec.url.to_string(),
        status: None,
        encoding: None,
        items: Vec::new(),
        error: None,
        text: Vec::new(),
        warnings: Vec::new(),
    };
    let mut poll = Poll::new(deps, &spec, false, Validators::default());
    let fetched = match poll.prime().await {
        Ok(()) => fetch_page(deps, &spec.url, &Validators::default(), &poll.shape.for_url(&spec.url)).await,
        Err(e) => Err(e),
    };
    let fetched = match fetched {
        Ok(FetchOutcome::Fetched(f)) => f,
        Ok(FetchOutcome::NotModified { .. }) => {
            report.error = Some("server answered 304 to an unconditional request".into());
            return report;
        }
        Err(e) => {
            report.status = e.status();
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.status = Some(fetched.status);
    if spec.kind == SourceKind::Page {
        report.encoding = Some(decode(&spec, &fetched).encoding.name().to_owned());
        match read_article(deps, &spec, fetched).await {
            Ok(article) => {
                let title = article.title.unwrap_or_else(|| spec.name.clone());
                let published = article.published.map(|d| d.to_string());
                report.items.push(TestItem { url: page_url(&spec).to_string(), title, published, deadline: None });
                report.text = article.blocks.lines().to_vec();
            }
            Err(e) => report.error = Some(e),
        }
        return report;
    }
    let spec_for_parse = Arc::clone(&spec);
    let parsed = deps
        .parser
        .run(move || {
            let decoded = decode(&spec_for_parse, &fetched);
            let encoding = decoded.encoding.name().to_owned();
            (encoding, list_items(&spec_for_parse, &decoded))
        })
        .await;
    match parsed {
        Ok((encoding, Ok(listing))) => {
            report.encoding = Some(encoding);
            report.warnings.extend(listing.warning);
            report.items = listing
                .items
                .into_iter()
                .map(|i| TestItem {
                    url: i.url.to_string(),
                    title: i.title,
                    published: i.published.map(|d| d.to_string()),
                    deadline: i.deadline.map(|d| d.to_string()),
                })
                .collect();
        }
        Ok((encoding, Err(e))) => {
            report.encoding = Some(encoding);
            report.error = Some(e.to_string());
        }
        Err(e) => report.error = Some(e.to_string()),
    }
    report
}

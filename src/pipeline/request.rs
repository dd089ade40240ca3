//! Request plumbing for a poll: how its requests are shaped (headers, deadline, body cap, the
//! prime request's cookies), the pages it asks for (`Target`, canonical URLs), one polite GET
//! (`fetch::Polite`: robots.txt, the host gate, Retry-After), decoding what came back, and the
//! log of what every request of the poll answered (`PollLog`: validators to keep, the fetch
//! log, page errors and warnings).
//!
//! Not here: reading responses (`read`) or deciding what to fetch (the stages).

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use futures_util::future::join_all;
use url::Url;

use super::Deps;
use crate::config::model::{RequestSpec, SourceSpec};
use crate::extract::Decoded;
use crate::fetch::{FetchError, FetchOutcome, Fetched, RequestShape, Validators, charset};
use crate::store::FetchLogEntry;

/// What one poll learned from the network, merged from many requests.
#[derive(Debug, Default)]
pub(super) struct PollLog {
    pub validators: Vec<(String, Validators)>,
    pub entries: Vec<FetchLogEntry>,
    pub page_errors: Vec<String>,
    pub fetched: usize,
    pub not_modified: usize,
}

impl PollLog {
    /// Runs a poll's page fetches together, inside its task, and gives their results in their
    /// order. One that panicked is a page error naming `what` it was fetching, and the poll goes
    /// on without that page. (A task each cost a spawn, a cross-thread wake and a copy of the
    /// pipeline's handles per page: 5% of an unchanged html-list pass.)
    pub(super) async fn each_in_order<T>(&mut self, fetches: Vec<impl Future<Output = T>>, what: &str) -> Vec<T> {
        let done = join_all(fetches.into_iter().map(|f| AssertUnwindSafe(f).catch_unwind())).await;
        let mut results = Vec::with_capacity(done.len());
        for result in done {
            match result {
                Ok(result) => results.push(result),
                Err(_) => self.page_errors.push(format!("fetching an {what} crashed; the page was skipped")),
            }
        }
        results
    }

    /// Validators are kept only for pages whose content was read and recorded: a page that
    /// failed to parse must be fetched whole next time, not answered 304 forever.
    pub(super) fn keep_validators(&mut self, url: &Url, result: &Result<FetchOutcome, FetchError>) {
        if let Ok(FetchOutcome::Fetched(f)) = result {
            self.validators.push((url.to_string(), f.validators.clone()));
        }
    }

    /// Records one request in the fetch log, its URL's credentials masked (the log is shown in
    /// the reading room and kept for weeks).
    pub(super) fn note(&mut self, url: &Url, result: &Result<FetchOutcome, FetchError>) {
        // A server-supplied delay that was capped is a warning on the source, once per poll.
        // (A capped Retry-After on an error is already in the error's own message.)
        if let Some(capped) = result.as_ref().ok().and_then(FetchOutcome::capped) {
            let warning = capped.to_string();
            if !self.page_errors.contains(&warning) {
                self.page_errors.push(warning);
            }
        }
        let entry = match result {
            Ok(FetchOutcome::NotModified { elapsed, .. }) => {
                self.not_modified += 1;
                FetchLogEntry {
                    url: crate::redact::url(url),
                    status: Some(304),
                    bytes: None,
                    elapsed: *elapsed,
                    error: None,
                }
            }
            Ok(FetchOutcome::Fetched(f)) => {
                self.fetched += 1;
                FetchLogEntry {
                    url: crate::redact::url(url),
                    status: Some(f.status),
                    bytes: Some(f.body.len() as u64),
                    elapsed: f.elapsed,
                    error: None,
                }
            }
            Err(e) => FetchLogEntry {
                url: crate::redact::url(url),
                status: e.status(),
                bytes: None,
                elapsed: std::time::Duration::ZERO,
                error: Some(e.to_string()),
            },
        };
        self.entries.push(entry);
    }
}

/// The request shape of one poll: the source's headers (only to the hosts `headers_for`
/// allows: the url's and prime's origins and `header_hosts`), deadline and body cap, plus the
/// cookies its prime request set, which go only to the prime's host.
#[derive(Debug, Clone, Default)]
pub(super) struct PollShape {
    request: std::sync::Arc<RequestSpec>,
    cookies: Option<(String, reqwest::header::HeaderValue)>,
}

impl PollShape {
    pub(super) fn of(spec: &SourceSpec) -> Self {
        Self { request: std::sync::Arc::clone(&spec.request), cookies: None }
    }

    fn with_cookies(mut self, host: &str, cookies: &[String]) -> Self {
        if let Ok(value) = reqwest::header::HeaderValue::from_str(&cookies.join("; "))
            && !cookies.is_empty()
        {
            self.cookies = Some((host.to_owned(), value));
        }
        self
    }

    pub(super) fn for_url(&self, url: &Url) -> RequestShape {
        let mut headers = self.request.headers_for(url);
        if let Some((host, cookie)) = &self.cookies
            && url.host_str() == Some(host.as_str())
        {
            headers.insert(reqwest::header::COOKIE, cookie.clone());
        }
        RequestShape { headers, timeout: self.request.timeout, max_body: self.request.max_body }
    }
}

/// A page to (re)check: its URL and what the list said of it, if anything.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub url: Url,
    pub title: Option<String>,
    pub published: Option<jiff::civil::Date>,
    pub deadline: Option<jiff::civil::Date>,
    /// An attachment the list names for it (a json-list `attachment_template`).
    pub attachment: Option<Url>,
}

impl Target {
    /// A page known only by its URL (a re-check, a list answered 304).
    pub(super) fn bare(url: Url) -> Self {
        Self { url, title: None, published: None, deadline: None, attachment: None }
    }
}

/// A listed document's canonical URL: a fragment, a tracking parameter or one of the source's
/// `strip_params` never names a different document.
pub(super) fn canonical(spec: &SourceSpec, url: &Url) -> Url {
    crate::extract::canonical::canonical(url, &spec.strip_params)
}

/// A page source's document: the URL the operator configured, without its fragment and with
/// its credentials masked (`redact::masked`): the document's URL is stored, shown and sent in
/// alerts, and the credentials belong to the config alone.
pub(super) fn page_url(spec: &SourceSpec) -> Url {
    let mut url = crate::redact::masked(&spec.url);
    url.set_fragment(None);
    url
}

/// Decodes a response as the source reads it (its `encoding` override first).
pub(super) fn decode(spec: &SourceSpec, fetched: &Fetched) -> Decoded {
    charset::decode(&fetched.body, fetched.content_type.as_deref(), spec.encoding, fetched.final_url.clone())
}

/// The prime request (the column page whose cookie its JSON endpoint wants), through robots
/// and the host gate like any page; the shape it returns carries its cookies to its host.
pub(super) async fn prime(
    deps: &Deps,
    url: &Url,
    shape: PollShape,
    log: &mut PollLog,
) -> Result<PollShape, FetchError> {
    let started = std::time::Instant::now();
    let result = deps.polite.prime(url, &shape.for_url(url)).await;
    log.entries.push(FetchLogEntry {
        url: crate::redact::url(url),
        status: None,
        bytes: None,
        elapsed: started.elapsed(),
        error: result.as_ref().err().map(ToString::to_string),
    });
    let cookies = result?;
    Ok(shape.with_cookies(url.host_str().unwrap_or_default(), &cookies))
}

/// One conditional GET through robots.txt, the host gate and Retry-After (`fetch::Polite`).
pub(super) async fn fetch_page(
    deps: &Deps,
    url: &Url,
    validators: &Validators,
    shape: &RequestShape,
) -> Result<FetchOutcome, FetchError> {
    deps.polite.fetch(url, validators, shape).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fetches_answer_in_their_order_and_a_crash_is_a_page_error() {
        let mut log = PollLog::default();
        // The later a fetch comes, the sooner it finishes.
        let fetches = (0..4)
            .map(|i| async move {
                for _ in i..4 {
                    tokio::task::yield_now().await;
                }
                assert!(i != 2, "a fetch that crashes");
                i
            })
            .collect();
        let done = log.each_in_order(fetches, "article").await;
        assert_eq!(done, [0, 1, 3]);
        assert_eq!(log.page_errors, ["fetching an article crashed; the page was skipped"]);
    }
}

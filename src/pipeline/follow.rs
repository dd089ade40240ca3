//! Fetching pages for a poll: one request through the host gate, logged; and the followed
//! article pages of a list, fetched concurrently (the host gate keeps them polite).

use std::sync::Arc;

use tokio::task::JoinSet;
use url::Url;

use super::Deps;
use super::attach::{Parent, fetch_attachments, known_attachments};
use crate::config::model::{SourceKind, SourceSpec};
use crate::extract::{self, Article, Decoded, Observation};
use crate::fetch::robots::{self, Robots};
use crate::fetch::{FetchError, FetchOutcome, FetchRequest, Fetched, RequestShape, Validators, charset};
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
    /// Every task's result in the order the tasks were numbered; a task that died is logged
    /// as a page error naming `what` it was fetching.
    pub(super) async fn join_in_order<T: Send + 'static>(
        &mut self,
        mut tasks: JoinSet<(usize, T)>,
        what: &str,
    ) -> Vec<T> {
        let mut done = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => done.push(result),
                Err(e) => self.page_errors.push(format!("{what} task failed: {e}")),
            }
        }
        done.sort_by_key(|(index, _)| *index);
        done.into_iter().map(|(_, result)| result).collect()
    }

    /// Validators are kept only for pages whose content was read and recorded: a page that
    /// failed to parse must be fetched whole next time, not answered 304 forever.
    pub(super) fn keep_validators(&mut self, url: &Url, result: &Result<FetchOutcome, FetchError>) {
        if let Ok(FetchOutcome::Fetched(f)) = result {
            self.validators.push((url.to_string(), f.validators.clone()));
        }
    }

    pub(super) fn note(&mut self, url: &Url, result: &Result<FetchOutcome, FetchError>) {
        let entry = match result {
            Ok(FetchOutcome::NotModified { elapsed, .. }) => {
                self.not_modified += 1;
                FetchLogEntry { url: url.to_string(), status: Some(304), bytes: None, elapsed: *elapsed, error: None }
            }
            Ok(FetchOutcome::Fetched(f)) => {
                self.fetched += 1;
                FetchLogEntry {
                    url: url.to_string(),
                    status: Some(f.status),
                    bytes: Some(f.body.len() as u64),
                    elapsed: f.elapsed,
                    error: None,
                }
            }
            Err(e) => FetchLogEntry {
                url: url.to_string(),
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
/// allows), deadline and body cap, plus the cookies its prime request set, which go only to
/// the prime's host.
#[derive(Debug, Clone, Default)]
pub(super) struct PollShape {
    request: crate::config::model::RequestSpec,
    cookies: Option<(String, reqwest::header::HeaderValue)>,
}

impl PollShape {
    pub(super) fn of(spec: &SourceSpec) -> Self {
        Self { request: spec.request.clone(), cookies: None }
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

/// The source's prime request (the column page whose cookie its JSON endpoint wants), through
/// robots and the host gate like any page; its cookies shape the rest of the poll.
pub(super) async fn prime(deps: &Deps, spec: &SourceSpec, log: &mut PollLog) -> Result<PollShape, FetchError> {
    let shape = PollShape::of(spec);
    let Some(url) = &spec.request.prime else { return Ok(shape) };
    let permit = admit(deps, url).await?;
    let started = std::time::Instant::now();
    let result = deps.client.prime(url, &shape.for_url(url)).await;
    drop(permit);
    log.entries.push(FetchLogEntry {
        url: url.to_string(),
        status: None,
        bytes: None,
        elapsed: started.elapsed(),
        error: result.as_ref().err().map(ToString::to_string),
    });
    let cookies = result?;
    Ok(shape.with_cookies(url.host_str().unwrap_or_default(), &cookies))
}

/// Waits for robots.txt's word and the host gate; the permit is held for the request.
async fn admit(deps: &Deps, url: &Url) -> Result<crate::fetch::politeness::HostPermit, FetchError> {
    let host = url.host_str().unwrap_or_default();
    if deps.config.fetch.respect_robots {
        let robots = robots_of(deps, url).await?;
        if !robots.allows(url) {
            return Err(FetchError::Robots { url: url.clone() });
        }
        if let Some(delay) = robots.crawl_delay().filter(|d| *d > deps.config.fetch.per_host_delay) {
            deps.gate.defer(host, tokio::time::Instant::now() + delay).await;
        }
    }
    Ok(deps.gate.enter(host).await)
}

/// The validators stored for `urls` when this poll may ask conditionally; none otherwise (a
/// changed source config must re-read pages the server would call unchanged).
pub(super) async fn stored_validators(
    deps: &Deps,
    urls: Vec<String>,
    conditional: bool,
) -> std::collections::HashMap<String, Validators> {
    if !conditional {
        return std::collections::HashMap::default();
    }
    deps.with_store(move |s| s.validators_for(&urls)).await.unwrap_or_default()
}

/// One conditional GET through robots.txt and the host gate.
pub(super) async fn fetch_page(
    deps: &Deps,
    url: &Url,
    validators: &Validators,
    shape: &RequestShape,
) -> Result<FetchOutcome, FetchError> {
    let host = url.host_str().unwrap_or_default();
    let permit = admit(deps, url).await?;
    let result = deps.client.fetch(&FetchRequest { url, validators, shape }).await;
    drop(permit);
    // 429 and 503 with Retry-After: the whole host waits, list and article pages alike.
    if let Err(FetchError::Status { status: 429 | 503, retry_after: Some(after), .. }) = &result {
        deps.gate.defer(host, tokio::time::Instant::now() + *after).await;
    }
    result
}

/// The origin's robots.txt, from the cache or fetched through the host gate (RFC 9309: a 4xx
/// allows everything, a 5xx nothing; a 5xx answer is asked again after an hour, not a day).
async fn robots_of(deps: &Deps, url: &Url) -> Result<std::sync::Arc<Robots>, FetchError> {
    let (Some(origin), Some(robots_url)) = (robots::origin(url), robots::robots_url(url)) else {
        return Ok(std::sync::Arc::new(Robots::allow_all()));
    };
    let now = deps.clock.now();
    if let Some(known) = deps.robots.get(&origin, now) {
        return Ok(known);
    }
    let _single = deps.robots_fetch.lock().await;
    if let Some(known) = deps.robots.get(&origin, now) {
        return Ok(known);
    }
    let permit = deps.gate.enter(url.host_str().unwrap_or_default()).await;
    let result = deps.client.fetch(&FetchRequest::plain(&robots_url, &Validators::default())).await;
    drop(permit);
    let agent = &deps.config.fetch.user_agent;
    let (found, ttl) = match result {
        Ok(FetchOutcome::Fetched(f)) => {
            (Robots::for_status(f.status, &String::from_utf8_lossy(&f.body), agent), robots::ROBOTS_TTL)
        }
        Ok(FetchOutcome::NotModified { .. }) => (Robots::allow_all(), robots::ROBOTS_TTL),
        Err(FetchError::Status { status, .. }) if status >= 500 => {
            (Robots::for_status(status, "", agent), SERVER_ERROR_TTL)
        }
        Err(FetchError::Status { status, .. }) => (Robots::for_status(status, "", agent), robots::ROBOTS_TTL),
        // Unreachable or refused: the page itself would fail the same way; say so plainly.
        Err(e) => return Err(e),
    };
    Ok(deps.robots.insert_with_ttl(&origin, found, now, ttl))
}

/// How long a robots.txt that answered 5xx (meaning: disallow all) is believed.
const SERVER_ERROR_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

/// A document's canonical URL: fragments never name a different document.
pub(super) fn canonical(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    url
}

/// Decodes and reads an article page on the parse pool.
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

/// The items of a list response (feed, html-list or json-list) as the source reads them.
pub(super) fn list_items(
    spec: &SourceSpec,
    decoded: &Decoded,
) -> Result<Vec<extract::ListItem>, extract::ExtractError> {
    match (&spec.kind, &spec.list, &spec.json) {
        (SourceKind::HtmlList, Some(list), _) => extract::html_list::items(decoded, list),
        (SourceKind::JsonList, _, Some(json)) => extract::json_list::items(decoded, json),
        _ => extract::feed::entries(decoded),
    }
}

pub(super) fn decode(spec: &SourceSpec, fetched: &Fetched) -> Decoded {
    charset::decode(&fetched.body, fetched.content_type.as_deref(), spec.encoding, fetched.final_url.clone())
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

/// Fetches and reads every target; unchanged pages (304) yield nothing.
pub(super) async fn fetch_articles(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    shape: &PollShape,
    targets: Vec<Target>,
    conditional: bool,
    log: &mut PollLog,
) -> Vec<Observation> {
    let urls: Vec<String> = targets.iter().map(|t| t.url.to_string()).collect();
    let known = stored_validators(deps, urls, conditional).await;
    let mut tasks = JoinSet::new();
    for (index, target) in targets.into_iter().enumerate() {
        let deps = deps.clone();
        let spec = Arc::clone(spec);
        let validators = known.get(target.url.as_str()).cloned().unwrap_or_default();
        let shape = shape.for_url(&target.url);
        tasks.spawn(async move {
            let fetched = fetch_page(&deps, &target.url, &validators, &shape).await;
            let article = match &fetched {
                Ok(FetchOutcome::Fetched(f)) => Some(read_article(&deps, &spec, f.clone()).await),
                _ => None,
            };
            (index, (target, fetched, article))
        });
    }
    // List order, so documents are created in the order the publisher shows them.
    let done = log.join_in_order(tasks, "article").await;
    let mut observations = Vec::new();
    let mut parents = Vec::new();
    let mut unchanged = Vec::new();
    for (target, fetched, article) in done {
        log.note(&target.url, &fetched);
        match (fetched, article) {
            (Err(e), _) => log.page_errors.push(e.to_string()),
            (Ok(_), Some(Err(reason))) => log.page_errors.push(format!("{}: {reason}", target.url)),
            (ok @ Ok(_), Some(Ok(mut article))) => {
                log.keep_validators(&target.url, &ok);
                let mut links = std::mem::take(&mut article.attachments);
                if let Some(url) = &target.attachment
                    && !links.iter().any(|l| l.url == *url)
                {
                    let label = target.title.clone().unwrap_or_default();
                    links.insert(0, extract::AttachmentLink { url: url.clone(), label });
                }
                let observation = observe(spec, &target, article);
                if !links.is_empty() {
                    parents.push((Parent::of(&observation), links));
                }
                observations.push(observation);
            }
            (Ok(_), None) => unchanged.push(target),
        }
    }
    parents.extend(known_attachments(deps, spec, unchanged).await);
    // After their parents: the store links an attachment to a document written before it.
    observations.extend(fetch_attachments(deps, spec, shape, parents, conditional, log).await);
    observations
}

fn observe(spec: &SourceSpec, target: &Target, article: Article) -> Observation {
    // List titles are what the publisher calls the document, and article headings the
    // fallback; unless the source names the article's title element (its list cuts titles).
    let listed = target.title.clone().filter(|t| !t.is_empty());
    let title = if spec.article.title.is_some() { article.title.or(listed) } else { listed.or(article.title) };
    let mut observation = Observation::new(
        canonical(&target.url),
        title.unwrap_or_else(|| target.url.to_string()),
        target.published.or(article.published),
        article.blocks,
    );
    observation.deadline = target.deadline;
    observation
}

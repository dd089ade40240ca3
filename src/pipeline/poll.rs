//! `poll_source`: one poll of one source, from fetching its URL to committing what changed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{info, instrument, warn};

use super::Deps;
use super::attach::{Parent, fetch_attachments, recheck_unchanged};
use super::follow::{
    PollLog, PollShape, Target, canonical, decode, fetch_articles, fetch_page, list_items, prime, read_article,
};
use super::health::{self, Seen};
use super::record::record;
use super::schedule::next_due;
use crate::config::model::{SourceKind, SourceSpec};
use crate::extract::{self, AttachmentLink, ListItem, Observation};
use crate::fetch::{FetchError, FetchOutcome, Fetched};
use crate::ids::{ChangeId, SourceId};
use crate::store::{PollCommit, PollResult};

/// What one poll did, for progress lines, `check`'s summary and the scheduler.
#[derive(Debug, Clone)]
pub struct PollReport {
    pub source: SourceId,
    pub baseline: bool,
    /// `None` when the poll succeeded.
    pub error: Option<String>,
    /// Problems with individual pages of an otherwise successful poll.
    pub warnings: Vec<String>,
    pub items: Option<usize>,
    pub fetched: usize,
    pub not_modified: usize,
    pub new_documents: usize,
    pub new_versions: usize,
    pub changes: Vec<ChangeId>,
    pub retry_after: Option<Duration>,
    pub elapsed: Duration,
}

impl PollReport {
    fn new(source: &SourceId, baseline: bool, log: &mut PollLog) -> Self {
        Self {
            source: source.clone(),
            baseline,
            error: None,
            warnings: std::mem::take(&mut log.page_errors),
            items: None,
            fetched: log.fetched,
            not_modified: log.not_modified,
            new_documents: 0,
            new_versions: 0,
            changes: Vec::new(),
            retry_after: None,
            elapsed: Duration::ZERO,
        }
    }
}

/// What the network gave us, before anything is compared with the store.
#[derive(Debug, Default)]
struct Gathered {
    observations: Vec<Observation>,
    listed: Option<Vec<String>>,
    rechecked: Vec<String>,
    items: Option<usize>,
    status: Option<u16>,
    /// Where the source URL led after redirects.
    final_url: Option<url::Url>,
}

/// Why a poll failed as a whole.
#[derive(Debug)]
struct PollFailure {
    message: String,
    status: Option<u16>,
    retry_after: Option<Duration>,
}

impl From<FetchError> for PollFailure {
    fn from(e: FetchError) -> Self {
        let retry_after = match &e {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        Self { status: e.status(), message: e.to_string(), retry_after }
    }
}

impl PollFailure {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), status: None, retry_after: None }
    }
}

/// Polls one source and commits the result. Never fails: a failure is stored on the source and
/// returned in the report, so one failing source never stops the others.
#[instrument(skip_all, fields(source = %spec.id))]
pub async fn poll_source(deps: &Deps, spec: Arc<SourceSpec>) -> PollReport {
    let started = Instant::now();
    let now = deps.clock.now();
    let id = spec.id.clone();
    let state = deps.with_store(move |s| s.source_state(&id)).await.ok().flatten();
    let baseline = state.as_ref().is_none_or(|s| s.baseline_at.is_none());
    let failures = state.as_ref().map_or(0, |s| s.consecutive_failures);
    let fingerprint = fingerprint(&spec);
    // A changed selector or encoding must re-read pages the server would call unchanged.
    let conditional = state.as_ref().is_some_and(|s| s.config_hash.as_deref() == Some(fingerprint.as_str()));
    let mut log = PollLog::default();
    let gathered = gather(deps, &spec, conditional, &mut log).await;
    let mut report = PollReport::new(&spec.id, baseline, &mut log);
    let recorded = match gathered {
        Ok(mut gathered) => {
            let observations = std::mem::take(&mut gathered.observations);
            match record(deps, &spec, observations, baseline).await {
                Ok(documents) => Ok((gathered, documents)),
                Err(e) => Err(PollFailure::new(format!("reading stored versions failed: {e}"))),
            }
        }
        Err(failure) => Err(failure),
    };
    let health = judge_health(deps, &spec, state.as_ref(), !conditional, &recorded, now);
    let base = PollCommit {
        source: spec.id.clone(),
        at: now,
        result: PollResult::Failed { status: None, error: String::new() },
        config_hash: None,
        next_due: None,
        validators: Vec::new(),
        listed: None,
        rechecked: Vec::new(),
        recheck_interval: spec.recheck_interval,
        recheck_window: spec.recheck_window,
        documents: Vec::new(),
        fetch_log: std::mem::take(&mut log.entries),
        health: health.0,
        health_events: health.1,
    };
    let jitter = fastrand::f64();
    let commit = match recorded {
        Ok((gathered, documents)) => {
            report.items = gathered.items;
            let warning = summarise_warnings(&report.warnings);
            PollCommit {
                result: PollResult::Ok { status: gathered.status, items: gathered.items, warning },
                config_hash: Some(fingerprint),
                next_due: Some(next_due(now, spec.interval, 0, None, jitter)),
                validators: std::mem::take(&mut log.validators),
                listed: gathered.listed,
                rechecked: gathered.rechecked,
                documents,
                ..base
            }
        }
        Err(failure) => {
            warn!(url = %spec.url, error = %failure.message, "Poll failed; will retry.");
            report.error = Some(failure.message.clone());
            report.retry_after = failure.retry_after;
            PollCommit {
                result: PollResult::Failed { status: failure.status, error: failure.message },
                next_due: Some(next_due(now, spec.interval, failures + 1, failure.retry_after, jitter)),
                ..base
            }
        }
    };
    match deps.with_store(move |s| s.commit(&commit)).await {
        Ok(receipt) => {
            report.new_documents = receipt.new_documents;
            report.new_versions = receipt.new_versions;
            report.changes = receipt.changes;
        }
        Err(e) => {
            tracing::error!(error = %e, "Could not store the poll; nothing from it was saved.");
            report.error = Some(format!("storing the poll failed: {e}"));
        }
    }
    report.elapsed = started.elapsed();
    if report.error.is_none() && (report.new_documents > 0 || report.new_versions > 0) {
        info!(
            new = report.new_documents,
            versions = report.new_versions,
            baseline,
            "Recorded new documents and versions."
        );
    }
    report
}

/// The health this poll leaves the source in, and the deliveries a change of it makes.
fn judge_health(
    deps: &Deps,
    spec: &SourceSpec,
    state: Option<&crate::store::SourceState>,
    config_changed: bool,
    recorded: &Result<(Gathered, Vec<crate::store::DocumentWrite>), PollFailure>,
    now: jiff::Timestamp,
) -> (Option<crate::store::HealthWrite>, Vec<crate::store::NewDelivery>) {
    let seen = match recorded {
        Ok((g, _)) if g.status == Some(304) => Seen::NotModified { final_url: g.final_url.as_ref() },
        Ok((g, _)) => Seen::Read { items: g.items, final_url: g.final_url.as_ref() },
        Err(failure) => Seen::Failed { error: &failure.message },
    };
    let health = health::judge(&deps.config, spec, state, config_changed, &seen);
    match health.as_ref().and_then(|h| h.problem.as_ref()) {
        Some(problem) if state.and_then(|s| s.health_kind.as_deref()) != Some(problem.kind) => {
            warn!(reason = %problem.reason, "Source is unhealthy.");
        }
        None if health.is_some() && state.is_some_and(|s| s.health_kind.is_some()) => {
            info!("Source is healthy again.");
        }
        _ => {}
    }
    let events = health::events(&deps.config, spec, state, health.as_ref(), now);
    (health, events)
}

fn summarise_warnings(warnings: &[String]) -> Option<String> {
    let first = warnings.first()?;
    Some(match warnings.len() {
        1 => first.clone(),
        n => format!("{n} pages failed; first: {first}"),
    })
}

async fn gather(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    conditional: bool,
    log: &mut PollLog,
) -> Result<Gathered, PollFailure> {
    let url = spec.url.to_string();
    let validators = if conditional {
        deps.with_store(move |s| s.validators(&url)).await.map_err(|e| PollFailure::new(e.to_string()))?
    } else {
        crate::fetch::Validators::default()
    };
    let shape = prime(deps, spec, log).await?;
    let result = fetch_page(deps, &spec.url, &validators, &shape.for_url(&spec.url)).await;
    log.note(&spec.url, &result);
    let outcome = result?;
    let validators_on_success = outcome.clone();
    let final_url = match &outcome {
        FetchOutcome::Fetched(f) => Some(f.final_url.clone()),
        FetchOutcome::NotModified { final_url, .. } => Some(final_url.clone()),
    };
    let mut gathered = match spec.kind {
        SourceKind::Page => gather_page(deps, spec, &shape, outcome, conditional, log).await,
        SourceKind::Feed | SourceKind::JsonList if !spec.follow => {
            gather_feed_entries(deps, spec, &shape, outcome, conditional, log).await
        }
        SourceKind::Feed | SourceKind::HtmlList | SourceKind::JsonList => {
            gather_followed(deps, spec, &shape, outcome, conditional, log).await
        }
    }?;
    gathered.final_url = final_url;
    log.keep_validators(&spec.url, &Ok(validators_on_success));
    Ok(gathered)
}

/// Identifies what of a source's config shapes its documents.
fn fingerprint(spec: &SourceSpec) -> String {
    use sha2::Digest;
    let mut parts = vec![spec.kind.as_str().to_owned(), spec.url.to_string(), spec.follow.to_string()];
    parts.push(spec.encoding.map_or("", |e| e.name()).to_owned());
    if let Some(list) = &spec.list {
        parts.extend([&list.item, &list.title, &list.link].map(|s| s.source.clone()));
        parts.extend([&list.date, &list.deadline].map(|d| d.as_ref().map_or(String::new(), |d| d.source.clone())));
        parts.push(list.json.as_ref().map_or(String::new(), ToString::to_string));
    }
    if let Some(json) = &spec.json {
        // Debug form: every path and template, in a stable order.
        parts.push(format!("{json:?}"));
    }
    for (name, value) in &spec.request.headers {
        parts.push(format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())));
    }
    parts.push(spec.request.prime.as_ref().map_or(String::new(), ToString::to_string));
    parts.push(spec.article.title.as_ref().map_or(String::new(), |c| c.source.clone()));
    parts.push(spec.article.content.as_ref().map_or(String::new(), |c| c.source.clone()));
    parts.extend(spec.article.ignore.iter().map(|s| s.source.clone()));
    parts.extend(spec.article.ignore_text.iter().map(|r| r.as_str().to_owned()));
    hex::encode(sha2::Sha256::digest(parts.join("\u{1f}").as_bytes()))
}

async fn gather_page(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    shape: &PollShape,
    outcome: FetchOutcome,
    conditional: bool,
    log: &mut PollLog,
) -> Result<Gathered, PollFailure> {
    let FetchOutcome::Fetched(fetched) = outcome else {
        let page = vec![Target::bare(canonical(&spec.url))];
        let observations = recheck_unchanged(deps, spec, shape, page, conditional, log).await;
        return Ok(Gathered { status: Some(304), observations, ..Gathered::default() });
    };
    let status = Some(fetched.status);
    let mut article = read_article(deps, spec, fetched).await.map_err(PollFailure::new)?;
    let title = article.title.clone().unwrap_or_else(|| spec.name.clone());
    let links = std::mem::take(&mut article.attachments);
    let observation = Observation::new(canonical(&spec.url), title, article.published, article.blocks);
    let parents = if links.is_empty() { Vec::new() } else { vec![(Parent::of(&observation), links)] };
    let mut observations = vec![observation];
    observations.extend(fetch_attachments(deps, spec, shape, parents, conditional, log).await);
    Ok(Gathered { observations, items: Some(1), status, ..Gathered::default() })
}

async fn gather_feed_entries(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    shape: &PollShape,
    outcome: FetchOutcome,
    conditional: bool,
    log: &mut PollLog,
) -> Result<Gathered, PollFailure> {
    let FetchOutcome::Fetched(fetched) = outcome else {
        if spec.json.as_ref().is_none_or(|j| j.attachment.is_none()) {
            return Ok(Gathered { status: Some(304), ..Gathered::default() });
        }
        // An unchanged list can still hide a replaced attachment (NPC's draft PDFs).
        let id = spec.id.clone();
        let listed = deps.with_store(move |s| s.listed_urls(&id)).await.unwrap_or_default();
        let items = listed.iter().filter_map(|u| url::Url::parse(u).ok()).map(Target::bare).collect();
        let observations = recheck_unchanged(deps, spec, shape, items, conditional, log).await;
        return Ok(Gathered { status: Some(304), observations, ..Gathered::default() });
    };
    let status = Some(fetched.status);
    let items = read_list(deps, spec, fetched).await?;
    let mut observations = Vec::new();
    let mut parents = Vec::new();
    for item in items.iter().take(spec.max_items) {
        let blocks = item.content.clone().unwrap_or_else(|| extract::BlockText::from_lines(vec![item.title.clone()]));
        let mut observation = Observation::new(canonical(&item.url), item.title.clone(), item.published, blocks);
        observation.deadline = item.deadline;
        if let Some(url) = &item.attachment {
            let link = AttachmentLink { url: url.clone(), label: item.title.clone() };
            parents.push((Parent::of(&observation), vec![link]));
        }
        observations.push(observation);
    }
    observations.extend(fetch_attachments(deps, spec, shape, parents, conditional, log).await);
    Ok(Gathered { observations, items: Some(items.len()), status, ..Gathered::default() })
}

/// Lists whose entries are followed: re-check what the list shows (conditionally, so an
/// unchanged article costs a 304) and, more slowly, what dropped off it.
async fn gather_followed(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    shape: &PollShape,
    outcome: FetchOutcome,
    conditional: bool,
    log: &mut PollLog,
) -> Result<Gathered, PollFailure> {
    let mut gathered = Gathered::default();
    let mut targets: Vec<Target> = match outcome {
        FetchOutcome::Fetched(fetched) => {
            gathered.status = Some(fetched.status);
            let items = read_list(deps, spec, fetched).await?;
            gathered.items = Some(items.len());
            let shown: Vec<Target> = items
                .into_iter()
                .take(spec.max_items)
                .map(|item| Target {
                    url: canonical(&item.url),
                    title: Some(item.title),
                    published: item.published,
                    deadline: item.deadline,
                    attachment: item.attachment,
                })
                .collect();
            gathered.listed = Some(shown.iter().map(|t| t.url.to_string()).collect());
            shown
        }
        FetchOutcome::NotModified { .. } => {
            gathered.status = Some(304);
            let id = spec.id.clone();
            let urls =
                deps.with_store(move |s| s.listed_urls(&id)).await.map_err(|e| PollFailure::new(e.to_string()))?;
            urls.iter().filter_map(|u| url::Url::parse(u).ok()).map(Target::bare).collect()
        }
    };
    let (id, now) = (spec.id.clone(), deps.clock.now());
    let due = deps.with_store(move |s| s.due_rechecks(&id, now)).await.map_err(|e| PollFailure::new(e.to_string()))?;
    for url in due.iter().filter_map(|u| url::Url::parse(u).ok()) {
        if !targets.iter().any(|t| t.url == url) {
            targets.push(Target::bare(url));
        }
    }
    gathered.rechecked = due;
    name_from_store(deps, spec, &mut targets).await;
    gathered.observations = fetch_articles(deps, spec, shape, targets, conditional, log).await;
    Ok(gathered)
}

/// Targets the list did not name this time (a 304 list, dropped items) keep the title and
/// date their list gave them before: a page's `<title>` is no substitute, and a changed title
/// would change its stage and topics.
async fn name_from_store(deps: &Deps, spec: &SourceSpec, targets: &mut [Target]) {
    let urls: Vec<String> = targets.iter().filter(|t| t.title.is_none()).map(|t| t.url.to_string()).collect();
    if urls.is_empty() {
        return;
    }
    let id = spec.id.clone();
    let known = deps.with_store(move |s| s.known_titles(&id, &urls)).await.unwrap_or_default();
    for target in targets.iter_mut().filter(|t| t.title.is_none()) {
        if let Some((title, published)) = known.get(target.url.as_str()) {
            target.title = Some(title.clone());
            target.published = target.published.or_else(|| published.as_deref().and_then(|p| p.parse().ok()));
        }
    }
}

async fn read_list(deps: &Deps, spec: &Arc<SourceSpec>, fetched: Fetched) -> Result<Vec<ListItem>, PollFailure> {
    let url = fetched.final_url.clone();
    let spec = Arc::clone(spec);
    let parsed = deps
        .parser
        .run(move || {
            let decoded = decode(&spec, &fetched);
            list_items(&spec, &decoded)
        })
        .await
        .map_err(|e| PollFailure::new(format!("{url}: {e}")))?;
    parsed.map_err(|e| PollFailure::new(format!("{url}: {e}")))
}

//! `poll_source`: one poll of one source, as its stages in order:
//!
//! fetch (the source URL, conditionally) → extract (its items or its page) → follow (the pages
//! a list points at) → attachments (the files those link to) → record (compare with the store;
//! diff and classify what changed) → alerts (outbox rows for each change) → commit (one
//! transaction with the source's poll state and health).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::OwnedSemaphorePermit;
use tracing::{error, info, instrument, warn};

use super::Deps;
use super::attach::attachments;
use super::churn::Churn;
use super::context::{Poll, PollFailure};
use super::extract::extract;
use super::follow::follow;
use super::health::{self, Seen};
use super::known::{Ask, ReadAhead};
use super::record::{Prepared, Recording, record};
use super::request::fetch_page;
use super::schedule::next_due;
use crate::alert::event::SourceRef;
use crate::alert::route;
use crate::config::model::{ItemExtent, SourceSpec};
use crate::extract::Observation;
use crate::fetch::{FetchOutcome, Validators};
use crate::ids::ChangeId;
use crate::store::{DocumentWrite, HealthWrite, ListingWrite, NewDelivery, PollCommit, PollResult, SourceState};

/// What one poll did, for progress lines, `check`'s summary and the scheduler.
#[derive(Debug, Clone)]
pub struct PollReport {
    pub source: crate::ids::SourceId,
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
    fn new(spec: &SourceSpec, baseline: bool) -> Self {
        Self {
            source: spec.id.clone(),
            baseline,
            error: None,
            warnings: Vec::new(),
            items: None,
            fetched: 0,
            not_modified: 0,
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

/// Polls one source and commits the result. Never fails: a failure is stored on the source and
/// returned in the report, so one failing source never stops the others.
pub async fn poll_source(deps: &Deps, spec: Arc<SourceSpec>) -> PollReport {
    let slot = deps.slots.take().await;
    poll_in_slot(deps, spec, slot).await
}

/// `poll_source` in a slot already taken (`PollSlots`), which it lets go of as `slots` says.
#[instrument(skip_all, fields(source = %spec.id))]
pub async fn poll_in_slot(deps: &Deps, spec: Arc<SourceSpec>, slot: Option<OwnedSemaphorePermit>) -> PollReport {
    let started = Instant::now();
    let now = deps.clock.now();
    let fingerprint = fingerprint(&spec);
    let (state, own_validators, ahead) = match read_state(deps, &spec, now, &fingerprint).await {
        Ok(read) => read,
        // Without its state a poll cannot tell a baseline from a change: polling anyway would
        // record changes that alert nobody. Fail it, visibly.
        Err(e) => return unreadable_state(deps, &spec, now, started, &PollFailure::from(e)).await,
    };
    let baseline = state.as_ref().is_none_or(|s| s.baseline_at.is_none());
    let conditional = may_ask_conditionally(state.as_ref(), &fingerprint);

    let mut poll = Poll::new(deps, &spec, conditional, own_validators);
    poll.ahead = ahead;
    let gathered = gather(&mut poll).await;
    let recorded = match gathered {
        Ok(mut gathered) => {
            let observations = std::mem::take(&mut gathered.observations);
            match record(deps, &spec, observations, baseline).await {
                Ok(recording) => Ok((gathered, recording)),
                Err(e) => Err(PollFailure::from(e)),
            }
        }
        Err(failure) => Err(failure),
    };

    let mut report = PollReport::new(&spec, baseline);
    report.warnings = std::mem::take(&mut poll.log.page_errors);
    report.fetched = poll.log.fetched;
    report.not_modified = poll.log.not_modified;
    let (health, health_events) = judge_health(deps, &spec, state.as_ref(), !conditional, &recorded, now);
    let failures = state.as_ref().map_or(0, |s| s.consecutive_failures);
    let base = PollCommit {
        source: spec.id.clone(),
        at: now,
        result: PollResult::Failed { status: None, error: String::new() },
        config_hash: None,
        next_due: None,
        validators: Vec::new(),
        listing: ListingWrite {
            recheck_interval: spec.recheck_interval,
            recheck_window: spec.recheck_window,
            ..ListingWrite::default()
        },
        documents: Vec::new(),
        fetch_log: std::mem::take(&mut poll.log.entries),
        health,
        health_events,
    };
    let jitter = fastrand::f64();
    let commit = match recorded {
        Ok((gathered, recording)) => {
            report.items = gathered.items;
            // A churning list's listing is not taken: its old documents stay listed, and the
            // links of this poll do not join the re-check queue.
            let listed = if recording.churn.is_some() { None } else { gathered.listed };
            let warning = summarise_warnings(&report.warnings);
            PollCommit {
                result: PollResult::Ok { status: gathered.status, items: gathered.items, warning },
                config_hash: Some(fingerprint),
                next_due: Some(next_due(now, spec.interval, 0, None, jitter)),
                validators: std::mem::take(&mut poll.log.validators),
                listing: ListingWrite { listed, rechecked: gathered.rechecked, ..base.listing },
                documents: alerts(deps, &spec, recording.prepared, now),
                ..base
            }
        }
        Err(failure) => {
            fail(&failure, &spec);
            report.error = Some(failure.message.clone());
            report.retry_after = failure.retry_after;
            PollCommit {
                result: PollResult::Failed { status: failure.status, error: failure.message },
                next_due: Some(next_due(now, spec.interval, failures + 1, failure.retry_after, jitter)),
                ..base
            }
        }
    };
    // Committing text keeps the slot (`slots`): texts must not pile up in the writer's queue.
    if commit.text_bytes() == 0 {
        drop(slot);
    }
    commit_poll(deps, commit, &mut report).await;
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

/// The source's state, the validators to send and what a 304 will need (`known`), in one store
/// call: an unchanged poll makes few, and each is a hop to the blocking pool and back.
async fn read_state(
    deps: &Deps,
    spec: &Arc<SourceSpec>,
    now: Timestamp,
    fingerprint: &str,
) -> crate::store::Result<(Option<SourceState>, Validators, ReadAhead)> {
    let (spec, fingerprint) = (Arc::clone(spec), fingerprint.to_owned());
    deps.store
        .call(move |s| {
            let reads = s.snapshot()?;
            let state = reads.source_state(&spec.id)?;
            let own_validators = reads.validators(spec.url.as_str())?;
            let ask = Ask::new(&spec, now, may_ask_conditionally(state.as_ref(), &fingerprint));
            let ahead = ReadAhead::read(&reads, &spec, &ask, &own_validators)?;
            Ok((state, own_validators, ahead))
        })
        .await
}

/// Whether a poll may send stored validators: not after the source's config changed, since a
/// changed selector or encoding must re-read pages the server would call unchanged.
fn may_ask_conditionally(state: Option<&SourceState>, fingerprint: &str) -> bool {
    state.is_some_and(|s| s.config_hash.as_deref() == Some(fingerprint))
}

/// The stages that talk to the network: fetch → extract → follow → attachments.
async fn gather(poll: &mut Poll<'_>) -> Result<Gathered, PollFailure> {
    let response = fetch(poll).await?;
    let (final_url, source_validators) = match &response {
        FetchOutcome::Fetched(f) => (f.final_url.clone(), Some(f.validators.clone())),
        FetchOutcome::NotModified { final_url, .. } => (final_url.clone(), None),
    };
    let mut extracted = extract(poll, response).await?;
    let followed = follow(poll, std::mem::take(&mut extracted.to_follow), &extracted.validators).await?;
    let mut parents = std::mem::take(&mut extracted.parents);
    parents.extend(followed.parents);
    let mut unchanged = std::mem::take(&mut extracted.unchanged);
    unchanged.extend(followed.unchanged);
    let attached = attachments(poll, parents, unchanged).await?;

    // After their parents: the store links an attachment to a document written before it.
    let mut observations = extracted.observations;
    observations.extend(followed.observations);
    observations.extend(attached);
    // The source URL's validators are kept only once everything it led to was read.
    if let Some(validators) = source_validators {
        poll.log.validators.push((poll.spec.url.to_string(), validators));
    }
    Ok(Gathered {
        observations,
        listed: extracted.listed,
        rechecked: extracted.rechecked,
        items: extracted.items,
        status: extracted.status,
        final_url: Some(final_url),
    })
}

/// The fetch stage: the prime request (cookies for the rest of the poll), then the source's own
/// URL, conditionally when the source's config is unchanged.
async fn fetch(poll: &mut Poll<'_>) -> Result<FetchOutcome, PollFailure> {
    let spec = Arc::clone(poll.spec);
    let validators = std::mem::take(&mut poll.own_validators);
    poll.prime().await?;
    let result = fetch_page(poll.deps, &spec.url, &validators, &poll.shape.for_url(&spec.url)).await;
    poll.log.note(&spec.url, &result);
    Ok(result?)
}

/// The alerts stage: each change's outbox rows, to be written in the poll's transaction.
fn alerts(deps: &Deps, spec: &SourceSpec, prepared: Vec<Prepared>, now: Timestamp) -> Vec<DocumentWrite> {
    let source = SourceRef { id: spec.id.clone(), name: spec.name.clone() };
    prepared
        .into_iter()
        .map(|Prepared { mut write, happened }| {
            if let Some(happened) = happened {
                write.deliveries = route::document_deliveries(&deps.config.subscribers, &source, happened, now);
            }
            write
        })
        .collect()
}

/// The health this poll leaves the source in, and the deliveries a change of it makes.
fn judge_health(
    deps: &Deps,
    spec: &SourceSpec,
    state: Option<&SourceState>,
    config_changed: bool,
    recorded: &Result<(Gathered, Recording), PollFailure>,
    now: Timestamp,
) -> (Option<HealthWrite>, Vec<NewDelivery>) {
    let seen = match recorded {
        Ok((g, _)) if g.status == Some(304) => Seen::NotModified { final_url: g.final_url.as_ref() },
        Ok((g, recording)) => Seen::Read {
            items: g.items,
            final_url: g.final_url.as_ref(),
            churn: recording.churn.as_ref().map(Churn::reason),
        },
        Err(failure) => Seen::Failed { error: &failure.message },
    };
    let health = health::judge(&deps.config, spec, state, config_changed, &seen);
    let Some((event, reason)) = health::transition(state, health.as_ref()) else { return (health, Vec::new()) };
    if health.as_ref().is_some_and(|h| h.problem.is_some()) {
        warn!(reason = %reason, "Source is unhealthy.");
    } else {
        info!("Source is healthy again.");
    }
    let source = SourceRef { id: spec.id.clone(), name: spec.name.clone() };
    (health, route::health_deliveries(&deps.config.subscribers, &source, event, reason, now))
}

fn fail(failure: &PollFailure, spec: &SourceSpec) {
    if failure.store {
        error!(url = %spec.url, error = %failure.message, "Poll failed on the database; will retry.");
    } else {
        warn!(url = %spec.url, error = %failure.message, "Poll failed; will retry.");
    }
}

/// The source's state could not be read: record the failure if the store takes writes at all,
/// with a backoff so a broken store is not hammered.
async fn unreadable_state(
    deps: &Deps,
    spec: &SourceSpec,
    now: Timestamp,
    started: Instant,
    failure: &PollFailure,
) -> PollReport {
    fail(failure, spec);
    let mut report = PollReport::new(spec, false);
    report.error = Some(failure.message.clone());
    commit_poll(deps, failed_commit(spec, now, 1, &failure.message), &mut report).await;
    report.elapsed = started.elapsed();
    report
}

/// A poll task that crashed committed nothing: record it as a failed poll so its source backs
/// off like any failing source (never due again at once).
pub async fn record_crash(deps: &Deps, spec: &SourceSpec, reason: &str) {
    let id = spec.id.clone();
    let failures = match deps.store.call(move |s| s.source_state(&id)).await {
        Ok(state) => state.map_or(0, |s| s.consecutive_failures),
        Err(_) => 0,
    };
    let commit = failed_commit(spec, deps.clock.now(), failures + 1, reason);
    let mut report = PollReport::new(spec, false);
    commit_poll(deps, commit, &mut report).await;
}

fn failed_commit(spec: &SourceSpec, now: Timestamp, failures: u32, message: &str) -> PollCommit {
    PollCommit {
        source: spec.id.clone(),
        at: now,
        result: PollResult::Failed { status: None, error: message.to_owned() },
        config_hash: None,
        next_due: Some(next_due(now, spec.interval, failures, None, fastrand::f64())),
        validators: Vec::new(),
        listing: ListingWrite::default(),
        documents: Vec::new(),
        fetch_log: Vec::new(),
        health: None,
        health_events: Vec::new(),
    }
}

async fn commit_poll(deps: &Deps, commit: PollCommit, report: &mut PollReport) {
    match deps.writer.commit(commit).await {
        Ok(receipt) => {
            report.new_documents = receipt.new_documents;
            report.new_versions = receipt.new_versions;
            report.changes = receipt.changes;
        }
        Err(e) => {
            error!(error = %e, "Could not store the poll; nothing from it was saved.");
            let stored = format!("storing the poll failed: {e}");
            report.error = Some(match report.error.take() {
                Some(first) => format!("{first}; {stored}"),
                None => stored,
            });
        }
    }
}

fn summarise_warnings(warnings: &[String]) -> Option<String> {
    let first = warnings.first()?;
    Some(match warnings.len() {
        1 => first.clone(),
        n => format!("{n} pages failed; first: {first}"),
    })
}

/// Identifies what of a source's config shapes its documents.
fn fingerprint(spec: &SourceSpec) -> String {
    use sha2::Digest;
    let mut parts = vec![spec.kind.as_str().to_owned(), spec.url.to_string(), spec.follow.to_string()];
    parts.push(spec.encoding.map_or("", |e| e.name()).to_owned());
    if let Some(list) = &spec.list {
        parts.extend([&list.item, &list.title].map(|s| s.source.clone()));
        parts.extend(
            [&list.link, &list.date, &list.deadline].map(|d| d.as_ref().map_or(String::new(), |d| d.source.clone())),
        );
        parts.push(list.json.as_ref().map_or(String::new(), ToString::to_string));
        // Only for lists read item by item, so other sources keep their fingerprint.
        if let Some(own) = &list.own_text {
            parts.push(match &own.extent {
                ItemExtent::Within(text) => format!("text={}", text.as_ref().map_or("", |t| t.source.as_str())),
                ItemExtent::Until(until) => format!("until={}", until.source),
            });
        }
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
    parts.extend(spec.strip_params.iter().cloned());
    hex::encode(sha2::Sha256::digest(parts.join("\u{1f}").as_bytes()))
}

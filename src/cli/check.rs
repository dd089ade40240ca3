//! `regwatch check`: one pass over the sources now. A progress bar at a terminal, one log line
//! per source otherwise; a summary at the end.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;
use tokio::task::JoinSet;

use super::context;
use super::output::{StdoutError, print_json, say};
use crate::config::model::SourceSpec;
use crate::escape::Escaped;
use crate::ids::ChangeId;
use crate::pipeline::{Deps, PollReport, poll_in_slot};
use crate::redact;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Only these sources (repeatable).
    #[arg(long = "source", value_name = "ID")]
    pub sources: Vec<String>,
    /// Print the pass as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct ReportJson<'a> {
    source: &'a str,
    baseline: bool,
    error: Option<Cow<'a, str>>,
    warnings: Vec<Cow<'a, str>>,
    items: Option<u32>,
    fetched: u32,
    not_modified: u32,
    new_documents: u32,
    new_versions: u32,
    changes: Vec<i64>,
    elapsed_ms: u32,
}

/// A finished poll as `check` keeps it for the summary: the counts in 32 bits, the source's
/// shared spec rather than a copy of its id, and boxed what most polls do not have. Whole
/// reports (about 230 bytes each) grew a 50,000-source pass by 11 MB by its end.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) spec: Arc<SourceSpec>,
    pub(crate) baseline: bool,
    pub(crate) items: Option<u32>,
    pub(crate) fetched: u32,
    pub(crate) not_modified: u32,
    pub(crate) new_documents: u32,
    pub(crate) new_versions: u32,
    pub(crate) elapsed_ms: u32,
    notes: Option<Box<Notes>>,
}

/// What went wrong in a poll, and the changes it recorded.
#[derive(Debug)]
struct Notes {
    error: Option<String>,
    warnings: Vec<String>,
    changes: Vec<ChangeId>,
}

impl Checked {
    fn new(spec: Arc<SourceSpec>, report: PollReport) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let PollReport { error, warnings, changes, .. } = report;
        let notes = (error.is_some() || !warnings.is_empty() || !changes.is_empty())
            .then(|| Box::new(Notes { error, warnings, changes }));
        Self {
            spec,
            baseline: report.baseline,
            items: report.items.map(count),
            fetched: count(report.fetched),
            not_modified: count(report.not_modified),
            new_documents: count(report.new_documents),
            new_versions: count(report.new_versions),
            elapsed_ms: u32::try_from(report.elapsed.as_millis()).unwrap_or(u32::MAX),
            notes,
        }
    }

    pub(crate) fn source(&self) -> &str {
        self.spec.id.as_str()
    }

    /// Why the poll failed; `None` when it succeeded.
    pub(crate) fn error(&self) -> Option<&str> {
        self.notes.as_ref().and_then(|n| n.error.as_deref())
    }

    /// Problems with individual pages of an otherwise successful poll.
    pub(crate) fn warnings(&self) -> &[String] {
        self.notes.as_ref().map_or(&[], |n| &n.warnings)
    }

    pub(crate) fn changes(&self) -> &[ChangeId] {
        self.notes.as_ref().map_or(&[], |n| &n.changes)
    }
}

pub(super) fn run(config: Option<&Path>, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let config = context::load_config(config)?;
    let specs = select(&config.sources, &args.sources)?;
    let deps = context::deps(Arc::clone(&config))?;
    let courier = context::courier(&config, &deps.store, &deps.topics)?;
    let runtime = context::runtime()?;
    let reports = runtime.block_on(check_all(&deps, specs, !args.json));
    // Whatever is due goes out before exit: immediate alerts of this pass, retries, digests.
    let round = runtime.block_on(courier.deliver_due())?;
    if round != crate::alert::RoundReport::default() {
        tracing::info!(
            delivered = round.delivered,
            retrying = round.retrying,
            dead = round.dead,
            digests = round.digests,
            "Delivery round finished."
        );
    }
    if args.json {
        let json: Vec<ReportJson<'_>> = reports.iter().map(to_json).collect();
        print_json(&json)?;
    } else {
        print_summary(&reports)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The sources to poll: the named ones (unknown ids are an error) or every enabled one.
fn select(all: &[Arc<SourceSpec>], wanted: &[String]) -> anyhow::Result<Vec<Arc<SourceSpec>>> {
    if wanted.is_empty() {
        return Ok(all.iter().filter(|s| s.enabled).cloned().collect());
    }
    wanted
        .iter()
        .map(|id| {
            all.iter()
                .find(|s| s.id.as_str() == id)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("no source with id `{id}` in the config"))
        })
        .collect()
}

/// Polls every source, at most `max_concurrency` at once (`PollSlots`), and a writer's group
/// more waiting for their commits. A poll is spawned once a slot is free, not before: a
/// waiting task holds its future's whole state, and 50,000 of them cost hundreds of megabytes
/// before the first poll finishes.
pub(crate) async fn check_all(deps: &Deps, specs: Vec<Arc<SourceSpec>>, show_progress: bool) -> Vec<Checked> {
    let bar = progress_bar(specs.len(), show_progress);
    // One report per source, allocated once: at 50,000 sources doubling overshot by 3 MB.
    let mut reports = Vec::with_capacity(specs.len());
    let at_once = deps.slots.polls_at_once();
    let mut pending = specs.into_iter().peekable();
    let mut tasks = JoinSet::new();
    let log_each = bar.is_none();
    loop {
        let startable = tasks.len() < at_once && pending.peek().is_some();
        let joined = tokio::select! {
            slot = deps.slots.take(), if startable => {
                if let Some(spec) = pending.next() {
                    let deps = deps.clone();
                    tasks.spawn(async move {
                        let report = poll_in_slot(&deps, Arc::clone(&spec), slot).await;
                        if log_each {
                            log_report(&report);
                        }
                        Checked::new(spec, report)
                    });
                }
                continue;
            }
            Some(joined) = tasks.join_next() => joined,
            else => break,
        };
        match joined {
            Ok(report) => {
                if let Some(bar) = &bar {
                    bar.inc(1);
                    bar.set_message(report.source().to_owned());
                }
                reports.push(report);
            }
            Err(e) => tracing::error!(error = %e, "A poll task crashed."),
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Ids are unique, so an unstable sort gives the same order, without the stable sort's
    // scratch buffer (8 MB at 50,000 sources).
    reports.sort_unstable_by(|a, b| a.spec.id.cmp(&b.spec.id));
    reports
}

fn progress_bar(len: usize, wanted: bool) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    Some(bar)
}

fn log_report(report: &PollReport) {
    if let Some(error) = &report.error {
        tracing::warn!(source = %report.source, error = %error, "Source failed.");
    } else {
        tracing::info!(
            source = %report.source,
            items = report.items.unwrap_or(0),
            fetched = report.fetched,
            not_modified = report.not_modified,
            new = report.new_documents,
            versions = report.new_versions,
            "Source checked."
        );
    }
}

fn to_json(r: &Checked) -> ReportJson<'_> {
    ReportJson {
        source: r.source(),
        baseline: r.baseline,
        error: r.error().map(redact::text),
        warnings: r.warnings().iter().map(|w| redact::text(w)).collect(),
        items: r.items,
        fetched: r.fetched,
        not_modified: r.not_modified,
        new_documents: r.new_documents,
        new_versions: r.new_versions,
        changes: r.changes().iter().map(|c| c.0).collect(),
        elapsed_ms: r.elapsed_ms,
    }
}

fn print_summary(reports: &[Checked]) -> Result<(), StdoutError> {
    for r in reports {
        let state = match (r.error(), r.baseline) {
            (Some(e), _) => format!("FAILED: {}", Escaped(redact::text(e))),
            (None, true) => format!("baseline: {} documents", r.new_documents),
            (None, false) => {
                format!("{} new, {} changed", r.new_documents, r.new_versions.saturating_sub(r.new_documents))
            }
        };
        say!("{:<24} {state}", r.source())?;
        for warning in r.warnings() {
            say!("{:<24}   warning: {}", "", Escaped(redact::text(warning)))?;
        }
    }
    let failed = reports.iter().filter(|r| r.error().is_some()).count();
    let changes: usize = reports.iter().map(|r| r.changes().len()).sum();
    say!("{} sources checked, {failed} failed, {changes} changes recorded", reports.len())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn spec(dir: &Path) -> Arc<SourceSpec> {
        let toml = "[[source]]\nid = \"cac\"\nkind = \"page\"\nurl = \"https://example.org/cac\"\n";
        std::fs::write(dir.join("c.toml"), toml).unwrap();
        let config = crate::config::load(&dir.join("c.toml"), &[]).unwrap().config;
        Arc::clone(&config.sources[0])
    }

    fn report(spec: &SourceSpec) -> PollReport {
        PollReport {
            source: spec.id.clone(),
            baseline: false,
            error: None,
            warnings: Vec::new(),
            items: Some(12),
            fetched: 3,
            not_modified: 9,
            new_documents: 1,
            new_versions: 2,
            changes: Vec::new(),
            retry_after: None,
            elapsed: Duration::from_millis(1_250),
        }
    }

    #[test]
    fn a_clean_poll_is_kept_in_a_few_words_and_its_counts_survive() {
        let dir = tempfile::tempdir().unwrap();
        let spec = spec(dir.path());
        let checked = Checked::new(Arc::clone(&spec), report(&spec));
        assert!(checked.notes.is_none(), "nothing went wrong, nothing to box");
        assert_eq!(checked.source(), "cac");
        assert_eq!((checked.items, checked.fetched, checked.not_modified), (Some(12), 3, 9));
        assert_eq!((checked.new_documents, checked.new_versions, checked.elapsed_ms), (1, 2, 1_250));
        // What 50,000 of them cost by the end of a pass: 3 MB here, 11 MB as whole reports.
        assert!(std::mem::size_of::<Checked>() <= 56, "{} bytes", std::mem::size_of::<Checked>());
    }

    #[test]
    fn errors_warnings_and_changes_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let spec = spec(dir.path());
        let mut failed = report(&spec);
        failed.error = Some("timed out".to_owned());
        failed.warnings = vec!["one page was empty".to_owned()];
        failed.changes = vec![ChangeId(7), ChangeId(9)];
        failed.fetched = usize::MAX;
        let checked = Checked::new(spec, failed);
        assert_eq!(checked.error(), Some("timed out"));
        assert_eq!(checked.warnings(), ["one page was empty"]);
        assert_eq!(checked.changes(), [ChangeId(7), ChangeId(9)]);
        assert_eq!(checked.fetched, u32::MAX, "a count past 32 bits saturates");
    }
}

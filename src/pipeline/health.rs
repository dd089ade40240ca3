//! Source health: judging a poll (failing N times in a row, a list that matches nothing or
//! dropped to zero items, a list URL that now redirects somewhere new), and which event a change
//! of health is, so a broken watch is never silent. `alert::route` turns the event into
//! deliveries.

use url::Url;

use crate::config::model::{Config, EventType, SourceKind, SourceSpec};
use crate::redact::Redacted;
use crate::store::{HealthKind, HealthProblem, HealthWrite, SourceState};

/// What a poll saw that bears on health.
#[derive(Debug, Clone)]
pub(super) enum Seen<'a> {
    /// The list (or page) was read: how many items, where the URL led, and whether its links
    /// change on every poll.
    Read {
        items: Option<usize>,
        final_url: Option<&'a Url>,
        churn: Option<String>,
    },
    /// Answered 304: nothing new about the list's shape, but maybe about where it lives.
    NotModified {
        final_url: Option<&'a Url>,
    },
    Failed {
        error: &'a str,
    },
}

/// The health to store after this poll; `None` keeps what is stored.
pub(super) fn judge(
    config: &Config,
    spec: &SourceSpec,
    state: Option<&SourceState>,
    config_changed: bool,
    seen: &Seen<'_>,
) -> Option<HealthWrite> {
    let was_unhealthy_by = state.and_then(|s| s.health_kind);
    match seen {
        Seen::Failed { error } => {
            let failures = state.map_or(0, |s| s.consecutive_failures) + 1;
            (failures >= config.fetch.unhealthy_after).then(|| HealthWrite {
                problem: Some(HealthProblem {
                    kind: HealthKind::Failing,
                    reason: format!("failed {failures} times in a row; last: {error}"),
                }),
                final_url: None,
            })
        }
        Seen::NotModified { final_url } => match moved(spec, state, config_changed, *final_url) {
            Some(problem) => Some(HealthWrite { problem: Some(problem), final_url: None }),
            // The server answers again and the list is as it was when last read.
            None => matches!(was_unhealthy_by, Some(HealthKind::Failing | HealthKind::Redirected))
                .then_some(HealthWrite { problem: None, final_url: None }),
        },
        Seen::Read { items, final_url, churn } => {
            let empty = items.filter(|n| *n == 0).map(|_| {
                let before = state.and_then(|s| s.last_item_count).filter(|n| *n > 0 && !config_changed);
                let what = nothing_matched(spec);
                let reason = match before {
                    Some(n) => format!("item count dropped to zero (was {n}): {what}"),
                    None => what,
                };
                HealthProblem { kind: HealthKind::Empty, reason }
            });
            let moved = moved(spec, state, config_changed, *final_url);
            // A redirected list keeps the old destination as the healthy one.
            let remember = if moved.is_some() { None } else { final_url.map(crate::redact::url) };
            let churning = churn.clone().map(|reason| HealthProblem { kind: HealthKind::Churning, reason });
            Some(HealthWrite { problem: empty.or(churning).or(moved), final_url: remember })
        }
    }
}

/// The list URL leads somewhere other than where it led while healthy.
fn moved(
    spec: &SourceSpec,
    state: Option<&SourceState>,
    config_changed: bool,
    final_url: Option<&Url>,
) -> Option<HealthProblem> {
    let known = state.and_then(|s| s.final_url.as_deref()).filter(|_| !config_changed)?;
    // The destination is remembered masked (`remember` above): compare it that way.
    let now = crate::redact::url(final_url?);
    (known != now).then(|| HealthProblem {
        kind: HealthKind::Redirected,
        reason: format!("{} now leads to {now} (was {known})", Redacted(&spec.url)),
    })
}

fn nothing_matched(spec: &SourceSpec) -> String {
    match (spec.kind, &spec.list, &spec.json) {
        (SourceKind::HtmlList, Some(list), _) => {
            format!("list selector `{}` matched nothing at {}", list.item.source, Redacted(&spec.url))
        }
        (SourceKind::JsonList, _, Some(json)) => {
            format!("JSON path `{}` held no items at {}", json.items, Redacted(&spec.url))
        }
        _ => format!("the feed at {} has no entries", Redacted(&spec.url)),
    }
}

/// The event a change of health is: `source.unhealthy` on becoming unhealthy (or unhealthy for
/// another cause), `source.recovered` on becoming healthy again; `None` when nothing changed.
pub(super) fn transition(state: Option<&SourceState>, write: Option<&HealthWrite>) -> Option<(EventType, String)> {
    let write = write?;
    let was = state.and_then(|s| s.health_kind);
    match (&write.problem, was) {
        (Some(problem), was) if was != Some(problem.kind) => Some((EventType::SourceUnhealthy, problem.reason.clone())),
        (None, Some(was)) => Some((EventType::SourceRecovered, format!("healthy again (was {})", was.as_str()))),
        _ => None,
    }
}
